import { describe, expect, it } from "vitest";
import { DEFAULT_MEMORY_NONCE_CAP, MemoryNonceStore } from "../../src/stores/memory-nonce-store.js";
import { MemoryRateLimiter } from "../../src/stores/memory-rate-limiter.js";
import { MemorySpendStore } from "../../src/stores/memory-spend-store.js";
import { StoreUnavailableError } from "../../src/stores/store-types.js";

const T = 1_700_000_000_000;

describe("MemoryNonceStore bounds", () => {
  it("defaults to a cap of 1,000,000 and rejects a bad cap", () => {
    expect(DEFAULT_MEMORY_NONCE_CAP).toBe(1_000_000);
    expect(() => new MemoryNonceStore({ maxEntries: 0 })).toThrow(RangeError);
    expect(() => new MemoryNonceStore({ maxEntries: 2.5 })).toThrow(RangeError);
  });

  it("refuses new nonces at the cap instead of evicting live ones, and recovers as they expire", async () => {
    const store = new MemoryNonceStore({ maxEntries: 3 });
    for (const k of ["a", "b", "c"]) expect(await store.consume(k, 1000, T)).toBe(true);
    await expect(store.consume("d", 1000, T + 1)).rejects.toBeInstanceOf(StoreUnavailableError);
    // Nothing was evicted: every live nonce is still a replay.
    for (const k of ["a", "b", "c"]) expect(await store.consume(k, 1000, T + 2)).toBe(false);
    expect(store.size).toBe(3);
    // Once they expire, the full store sweeps and admits new nonces again.
    expect(await store.consume("d", 1000, T + 1000)).toBe(true);
    expect(await store.consume("a", 1000, T + 1000)).toBe(true);
    expect(store.size).toBeLessThanOrEqual(3);
  });

  it("reuses an expired nonce's slot at the cap without needing room", async () => {
    const store = new MemoryNonceStore({ maxEntries: 1 });
    expect(await store.consume("a", 10, T)).toBe(true);
    expect(await store.consume("a", 10, T + 10)).toBe(true);
    expect(await store.consume("a", 10, T + 11)).toBe(false);
  });

  it("sweeps expired nonces a bounded batch at a time", async () => {
    const store = new MemoryNonceStore();
    for (let i = 0; i < 1000; i++) await store.consume(`old-${i}`, 10, T);
    // 1000 inserts ran sweep steps too, but nothing had expired yet.
    expect(store.size).toBe(1000);
    const expiredLeft: number[] = [];
    for (let i = 0; i < 64 * 5; i++) {
      await store.consume(`new-${i}`, 60_000, T + 100);
      if (i % 64 === 63) expiredLeft.push(store.size - (i + 1));
    }
    // One sweep step per 64 calls, each removing at most one batch (256), never all at once.
    expect(expiredLeft[0]).toBeGreaterThanOrEqual(1000 - 256);
    expect(expiredLeft[0]).toBeLessThan(1000);
    for (let i = 1; i < expiredLeft.length; i++) {
      expect(expiredLeft[i]!).toBeGreaterThanOrEqual(expiredLeft[i - 1]! - 256);
    }
    // After five steps every expired entry is gone; only the 320 live ones remain.
    expect(expiredLeft.at(-1)).toBe(0);
    expect(store.size).toBe(320);
  });
});

describe("MemoryRateLimiter bounds", () => {
  const W = 1000;
  const start = Math.ceil(T / W) * W;

  it("refuses new keys at the cap without resetting live counts, and recovers next window", async () => {
    const limiter = new MemoryRateLimiter({ windowMs: W, maxRequests: 2, maxKeys: 2 });
    await limiter.hit("a", start);
    await limiter.hit("a", start);
    await limiter.hit("b", start);
    await expect(limiter.hit("c", start + 1)).rejects.toBeInstanceOf(StoreUnavailableError);
    expect((await limiter.hit("a", start + 2)).allowed).toBe(false);
    expect((await limiter.hit("c", start + W)).allowed).toBe(true);
  });

  it("counts a request stamped in the previous window against the current one", async () => {
    const limiter = new MemoryRateLimiter({ windowMs: W, maxRequests: 2 });
    await limiter.hit("a", start + W);
    const late = await limiter.hit("a", start + W - 1);
    expect(late).toEqual({ allowed: true, remaining: 0, resetAtMs: start + 2 * W, retryAfterMs: 0 });
    expect((await limiter.hit("a", start + W + 1)).allowed).toBe(false);
  });

  it("sweeps keys whose window ended", async () => {
    const limiter = new MemoryRateLimiter({ windowMs: W, maxRequests: 5 });
    for (let i = 0; i < 500; i++) await limiter.hit(`k-${i}`, start);
    for (let i = 0; i < 64 * 3; i++) await limiter.hit("live", start + W);
    expect(limiter.size).toBe(1);
  });
});

describe("MemorySpendStore bounds", () => {
  const W = 1000;
  const c = (key: string, amount = 1n) => ({ key, amount, max: 100n, windowMs: W });

  it("refuses a reservation needing more new keys than fit, recording none of it", async () => {
    const store = new MemorySpendStore({ maxKeys: 2 });
    expect(await store.reserve([c("a")], T, "r1")).toEqual({ ok: true });
    await expect(store.reserve([c("b"), c("c")], T, "r2")).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(await store.check([c("b", 100n)], T)).toEqual({ ok: true });
    expect(await store.reserve([c("b"), c("a")], T, "r3")).toEqual({ ok: true });
    // Budgets whose records all left the window free their slot.
    expect(await store.reserve([c("d")], T + W, "r4")).toEqual({ ok: true });
  });

  it("rejects bad caps", () => {
    expect(() => new MemorySpendStore({ maxKeys: 0 })).toThrow(RangeError);
    expect(() => new MemorySpendStore({ maxRecordsPerKey: -1 })).toThrow(RangeError);
  });
});
