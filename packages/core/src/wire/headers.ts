/** HTTP header names of the wire contract (SISNA-compatible), lowercase as Node exposes them. */
export const HEADER = Object.freeze({
  timestamp: "x-keyring-timestamp",
  nonce: "x-keyring-nonce",
  signature: "x-keyring-signature",
  clientId: "x-keyring-client-id",
  requestId: "x-request-id",
  callerRequestId: "x-caller-request-id",
  traceparent: "traceparent",
  rateLimitRemaining: "x-ratelimit-remaining",
  rateLimitReset: "x-ratelimit-reset-ms",
  retryAfter: "retry-after",
});

/**
 * Size bounds of the authentication headers. The first four are SISNA's (longer values get
 * `authentication header too large`); the signature must then be exactly 64 lowercase hex.
 */
export const HEADER_LIMITS = Object.freeze({
  timestamp: 32,
  nonce: 128,
  signature: 256,
  clientId: 128,
});

/** A nonce is 1..128 of these characters (UUIDs, hex and base64 fit); no "." so it cannot shift fields of the canonical string. */
export const NONCE_PATTERN = /^[A-Za-z0-9_:+/=-]{1,128}$/;

/** A timestamp header is epoch milliseconds in plain decimal digits. */
export const TIMESTAMP_PATTERN = /^\d{1,16}$/;

/** Largest request body the sidecar reads (SISNA's 256 KiB). */
export const MAX_BODY_BYTES = 256 * 1024;

/** Route paths of the wire contract. */
export const ROUTE = Object.freeze({
  signSessionTransaction: "/v1/sign/session-transaction",
  signExchangeRequest: "/v1/sign/exchange-request",
  policyEvaluate: "/v1/policy/evaluate",
  status: "/v1/status",
  attestation: "/v1/attestation",
  health: "/health",
  dfnsPreflight: "/health/dfns-preflight",
  ready: "/ready",
  metrics: "/metrics",
});
