import type { Redis } from "ioredis";
import type { SignerConfig } from "../config/config-types.js";
import { MemoryNonceStore } from "./memory-nonce-store.js";
import { MemoryRateLimiter } from "./memory-rate-limiter.js";
import { MemorySpendStore } from "./memory-spend-store.js";
import { createOrderCounters, type OrderCounters, type OrderWindow } from "./order-counters.js";
import { closeRedis, connectRedis, type ConnectRedisOptions } from "./redis-connection.js";
import { RedisNonceStore } from "./redis-nonce-store.js";
import { RedisRateLimiter } from "./redis-rate-limiter.js";
import { RedisSpendStore } from "./redis-spend-store.js";
import type { NonceStore, RateLimiter, SpendStore } from "./store-types.js";

/** The store part of the sidecar configuration; `config.stores` can be passed as is. */
export type StoresConfig = Pick<SignerConfig["stores"], "replay" | "rateLimit" | "spend" | "redis">;

export interface CreateStoresOptions {
  /** Receives the shared Redis client's errors, credentials removed (default: dropped). */
  readonly onRedisError?: (message: string) => void;
  /** Client tuning (timeouts, reconnect cap); the defaults suit production. */
  readonly redisOptions?: Omit<ConnectRedisOptions, "onError">;
  /** The trading policy's order limits: one counter is built per distinct pair (default: none). */
  readonly orderWindows?: Iterable<OrderWindow>;
}

export interface Stores {
  readonly nonces: NonceStore;
  /** Absent when rate limiting is disabled. */
  readonly rateLimiter?: RateLimiter;
  readonly spend: SpendStore;
  /** Order counters of the trading policy: in Redis wherever the spend store is. */
  readonly orderCounters: OrderCounters;
  /** The one client every Redis-backed store shares; absent when none uses Redis. */
  readonly redis?: Redis;
  /** Closes every store, then the Redis client. Never throws. */
  close(): Promise<void>;
}

/** A store is configured for Redis but no Redis URL is. */
export class StoresConfigError extends Error {
  override readonly name = "StoresConfigError";
  readonly code = "STORES_REDIS_MISSING";
}

/**
 * Builds the nonce store, the rate limiter (when enabled), the spend store and the order
 * counters the config asks for, on one shared Redis client when any of them uses Redis. The client connects in the
 * background (see waitForRedisReady); until it is ready the Redis stores throw
 * StoreUnavailableError and the sidecar answers 503.
 */
export function createStores(cfg: StoresConfig, opts: CreateStoresOptions = {}): Stores {
  const usesRedis =
    cfg.replay === "redis" || cfg.spend === "redis" || (cfg.rateLimit.enabled && cfg.rateLimit.backend === "redis");
  let redis: Redis | undefined;
  if (usesRedis) {
    if (cfg.redis === undefined) throw new StoresConfigError("a store uses Redis but no Redis URL is configured");
    redis = connectRedis(cfg.redis.url, {
      ...opts.redisOptions,
      ...(opts.onRedisError !== undefined ? { onError: opts.onRedisError } : {}),
    });
  }
  const shared = redis;
  const r = cfg.redis;
  const nonces: NonceStore =
    cfg.replay === "redis" && shared && r ? new RedisNonceStore(shared, { prefix: r.noncePrefix }) : new MemoryNonceStore();
  const { enabled, backend, windowMs, maxRequests } = cfg.rateLimit;
  let rateLimiter: RateLimiter | undefined;
  if (enabled) {
    rateLimiter =
      backend === "redis" && shared && r
        ? new RedisRateLimiter(shared, { windowMs, maxRequests, prefix: r.rateLimitPrefix })
        : new MemoryRateLimiter({ windowMs, maxRequests });
  }
  const spend: SpendStore =
    cfg.spend === "redis" && shared && r ? new RedisSpendStore(shared, { prefix: r.spendPrefix }) : new MemorySpendStore();
  // Like spending budgets, order counts must hold across every instance sharing a Redis.
  const orderCounters = createOrderCounters(opts.orderWindows ?? [], cfg.spend === "redis" ? shared : undefined);
  return {
    nonces,
    ...(rateLimiter !== undefined ? { rateLimiter } : {}),
    spend,
    orderCounters,
    ...(shared !== undefined ? { redis: shared } : {}),
    async close() {
      await Promise.allSettled([nonces.close(), rateLimiter?.close(), spend.close(), orderCounters.close()]);
      if (shared !== undefined) await closeRedis(shared);
    },
  };
}
