// Admin authentication of a sealed upload: an Ed25519 signature by the operator's admin key
// over a domain-tagged, fixed-order serialisation of every envelope field. The sidecar knows
// only the admin public key (configuration); the envelope's document hash makes each signature
// good for one document of one sidecar process, once. The same scheme (adminSigningBytes, with
// its own domain tag) authorises the KMS-sealed blobs of enclave restarts.
import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from "node:crypto";
import { ProvisioningError } from "./provisioning-error.js";
import { parseSealedEnvelope, type SealedEnvelope } from "./sealed-envelope.js";

/** Domain tag of the admin signature (distinct from the envelope's own). */
export const ENVELOPE_SIGNATURE_DOMAIN = "airlock/provisioning-admin-signature/v1";

/** An Ed25519 signature as base64url (64 bytes). */
const SIGNATURE = /^[A-Za-z0-9_-]{86}$/;
/** Longest admin key text accepted (a PEM public key is ~113 characters, a private one ~119). */
const MAX_KEY_TEXT = 4096;

/**
 * The bytes an admin signature covers, for any signed object: the domain tag, a newline, then
 * the JSON array of the object's fields in a fixed order. Callers pass schema-checked strings
 * and integers only, so JSON.stringify is exact; each signed kind has its own domain tag, so a
 * signature over one kind never verifies as another.
 */
export function adminSigningBytes(domain: string, fields: readonly (string | number)[]): Buffer {
  return Buffer.from(`${domain}\n${JSON.stringify(fields)}`, "utf8");
}

/** Signs admin signing bytes with the admin private key (Ed25519); returns the signature as base64url. */
export function signAdminBytes(bytes: Uint8Array, adminPrivateKey: KeyObject): string {
  if (adminPrivateKey.type !== "private" || adminPrivateKey.asymmetricKeyType !== "ed25519") {
    throw new ProvisioningError("INVALID_ADMIN_KEY", "the admin key must be an Ed25519 private key");
  }
  return sign(null, bytes, adminPrivateKey).toString("base64url");
}

/** Verifies an admin signature over signing bytes; throws ProvisioningError BAD_SIGNATURE (or INVALID_ADMIN_KEY). */
export function verifyAdminBytes(bytes: Uint8Array, signature: string, adminPublicKey: KeyObject): void {
  if (adminPublicKey.type !== "public" || adminPublicKey.asymmetricKeyType !== "ed25519") {
    throw new ProvisioningError("INVALID_ADMIN_KEY", "the admin key must be an Ed25519 public key");
  }
  if (typeof signature !== "string" || !SIGNATURE.test(signature)) throw new ProvisioningError("BAD_SIGNATURE", "the admin signature is not 64 bytes of base64url");
  const raw = Buffer.from(signature, "base64url");
  if (raw.toString("base64url") !== signature) throw new ProvisioningError("BAD_SIGNATURE", "the admin signature is not canonical base64url");
  // Ed25519 verification is constant-time in the signature; there is no byte comparison here.
  if (!verify(null, bytes, adminPublicKey, raw)) throw new ProvisioningError("BAD_SIGNATURE", "the admin signature does not verify");
}

/** The signed bytes of an envelope: {@link adminSigningBytes} over every field, in order. */
export function envelopeSigningBytes(envelope: SealedEnvelope): Buffer {
  const e = parseSealedEnvelope(envelope);
  return adminSigningBytes(ENVELOPE_SIGNATURE_DOMAIN, [e.v, e.documentSha256, e.ephemeralPublicKey, e.iv, e.ciphertext]);
}

/** Signs an envelope with the admin private key (Ed25519); returns the signature as base64url. */
export function signEnvelope(envelope: SealedEnvelope, adminPrivateKey: KeyObject): string {
  if (adminPrivateKey.type !== "private" || adminPrivateKey.asymmetricKeyType !== "ed25519") {
    throw new ProvisioningError("INVALID_ADMIN_KEY", "the admin key must be an Ed25519 private key");
  }
  return signAdminBytes(envelopeSigningBytes(envelope), adminPrivateKey);
}

/** Verifies the admin signature of an envelope; throws ProvisioningError BAD_SIGNATURE (or MALFORMED_ENVELOPE). */
export function verifyEnvelopeSignature(envelope: SealedEnvelope, signature: string, adminPublicKey: KeyObject): void {
  if (adminPublicKey.type !== "public" || adminPublicKey.asymmetricKeyType !== "ed25519") {
    throw new ProvisioningError("INVALID_ADMIN_KEY", "the admin key must be an Ed25519 public key");
  }
  verifyAdminBytes(envelopeSigningBytes(envelope), signature, adminPublicKey);
}

/**
 * Reads an admin public key: SPKI PEM ("-----BEGIN PUBLIC KEY-----") or the base64 of its DER.
 * Anything but an Ed25519 public key is INVALID_ADMIN_KEY (a private key is refused: it does
 * not belong in the sidecar's configuration).
 */
export function parseAdminPublicKey(text: string): KeyObject {
  const bad = (): never => {
    throw new ProvisioningError("INVALID_ADMIN_KEY", "the admin public key must be an Ed25519 public key as SPKI PEM or base64 DER");
  };
  if (typeof text !== "string" || text.length > MAX_KEY_TEXT) return bad();
  const trimmed = text.trim();
  let key: KeyObject;
  try {
    if (trimmed.startsWith("-----BEGIN PUBLIC KEY-----")) {
      key = createPublicKey({ key: trimmed, format: "pem" });
    } else {
      if (!/^[A-Za-z0-9+/]+={0,2}$/.test(trimmed)) return bad();
      const der = Buffer.from(trimmed, "base64");
      if (der.toString("base64") !== trimmed) return bad();
      key = createPublicKey({ key: der, format: "der", type: "spki" });
    }
  } catch {
    return bad();
  }
  if (key.type !== "public" || key.asymmetricKeyType !== "ed25519") return bad();
  return key;
}

/** Reads an admin private key (PKCS#8 PEM, as `openssl genpkey -algorithm ed25519` writes it). */
export function parseAdminPrivateKey(pem: string): KeyObject {
  const bad = (): never => {
    throw new ProvisioningError("INVALID_ADMIN_KEY", "the admin private key must be an Ed25519 private key in PKCS#8 PEM");
  };
  if (typeof pem !== "string" || pem.length > MAX_KEY_TEXT || !pem.trim().startsWith("-----BEGIN PRIVATE KEY-----")) return bad();
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem.trim(), format: "pem" });
  } catch {
    return bad();
  }
  if (key.type !== "private" || key.asymmetricKeyType !== "ed25519") return bad();
  return key;
}

/** SHA-256 (lowercase hex) of an admin public key's SPKI DER: how audit records and the CLI name it. */
export function adminKeyIdOf(publicKey: KeyObject): string {
  return createHash("sha256").update(publicKey.export({ format: "der", type: "spki" })).digest("hex");
}
