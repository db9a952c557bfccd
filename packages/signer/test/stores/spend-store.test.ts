import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, inject } from "vitest";
import { MemorySpendStore } from "../../src/stores/memory-spend-store.js";
import { closeRedis } from "../../src/stores/redis-connection.js";
import { RedisSpendStore } from "../../src/stores/redis-spend-store.js";
import { runSpendStoreSuite } from "./spend-store.conformance.js";
import { randomPrefix, readyClient } from "./store-test-support.js";

runSpendStoreSuite("memory", async (options) => {
  const store = new MemorySpendStore(options);
  return { store, cleanup: () => store.close() };
});

const redisUrl = inject("redisUrl");

describe.skipIf(!redisUrl)("redis (two clients: two sidecar instances)", () => {
  let a: Redis;
  let b: Redis;
  beforeAll(async () => {
    a = await readyClient(redisUrl);
    b = await readyClient(redisUrl);
  });
  afterAll(async () => {
    await closeRedis(a);
    await closeRedis(b);
  });

  runSpendStoreSuite("redis", async (options) => {
    const prefix = randomPrefix("spend");
    const store = new RedisSpendStore(a, { prefix, ...options });
    const peer = new RedisSpendStore(b, { prefix, ...options });
    return { store, peer, cleanup: async () => void (await Promise.all([store.close(), peer.close()])) };
  });
});
