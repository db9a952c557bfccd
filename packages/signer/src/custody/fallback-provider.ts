import { inspect } from "node:util";
import { ProviderPolicyError, type SessionSignature, type SessionSignerProvider, type SessionSignInput } from "./provider-types.js";

/** Reported each time the primary fails and the fallback signs instead (SISNA's signer.primary_unavailable_fallback). */
export interface FallbackEvent {
  readonly primaryProvider: SessionSignerProvider["kind"];
  readonly fallbackProvider: SessionSignerProvider["kind"];
  /** The primary's error message (SignerUnavailableError texts carry no secrets). */
  readonly error: string;
}

/**
 * KEYRING_SIGNER_FALLBACK_PROVIDER=local: signs with the primary (DFNS) and, when it fails for
 * any reason other than a policy refusal, with the local provider, whose signature then says
 * provider "local". Key ids and pinned keys are the primary's; callers must use the returned
 * SessionSignature.publicKey, which is the fallback key's when the fallback signed.
 */
export class FallbackSessionSignerProvider implements SessionSignerProvider {
  readonly kind: SessionSignerProvider["kind"];
  readonly #primary: SessionSignerProvider;
  readonly #fallback: SessionSignerProvider;
  readonly #onFallback: ((event: FallbackEvent) => void) | undefined;

  constructor(primary: SessionSignerProvider, fallback: SessionSignerProvider, onFallback?: (event: FallbackEvent) => void) {
    this.kind = primary.kind;
    this.#primary = primary;
    this.#fallback = fallback;
    this.#onFallback = onFallback;
  }

  keyIds(): readonly string[] {
    return this.#primary.keyIds();
  }

  publicKey(keyId: string): bigint | undefined {
    return this.#primary.publicKey(keyId);
  }

  async sign(input: SessionSignInput): Promise<SessionSignature> {
    try {
      return await this.#primary.sign(input);
    } catch (err) {
      if (err instanceof ProviderPolicyError) throw err;
      try {
        this.#onFallback?.({
          primaryProvider: this.#primary.kind,
          fallbackProvider: this.#fallback.kind,
          error: err instanceof Error ? err.message : "primary signer failed",
        });
      } catch {
        // A failing listener must not stop the fallback from signing.
      }
      return this.#fallback.sign(input);
    }
  }

  /** Ready while either can sign: the fallback (local) always can, so only note a degraded primary. */
  async check(): Promise<{ ok: boolean; error?: string }> {
    const [primary, fallback] = await Promise.all([this.#primary.check(), this.#fallback.check()]);
    if (primary.ok) return { ok: true };
    if (!fallback.ok) return { ok: false, error: primary.error ?? "primary signer unavailable" };
    return { ok: true, error: `${primary.error ?? "primary signer unavailable"} (local fallback active)` };
  }

  preflight(): Promise<{ ok: boolean; reachable: boolean; endpointUrl: string; statusCode?: number; error?: string }> {
    if (!this.#primary.preflight) {
      return Promise.reject(new Error("primary signer provider has no preflight"));
    }
    return this.#primary.preflight();
  }

  toJSON(): { kind: string; primary: unknown; fallback: unknown } {
    return { kind: this.kind, primary: this.#primary, fallback: this.#fallback };
  }

  [inspect.custom](): string {
    return `FallbackSessionSignerProvider { primary: ${inspect(this.#primary)}, fallback: ${inspect(this.#fallback)} }`;
  }
}
