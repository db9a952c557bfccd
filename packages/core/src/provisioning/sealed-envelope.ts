// Sealed key provisioning: key material encrypted to the X25519 key an attested enclave names
// in its document (enclave-claims.ts), bound to that very document. An HPKE-style scheme in the
// spirit of RFC 9180 base mode, spelled out so that both sides (and a test) can recompute it
// with node:crypto alone:
//
//   shared = X25519(ephemeral private, enclave public)            (all-zero output refused)
//   key    = HKDF-SHA256(ikm = shared, salt = SHA-256(document),
//                        info = DOMAIN || ephemeral public || enclave public, 32 bytes)
//   ct     = AES-256-GCM(key, iv = 12 random bytes,
//                        aad = DOMAIN || SHA-256(document) || ephemeral public) || 16-byte tag
//
// A fresh ephemeral key per envelope gives forward secrecy for the sender; the document hash in
// both the key schedule and the AAD means an envelope opens only as the upload for the document
// it was sealed to, so the enclave can insist on a document it issued itself (and only once).
import { createCipheriv, createDecipheriv, createHash, createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, hkdfSync, randomBytes, type KeyObject } from "node:crypto";
import { z } from "zod";
import { ProvisioningError } from "./provisioning-error.js";

/** Domain tag of the key schedule and the AAD (ASCII). */
export const SEALED_ENVELOPE_DOMAIN = "airlock/sealed-provisioning/v1";
/** Largest plaintext sealed in one envelope. */
export const MAX_PLAINTEXT_BYTES = 64 * 1024;

const DOMAIN = Buffer.from(SEALED_ENVELOPE_DOMAIN, "ascii");
const X25519_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const B64URL = /^[A-Za-z0-9_-]+$/;
/** Characters of unpadded base64url for n bytes. */
const b64urlChars = (n: number): number => Math.ceil((n * 4) / 3);

// DER prefixes of X25519 keys (RFC 8410): raw 32 bytes follow.
const SPKI_PREFIX = Buffer.from("302a300506032b656e032100", "hex");
const PKCS8_PREFIX = Buffer.from("302e020100300506032b656e04220420", "hex");

/**
 * Encodings of the points of small order on Curve25519 (libsodium's list), with bit 255 cleared
 * as X25519 itself ignores it. A shared secret with any of them is all-zero or predictable.
 */
const LOW_ORDER_POINTS: readonly Buffer[] = [
  "0000000000000000000000000000000000000000000000000000000000000000",
  "0100000000000000000000000000000000000000000000000000000000000000",
  "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
  "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
  "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
  "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
  "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
].map((hex) => Buffer.from(hex, "hex"));

/** A sealed envelope as it travels (JSON): binary fields are unpadded base64url. */
export const SealedEnvelope = z.strictObject({
  v: z.literal(1),
  /** SHA-256 (lowercase hex) of the attestation document the envelope is sealed to. */
  documentSha256: z.string().regex(/^[0-9a-f]{64}$/),
  /** The sender's ephemeral X25519 public key (32 bytes). */
  ephemeralPublicKey: z.string().regex(B64URL).length(b64urlChars(X25519_BYTES)),
  /** AES-GCM IV (12 bytes). */
  iv: z.string().regex(B64URL).length(b64urlChars(IV_BYTES)),
  /** Ciphertext followed by the 16-byte GCM tag; 1 to MAX_PLAINTEXT_BYTES of plaintext. */
  ciphertext: z.string().regex(B64URL).min(b64urlChars(1 + TAG_BYTES)).max(b64urlChars(MAX_PLAINTEXT_BYTES + TAG_BYTES)),
});
export type SealedEnvelope = z.infer<typeof SealedEnvelope>;

export interface SealInput {
  /** The secret bytes (1 .. MAX_PLAINTEXT_BYTES). */
  readonly plaintext: Uint8Array;
  /** The enclave's raw X25519 public key, from the verified claims. */
  readonly enclavePublicKey: Uint8Array;
  /** SHA-256 (lowercase hex) of the verified attestation document. */
  readonly documentSha256: string;
}

