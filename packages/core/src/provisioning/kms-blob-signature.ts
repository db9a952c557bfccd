// Operator authorisation of a KMS-sealed blob: the provisioning admin's Ed25519 signature over
// the blob, in the scheme of the envelope signature (envelope-signature.ts: a domain tag, then
// the fields in a fixed order as a JSON array) with a domain tag of its own. Without it, a host
// allowed kms:GenerateDataKey could seal key material of its choosing and the enclave would
// load it; with it, only blobs the operator signed are ever sent to KMS.
import { createHash, type KeyObject } from "node:crypto";
import { adminSigningBytes, signAdminBytes, verifyAdminBytes } from "./envelope-signature.js";
import { KmsSealedBlob } from "./kms-unseal-wire.js";
import { ProvisioningError } from "./provisioning-error.js";
import { MAX_PLAINTEXT_BYTES } from "./sealed-envelope.js";

/** Domain tag of the blob signature (distinct from the envelope's). */
export const KMS_BLOB_SIGNATURE_DOMAIN = "airlock/kms-sealed-blob-admin-signature/v1";

const MAX_ENCRYPTED_DATA_KEY_BYTES = 6144;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Parses a blob strictly: the closed schema, then one spelling per value (canonical padded
 * base64: trailing bits that a decoder would ignore are refused) and the decoded sizes (a
 * 12-byte IV, a wrapped data key KMS could have made, 1 to 64 KiB of plaintext and the tag).
 * Throws MALFORMED_BLOB.
 */
export function parseKmsSealedBlob(value: unknown): KmsSealedBlob {
  const parsed = KmsSealedBlob.safeParse(value);
  if (!parsed.success) throw new ProvisioningError("MALFORMED_BLOB", "the sealed blob does not match its schema");
  const b = parsed.data;
  const sizes: [string, number, number][] = [
    [b.encryptedDataKey, 1, MAX_ENCRYPTED_DATA_KEY_BYTES],
    [b.iv, IV_BYTES, IV_BYTES],
    [b.ciphertext, 1 + TAG_BYTES, MAX_PLAINTEXT_BYTES + TAG_BYTES],
  ];
  for (const [field, min, max] of sizes) {
    const bytes = Buffer.from(field, "base64");
    if (field.length % 4 !== 0 || bytes.toString("base64") !== field) throw new ProvisioningError("MALFORMED_BLOB", "the sealed blob holds non-canonical base64");
    if (bytes.length < min || bytes.length > max) throw new ProvisioningError("MALFORMED_BLOB", "a sealed blob field has the wrong size");
  }
  return b;
}

/** The signed bytes: the domain tag and every blob field, in order (see adminSigningBytes). */
export function kmsBlobSigningBytes(blob: KmsSealedBlob): Buffer {
  const b = parseKmsSealedBlob(blob);
  return adminSigningBytes(KMS_BLOB_SIGNATURE_DOMAIN, [b.v, b.keyId, b.encryptedDataKey, b.iv, b.ciphertext]);
}

/** SHA-256 (lowercase hex) of the signing bytes: the blob's name in answers, audit records and CLI output. */
export function kmsBlobSha256(blob: KmsSealedBlob): string {
  return createHash("sha256").update(kmsBlobSigningBytes(blob)).digest("hex");
}

/** Signs a blob with the admin private key (Ed25519); returns the signature as base64url. */
export function signKmsBlob(blob: KmsSealedBlob, adminPrivateKey: KeyObject): string {
  if (adminPrivateKey.type !== "private" || adminPrivateKey.asymmetricKeyType !== "ed25519") {
    throw new ProvisioningError("INVALID_ADMIN_KEY", "the admin key must be an Ed25519 private key");
  }
  return signAdminBytes(kmsBlobSigningBytes(blob), adminPrivateKey);
}

/** Verifies the admin signature of a blob; throws ProvisioningError BAD_SIGNATURE, MALFORMED_BLOB or INVALID_ADMIN_KEY. */
export function verifyKmsBlobSignature(blob: KmsSealedBlob, signature: string, adminPublicKey: KeyObject): void {
  if (adminPublicKey.type !== "public" || adminPublicKey.asymmetricKeyType !== "ed25519") {
    throw new ProvisioningError("INVALID_ADMIN_KEY", "the admin key must be an Ed25519 public key");
  }
  verifyAdminBytes(kmsBlobSigningBytes(blob), signature, adminPublicKey);
}
