import { HEX_FELT_PATTERN, STARK_PRIME, verifyWithStarkKey } from "@airlock/core/starknet";
import { SignerUnavailableError } from "./provider-types.js";

/** What the DFNS answer must agree with: everything we computed or pinned locally. */
export interface DfnsExpectation {
  readonly domainHash: bigint;
  readonly messageHash: bigint;
  /** Pinned Stark key of the requested keyId. */
  readonly pinnedPublicKey: bigint;
  /** The request's validUntil (unix seconds). */
  readonly validUntil: number;
}

function hexFelt(value: unknown): bigint | undefined {
  if (typeof value !== "string" || !HEX_FELT_PATTERN.test(value)) return undefined;
  const n = BigInt(value);
  return n < STARK_PRIME ? n : undefined;
}

function unavailable(reason: string): SignerUnavailableError {
  return new SignerUnavailableError(`DFNS signer ${reason}`);
}

/**
 * SISNA's checks of a successful DFNS answer, failing closed: exact mode and kind; hex felts
 * everywhere; both hashes equal to ours (so DFNS signed what our policy approved); the session
 * key equal to the pin; the envelope's first and last felts equal to that key and validUntil;
 * and an ECDSA signature that verifies. Stricter than SISNA: verifyWithStarkKey also refuses
 * high-S signatures (s > n/2), which session accounts reject anyway.
 */
export function checkDfnsSignResponse(payload: unknown, expected: DfnsExpectation): { r: bigint; s: bigint } {
  if (payload === null || typeof payload !== "object" || Array.isArray(payload)) {
    throw unavailable("response payload is invalid");
  }
  const body = payload as Record<string, unknown>;
  if (body["signatureMode"] !== "v2_snip12" || body["signatureKind"] !== "Snip12") {
    throw unavailable("returned unsupported signature mode");
  }
  const domainHash = hexFelt(body["domainHash"]);
  const messageHash = hexFelt(body["messageHash"]);
  if (domainHash === undefined || messageHash === undefined) throw unavailable("response hashes are invalid");
  const publicKey = hexFelt(body["sessionPublicKey"]);
  if (publicKey === undefined) throw unavailable("returned invalid sessionPublicKey");
  const raw = body["signature"];
  if (!Array.isArray(raw) || raw.length !== 4) throw unavailable("returned invalid signature shape");
  const sig = raw.map(hexFelt);
  const [sigKey, r, s, sigValidUntil] = sig;
  if (sigKey === undefined || r === undefined || s === undefined || sigValidUntil === undefined) {
    throw unavailable("returned invalid signature shape");
  }
  if (domainHash !== expected.domainHash) throw unavailable("returned mismatched domainHash");
  if (messageHash !== expected.messageHash) throw unavailable("returned mismatched messageHash");
  if (publicKey !== expected.pinnedPublicKey) throw unavailable("returned a session pubkey that differs from the pin");
  if (sigKey !== publicKey) throw unavailable("returned mismatched session pubkey");
  if (sigValidUntil !== BigInt(expected.validUntil)) throw unavailable("returned mismatched valid_until");
  if (!verifyWithStarkKey(expected.messageHash, expected.pinnedPublicKey, { r, s })) {
    throw unavailable("returned unverifiable signature");
  }
  return { r, s };
}
