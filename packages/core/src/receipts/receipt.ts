// Receipts: a compact statement, signed by the sidecar's boot-time receipt key, of which exact
// authenticated request it answered, under which policy, what it signed and what it sent back.
// With the Nitro backend the receipt key is the attested one, so a receipt proves that the
// attested code produced this answer to this request: a host in the middle can drop answers
// but cannot forge or alter one.
import { createHash, createPublicKey, verify as cryptoVerify, type KeyObject } from "node:crypto";
import { z } from "zod";

/** The response header that carries the receipt (base64url of its JSON). */
export const RECEIPT_HEADER = "x-airlock-receipt";

/** Upper bound of the header value; a receipt is ~600 characters. */
export const MAX_RECEIPT_HEADER_CHARS = 4096;

const HEX64 = /^[0-9a-f]{64}$/;
const B64URL = /^[A-Za-z0-9_-]+$/;
const PRINTABLE = /^[\x21-\x7e]{1,128}$/;

/** The receipt fields, every one covered by the signature. */
export const ReceiptSchema = z.strictObject({
  v: z.literal(1),
  alg: z.literal("Ed25519"),
  /** SHA-256 (hex) of the receipt public key's SPKI DER: the key the attestation names. */
  receiptKeyId: z.string().regex(HEX64),
  requestId: z.string().regex(PRINTABLE),
  /** Route label, e.g. "sign.session_transaction". */
  route: z.string().regex(/^[a-z_.]{1,64}$/),
  clientId: z.string().regex(PRINTABLE).nullable(),
  /** Signing key id (session key id or exchange account) when one signed. */
  keyId: z.string().regex(PRINTABLE).nullable(),
  /** SHA-256 (hex) of the HMAC canonical string: timestamp, nonce, method, path, body hash. */
  requestHash: z.string().regex(HEX64),
  /** SHA-256 (hex) of the canonical policy that admitted the request. */
  policyHash: z.string().regex(HEX64),
  /** What was signed: a Starknet message hash (0x felt) or the SHA-256 (hex) of a signed venue request; null when nothing was. */
  signedHash: z.string().regex(/^(0x[0-9a-f]{1,64}|[0-9a-f]{64})$/).nullable(),
  /** SHA-256 (hex) of the exact response body bytes. */
  responseHash: z.string().regex(HEX64),
  status: z.number().int().min(100).max(599),
  /** Epoch ms at the sidecar. */
  issuedAt: z.number().int().min(0).max(8.64e15),
  /** Ed25519 signature (base64url, 64 bytes) over receiptSigningBytes. */
  sig: z.string().regex(B64URL).length(86),
});
export type Receipt = z.infer<typeof ReceiptSchema>;
export type UnsignedReceipt = Omit<Receipt, "sig">;

const DOMAIN = "airlock-receipt-v1";

/**
 * The bytes the receipt key signs: a domain tag, then the fields as a JSON array in a fixed
 * order. JSON.stringify of strings, integers and null is deterministic, so both sides build
 * the same bytes without a canonicalisation library.
 */
export function receiptSigningBytes(r: UnsignedReceipt): Buffer {
  const fields = [r.v, r.alg, r.receiptKeyId, r.requestId, r.route, r.clientId, r.keyId, r.requestHash, r.policyHash, r.signedHash, r.responseHash, r.status, r.issuedAt];
  return Buffer.from(`${DOMAIN}\n${JSON.stringify(fields)}`, "utf8");
}

/** SHA-256 hex of a receipt key's SPKI DER. */
export function receiptKeyIdOf(spkiDer: Uint8Array): string {
  return createHash("sha256").update(spkiDer).digest("hex");
}

/** SHA-256 hex of the HMAC canonical string of a request. */
export function requestHashOf(canonical: string): string {
  return createHash("sha256").update(canonical, "utf8").digest("hex");
}

/** The header value for a receipt. */
export function encodeReceiptHeader(r: Receipt): string {
  return Buffer.from(JSON.stringify(r), "utf8").toString("base64url");
}

/** Why a receipt was refused. */
export type ReceiptErrorCode = "MISSING" | "MALFORMED" | "UNKNOWN_KEY" | "BAD_SIGNATURE" | "MISMATCH";