/** SHA-256 (lowercase hex) of an attestation document, as envelopes name it. */
export function documentSha256Of(document: Uint8Array): string {
  return createHash("sha256").update(document).digest("hex");
}

/** Parses an envelope strictly (schema and canonical base64url); throws MALFORMED_ENVELOPE. */
export function parseSealedEnvelope(value: unknown): SealedEnvelope {
  const parsed = SealedEnvelope.safeParse(value);
  if (!parsed.success) throw new ProvisioningError("MALFORMED_ENVELOPE", "the sealed envelope does not match its schema");
  const e = parsed.data;
  // One spelling per value: trailing bits that base64url would ignore are refused.
  for (const field of [e.ephemeralPublicKey, e.iv, e.ciphertext]) {
    if (Buffer.from(field, "base64url").toString("base64url") !== field) throw new ProvisioningError("MALFORMED_ENVELOPE", "the sealed envelope holds non-canonical base64url");
  }
  return e;
}

/** Seals `plaintext` to the enclave key, bound to the document hash (a fresh ephemeral key and IV). */
export function sealForEnclave(input: SealInput): SealedEnvelope {
  const ephemeral = generateKeyPairSync("x25519");
  return sealWithEphemeral(input, ephemeral.privateKey, randomBytes(IV_BYTES));
}

/**
 * sealForEnclave with a given ephemeral private key (KeyObject or raw 32 bytes) and IV. For
 * known-answer tests only: reusing an ephemeral key and IV pair breaks AES-GCM entirely.
 */
export function sealWithEphemeral(input: SealInput, ephemeralPrivateKey: KeyObject | Uint8Array, iv: Uint8Array): SealedEnvelope {
  if (!(input.plaintext instanceof Uint8Array) || input.plaintext.length === 0 || input.plaintext.length > MAX_PLAINTEXT_BYTES) {
    throw new ProvisioningError("PLAINTEXT_SIZE", `the plaintext must be 1 to ${MAX_PLAINTEXT_BYTES} bytes`);
  }
  if (!/^[0-9a-f]{64}$/.test(input.documentSha256)) throw new ProvisioningError("MALFORMED_ENVELOPE", "documentSha256 must be 64 lowercase hex characters");
  if (iv.length !== IV_BYTES) throw new ProvisioningError("MALFORMED_ENVELOPE", "the IV must be 12 bytes");
  const enclavePublic = checkedPublicKey(input.enclavePublicKey);
  const privateKey = ephemeralPrivateKey instanceof Uint8Array ? x25519PrivateKey(ephemeralPrivateKey) : ephemeralPrivateKey;
  if (privateKey.type !== "private" || privateKey.asymmetricKeyType !== "x25519") throw new ProvisioningError("INVALID_PUBLIC_KEY", "the ephemeral key must be an X25519 private key");
  const ephemeralPublic = rawPublicKey(createPublicKey(privateKey));
  const documentHash = Buffer.from(input.documentSha256, "hex");

  const shared = agree(() => diffieHellman({ privateKey, publicKey: x25519PublicKey(enclavePublic) }));
  const key = deriveKey(shared, documentHash, ephemeralPublic, enclavePublic);
  try {
    const cipher = createCipheriv("aes-256-gcm", key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(additionalData(documentHash, ephemeralPublic));
    const ciphertext = Buffer.concat([cipher.update(input.plaintext), cipher.final(), cipher.getAuthTag()]);
    return {
      v: 1,
      documentSha256: input.documentSha256,
      ephemeralPublicKey: ephemeralPublic.toString("base64url"),
      iv: Buffer.from(iv).toString("base64url"),
      ciphertext: ciphertext.toString("base64url"),
    };
  } finally {
    shared.fill(0);
    key.fill(0);
  }
}

/**
 * Opens an envelope. `sharedSecret` performs X25519 with the enclave's private key (which never
 * leaves its holder); `enclavePublicKey` is that key's public half (it enters the key schedule).
 * Throws ProvisioningError: MALFORMED_ENVELOPE, INVALID_PUBLIC_KEY, KEY_AGREEMENT_FAILED,
 * DECRYPT_FAILED. The caller checks that envelope.documentSha256 names a document it issued.
 */
export function openSealedEnvelope(envelope: unknown, sharedSecret: (ephemeralPublicKey: Uint8Array) => Buffer, enclavePublicKey: Uint8Array): Buffer {
  const e = parseSealedEnvelope(envelope);
  const ephemeralPublic = checkedPublicKey(Buffer.from(e.ephemeralPublicKey, "base64url"));
  const enclavePublic = checkedPublicKey(enclavePublicKey);
  const documentHash = Buffer.from(e.documentSha256, "hex");
  const sealed = Buffer.from(e.ciphertext, "base64url");
  const iv = Buffer.from(e.iv, "base64url");

  const shared = agree(() => sharedSecret(new Uint8Array(ephemeralPublic)));
  const key = deriveKey(shared, documentHash, ephemeralPublic, enclavePublic);
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(additionalData(documentHash, ephemeralPublic));
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    let plaintext: Buffer;
    try {
      plaintext = Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES)), decipher.final()]);
    } catch {
      throw new ProvisioningError("DECRYPT_FAILED", "the sealed envelope does not open with this enclave key and document");
    }
    return plaintext;
  } finally {
    shared.fill(0);
    key.fill(0);
  }
}

