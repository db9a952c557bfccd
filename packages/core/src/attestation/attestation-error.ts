/** Stable codes a caller can branch on when an attestation document is refused. */
export type AttestationErrorCode =
  | "MALFORMED"
  | "FIELD_INVALID"
  | "BAD_SIGNATURE"
  | "UNTRUSTED_ROOT"
  | "CHAIN_INVALID"
  | "EXPIRED"
  | "NONCE_MISMATCH"
  | "STALE"
  | "PCR_NOT_ALLOWED"
  | "DEBUG_PCRS";

/** Thrown for every refused attestation document; the message never echoes document bytes. */
export class AttestationError extends Error {
  readonly code: AttestationErrorCode;
  constructor(code: AttestationErrorCode, message: string) {
    super(message);
    this.name = "AttestationError";
    this.code = code;
  }
}
