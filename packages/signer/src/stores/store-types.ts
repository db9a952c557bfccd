/**
 * The storage seams of the boundary. Each has a memory and a Redis implementation and one
 * conformance suite run against both. Every method throws StoreUnavailableError when its
 * backend fails, and callers refuse to sign then (fail closed).
 */

/** A backend (Redis) did not answer; the caller must refuse the request with a 503. */
export class StoreUnavailableError extends Error {
  override readonly name = "StoreUnavailableError";
  constructor(readonly store: "nonce" | "rate-limit" | "spend", options?: { cause?: unknown }) {
    super(`${store} store unavailable`, options);
  }
}

export interface Pingable {
  /** Resolves when the backend answers; throws StoreUnavailableError otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** One-time nonces. Keys arrive namespaced by the caller (client id + nonce). */
export interface NonceStore extends Pingable {
  /** Records `key` for `ttlMs`; true when it was unused, false when it is a replay. Atomic. */
  consume(key: string, ttlMs: number, nowMs: number): Promise<boolean>;
}

export interface RateDecision {
  allowed: boolean;
  /** Requests left in the current window after this one (0 when refused). */
  remaining: number;
  /** Absolute epoch ms when the window resets (SISNA's x-ratelimit-reset-ms). */
  resetAtMs: number;
  /** 0 when allowed; otherwise ms until a request would be admitted. */
  retryAfterMs: number;
}

/** Fixed-window request counter per key (SISNA's semantics: at most `max` per `windowMs`). */
export interface RateLimiter extends Pingable {
  /** Counts one request against `key` and says whether it is admitted. Atomic. */
  hit(key: string, nowMs: number): Promise<RateDecision>;
  /** Says whether a request would be admitted, without counting it (policy dry runs). */
  peek(key: string, nowMs: number): Promise<RateDecision>;
}

/** One amount to charge against a rolling-window budget. Amounts are token base units (u256). */
export interface SpendCharge {
  /** Budget key, e.g. `${keyId}:${tokenFelt}`; the store prefixes it. */
  key: string;
  amount: bigint;
  /** Most that may be spent within any window of `windowMs`. */
  max: bigint;
  windowMs: number;
}

export type SpendResult =
  | { ok: true }
  /** `index` names the first charge that would exceed its budget; `spent` is what its window already holds. */
  | { ok: false; index: number; spent: bigint };

/** Rolling-window spending budgets, shared across sidecar instances when backed by Redis. */
export interface SpendStore extends Pingable {
  /**
   * Atomically checks every charge and records all of them, or none: a request with several
   * calls is judged as a whole. `reservationId` identifies the records for release().
   */
  reserve(charges: readonly SpendCharge[], nowMs: number, reservationId: string): Promise<SpendResult>;
  /** The same check without recording anything (policy dry runs). */
  check(charges: readonly SpendCharge[], nowMs: number): Promise<SpendResult>;
  /** Removes the records of a reservation whose signature was not produced. Idempotent. */
  release(charges: readonly SpendCharge[], reservationId: string): Promise<void>;
}
