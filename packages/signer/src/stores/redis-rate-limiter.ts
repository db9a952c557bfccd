import type { Redis } from "ioredis";
import { FixedWindow } from "./fixed-window.js";
import { pingRedis, storeUnavailable, UnexpectedReplyError } from "./redis-failure.js";
import { defineScript, type ScriptRunner } from "./redis-script.js";
import { assertNowMs, assertStoreKey, assertStorePrefix } from "./store-args.js";
import { StoreUnavailableError, type RateDecision, type RateLimiter } from "./store-types.js";

/** SISNA's KEYRING_REDIS_RATE_LIMIT_PREFIX default. */
export const DEFAULT_REDIS_RATE_LIMIT_PREFIX = "starknet-keyring-proxy:ratelimit:";

/**
 * SISNA's INCR-then-PEXPIRE, as one script: Redis runs it atomically, so no crash or lost
 * connection between the two steps can leave a counter without a TTL (which would block its
 * key for good once over the limit), and it costs one round trip instead of two.
 */
const HIT_LUA = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
return count
`;

export interface RedisRateLimiterOptions {
  readonly windowMs: number;
  readonly maxRequests: number;
  /** Key prefix (default DEFAULT_REDIS_RATE_LIMIT_PREFIX). */
  readonly prefix?: string;
}

/**
 * Fixed-window limiter shared by every sidecar instance on the same Redis, in SISNA's layout:
 * key `${prefix}${floor(nowMs / windowMs)}:${key}`, counted with INCR and expiring after two
 * windows. Refused requests are counted too, as in SISNA. Any error or timeout throws
 * StoreUnavailableError (fail closed).
 */
export class RedisRateLimiter implements RateLimiter {
  private readonly window: FixedWindow;
  private readonly prefix: string;
  private readonly runHit: ScriptRunner;
  private closed = false;

  /** `redis` is shared and owned by the caller; close() does not disconnect it. */
  constructor(
    private readonly redis: Redis,
    options: RedisRateLimiterOptions,
  ) {
    this.window = new FixedWindow(options.windowMs, options.maxRequests);
    this.prefix = options.prefix ?? DEFAULT_REDIS_RATE_LIMIT_PREFIX;
    assertStorePrefix(this.prefix);
    this.runHit = defineScript(redis, HIT_LUA);
  }

  async hit(key: string, nowMs: number): Promise<RateDecision> {
    this.checkArgs(key, nowMs);
    const bucketId = this.window.bucketId(nowMs);
    let reply: unknown;
    try {
      reply = await this.runHit([this.redisKey(bucketId, key)], [String(2 * this.window.windowMs)]);
    } catch (err) {
      throw storeUnavailable("rate-limit", err);
    }
    if (typeof reply !== "number" || !Number.isSafeInteger(reply) || reply < 1) {
      throw storeUnavailable("rate-limit", new UnexpectedReplyError("rate-limit INCR"));
    }
    return this.window.decide(reply, bucketId, nowMs);
  }

  async peek(key: string, nowMs: number): Promise<RateDecision> {
    this.checkArgs(key, nowMs);
    const bucketId = this.window.bucketId(nowMs);
    let reply: unknown;
    try {
      reply = await this.redis.get(this.redisKey(bucketId, key));
    } catch (err) {
      throw storeUnavailable("rate-limit", err);
    }
    let count = 0;
    if (reply !== null) {
      count = typeof reply === "string" && /^\d{1,15}$/.test(reply) ? Number(reply) : NaN;
      if (Number.isNaN(count)) throw storeUnavailable("rate-limit", new UnexpectedReplyError("rate-limit GET"));
    }
    return this.window.decide(count + 1, bucketId, nowMs);
  }

  async ping(): Promise<void> {
    if (this.closed) throw new StoreUnavailableError("rate-limit");
    await pingRedis(this.redis, "rate-limit", `${this.prefix}__ready__`);
  }

  /** Stops this limiter (later calls throw StoreUnavailableError); the shared client stays open. */
  async close(): Promise<void> {
    this.closed = true;
  }

  private redisKey(bucketId: number, key: string): string {
    return `${this.prefix}${bucketId}:${key}`;
  }

  private checkArgs(key: string, nowMs: number): void {
    assertStoreKey(key);
    assertNowMs(nowMs);
    if (this.closed) throw new StoreUnavailableError("rate-limit");
  }
}
