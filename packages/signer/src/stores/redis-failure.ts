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

/** PING through the shared client, as StoreUnavailableError on any failure. */
export async function pingRedis(redis: Redis, store: StoreUnavailableError["store"]): Promise<void> {
  let reply: unknown;
  try {
    reply = await redis.ping();
  } catch (err) {
    throw storeUnavailable(store, err);
  }
  if (reply !== "PONG") throw storeUnavailable(store, new UnexpectedReplyError("PING"));
}