export class ReceiptError extends Error {
  override readonly name = "ReceiptError";
  constructor(
    readonly code: ReceiptErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Parses a header value strictly: bounded, base64url, JSON, every field as specified. */
export function decodeReceiptHeader(value: string | string[] | undefined): Receipt {
  if (value === undefined) throw new ReceiptError("MISSING", "the response carries no receipt");
  if (typeof value !== "string") throw new ReceiptError("MALFORMED", "more than one receipt header");
  if (value.length === 0 || value.length > MAX_RECEIPT_HEADER_CHARS || !B64URL.test(value)) throw new ReceiptError("MALFORMED", "receipt header is not bounded base64url");
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(value, "base64url").toString("utf8"));
  } catch {
    throw new ReceiptError("MALFORMED", "receipt is not JSON");
  }
  const parsed = ReceiptSchema.safeParse(json);
  if (!parsed.success) throw new ReceiptError("MALFORMED", "receipt fields do not match the receipt schema");
  return parsed.data;
}

/** A receipt verification key: its id and the Ed25519 public key. */
export interface ReceiptKey {
  readonly receiptKeyId: string;
  readonly publicKey: KeyObject;
}

/** Builds a ReceiptKey from SPKI DER; throws ReceiptError MALFORMED unless it is an Ed25519 key. */
export function receiptKeyFromSpki(spkiDer: Uint8Array): ReceiptKey {
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey({ key: Buffer.from(spkiDer), format: "der", type: "spki" });
  } catch {
    throw new ReceiptError("MALFORMED", "receipt public key is not SPKI DER");
  }
  if (publicKey.asymmetricKeyType !== "ed25519") throw new ReceiptError("MALFORMED", "receipt public key is not Ed25519");
  return { receiptKeyId: receiptKeyIdOf(spkiDer), publicKey };
}

/** What the verifier knows independently of the receipt. */
export interface ReceiptExpectation {
  readonly requestHash: string;
  readonly responseHash: string;
  readonly status: number;
  /** When known (attested), the policy hash must equal it. */
  readonly policyHash?: string;
  /** When known, what was signed must be this (felts compare by value). */
  readonly signedHash?: string;
}

/**
 * Verifies a receipt against the trusted key and against what the caller itself sent and
 * received. Throws ReceiptError: UNKNOWN_KEY (another key signed: re-attest), BAD_SIGNATURE,
 * MISMATCH (a field disagrees with the request or response).
 */
export function verifyReceipt(receipt: Receipt, key: ReceiptKey, expected: ReceiptExpectation): void {
  if (receipt.receiptKeyId !== key.receiptKeyId) throw new ReceiptError("UNKNOWN_KEY", "receipt signed by a key other than the attested one");
  const { sig, ...unsigned } = receipt;
  const ok = cryptoVerify(null, receiptSigningBytes(unsigned), key.publicKey, Buffer.from(sig, "base64url"));
  if (!ok) throw new ReceiptError("BAD_SIGNATURE", "receipt signature does not verify");
  if (receipt.requestHash !== expected.requestHash) throw new ReceiptError("MISMATCH", "receipt is for another request");
  if (receipt.responseHash !== expected.responseHash) throw new ReceiptError("MISMATCH", "receipt is for another response body");
  if (receipt.status !== expected.status) throw new ReceiptError("MISMATCH", "receipt states another status");
  if (expected.policyHash !== undefined && receipt.policyHash !== expected.policyHash) throw new ReceiptError("MISMATCH", "receipt names a policy other than the attested one");
  if (expected.signedHash !== undefined && !sameSignedHash(receipt.signedHash, expected.signedHash)) throw new ReceiptError("MISMATCH", "receipt states another signed hash");
}

function sameSignedHash(stated: string | null, expected: string): boolean {
  if (stated === null) return false;
  if (stated.startsWith("0x") && expected.startsWith("0x")) return BigInt(stated) === BigInt(expected);
  return stated === expected;
}

/**
 * The signedHash of an exchange answer: SHA-256 (hex) of the signed venue request exactly as
 * it is to be sent (method, URL, headers sorted by name, body), one field per line.
 */
export function signedVenueRequestHash(req: { method: string; url: string; headers: Readonly<Record<string, string>>; body?: string | undefined }): string {
  const headers = Object.entries(req.headers).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return createHash("sha256").update(`${req.method}\n${req.url}\n${JSON.stringify(headers)}\n${req.body ?? ""}`, "utf8").digest("hex");
}
