import { inspect } from "node:util";
import { readBoundedText, ResponseTooLargeError } from "./bounded-body.js";
import { checkDfnsSignResponse } from "./dfns-response.js";
import { UnknownKeyIdError } from "./provider-errors.js";
import {
  ProviderPolicyError,
  SignerUnavailableError,
  type SessionSignature,
  type SessionSignerProvider,
  type SessionSignInput,
} from "./provider-types.js";

/** Default cap on a DFNS answer: a real one is well under 1 KiB. */
export const DFNS_MAX_RESPONSE_BYTES = 64 * 1024;
/** Longest DFNS refusal message we pass on to the caller. */
const MAX_POLICY_MESSAGE = 256;

/** Settings of the DFNS provider (from the KEYRING_DFNS_* variables). */
export interface DfnsProviderOptions {
  /** KEYRING_DFNS_SIGNER_URL, already validated (http/https, no embedded credentials). */
  readonly endpointUrl: string;
  readonly authToken: string;
  readonly userActionSignature: string;
  readonly timeoutMs: number;
  readonly preflightTimeoutMs: number;
  /** keyId → pinned Stark key; these are the only key ids the provider serves. */
  readonly pinnedPublicKeys: ReadonlyMap<string, bigint>;
  readonly maxResponseBytes?: number;
}

/** SISNA's /health/dfns-preflight body. */
export interface DfnsPreflightResult {
  ok: boolean;
  reachable: boolean;
  endpointUrl: string;
  statusCode?: number;
  error?: string;
}

/** Why a fetch failed, in words that carry no request content. */
function describeFailure(err: unknown): string {
  if (err instanceof ResponseTooLargeError) return `response exceeds ${err.maxBytes} bytes`;
  if (err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError")) return "request timed out";
  const cause = err instanceof Error ? (err.cause as { code?: unknown } | undefined) : undefined;
  const code = typeof cause?.code === "string" && /^[A-Z0-9_]{1,40}$/.test(cause.code) ? `: ${cause.code}` : "";
  return `request failed${code}`;
}

/** DFNS's refusal text, made safe to return in a 422 body and to log: one bounded line. */
function policyMessage(payload: unknown, status: number): string {
  const error = payload !== null && typeof payload === "object" ? (payload as Record<string, unknown>)["error"] : undefined;
  if (typeof error !== "string" || error.trim() === "") return `DFNS signer returned HTTP ${status}`;
  const clean = error.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, " ").trim();
  const chars = [...clean];
  return chars.length > MAX_POLICY_MESSAGE ? `${chars.slice(0, MAX_POLICY_MESSAGE).join("")}…` : clean;
}

/**
 * SISNA's DFNS signer contract: POST the request to the DFNS signing service with the bearer
 * token and user-action signature, then accept the answer only if it passes every check of
 * checkDfnsSignResponse. DFNS 400/422 are policy refusals (422 to the caller); everything else
 * that goes wrong is SignerUnavailableError (503). The credentials sit in private fields and
 * never appear in errors, JSON or inspect output.
 */
export class DfnsSessionSignerProvider implements SessionSignerProvider {
  readonly kind = "dfns" as const;
  readonly #url: string;
  readonly #reportedUrl: string;
  readonly #authToken: string;
  readonly #userAction: string;
  readonly #timeoutMs: number;
  readonly #preflightTimeoutMs: number;
  readonly #pins: ReadonlyMap<string, bigint>;
  readonly #keyIds: readonly string[];
  readonly #maxBytes: number;

  constructor(options: DfnsProviderOptions) {
    const url = new URL(options.endpointUrl);
    this.#url = url.href;
    // The preflight answer is public (/health/dfns-preflight): leave out query and fragment.
    this.#reportedUrl = `${url.origin}${url.pathname}`;
    this.#authToken = options.authToken;
    this.#userAction = options.userActionSignature;
    this.#timeoutMs = options.timeoutMs;
    this.#preflightTimeoutMs = options.preflightTimeoutMs;
    this.#pins = new Map(options.pinnedPublicKeys);
    this.#keyIds = Object.freeze([...this.#pins.keys()]);
    this.#maxBytes = options.maxResponseBytes ?? DFNS_MAX_RESPONSE_BYTES;
  }

  get endpointUrl(): string {
    return this.#reportedUrl;
  }

  keyIds(): readonly string[] {
    return this.#keyIds;
  }

  publicKey(keyId: string): bigint | undefined {
    return this.#pins.get(keyId);
  }

  #authHeaders(): Record<string, string> {
    return { authorization: `Bearer ${this.#authToken}`, "x-dfns-useraction": this.#userAction };
  }

  async sign(input: SessionSignInput): Promise<SessionSignature> {
    const pin = this.#pins.get(input.keyId);
    if (pin === undefined) throw new UnknownKeyIdError(input.keyId);

    let status: number;
    let ok: boolean;
    let text: string;
    try {
      const response = await fetch(this.#url, {
        method: "POST",
        headers: { "content-type": "application/json", ...this.#authHeaders() },
        body: JSON.stringify({ clientId: input.clientId, request: input.request, kind: "Snip12", signatureMode: "v2_snip12" }),
        redirect: "error",
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
      status = response.status;
      ok = response.ok;
      text = await readBoundedText(response, this.#maxBytes);
    } catch (err) {
      throw new SignerUnavailableError(`DFNS signer ${describeFailure(err)}`);
    }

    let payload: unknown;
    try {
      payload = JSON.parse(text);
    } catch {
      throw new SignerUnavailableError(ok ? "DFNS signer returned non-JSON response" : `DFNS signer returned HTTP ${status}`);
    }
    if (!ok) {
      if (status === 400 || status === 422) throw new ProviderPolicyError(policyMessage(payload, status));
      throw new SignerUnavailableError(`DFNS signer returned HTTP ${status}`);
    }

    const { r, s } = checkDfnsSignResponse(payload, {
      domainHash: input.hashes.domainHash,
      messageHash: input.hashes.messageHash,
      pinnedPublicKey: pin,
      validUntil: input.request.validUntil,
    });
    return { provider: "dfns", publicKey: pin, r, s };
  }

  /**
   * SISNA's preflight: an OPTIONS request with the same auth headers. Any HTTP answer (401 and
   * 500 included) proves the service reachable; only a network error or timeout is a failure.
   */
  async preflight(): Promise<DfnsPreflightResult> {
    try {
      const response = await fetch(this.#url, {
        method: "OPTIONS",
        headers: this.#authHeaders(),
        redirect: "manual",
        signal: AbortSignal.timeout(this.#preflightTimeoutMs),
      });
      await response.body?.cancel().catch(() => undefined);
      return { ok: true, reachable: true, endpointUrl: this.#reportedUrl, statusCode: response.status };
    } catch (err) {
      return { ok: false, reachable: false, endpointUrl: this.#reportedUrl, error: `DFNS preflight ${describeFailure(err)}` };
    }
  }

  /** For /ready: ok exactly when the preflight reaches the service. */
  async check(): Promise<{ ok: boolean; error?: string }> {
    const result = await this.preflight();
    return result.reachable ? { ok: true } : { ok: false, error: result.error ?? "DFNS signer unreachable" };
  }

  toJSON(): { kind: "dfns"; endpointUrl: string; keyIds: readonly string[] } {
    return { kind: this.kind, endpointUrl: this.#reportedUrl, keyIds: this.#keyIds };
  }

  [inspect.custom](): string {
    return `DfnsSessionSignerProvider { endpointUrl: ${JSON.stringify(this.#reportedUrl)}, keyIds: ${JSON.stringify(this.#keyIds)}, credentials: [redacted] }`;
  }
}
