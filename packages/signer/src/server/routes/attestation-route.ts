// GET /v1/attestation?nonce=HEX (Nitro backend): a fresh attestation document naming the
// receipt key (public_key) and the enclave claims (user_data: policy hash, provisioning key),
// with the caller's nonce for freshness. Public: it proves, it grants nothing. Throttled,
// because each document costs an NSM call.
import { encodeEnclaveClaims } from "@airlock/core/attestation";
import type { AttestationSource } from "../../attestation/attestation-source.js";
import type { EnclaveIdentity } from "../../enclave/enclave-identity.js";
import type { IssuedAttestations } from "../../enclave/issued-attestations.js";
import { HttpError } from "../http-error.js";

/** 16..64 random bytes as lowercase hex: enough to be unguessable, small for the NSM. */
const NONCE_QUERY = /^nonce=((?:[0-9a-f]{2}){16,64})$/;

export interface AttestationRouteDeps {
  readonly source: AttestationSource;
  readonly identity: EnclaveIdentity;
  readonly policyHash: string;
  readonly issued: IssuedAttestations;
  readonly throttle: TokenBucket;
  readonly now: () => number;
  /** Tells the operator the source failed (its error code only: the caller learns nothing). */
  readonly onSourceError: (code: string) => void;
}

export async function attestationAnswer(target: string, requestId: string, deps: AttestationRouteDeps): Promise<{ status: number; body: unknown }> {
  const query = target.includes("?") ? target.slice(target.indexOf("?") + 1) : "";
  const match = NONCE_QUERY.exec(query);
  if (match === null) throw new HttpError("INVALID_PAYLOAD", "nonce must be the only query parameter: 16 to 64 random bytes as lowercase hex");
  const nowMs = deps.now();
  if (!deps.throttle.take(nowMs)) throw new HttpError("RATE_LIMITED", undefined, { retryAfterMs: 1000 }, { "retry-after": "1" });
  let document: Uint8Array;
  try {
    document = await deps.source.attest({
      nonce: Buffer.from(match[1]!, "hex"),
      publicKey: deps.identity.receiptPublicKeySpki,
      userData: encodeEnclaveClaims({ policyHash: deps.policyHash, provisioningPublicKey: deps.identity.provisioningPublicKey }),
    });
  } catch (err) {
    // Fail closed, and say nothing of the device's state to an unauthenticated caller.
    const code = (err as { code?: unknown } | null)?.code;
    deps.onSourceError(typeof code === "string" && /^[A-Z0-9_]{1,40}$/.test(code) ? code : "UNKNOWN");
    throw new HttpError("ATTESTATION_UNAVAILABLE");
  }
  deps.issued.add(document, nowMs);
  return { status: 200, body: { requestId, source: deps.source.kind, document: Buffer.from(document).toString("base64") } };
}

/** A token bucket: `capacity` at once, refilled at `perSecond`. */
export class TokenBucket {
  #tokens: number;
  #at = 0;
  constructor(
    private readonly capacity: number,
    private readonly perSecond: number,
  ) {
    this.#tokens = capacity;
  }

  take(nowMs: number): boolean {
    this.#tokens = Math.min(this.capacity, this.#tokens + (Math.max(0, nowMs - this.#at) / 1000) * this.perSecond);
    this.#at = nowMs;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}