/** True for a low-order X25519 encoding (bit 255 ignored, as X25519 does). */
export function isLowOrderX25519(publicKey: Uint8Array): boolean {
  if (publicKey.length !== X25519_BYTES) return false;
  const masked = Buffer.from(publicKey);
  masked[31] = masked[31]! & 0x7f;
  // Public values, but compared without an early exit anyway.
  let hit = 0;
  for (const point of LOW_ORDER_POINTS) {
    let diff = 0;
    for (let i = 0; i < X25519_BYTES; i++) diff |= masked[i]! ^ point[i]!;
    hit |= diff === 0 ? 1 : 0;
  }
  return hit === 1;
}

function checkedPublicKey(publicKey: Uint8Array): Buffer {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== X25519_BYTES) throw new ProvisioningError("INVALID_PUBLIC_KEY", "an X25519 public key must be 32 bytes");
  if (isLowOrderX25519(publicKey)) throw new ProvisioningError("INVALID_PUBLIC_KEY", "low-order X25519 public key refused");
  return Buffer.from(publicKey);
}

/** Runs a key agreement; any failure, a wrong length or the all-zero output is KEY_AGREEMENT_FAILED. */
function agree(run: () => Buffer): Buffer {
  let shared: Buffer;
  try {
    shared = run();
  } catch {
    throw new ProvisioningError("KEY_AGREEMENT_FAILED", "the X25519 key agreement failed");
  }
  if (!Buffer.isBuffer(shared) || shared.length !== X25519_BYTES) throw new ProvisioningError("KEY_AGREEMENT_FAILED", "the X25519 key agreement failed");
  let acc = 0;
  for (const b of shared) acc |= b;
  if (acc === 0) {
    // RFC 7748 §6.1: an all-zero output means a low-order point.
    throw new ProvisioningError("KEY_AGREEMENT_FAILED", "the X25519 key agreement produced the zero secret");
  }
  return shared;
}

function deriveKey(shared: Buffer, documentHash: Buffer, ephemeralPublic: Buffer, enclavePublic: Buffer): Buffer {
  return Buffer.from(hkdfSync("sha256", shared, documentHash, Buffer.concat([DOMAIN, ephemeralPublic, enclavePublic]), 32));
}

function additionalData(documentHash: Buffer, ephemeralPublic: Buffer): Buffer {
  return Buffer.concat([DOMAIN, documentHash, ephemeralPublic]);
}

function x25519PublicKey(raw: Buffer): KeyObject {
  return createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw]), format: "der", type: "spki" });
}

function x25519PrivateKey(raw: Uint8Array): KeyObject {
  if (raw.length !== X25519_BYTES) throw new ProvisioningError("INVALID_PUBLIC_KEY", "an X25519 private key must be 32 bytes");
  return createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, raw]), format: "der", type: "pkcs8" });
}

function rawPublicKey(key: KeyObject): Buffer {
  const der = key.export({ format: "der", type: "spki" });
  return Buffer.from(der.subarray(der.length - X25519_BYTES));
}
