import type { Redis } from "ioredis";
import { MemoryRateLimiter } from "./memory-rate-limiter.js";
import { RedisRateLimiter } from "./redis-rate-limiter.js";
import type { RateLimiter } from "./store-types.js";

/** Key prefix of the order counters in Redis; the window length follows it, so a minute and a day never share a key. */
export const ORDER_COUNTER_PREFIX = "airlock:orders:";

/** One order limit: at most `max` orders per fixed window of `windowMs`. */
export interface OrderWindow {
  readonly windowMs: number;
  readonly max: number;
}

/**
 * The trading policy's order counters (ordersPerMinute, ordersPerDay): one fixed-window
 * RateLimiter per distinct (windowMs, max) pair, all built at startup, keyed by the caller
 * (`${client}|${account}`). In Redis whenever Redis is configured, so every instance sharing it
 * counts the same orders; in memory otherwise.
 */
export interface OrderCounters {
  /** The counter of one (windowMs, max) pair; undefined when the pair was not configured. */
  counter(windowMs: number, max: number): RateLimiter | undefined;
  /** How many counters were built. */
  readonly size: number;
  close(): Promise<void>;
}

const pairKey = (windowMs: number, max: number): string => `${windowMs}/${max}`;

/** Builds one counter per distinct pair of `windows`, on `redis` when given. */
export function createOrderCounters(windows: Iterable<OrderWindow>, redis: Redis | undefined): OrderCounters {
  const counters = new Map<string, RateLimiter>();
  for (const { windowMs, max } of windows) {
    const key = pairKey(windowMs, max);
    if (counters.has(key)) continue;
    const options = { windowMs, maxRequests: max };
    counters.set(key, redis ? new RedisRateLimiter(redis, { ...options, prefix: `${ORDER_COUNTER_PREFIX}${windowMs}:` }) : new MemoryRateLimiter(options));
  }
  return {
    counter: (windowMs, max) => counters.get(pairKey(windowMs, max)),
    size: counters.size,
    async close() {
      await Promise.allSettled([...counters.values()].map((c) => c.close()));
    },
  };
}
