import type { ToolOutcome } from "@airlock/core/agent-tools";

/** How long a status answer is reused: successes for 30 s, failures for 5 s (retry sooner). */
export const STATUS_TTL_MS = 30_000;
export const STATUS_ERROR_TTL_MS = 5_000;

/**
 * Caches the signer's status for the provider, which runs on every message the agent composes:
 * without a cache each message would cost a round trip to the sidecar. Concurrent callers share
 * one in-flight request.
 */
export class StatusCache {
  readonly #fetch: () => Promise<ToolOutcome>;
  readonly #now: () => number;
  #entry: { outcome: ToolOutcome; expiresAt: number } | undefined;
  #inFlight: Promise<ToolOutcome> | undefined;

  constructor(fetch: () => Promise<ToolOutcome>, now: () => number = Date.now) {
    this.#fetch = fetch;
    this.#now = now;
  }

  /** The cached outcome while fresh, else a new one (runSignerStatus never throws). */
  async get(): Promise<ToolOutcome> {
    const entry = this.#entry;
    if (entry !== undefined && this.#now() < entry.expiresAt) return entry.outcome;
    if (this.#inFlight !== undefined) return this.#inFlight;
    const pending = this.#fetch().then((outcome) => {
      this.#entry = { outcome, expiresAt: this.#now() + (outcome.ok ? STATUS_TTL_MS : STATUS_ERROR_TTL_MS) };
      return outcome;
    });
    this.#inFlight = pending;
    try {
      return await pending;
    } finally {
      this.#inFlight = undefined;
    }
  }

  /** Forgets the cached answer (after the client learnt something new, or for tests). */
  clear(): void {
    this.#entry = undefined;
  }
}
