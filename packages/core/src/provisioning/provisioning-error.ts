// Typed errors of sealed key provisioning. Messages are fixed text: they never quote a key, a
// plaintext, a ciphertext or a signature.

/** Why sealing, opening or authenticating an envelope failed (stable: branch on it). */
export type ProvisioningErrorCode =
  /** The envelope or upload does not match the strict schema (field, size, encoding). */
  | "MALFORMED_ENVELOPE"
  /** A KMS-sealed blob does not match its strict schema (members, sizes, canonical base64). */
  | "MALFORMED_BLOB"
  /** The plaintext is empty or larger than MAX_PLAINTEXT_BYTES. */
  | "PLAINTEXT_SIZE"
  /** A public key is not 32 bytes, or is a low-order X25519 point (RFC 7748 §6.1). */
  | "INVALID_PUBLIC_KEY"
  /** The key agreement failed or produced the all-zero secret. */
  | "KEY_AGREEMENT_FAILED"
  /** AES-256-GCM authentication failed: wrong key, wrong document hash, or a tampered field. */
  | "DECRYPT_FAILED"
  /** The admin key is not an Ed25519 key of the expected kind (public or private). */
  | "INVALID_ADMIN_KEY"
  /** The admin signature does not verify. */
  | "BAD_SIGNATURE";

export class ProvisioningError extends Error {
  override readonly name = "ProvisioningError";
  constructor(
    readonly code: ProvisioningErrorCode,
    message: string,
  ) {
    super(message);
  }
}
