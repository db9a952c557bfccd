import { assertNowMs, assertPositiveInt, assertStoreKey } from "./store-args.js";
import { StoreUnavailableError, type NonceStore } from "./store-types.js";
import { SweptMap } from "./swept-map.js";

/** Default hard cap on remembered nonces. */
export const DEFAULT_MEMORY_NONCE_CAP = 1_000_000;

export interface MemoryNonceStoreOptions {
  /** Most nonces remembered at once (default DEFAULT_MEMORY_NONCE_CAP). */
  readonly maxEntries?: number;
}

/**
 * One-time nonces for a single sidecar instance: a Map of key → expiry (ms), with expired
 * entries swept a bounded batch at a time. When the cap is reached and sweeping frees nothing,
 * consume() throws StoreUnavailableError: evicting an unexpired nonce would re-open it for
 * replay, so the boundary refuses (503) until entries expire.
 */
export class MemoryNonceStore implements NonceStore {
  private readonly entries: SweptMap<number>;
  private closed = false;

  constructor(options: MemoryNonceStoreOptions = {}) {
    const maxEntries = options.maxEntries ?? DEFAULT_MEMORY_NONCE_CAP;
    assertPositiveInt(maxEntries, "maxEntries");
    this.entries = new SweptMap<number>((expiresAt, nowMs) => expiresAt <= nowMs, { maxEntries });
  }

  /** Entries currently held, expired ones not yet swept included (for tests and metrics). */
  get size(): number {
    return this.entries.size;
  }

  async consume(key: string, ttlMs: number, nowMs: number): Promise<boolean> {
    assertStoreKey(key);
    assertPositiveInt(ttlMs, "ttlMs");
    assertNowMs(nowMs);
    if (this.closed) throw new StoreUnavailableError("nonce");
    this.entries.tick(nowMs);
    const expiresAt = this.entries.get(key);
    if (expiresAt !== undefined && expiresAt > nowMs) return false;
    if (expiresAt === undefined && !this.entries.hasRoom(nowMs)) throw new StoreUnavailableError("nonce");
    this.entries.set(key, nowMs + ttlMs);
    return true;
  }

  async ping(): Promise<void> {
    if (this.closed) throw new StoreUnavailableError("nonce");
  }

  /** Forgets every nonce; later calls throw StoreUnavailableError, as a closed Redis store does. */
  async close(): Promise<void> {
    this.closed = true;
    this.entries.clear();
  }
}
