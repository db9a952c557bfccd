import type { UntrustedSignerError, UntrustedSignerReason } from "../client/errors.js";
import type { ToolFailure } from "./tool-outcome.js";

/**
 * How a tool reports a signer the client refused to trust (Nitro backend): which step failed,
 * in words a model can repeat to its user, plus the stable reason and the verifier's code.
 * Built from fixed text only: the error's own message can name the registry's RPC host, which
 * a tool output must not carry (an RPC URL may embed an API key).
 */

const REASONS: Readonly<Record<UntrustedSignerReason, string>> = {
  attestation_unavailable: "no attestation could be fetched from it (it is down, or it does not run in a Nitro Enclave)",
  attestation_invalid: "its attestation document did not verify",
  claims_invalid: "its enclave claims (receipt key, policy) did not verify",
  registry: "the on-chain registry did not confirm its enclave measurement for the pinned owner",
  receipt_invalid: "its answer carried no valid receipt from the attested enclave",
};

/** The verifier codes (attestation, registry, receipt) a user can act on, explained. */
const CHECKS: Readonly<Record<string, string>> = {
  PCR_NOT_ALLOWED: "an enclave measurement (PCR) is not in the allowlist, so it runs another build than the expected one",
  DEBUG_PCRS: "the enclave runs in debug mode, which proves nothing about its code",
  UNTRUSTED_ROOT: "its certificate chain does not lead to the pinned root of trust",
  CHAIN_INVALID: "its certificate chain is invalid",
  EXPIRED: "a certificate of its chain is expired or not yet valid",
  BAD_SIGNATURE: "a signature does not verify",
  NONCE_MISMATCH: "the document does not answer this client's fresh nonce (a replay)",
  STALE: "the document is too old",
  MALFORMED: "it is malformed",
  FIELD_INVALID: "a field of the document is invalid",
  POLICY_MISMATCH: "the enclave attests another signing policy than the expected one",
  NOT_ACTIVE: "the measurement is not active in the registry (never registered, or retired)",
  OWNER_MISMATCH: "the measurement is registered by another owner than the pinned one",
  RPC_UNAVAILABLE: "the registry's RPC node could not be reached",
  BAD_RESPONSE: "the registry's answer was not a valid isPCR0Active result",
  CONFIG: "the registry settings are invalid",
  MISSING: "the answer carried no receipt",
  MISMATCH: "the receipt does not match the request sent or the answer received",
  UNKNOWN_KEY: "the receipt is signed by a key the enclave did not attest",
};

const CODE = /^[A-Z][A-Z0-9_]{0,63}$/;

/** The reason and verifier code of an UntrustedSignerError (from any copy of the package), checked. */
export function untrustedSignerFacts(err: UntrustedSignerError): { reason: UntrustedSignerReason | undefined; verifierCode: string | undefined } {
  const { reason, verifierCode } = err as { reason?: unknown; verifierCode?: unknown };
  return {
    reason: typeof reason === "string" && Object.hasOwn(REASONS, reason) ? (reason as UntrustedSignerReason) : undefined,
    verifierCode: typeof verifierCode === "string" && CODE.test(verifierCode) ? verifierCode : undefined,
  };
}

/** "why (detail) [reason x, check Y]", the core of every summary about an untrusted signer. */
export function untrustedSignerWhy(err: UntrustedSignerError): string {
  const { reason, verifierCode } = untrustedSignerFacts(err);
  const detail = verifierCode === undefined ? undefined : CHECKS[verifierCode];
  const why = reason === undefined ? "it failed verification" : REASONS[reason];
  const codes = [reason === undefined ? undefined : `reason ${reason}`, verifierCode === undefined ? undefined : `check ${verifierCode}`].filter((c) => c !== undefined);
  return `${why}${detail === undefined ? "" : ` because ${detail}`}${codes.length === 0 ? "" : ` [${codes.join(", ")}]`}`;
}

/** The failure fields every untrusted-signer outcome carries. */
export function untrustedSignerFields(err: UntrustedSignerError): Pick<ToolFailure, "reason" | "verifierCode" | "requestId"> {
  const { reason, verifierCode } = untrustedSignerFacts(err);
  const requestId = (err as { requestId?: unknown }).requestId;
  return {
    ...(reason === undefined ? {} : { reason }),
    ...(verifierCode === undefined ? {} : { verifierCode }),
    ...(typeof requestId === "string" ? { requestId } : {}),
  };
}

/**
 * The outcome of any tool whose call the client refused because the signer is not trusted.
 * Before attestation passes nothing HMAC-signed leaves the client; a bad receipt means the
 * answer was received and discarded.
 */
export function outcomeOfUntrustedSigner(err: UntrustedSignerError): ToolFailure {
  const { reason } = untrustedSignerFacts(err);
  const consequence =
    reason === "receipt_invalid"
      ? "The answer was discarded; nothing usable was signed."
      : "Nothing was sent to it, so nothing was signed.";
  return {
    ok: false,
    error: "untrusted_signer",
    summary: `The signer could not be verified: ${untrustedSignerWhy(err)}. ${consequence} Tell the operator; do not retry until it is fixed.`,
    ...untrustedSignerFields(err),
  };
}
