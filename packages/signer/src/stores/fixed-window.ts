import { assertPositiveInt } from "./store-args.js";
import type { RateDecision } from "./store-types.js";

/**
 * The fixed-window arithmetic both rate limiters share (SISNA's Redis layout): windows are
 * aligned to the epoch, `bucketId = floor(nowMs / windowMs)`, and a window resets at
 * `(bucketId + 1) * windowMs`. The memory limiter uses it too, so both backends answer alike
 * (SISNA's memory limiter started a key's window at its first request instead).
 */
export class FixedWindow {
  constructor(
    readonly windowMs: number,
    readonly max: number,
  ) {
    assertPositiveInt(windowMs, "windowMs");
    assertPositiveInt(max, "maxRequests");
  }

  bucketId(nowMs: number): number {
    return Math.floor(nowMs / this.windowMs);
  }

  /** The decision for a request that is the `count`-th of its window (count ≥ 1). */
  decide(count: number, bucketId: number, nowMs: number): RateDecision {
    const resetAtMs = (bucketId + 1) * this.windowMs;
    const allowed = count <= this.max;
    return {
      allowed,
      remaining: allowed ? this.max - count : 0,
      resetAtMs,
      retryAfterMs: allowed ? 0 : resetAtMs - nowMs,
    };
  }
}
