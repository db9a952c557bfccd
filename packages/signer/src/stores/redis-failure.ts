import type { Redis } from "ioredis";
import { redactCredentials } from "./redis-connection.js";
import { StoreUnavailableError } from "./store-types.js";

/**
 * Wraps any failure of a Redis call (connection down, timeout, script error, unexpected reply)
 * as StoreUnavailableError, so callers fail closed. The cause keeps only the message, with any
 * URL credentials removed: ioredis errors also carry the command and its arguments.
 */
export function storeUnavailable(store: StoreUnavailableError["store"], err: unknown): StoreUnavailableError {
  if (err instanceof StoreUnavailableError) return err;
  const message = err instanceof Error ? err.message : "unknown error";
  return new StoreUnavailableError(store, { cause: new Error(redactCredentials(message)) });
}

/** A reply of a shape the store does not expect: treated as the backend failing. */
export class UnexpectedReplyError extends Error {
  override readonly name = "UnexpectedReplyError";
  constructor(what: string) {
    super(`unexpected Redis reply to ${what}`);
  }
}

/**
 * Readiness probe through the shared client: a short-lived SET on `probeKey`, as
 * StoreUnavailableError on any failure. A PING would pass on a read-only replica (after a
 * failover) while every store write fails, so readiness must prove that writes go through.
 */
export async function pingRedis(redis: Redis, store: StoreUnavailableError["store"], probeKey: string): Promise<void> {
  let reply: unknown;
  try {
    reply = await redis.set(probeKey, "1", "PX", 1000);
  } catch (err) {
    throw storeUnavailable(store, err);
  }
  if (reply !== "OK") throw storeUnavailable(store, new UnexpectedReplyError("readiness SET"));
}
