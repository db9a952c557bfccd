import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, inject } from "vitest";
import { MemoryRateLimiter } from "../../src/stores/memory-rate-limiter.js";
import { closeRedis } from "../../src/stores/redis-connection.js";
import { RedisRateLimiter } from "../../src/stores/redis-rate-limiter.js";
import { runRateLimiterSuite } from "./rate-limiter.conformance.js";
import { randomPrefix, readyClient } from "./store-test-support.js";

runRateLimiterSuite("memory", async (windowMs, maxRequests) => {
  const limiter = new MemoryRateLimiter({ windowMs, maxRequests });
  return { limiter, cleanup: () => limiter.close() };
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

  runRateLimiterSuite("redis", async (windowMs, maxRequests) => {
    const prefix = randomPrefix("ratelimit");
    const limiter = new RedisRateLimiter(a, { windowMs, maxRequests, prefix });
    const peer = new RedisRateLimiter(b, { windowMs, maxRequests, prefix });
    return { limiter, peer, cleanup: async () => void (await Promise.all([limiter.close(), peer.close()])) };
  });
});
