// Typed failures of the KMS client, and the mapping from KMS's error types to them. Error
// types come from the JSON body's `__type` or the `x-amzn-errortype` header, sanitised as the
// AWS SDKs do ("namespace#Name:url" → "Name"; aws-smithy-schema error_envelope.rs).

/** What went wrong, at the granularity a caller branches on. */
export type KmsErrorCode =
  /** No answer: connection refused, DNS, TLS, timeout. Retryable. */
  | "UNREACHABLE"
  /** The request was not authenticated: unknown key id, bad signature, expired token or date. */
  | "AUTH_FAILED"
  /** Authenticated but refused by the key policy / IAM (e.g. the attested PCR0 is not allowed). */
  | "ACCESS_DENIED"
  /** The KMS key (or alias) does not exist here. */
  | "NOT_FOUND"
  /** The ciphertext blob or its encryption context does not decrypt under this key. */
  | "INVALID_CIPHERTEXT"
  /** The key exists but cannot be used now (disabled, pending deletion, wrong usage). */
  | "KEY_UNUSABLE"
  /** KMS throttled the request. Retryable. */
  | "THROTTLED"
  /** KMS failed internally (5xx, KMSInternalException, DependencyTimeoutException). Retryable. */
  | "SERVICE_ERROR"
  /** Any other refusal of the request (validation and the like). */
  | "REQUEST_REJECTED"
  /** KMS (or what answered in its place) sent a response this client does not accept. */
  | "RESPONSE_INVALID";

/**
 * A failed KMS call. The message is fixed text plus the sanitised KMS error type: neither the
 * request, nor KMS's free-text message, nor any credential ever appears in it.
 */
export class KmsError extends Error {
  override readonly name = "KmsError";
  /** True when the same call may succeed later without any change. */
  readonly retryable: boolean;
  constructor(
    readonly code: KmsErrorCode,
    message: string,
    /** KMS's error type (e.g. "AccessDeniedException"), when it sent one. */
    readonly awsErrorType?: string,
    /** HTTP status of the answer, when there was one. */
    readonly httpStatus?: number,
  ) {
    super(message);
    this.retryable = code === "UNREACHABLE" || code === "THROTTLED" || code === "SERVICE_ERROR";
  }
}

const BY_TYPE: Readonly<Record<string, KmsErrorCode>> = {
  AccessDeniedException: "ACCESS_DENIED",
  UnrecognizedClientException: "AUTH_FAILED",
  InvalidSignatureException: "AUTH_FAILED",
  IncompleteSignatureException: "AUTH_FAILED",
  MissingAuthenticationTokenException: "AUTH_FAILED",
  ExpiredTokenException: "AUTH_FAILED",
  InvalidClientTokenId: "AUTH_FAILED",
  NotFoundException: "NOT_FOUND",
  InvalidCiphertextException: "INVALID_CIPHERTEXT",
  IncorrectKeyException: "INVALID_CIPHERTEXT",
  DisabledException: "KEY_UNUSABLE",
  KMSInvalidStateException: "KEY_UNUSABLE",
  InvalidKeyUsageException: "KEY_UNUSABLE",
  KeyUnavailableException: "SERVICE_ERROR",
  ThrottlingException: "THROTTLED",
  LimitExceededException: "THROTTLED",
  KMSInternalException: "SERVICE_ERROR",
  DependencyTimeoutException: "SERVICE_ERROR",
  InternalFailure: "SERVICE_ERROR",
  ServiceUnavailable: "SERVICE_ERROR",
};

const TYPE_NAME = /^[A-Za-z][A-Za-z0-9]{0,99}$/;

/** "ns#Name:url" → "Name", or undefined when the result is not a plain shape name. */
export function sanitizeErrorType(raw: unknown): string | undefined {
  if (typeof raw !== "string" || raw.length > 512) return undefined;
  let t = raw;
  const colon = t.indexOf(":");
  if (colon >= 0) t = t.slice(0, colon);
  const hash = t.indexOf("#");
  if (hash >= 0) t = t.slice(hash + 1);
  t = t.trim();
  return TYPE_NAME.test(t) ? t : undefined;
}

/** The error for a non-2xx answer with the given (sanitised) error type. */
export function kmsErrorFor(status: number, awsErrorType: string | undefined, operation: string): KmsError {
  const mapped = awsErrorType === undefined ? undefined : BY_TYPE[awsErrorType];
  const code: KmsErrorCode = mapped ?? (status >= 500 ? "SERVICE_ERROR" : "REQUEST_REJECTED");
  const what = awsErrorType ?? "no error type";
  return new KmsError(code, `KMS ${operation} failed: HTTP ${status} (${what})`, awsErrorType, status);
}
