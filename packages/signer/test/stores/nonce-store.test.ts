import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, inject } from "vitest";
import { MemoryNonceStore } from "../../src/stores/memory-nonce-store.js";
import { closeRedis } from "../../src/stores/redis-connection.js";
import { RedisNonceStore } from "../../src/stores/redis-nonce-store.js";
import { runNonceStoreSuite, type TestClock } from "./nonce-store.conformance.js";
import { randomPrefix, readyClient, sleep } from "./store-test-support.js";

function virtualClock(): TestClock {
  let t = Date.now();
  return {
    now: () => t,
    advance: async (ms) => {
      t += ms;
    },
  };
}

const realClock: TestClock = { now: () => Date.now(), advance: (ms) => sleep(ms) };

runNonceStoreSuite("memory", async () => {
  const store = new MemoryNonceStore();
  return { store, clock: virtualClock(), cleanup: () => store.close() };
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

  // Redis expires keys on its own clock (PX), so this suite waits in real time.
  runNonceStoreSuite("redis", async () => {
    const prefix = randomPrefix("nonce");
    const store = new RedisNonceStore(a, { prefix });
    const peer = new RedisNonceStore(b, { prefix });
    return { store, peer, clock: realClock, cleanup: async () => void (await Promise.all([store.close(), peer.close()])) };
  });
});
