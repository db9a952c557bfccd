/**
 * The one registry of sidecar error codes: a stable machine `code`, its HTTP status and the
 * message clients see. Messages are SISNA's strings wherever SISNA has one, because SISNA's
 * clients match on them (e.g. `replayed nonce`). Policy denials carry their own message and a
 * `ruleId` besides. docs/errors.md lists exactly these codes (a test keeps them in step).
 */
export const ERROR_CODES = Object.freeze({
  AUTH_MISSING_HEADERS: { status: 401, message: "missing authentication headers" },
  AUTH_HEADER_TOO_LARGE: { status: 401, message: "authentication header too large" },
  AUTH_UNKNOWN_CLIENT: { status: 401, message: "unknown client id" },
  AUTH_INVALID_TIMESTAMP: { status: 401, message: "invalid timestamp" },
  AUTH_TIMESTAMP_OUT_OF_WINDOW: { status: 401, message: "timestamp outside accepted window" },
  AUTH_INVALID_NONCE: { status: 401, message: "invalid nonce" },
  AUTH_INVALID_SIGNATURE: { status: 401, message: "invalid signature" },
  AUTH_REPLAYED_NONCE: { status: 401, message: "replayed nonce" },
  ORIGIN_REJECTED: { status: 403, message: "browser origins are not allowed" },
  NOT_FOUND: { status: 404, message: "not found" },
  DFNS_NOT_ENABLED: { status: 404, message: "dfns signer provider is not enabled" },
  METHOD_NOT_ALLOWED: { status: 405, message: "method not allowed" },
  MALFORMED_REQUEST: { status: 400, message: "malformed HTTP request" },
  INVALID_PAYLOAD: { status: 400, message: "invalid payload" },
  MALFORMED_JSON: { status: 400, message: "malformed JSON body" },
  BODY_TOO_LARGE: { status: 413, message: "request body too large" },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: "content-type must be application/json" },
  HEADERS_TOO_LARGE: { status: 431, message: "request headers too large" },
  LEAK_DETECTED: { status: 422, message: "secret leak pattern detected in request payload" },
  POLICY_DENIED: { status: 422, message: "request denied by policy" },
  RATE_LIMITED: { status: 429, message: "rate limit exceeded" },
  INTERNAL_ERROR: { status: 500, message: "internal error" },
  OUTBOUND_LEAK_BLOCKED: { status: 500, message: "outbound leak scanner blocked response" },
  REPLAY_STORE_UNAVAILABLE: { status: 503, message: "replay protection unavailable" },
  RATE_LIMIT_UNAVAILABLE: { status: 503, message: "rate limit unavailable" },
  SPEND_STORE_UNAVAILABLE: { status: 503, message: "spending limit store unavailable" },
  SIGNER_UNAVAILABLE: { status: 503, message: "signer unavailable" },
  AUDIT_UNAVAILABLE: { status: 503, message: "audit log unavailable" },
  ATTESTATION_UNAVAILABLE: { status: 503, message: "attestation unavailable" },
  // Sealed key provisioning (Nitro backend, POST /v1/admin/provision).
  PROVISIONING_NOT_ENABLED: { status: 404, message: "sealed key provisioning is not enabled" },
  ADMIN_SIGNATURE_INVALID: { status: 401, message: "invalid admin signature" },
  PROVISION_DOCUMENT_UNKNOWN: { status: 400, message: "attestation document unknown, expired or already used" },
  PROVISION_ENVELOPE_INVALID: { status: 400, message: "sealed envelope could not be opened" },
  PROVISION_SECRETS_INVALID: { status: 400, message: "provisioned secrets do not match the declared keys and accounts" },
  ALREADY_PROVISIONED: { status: 403, message: "keys already provisioned" },
  KEYS_NOT_PROVISIONED: { status: 503, message: "signing keys not provisioned" },
  // Restarts with AWS KMS (Nitro backend, POST /v1/admin/kms-unseal).
  KMS_UNSEAL_NOT_ENABLED: { status: 404, message: "KMS unseal is not enabled" },
  KMS_BLOB_WRONG_KEY: { status: 400, message: "sealed blob names another KMS key" },
  KMS_REFUSED: { status: 403, message: "KMS refused to release the data key" },
  KMS_ANSWER_INVALID: { status: 502, message: "KMS answer could not be used" },
  KMS_UNAVAILABLE: { status: 503, message: "KMS unavailable" },
} as const);

export type ErrorCode = keyof typeof ERROR_CODES;

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === "string" && Object.prototype.hasOwnProperty.call(ERROR_CODES, value);
}
