import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { StoreUnavailableError, type RateLimiter } from "../../src/stores/store-types.js";

export interface RateLimiterHarness {
  readonly limiter: RateLimiter;
  /** The same backend through its own client, as a second sidecar instance sees it. */
  readonly peer?: RateLimiter;
  cleanup(): Promise<void>;
}

export type MakeRateLimiter = (windowMs: number, maxRequests: number) => Promise<RateLimiterHarness>;

const W = 10_000;
/** A time 1 s into an epoch-aligned window, so tests can move within and across windows. */
function windowStart(): number {
  return (Math.floor(Date.now() / W) + 1) * W;
}

async function withLimiter(make: MakeRateLimiter, max: number, body: (h: RateLimiterHarness) => Promise<void>): Promise<void> {
  const h = await make(W, max);
  try {
    await body(h);
  } finally {
    await h.cleanup();
  }
}

/**
 * The behaviour every RateLimiter must have. Times are explicit `nowMs` values: both backends
 * derive the window from `nowMs` alone, so no test waits.
 */
export function runRateLimiterSuite(name: string, make: MakeRateLimiter): void {
  describe(`RateLimiter conformance: ${name}`, () => {
    it("admits max requests per window, then refuses with retryAfterMs until the window resets", () =>
      withLimiter(make, 3, async ({ limiter }) => {
        const start = windowStart();
        const key = `k-${randomUUID()}`;
        const resetAtMs = start + W;
        const now = start + 1000;
        expect(await limiter.hit(key, now)).toEqual({ allowed: true, remaining: 2, resetAtMs, retryAfterMs: 0 });
        expect(await limiter.hit(key, now + 1)).toEqual({ allowed: true, remaining: 1, resetAtMs, retryAfterMs: 0 });
        expect(await limiter.hit(key, now + 2)).toEqual({ allowed: true, remaining: 0, resetAtMs, retryAfterMs: 0 });
        const refused = await limiter.hit(key, now + 3);
        expect(refused).toEqual({ allowed: false, remaining: 0, resetAtMs, retryAfterMs: resetAtMs - (now + 3) });
        expect(refused.retryAfterMs).toBeGreaterThan(0);
        const late = await limiter.hit(key, start + W - 1);
        expect(late).toEqual({ allowed: false, remaining: 0, resetAtMs, retryAfterMs: 1 });
      }));

    it("starts a fresh count in the next window", () =>
      withLimiter(make, 2, async ({ limiter }) => {
        const start = windowStart();
        const key = `k-${randomUUID()}`;
        for (let i = 0; i < 3; i++) await limiter.hit(key, start + 10);
        expect((await limiter.hit(key, start + W - 1)).allowed).toBe(false);
        expect(await limiter.hit(key, start + W)).toEqual({
          allowed: true,
          remaining: 1,
          resetAtMs: start + 2 * W,
          retryAfterMs: 0,
        });
      }));

    it("peek says what hit would answer without counting", () =>
      withLimiter(make, 2, async ({ limiter }) => {
        const start = windowStart();
        const key = `k-${randomUUID()}`;
        const now = start + 500;
        const fresh = { allowed: true, remaining: 1, resetAtMs: start + W, retryAfterMs: 0 };
        for (let i = 0; i < 5; i++) expect(await limiter.peek(key, now)).toEqual(fresh);
        expect(await limiter.hit(key, now)).toEqual(fresh);
        expect(await limiter.peek(key, now)).toEqual({ ...fresh, remaining: 0 });
        expect(await limiter.hit(key, now)).toEqual({ ...fresh, remaining: 0 });
        const refused = { allowed: false, remaining: 0, resetAtMs: start + W, retryAfterMs: W - 500 };
        expect(await limiter.peek(key, now)).toEqual(refused);
        expect(await limiter.peek(key, now)).toEqual(refused);
        expect(await limiter.hit(key, now)).toEqual(refused);
        expect(await limiter.peek(key, start + W)).toEqual({ ...fresh, resetAtMs: start + 2 * W });
      }));

    it("counts keys independently", () =>
      withLimiter(make, 1, async ({ limiter }) => {
        const start = windowStart();
        const a = `a-${randomUUID()}`;
        const b = `b-${randomUUID()}`;
        expect((await limiter.hit(a, start)).allowed).toBe(true);
        expect((await limiter.hit(a, start)).allowed).toBe(false);
        expect((await limiter.hit(b, start)).allowed).toBe(true);
      }));

    it("admits exactly max of 40 concurrent requests", () =>
      withLimiter(make, 10, async ({ limiter, peer }) => {
        const start = windowStart();
        const key = `race-${randomUUID()}`;
        const limiters = peer ? [limiter, peer] : [limiter];
        const decisions = await Promise.all(
          Array.from({ length: 40 }, (_, i) => limiters[i % limiters.length]!.hit(key, start + 100)),
        );
        expect(decisions.filter((d) => d.allowed)).toHaveLength(10);
        const remaining = decisions.filter((d) => d.allowed).map((d) => d.remaining).sort((x, y) => x - y);
        expect(remaining).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      }));

    it("rejects malformed arguments", () =>
      withLimiter(make, 1, async ({ limiter }) => {
        await expect(limiter.hit("", windowStart())).rejects.toBeInstanceOf(RangeError);
        await expect(limiter.hit("k", -5)).rejects.toBeInstanceOf(RangeError);
        await expect(limiter.peek("k", 1.25)).rejects.toBeInstanceOf(RangeError);
      }));

    it("rejects a non-positive window or budget at construction", async () => {
      await expect(make(0, 1)).rejects.toBeInstanceOf(RangeError);
      await expect(make(W, 0)).rejects.toBeInstanceOf(RangeError);
    });

    it("answers ping, and fails closed once closed", () =>
      withLimiter(make, 1, async ({ limiter }) => {
        await expect(limiter.ping()).resolves.toBeUndefined();
        await limiter.close();
        await expect(limiter.hit("k", windowStart())).rejects.toBeInstanceOf(StoreUnavailableError);
        await expect(limiter.peek("k", windowStart())).rejects.toBeInstanceOf(StoreUnavailableError);
        await expect(limiter.ping()).rejects.toBeInstanceOf(StoreUnavailableError);
      }));
  });
}
