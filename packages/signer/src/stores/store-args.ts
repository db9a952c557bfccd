/**
 * Argument checks shared by every store. A bad argument is a programming error in the caller,
 * so it throws a RangeError (never StoreUnavailableError, which means "backend down") and is
 * never coerced into something the store would then record.
 */

/** Longest key a store accepts (nonce keys are client id + nonce, both capped far below). */
export const MAX_STORE_KEY_LENGTH = 1024;
/** Longest key prefix a store accepts. */
export const MAX_STORE_PREFIX_LENGTH = 256;

/** Throws unless `key` is a non-empty string of at most MAX_STORE_KEY_LENGTH characters. */
export function assertStoreKey(key: string, what = "key"): void {
  if (typeof key !== "string" || key.length === 0 || key.length > MAX_STORE_KEY_LENGTH) {
    throw new RangeError(`${what} must be a string of 1..${MAX_STORE_KEY_LENGTH} characters`);
  }
}

/** Throws unless `prefix` is a non-empty string of at most MAX_STORE_PREFIX_LENGTH characters. */
export function assertStorePrefix(prefix: string): void {
  if (typeof prefix !== "string" || prefix.length === 0 || prefix.length > MAX_STORE_PREFIX_LENGTH) {
    throw new RangeError(`key prefix must be a string of 1..${MAX_STORE_PREFIX_LENGTH} characters`);
  }
}

/** Throws unless `n` is an integer in [1, Number.MAX_SAFE_INTEGER]. */
export function assertPositiveInt(n: number, what: string): void {
  if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`${what} must be a positive safe integer`);
}

/** Throws unless `nowMs` is a non-negative safe integer (epoch milliseconds). */
export function assertNowMs(nowMs: number): void {
  if (!Number.isSafeInteger(nowMs) || nowMs < 0) throw new RangeError("nowMs must be a non-negative safe integer");
}
