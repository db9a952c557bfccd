import type { Redis } from "ioredis";
import { pingRedis, storeUnavailable, UnexpectedReplyError } from "./redis-failure.js";
import { assertNowMs, assertPositiveInt, assertStoreKey, assertStorePrefix } from "./store-args.js";
import { StoreUnavailableError, type NonceStore } from "./store-types.js";

/** SISNA's KEYRING_REDIS_NONCE_PREFIX default, so both can share one Redis. */
export const DEFAULT_REDIS_NONCE_PREFIX = "starknet-keyring-proxy:nonce:";

export interface RedisNonceStoreOptions {
  /** Key prefix (default DEFAULT_REDIS_NONCE_PREFIX). */
  readonly prefix?: string;
}

/**
 * One-time nonces shared by every sidecar instance on the same Redis, in SISNA's layout:
 * `SET ${prefix}${key} <nowMs> PX <ttlMs> NX`, where "OK" means first use. SET NX is atomic
 * on the server, so of any number of concurrent consumers exactly one wins. Any error or
 * timeout throws StoreUnavailableError (fail closed). Expiry follows Redis's clock; `nowMs` is
 * only stored as the value, as SISNA does.
 */
export class RedisNonceStore implements NonceStore {
  private readonly prefix: string;
  private closed = false;

  /** `redis` is shared and owned by the caller; close() does not disconnect it. */
  constructor(
    private readonly redis: Redis,
    options: RedisNonceStoreOptions = {},
  ) {
    this.prefix = options.prefix ?? DEFAULT_REDIS_NONCE_PREFIX;
    assertStorePrefix(this.prefix);
  }

  async consume(key: string, ttlMs: number, nowMs: number): Promise<boolean> {
    assertStoreKey(key);
    assertPositiveInt(ttlMs, "ttlMs");
    assertNowMs(nowMs);
    if (this.closed) throw new StoreUnavailableError("nonce");
    let reply: unknown;
    try {
      reply = await this.redis.set(`${this.prefix}${key}`, String(nowMs), "PX", ttlMs, "NX");
    } catch (err) {
      throw storeUnavailable("nonce", err);
    }
    if (reply === "OK") return true;
    if (reply === null) return false;
    throw storeUnavailable("nonce", new UnexpectedReplyError("SET NX"));
  }

  async ping(): Promise<void> {
    if (this.closed) throw new StoreUnavailableError("nonce");
    await pingRedis(this.redis, "nonce", `${this.prefix}__ready__`);
  }

  /** Stops this store (later calls throw StoreUnavailableError); the shared client stays open. */
  async close(): Promise<void> {
    this.closed = true;
  }
}

