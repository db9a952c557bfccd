import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { closeRedis } from "../../src/stores/redis-connection.js";
import { DEFAULT_REDIS_NONCE_PREFIX, RedisNonceStore } from "../../src/stores/redis-nonce-store.js";
import { DEFAULT_REDIS_RATE_LIMIT_PREFIX, RedisRateLimiter } from "../../src/stores/redis-rate-limiter.js";
import { DEFAULT_REDIS_SPEND_PREFIX, RedisSpendStore } from "../../src/stores/redis-spend-store.js";
import { StoreUnavailableError } from "../../src/stores/store-types.js";
import { randomPrefix, readyClient } from "./store-test-support.js";

const redisUrl = inject("redisUrl");

/** SISNA's key layouts, TTLs on every key, script caching, and fail-closed on bad data. */
describe.skipIf(!redisUrl)("Redis store layouts", () => {
  let redis: Redis;
  beforeAll(async () => {
    redis = await readyClient(redisUrl);
  });
  afterAll(async () => {
    await closeRedis(redis);
  });

  it("nonce: SET prefix+key = nowMs with PX ttl, under SISNA's default prefix", async () => {
    expect(DEFAULT_REDIS_NONCE_PREFIX).toBe("starknet-keyring-proxy:nonce:");
    const store = new RedisNonceStore(redis);
    const key = `client|${randomUUID()}`;
    const redisKey = `${DEFAULT_REDIS_NONCE_PREFIX}${key}`;
    try {
      expect(await store.consume(key, 60_000, 1_700_000_000_123)).toBe(true);
      expect(await redis.get(redisKey)).toBe("1700000000123");
      const pttl = await redis.pttl(redisKey);
      expect(pttl).toBeGreaterThan(0);
      expect(pttl).toBeLessThanOrEqual(60_000);
    } finally {
      await redis.del(redisKey);
    }
  });

  it("rate limit: prefix+bucketId:key counts hits and expires after two windows", async () => {
    expect(DEFAULT_REDIS_RATE_LIMIT_PREFIX).toBe("starknet-keyring-proxy:ratelimit:");
    const limiter = new RedisRateLimiter(redis, { windowMs: 60_000, maxRequests: 5 });
    const key = `client:0xabc:${randomUUID()}`;
    const now = Date.now();
    const redisKey = `${DEFAULT_REDIS_RATE_LIMIT_PREFIX}${Math.floor(now / 60_000)}:${key}`;
    try {
      await limiter.hit(key, now);
      await limiter.hit(key, now);
      await limiter.peek(key, now);
      expect(await redis.get(redisKey)).toBe("2");
      const pttl = await redis.pttl(redisKey);
      expect(pttl).toBeGreaterThan(60_000);
      expect(pttl).toBeLessThanOrEqual(120_000);
    } finally {
      await redis.del(redisKey);
    }
  });

  it("spend: a sorted set of id:index:amount scored by time, its sum, both with a TTL of one window", async () => {
    expect(DEFAULT_REDIS_SPEND_PREFIX).toBe("airlock:spend:");
    const store = new RedisSpendStore(redis);
    const a = `key:${randomUUID()}`;
    const b = `key:${randomUUID()}`;
    const keys = [a, b].flatMap((k) => [`${DEFAULT_REDIS_SPEND_PREFIX}r:${k}`, `${DEFAULT_REDIS_SPEND_PREFIX}t:${k}`]);
    const id = randomUUID();
    const now = Date.now();
    const big = (1n << 255n) + 7n;
    const charges = [
      { key: a, amount: 5n, max: 100n, windowMs: 30_000 },
      { key: b, amount: big, max: (1n << 256n) - 1n, windowMs: 30_000 },
      { key: a, amount: 6n, max: 100n, windowMs: 30_000 },
    ];
    try {
      expect(await store.reserve(charges, now, id)).toEqual({ ok: true });
      expect(await redis.zrange(`${DEFAULT_REDIS_SPEND_PREFIX}r:${a}`, "0", "-1", "WITHSCORES")).toEqual([
        `${id}:0:5`,
        String(now),
        `${id}:2:6`,
        String(now),
      ]);
      expect(await redis.zrange(`${DEFAULT_REDIS_SPEND_PREFIX}r:${b}`, "0", "-1")).toEqual([`${id}:1:${big}`]);
      expect(await redis.get(`${DEFAULT_REDIS_SPEND_PREFIX}t:${a}`)).toBe("11");
      expect(await redis.get(`${DEFAULT_REDIS_SPEND_PREFIX}t:${b}`)).toBe(big.toString());
      for (const k of keys) {
        const pttl = await redis.pttl(k);
        expect(pttl).toBeGreaterThan(0);
        expect(pttl).toBeLessThanOrEqual(30_000);
      }
      await store.release(charges, id);
      expect(await redis.exists(...keys)).toBe(0);
    } finally {
      await redis.del(...keys);
    }
  });

  it("spend: keeps the running total exact as records leave, and recomputes a lost or damaged one", async () => {
    const prefix = randomPrefix("total");
    const store = new RedisSpendStore(redis, { prefix });
    const t0 = Date.now();
    const c = (amount: bigint) => [{ key: "k", amount, max: 100n, windowMs: 1000 }];
    const total = () => redis.get(`${prefix}t:k`);
    const r1 = randomUUID();
    expect(await store.reserve(c(30n), t0, r1)).toEqual({ ok: true });
    expect(await store.reserve(c(40n), t0 + 500, randomUUID())).toEqual({ ok: true });
    expect(await total()).toBe("70");
    // Lost total (eviction): recounted from the records.
    await redis.del(`${prefix}t:k`);
    expect(await store.check(c(31n), t0 + 600)).toEqual({ ok: false, index: 0, spent: 70n });
    // Malformed total: recounted too.
    await redis.set(`${prefix}t:k`, "garbage", "PX", 60_000);
    expect(await store.check(c(31n), t0 + 600)).toEqual({ ok: false, index: 0, spent: 70n });
    // A total smaller than the records leaving the window: recounted from what stays.
    await redis.set(`${prefix}t:k`, "10", "PX", 60_000);
    expect(await store.check(c(61n), t0 + 1000)).toEqual({ ok: false, index: 0, spent: 40n });
    // A reservation prunes the record from t0 and writes the exact total back.
    expect(await store.reserve(c(60n), t0 + 1000, randomUUID())).toEqual({ ok: true });
    expect(await total()).toBe("100");
    expect(await redis.zcard(`${prefix}r:k`)).toBe(2);
    // Release with a lost total recounts as well; releasing the pruned r1 changes nothing.
    await redis.del(`${prefix}t:k`);
    await store.release(c(30n), r1);
    expect(await store.check(c(1n), t0 + 1000)).toEqual({ ok: false, index: 0, spent: 100n });
    // A set that is gone counts as empty whatever its total says.
    await redis.del(`${prefix}r:k`);
    await redis.set(`${prefix}t:k`, "100", "PX", 60_000);
    expect(await store.reserve(c(100n), t0 + 1000, randomUUID())).toEqual({ ok: true });
    expect(await total()).toBe("100");
    await redis.del(`${prefix}r:k`, `${prefix}t:k`);
  });

  it("keeps working after the server drops its script cache (EVALSHA falls back to EVAL)", async () => {
    const prefix = randomPrefix("flush");
    const store = new RedisSpendStore(redis, { prefix });
    const limiter = new RedisRateLimiter(redis, { windowMs: 1000, maxRequests: 10, prefix });
    const c = [{ key: "k", amount: 1n, max: 10n, windowMs: 60_000 }];
    expect(await store.reserve(c, Date.now(), randomUUID())).toEqual({ ok: true });
    expect((await limiter.hit("k", Date.now())).allowed).toBe(true);
    await redis.script("FLUSH");
    expect(await store.reserve(c, Date.now(), randomUUID())).toEqual({ ok: true });
    expect(await store.check(c, Date.now())).toEqual({ ok: true });
    expect((await limiter.hit("k", Date.now())).allowed).toBe(true);
  });

  it("fails closed on data it did not write", async () => {
    const prefix = randomPrefix("corrupt");
    const now = Date.now();
    const spend = new RedisSpendStore(redis, { prefix });
    const c = [{ key: "k", amount: 1n, max: 10n, windowMs: 60_000 }];
    // A record without an amount, and no total: the recount meets it.
    await redis.zadd(`${prefix}r:k`, now, "no-amount-here");
    await expect(spend.check(c, now)).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(spend.reserve(c, now, randomUUID())).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(await redis.zrange(`${prefix}r:k`, "0", "-1")).toEqual(["no-amount-here"]);
    await redis.del(`${prefix}r:k`);
    await redis.set(`${prefix}r:k`, "not a sorted set");
    await expect(spend.reserve(c, now, randomUUID())).rejects.toBeInstanceOf(StoreUnavailableError);

    const limiter = new RedisRateLimiter(redis, { windowMs: 60_000, maxRequests: 5, prefix });
    const rlKey = `${prefix}${Math.floor(now / 60_000)}:r`;
    await redis.set(rlKey, "12abc", "PX", 60_000);
    await expect(limiter.hit("r", now)).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(limiter.peek("r", now)).rejects.toBeInstanceOf(StoreUnavailableError);

    const nonces = new RedisNonceStore(redis, { prefix });
    await redis.hset(`${prefix}n`, "f", "v");
    // SET … NX on a key of another type simply reports it taken: still not a first use.
    expect(await nonces.consume("n", 1000, now)).toBe(false);
    await redis.del(`${prefix}r:k`, rlKey, `${prefix}n`);
  });

  it("keeps command arguments out of the error it throws", async () => {
    const prefix = randomPrefix("cause");
    const now = Date.now();
    await redis.set(`${prefix}r:k`, "not a sorted set");
    const spend = new RedisSpendStore(redis, { prefix });
    const err = await spend
      .reserve([{ key: "k", amount: 123456789n, max: 10n ** 30n, windowMs: 60_000 }], now, "secret-request-id")
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreUnavailableError);
    const cause = (err as StoreUnavailableError).cause as Error;
    expect(Object.keys(cause)).toEqual([]);
    expect(`${cause.message} ${(err as Error).message}`).not.toContain("secret-request-id");
    await redis.del(`${prefix}r:k`);
  });

  it("measures the loopback latency of a nonce consume (logged, not asserted)", async () => {
    const prefix = randomPrefix("latency");
    const store = new RedisNonceStore(redis, { prefix });
    const limiter = new RedisRateLimiter(redis, { windowMs: 60_000, maxRequests: 1_000_000, prefix });
    const spend = new RedisSpendStore(redis, { prefix });
    const N = 2000;
    for (let i = 0; i < 200; i++) await store.consume(`warm-${i}`, 10_000, Date.now());
    let t = process.hrtime.bigint();
    let fresh = 0;
    for (let i = 0; i < N; i++) if (await store.consume(`n-${i}`, 10_000, Date.now())) fresh++;
    const nonceUs = Number(process.hrtime.bigint() - t) / 1000 / N;
    expect(fresh).toBe(N);
    t = process.hrtime.bigint();
    for (let i = 0; i < N; i++) await limiter.hit("k", Date.now());
    const hitUs = Number(process.hrtime.bigint() - t) / 1000 / N;
    const c = [{ key: "s", amount: 1n, max: 1n << 64n, windowMs: 10_000 }];
    t = process.hrtime.bigint();
    for (let i = 0; i < N; i++) expect((await spend.reserve(c, Date.now(), `r${i}`)).ok).toBe(true);
    const reserveUs = Number(process.hrtime.bigint() - t) / 1000 / N;
    t = process.hrtime.bigint();
    const parallel = await Promise.all(Array.from({ length: N }, (_, i) => store.consume(`p-${i}`, 10_000, Date.now())));
    const parallelUs = Number(process.hrtime.bigint() - t) / 1000 / N;
    expect(parallel.every((r) => r)).toBe(true);
    console.log(
      `[store latency, loopback, ${N} ops each] nonce consume ${nonceUs.toFixed(1)} µs/op sequential, ` +
        `${parallelUs.toFixed(1)} µs/op with ${N} in flight; rate-limit hit ${hitUs.toFixed(1)} µs/op; ` +
        `spend reserve (1 charge, key growing to ${N} records) ${reserveUs.toFixed(1)} µs/op`,
    );
    await redis.del(`${prefix}r:s`, `${prefix}t:s`);
  });
});
