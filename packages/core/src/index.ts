// Entry point of @airlock/core: the wire contract (one copy, shared with the sidecar) and the client.
export { HEADER, HEADER_LIMITS, MAX_BODY_BYTES, NONCE_PATTERN, ROUTE, TIMESTAMP_PATTERN } from "./wire/headers.js";
export { SIGNATURE_PATTERN, sha256Hex, canonicalString, computeRequestSignature, signatureMatches } from "./wire/hmac.js";
export { ERROR_CODES, isErrorCode, type ErrorCode } from "./wire/error-codes.js";
export {
  HexFelt,
  Felt,
  FeltU128,
  Identifier,
  Entrypoint,
  UnixSeconds,
  SessionCall,
  SignContext,
  SessionTransactionRequest,
  SessionTransactionResponse,
  MAX_CALLS,
  MAX_CALLDATA_PER_CALL,
  MAX_CALLDATA_TOTAL,
} from "./wire/session-schemas.js";
export {
  ErrorBody,
  PolicyEvaluation,
  HealthResponse,
  ReadyResponse,
  AttestationResponse,
  DfnsPreflightResponse,
  PolicySummary,
  SignerStatus,
  ExchangeAccountStatus,
} from "./wire/responses.js";
export { buildOpenApiDocument } from "./wire/openapi.js";
export {
  AirlockError,
  AIRLOCK_ERROR_BRAND,
  PolicyDeniedError,
  RateLimitedError,
  BadRequestError,
  InvalidResponseError,
  UntrustedSignerError,
  type UntrustedSignerReason,
  ConfigError,
  VenueSendError,
  isAirlockError,
  type AirlockErrorCode,
  type AirlockErrorDetails,
  type InvalidResponseReason,
  type RequestIssue,
} from "./client/errors.js";
export { AirlockClient, type CallOptions } from "./client/airlock-client.js";
export { readBoundedBytes } from "./client/bounded-body.js";
export type { AirlockClientOptions, AirlockTlsOptions } from "./client/client-options.js";
export { KNOWN_VENUE_ORIGINS, resolveVenueOrigins, type VenueOriginsOption } from "./client/venue-origins.js";
export { venueErrorOf, MAX_VENUE_MESSAGE_CHARS, type VenueError } from "./client/venue-errors.js";
export { verifySignedExchangeRequest } from "./client/verify-exchange-response.js";
export type {
  ExchangeTarget,
  PlaceOrderArgs,
  CancelOrderArgs,
  CancelAllOrdersArgs,
  GetExchangeAccountArgs,
  AccountView,
  VenueResponse,
  ExchangeCallOptions,
  ExchangeResult,
  SentExchangeResult,
} from "./client/exchange-operations.js";
export { spkiSha256 } from "./client/tls-connect.js";
export { MAX_RESPONSE_BYTES } from "./client/http-exchange.js";
export { SessionKeyRegistry, verifySessionResponse, type ResponseContext } from "./client/verify-session-response.js";
export { Venue, DecimalString, VenueSymbol, ClientOrderId, PlaceOrder, CancelOrder, CancelAll, ReadOperation, ExchangeOperation, ExchangeRequest, SignedExchangeRequest } from "./wire/exchange-schemas.js";
