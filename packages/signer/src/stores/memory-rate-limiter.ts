import { FixedWindow } from "./fixed-window.js";
import { assertNowMs, assertPositiveInt, assertStoreKey } from "./store-args.js";
import { StoreUnavailableError, type RateDecision, type RateLimiter } from "./store-types.js";
import { SweptMap } from "./swept-map.js";

/** Default hard cap on keys counted at once. */
export const DEFAULT_MEMORY_RATE_LIMIT_KEYS = 100_000;

export interface MemoryRateLimiterOptions {
  readonly windowMs: number;
  readonly maxRequests: number;
  /** Most keys tracked at once (default DEFAULT_MEMORY_RATE_LIMIT_KEYS). */
  readonly maxKeys?: number;
}

interface Bucket {
  bucketId: number;
  count: number;
}

/**
 * Fixed-window limiter for one sidecar instance, with the same epoch-aligned windows as the
 * Redis limiter. Only each key's current window is kept, and windows that ended are swept a
 * bounded batch at a time. When `maxKeys` live windows exist, hit() throws
 * StoreUnavailableError (503) instead of forgetting a live count, which would reset a limit.
 */
export class MemoryRateLimiter implements RateLimiter {
  private readonly window: FixedWindow;
  private readonly buckets: SweptMap<Bucket>;
  private closed = false;

  constructor(options: MemoryRateLimiterOptions) {
    this.window = new FixedWindow(options.windowMs, options.maxRequests);
    const maxEntries = options.maxKeys ?? DEFAULT_MEMORY_RATE_LIMIT_KEYS;
    assertPositiveInt(maxEntries, "maxKeys");
    this.buckets = new SweptMap<Bucket>((b, nowMs) => b.bucketId < this.window.bucketId(nowMs), { maxEntries });
  }

  /** Keys currently held, ended windows not yet swept included (for tests and metrics). */
  get size(): number {
    return this.buckets.size;
  }

  async hit(key: string, nowMs: number): Promise<RateDecision> {
    this.checkArgs(key, nowMs);
    this.buckets.tick(nowMs);
    const bucketId = this.window.bucketId(nowMs);
    const current = this.buckets.get(key);
    // A request stamped before the key's current window (clocks of concurrent requests
    // straddling a boundary) counts in the newer window: never replace a live count.
    if (current !== undefined && current.bucketId >= bucketId) {
      current.count += 1;
      return this.window.decide(current.count, current.bucketId, nowMs);
    }
    if (current === undefined && !this.buckets.hasRoom(nowMs)) throw new StoreUnavailableError("rate-limit");
    this.buckets.set(key, { bucketId, count: 1 });
    return this.window.decide(1, bucketId, nowMs);
  }

  async peek(key: string, nowMs: number): Promise<RateDecision> {
    this.checkArgs(key, nowMs);
    const bucketId = this.window.bucketId(nowMs);
    const current = this.buckets.get(key);
    if (current !== undefined && current.bucketId >= bucketId) {
      return this.window.decide(current.count + 1, current.bucketId, nowMs);
    }
    return this.window.decide(1, bucketId, nowMs);
  }

  async ping(): Promise<void> {
    if (this.closed) throw new StoreUnavailableError("rate-limit");
  }

  /** Forgets every count; later calls throw StoreUnavailableError. */
  async close(): Promise<void> {
    this.closed = true;
    this.buckets.clear();
  }

  private checkArgs(key: string, nowMs: number): void {
    assertStoreKey(key);
    assertNowMs(nowMs);
    if (this.closed) throw new StoreUnavailableError("rate-limit");
  }
}
