import { randomUUID } from "node:crypto";
import { describe, expect, inject, it } from "vitest";
import { createStores, StoresConfigError, type StoresConfig } from "../../src/stores/create-stores.js";
import { MemoryNonceStore } from "../../src/stores/memory-nonce-store.js";
import { MemoryRateLimiter } from "../../src/stores/memory-rate-limiter.js";
import { MemorySpendStore } from "../../src/stores/memory-spend-store.js";
import { waitForRedisReady } from "../../src/stores/redis-connection.js";
import { RedisNonceStore } from "../../src/stores/redis-nonce-store.js";
import { RedisRateLimiter } from "../../src/stores/redis-rate-limiter.js";
import { RedisSpendStore } from "../../src/stores/redis-spend-store.js";
import { StoreUnavailableError } from "../../src/stores/store-types.js";
import { randomPrefix } from "./store-test-support.js";

const memoryConfig: StoresConfig = {
  replay: "memory",
  rateLimit: { enabled: false, backend: "memory", windowMs: 60_000, maxRequests: 120 },
  spend: "memory",
};

describe("createStores", () => {
  it("builds memory stores without any Redis client, and no limiter when disabled", async () => {
    const stores = createStores(memoryConfig);
    expect(stores.nonces).toBeInstanceOf(MemoryNonceStore);
    expect(stores.spend).toBeInstanceOf(MemorySpendStore);
    expect(stores.rateLimiter).toBeUndefined();
    expect(stores.redis).toBeUndefined();
    await stores.close();
    await expect(stores.nonces.ping()).rejects.toBeInstanceOf(StoreUnavailableError);
  });

  it("builds a memory limiter with the configured window and budget", async () => {
    const stores = createStores({
      ...memoryConfig,
      rateLimit: { enabled: true, backend: "memory", windowMs: 1000, maxRequests: 1 },
    });
    expect(stores.rateLimiter).toBeInstanceOf(MemoryRateLimiter);
    expect((await stores.rateLimiter!.hit("k", 5_000)).resetAtMs).toBe(6_000);
    expect((await stores.rateLimiter!.hit("k", 5_001)).allowed).toBe(false);
    await stores.close();
  });

  it("refuses a Redis backend without a Redis URL", () => {
    expect(() => createStores({ ...memoryConfig, replay: "redis" })).toThrow(StoresConfigError);
    expect(() => createStores({ ...memoryConfig, spend: "redis" })).toThrow(StoresConfigError);
    expect(() =>
      createStores({ ...memoryConfig, rateLimit: { ...memoryConfig.rateLimit, enabled: true, backend: "redis" } }),
    ).toThrow(StoresConfigError);
    // A disabled Redis limiter needs no Redis.
    expect(() => createStores({ ...memoryConfig, rateLimit: { ...memoryConfig.rateLimit, backend: "redis" } })).not.toThrow();
  });

  const redisUrl = inject("redisUrl");

  it.skipIf(!redisUrl)("puts every Redis-backed store on one shared client, with the configured prefixes", async () => {
    const prefix = randomPrefix("create");
    const errors: string[] = [];
    const stores = createStores(
      {
        replay: "redis",
        rateLimit: { enabled: true, backend: "redis", windowMs: 60_000, maxRequests: 5 },
        spend: "redis",
        redis: {
          url: redisUrl,
          noncePrefix: `${prefix}n:`,
          rateLimitPrefix: `${prefix}rl:`,
          spendPrefix: `${prefix}s:`,
        },
      },
      { onRedisError: (m) => errors.push(m) },
    );
    const redis = stores.redis!;
    try {
      expect(stores.nonces).toBeInstanceOf(RedisNonceStore);
      expect(stores.rateLimiter).toBeInstanceOf(RedisRateLimiter);
      expect(stores.spend).toBeInstanceOf(RedisSpendStore);
      expect(await waitForRedisReady(redis, 5000)).toBe(true);
      const nonce = randomUUID();
      const now = Date.now();
      expect(await stores.nonces.consume(nonce, 60_000, now)).toBe(true);
      expect(await redis.exists(`${prefix}n:${nonce}`)).toBe(1);
      await stores.rateLimiter!.hit("k", now);
      expect(await redis.exists(`${prefix}rl:${Math.floor(now / 60_000)}:k`)).toBe(1);
      await stores.spend.reserve([{ key: "b", amount: 1n, max: 2n, windowMs: 60_000 }], now, randomUUID());
      expect(await redis.exists(`${prefix}s:r:b`, `${prefix}s:t:b`)).toBe(2);
    } finally {
      await stores.close();
    }
    expect(redis.status).toBe("end");
    expect(errors).toEqual([]);
  });

  it.skipIf(!redisUrl)("mixes backends: only the Redis-configured stores use the client", async () => {
    const stores = createStores({
      replay: "redis",
      rateLimit: { enabled: true, backend: "memory", windowMs: 60_000, maxRequests: 5 },
      spend: "memory",
      redis: { url: redisUrl, noncePrefix: randomPrefix("mix"), rateLimitPrefix: "x:", spendPrefix: "y:" },
    });
    try {
      expect(stores.nonces).toBeInstanceOf(RedisNonceStore);
      expect(stores.rateLimiter).toBeInstanceOf(MemoryRateLimiter);
      expect(stores.spend).toBeInstanceOf(MemorySpendStore);
      expect(stores.redis).toBeDefined();
    } finally {
      await stores.close();
    }
  });
});
