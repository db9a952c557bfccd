// The one error type of kmsSeal / kmsUnseal: a stable code per failing step, and for KMS
// failures the KMS client's own code, so a caller can tell "refused" from "try again later".
import { KmsError, type KmsErrorCode } from "./kms-errors.js";

/** The step that failed. */
export type KmsSealErrorCode =
  /** Invalid options (endpoint, credentials, key id, plaintext size...). */
  | "OPTIONS_INVALID"
  /** The stored blob does not parse (wrong members, types, base64, sizes or version). */
  | "SEALED_BLOB_INVALID"
  /** The attestation source produced no document. */
  | "ATTESTATION_FAILED"
  /** KMS refused or failed; see `kmsCode` (ACCESS_DENIED: the key policy refused this enclave). */
  | "KMS_FAILED"
  /** KMS's answer named another key than the blob's. */
  | "KMS_KEY_MISMATCH"
  /** The CiphertextForRecipient could not be parsed, unwrapped or decrypted. */
  | "RECIPIENT_CIPHERTEXT_INVALID"
  /** The unwrapped data key is not a 32-byte AES key. */
  | "DATA_KEY_INVALID"
  /** The blob does not authenticate under the data key (tampered, or from another data key). */
  | "SEALED_BLOB_AUTH_FAILED";

/** A failed seal or unseal. Messages never carry key material, plaintext or credentials. */
export class KmsSealError extends Error {
  override readonly name = "KmsSealError";
  /** True when retrying the same call later may succeed (KMS unreachable, throttled, 5xx). */
  readonly retryable: boolean;
  constructor(
    readonly code: KmsSealErrorCode,
    message: string,
    /** For KMS_FAILED: the KMS client's error code. */
    readonly kmsCode?: KmsErrorCode,
    options?: { retryable?: boolean; cause?: unknown },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.retryable = options?.retryable ?? false;
  }
}

/** Maps a KMS client failure to the seal error (the KMS error is kept as the cause). */
export function kmsFailure(err: unknown, what: string): KmsSealError {
  if (err instanceof KmsError) return new KmsSealError("KMS_FAILED", `${what}: ${err.message}`, err.code, { retryable: err.retryable, cause: err });
  if (err instanceof TypeError) return new KmsSealError("OPTIONS_INVALID", `${what}: ${err.message}`, undefined, { cause: err });
  return new KmsSealError("KMS_FAILED", `${what}: unexpected failure`, undefined, { cause: err });
}
