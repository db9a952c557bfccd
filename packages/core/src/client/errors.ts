import type { ErrorCode } from "../wire/error-codes.js";

/**
 * Typed errors of the Airlock client. Callers branch on `code` (stable), never on `message`.
 * Messages are built only from fixed text, option names and the sidecar's short error text:
 * never from the HMAC secret, request bodies or headers.
 */

/** What went wrong, as a caller branches on it. */
export type AirlockErrorCode =
  | "AUTH"
  | "REPLAY"
  | "POLICY_DENIED"
  | "RATE_LIMITED"
  | "BAD_REQUEST"
  | "UNAVAILABLE"
  | "INVALID_RESPONSE"
  | "NETWORK"
  | "TIMEOUT"
  | "CONFIG"
  | "SERVER"
  | "UNTRUSTED_SIGNER";

/** Every AirlockError, from any copy of this package, carries this brand (instanceof can't cross copies). */
export const AIRLOCK_ERROR_BRAND: unique symbol = Symbol.for("airlock.error");

const CODES: ReadonlySet<string> = new Set<AirlockErrorCode>([
  "AUTH",
  "REPLAY",
  "POLICY_DENIED",
  "RATE_LIMITED",
  "BAD_REQUEST",
  "UNAVAILABLE",
  "INVALID_RESPONSE",
  "NETWORK",
  "TIMEOUT",
  "CONFIG",
  "SERVER",
  "UNTRUSTED_SIGNER",
]);

export interface AirlockErrorDetails {
  /** The sidecar's wire code, when the response carried (or implied) one. */
  serverCode?: ErrorCode | undefined;
  /** HTTP status of the response that caused the error. */
  status?: number | undefined;
  /** The sidecar's request id (x-request-id), to find the audit record. */
  requestId?: string | undefined;
  cause?: unknown;
}

/** Base class of every error the client throws. */
export class AirlockError extends Error {
  declare readonly [AIRLOCK_ERROR_BRAND]: true;
  readonly code: AirlockErrorCode;
  declare readonly serverCode?: ErrorCode;
  declare readonly status?: number;
  declare readonly requestId?: string;

  constructor(code: AirlockErrorCode, message: string, details: AirlockErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    // Only the fields that have a value become properties, so logs and JSON stay small.
    const self = this as { -readonly [K in "serverCode" | "status" | "requestId"]?: AirlockError[K] };
    if (details.serverCode !== undefined) self.serverCode = details.serverCode;
    if (details.status !== undefined) self.status = details.status;
    if (details.requestId !== undefined) self.requestId = details.requestId;
  }

  /** True for an AirlockError from any copy of @airlock/core (optionally of one code). */
  static is(value: unknown, code?: AirlockErrorCode): value is AirlockError {
    return isAirlockError(value, code);
  }

  /** Plain fields for logs; the cause is left out (it may be a foreign error object). */
  toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = { name: this.name, code: this.code, message: this.message };
    for (const [key, value] of Object.entries(this)) if (value !== undefined && !(key in out)) out[key] = value;
    return out;
  }
}

Object.defineProperty(AirlockError.prototype, AIRLOCK_ERROR_BRAND, { value: true });

/** The sidecar refused by policy (422 POLICY_DENIED). Not retryable as is. */
export class PolicyDeniedError extends AirlockError {
  /** The rule that refused, when the sidecar names one. */
  declare readonly ruleId?: string;
  /** The sidecar's reason text (SISNA's policy message). */
  readonly reason: string;

  constructor(reason: string, ruleId: string | undefined, details: AirlockErrorDetails = {}) {
    super("POLICY_DENIED", ruleId === undefined ? `denied by policy: ${reason}` : `denied by policy rule ${ruleId}: ${reason}`, details);
    this.reason = reason;
    if (ruleId !== undefined) (this as { ruleId?: string }).ruleId = ruleId;
  }
}

/** The sidecar's rate limit refused (429). Never retried by the client: the caller decides. */
export class RateLimitedError extends AirlockError {
  /** How long to wait before asking again, from the body or the Retry-After header. */
  declare readonly retryAfterMs?: number;

  constructor(retryAfterMs: number | undefined, details: AirlockErrorDetails = {}) {
    super(
      "RATE_LIMITED",
      retryAfterMs === undefined ? "rate limit exceeded" : `rate limit exceeded; retry after ${retryAfterMs} ms`,
      details,
    );
    if (retryAfterMs !== undefined) (this as { retryAfterMs?: number }).retryAfterMs = retryAfterMs;
  }
}

/** A field-level problem: the path and zod's message, never the value. */
export interface RequestIssue {
  path: string;
  message: string;
}

/** The request was refused as malformed, locally (no network call) or by the sidecar. */
export class BadRequestError extends AirlockError {
  /** Local validation problems (paths and messages only). */
  declare readonly issues?: readonly RequestIssue[];
  /** Leak scanner pattern ids (LEAK_DETECTED), never the matched text. */
  declare readonly patterns?: readonly string[];

  constructor(
    message: string,
    fields: { issues?: readonly RequestIssue[] | undefined; patterns?: readonly string[] | undefined } = {},
    details: AirlockErrorDetails = {},
  ) {
    super("BAD_REQUEST", message, details);
    const self = this as { issues?: readonly RequestIssue[]; patterns?: readonly string[] };
    if (fields.issues !== undefined) self.issues = fields.issues;
    if (fields.patterns !== undefined) self.patterns = fields.patterns;
  }
}

/** Why a response was refused (stable values, for logs and tests). */
export type InvalidResponseReason =
  | "unexpected_status"
  | "unexpected_content_type"
  | "body_too_large"
  | "malformed_json"
  | "malformed_error_body"
  | "schema"
  | "public_key_mismatch"
  | "valid_until_mismatch"
  | "domain_hash_mismatch"
  | "message_hash_mismatch"
  | "pinned_key_mismatch"
  | "session_key_changed"
  | "bad_signature"
  // Signed exchange requests (verify-exchange-response.ts):
  | "venue_mismatch"
  | "account_mismatch"
  | "origin_not_allowed"
  | "method_mismatch"
  | "request_mismatch"
  | "unsafe_request";

/** The sidecar answered something the client cannot trust or understand. Never retried. */
export class InvalidResponseError extends AirlockError {
  readonly reason: InvalidResponseReason;

  constructor(reason: InvalidResponseReason, message: string, details: AirlockErrorDetails = {}) {
    super("INVALID_RESPONSE", `invalid response from the sidecar (${reason}): ${message}`, details);
    this.reason = reason;
  }
}

/** Why the client refuses to trust the signer (Nitro backend). */
export type UntrustedSignerReason =
  /** No attestation document could be fetched (sidecar down, 503, not the Nitro backend). */
  | "attestation_unavailable"
  /** The document failed verification (chain, signature, nonce, PCR allowlists, age). */
  | "attestation_invalid"
  /** The enclave claims are absent or state another policy than the pinned one. */
  | "claims_invalid"
  /** The on-chain registry could not confirm the measurement and its owner. */
  | "registry"
  /** A response's receipt is missing or does not verify against the attested key and the request sent. */
  | "receipt_invalid";

/**
 * The client cannot verify that it talks to the attested signer, so it sends nothing (or
 * refuses what came back). Never retried: a changed enclave is re-attested on the next call.
 */
export class UntrustedSignerError extends AirlockError {
  readonly reason: UntrustedSignerReason;
  /** The verifier's own code (AttestationError, RegistryError or ReceiptError), when there is one. */
  declare readonly verifierCode?: string;

  constructor(reason: UntrustedSignerReason, message: string, verifierCode?: string, details: AirlockErrorDetails = {}) {
    super("UNTRUSTED_SIGNER", `signer not trusted (${reason}): ${message}`, details);
    this.reason = reason;
    if (verifierCode !== undefined) (this as { verifierCode?: string }).verifierCode = verifierCode;
  }
}

/** A client option is wrong, or the client cannot do what was asked. Names the option, never its secret value. */
export class ConfigError extends AirlockError {
  /** The option at fault, when there is one. */
  declare readonly option?: string;

  constructor(message: string, option?: string, details: AirlockErrorDetails = {}) {
    super("CONFIG", message, details);
    if (option !== undefined) (this as { option?: string }).option = option;
  }
}

/**
 * Sending a signed exchange request to the venue failed before a complete answer came back
 * (code NETWORK, TIMEOUT or INVALID_RESPONSE). `mayHaveBeenSent` tells the two cases apart
 * that matter for trading: false when no connection was made (nothing reached the venue),
 * true otherwise (the order may exist: look before placing it again). Never retried.
 */
export class VenueSendError extends AirlockError {
  readonly mayHaveBeenSent: boolean;
  /** The venue origin (never the path or query, which carry the signature). */
  readonly origin: string;

  constructor(code: "NETWORK" | "TIMEOUT" | "INVALID_RESPONSE", message: string, mayHaveBeenSent: boolean, origin: string, details: AirlockErrorDetails = {}) {
    super(code, message, details);
    this.mayHaveBeenSent = mayHaveBeenSent;
    this.origin = origin;
  }
}

/**
 * True when `value` is an AirlockError from any copy of @airlock/core, by its brand and a
 * known code; with `code`, also narrows to that code.
 */
export function isAirlockError(value: unknown, code?: AirlockErrorCode): value is AirlockError {
  if (typeof value !== "object" || value === null) return false;
  const candidate = value as { [AIRLOCK_ERROR_BRAND]?: unknown; code?: unknown };
  if (candidate[AIRLOCK_ERROR_BRAND] !== true) return false;
  if (typeof candidate.code !== "string" || !CODES.has(candidate.code)) return false;
  return code === undefined || candidate.code === code;
}

// Names live on the prototypes (instances stay free of extra own properties) and are spelled
// out, so a bundler that renames classes does not change what logs show.
const NAMES: ReadonlyArray<readonly [{ prototype: Error }, string]> = [
  [AirlockError, "AirlockError"],
  [PolicyDeniedError, "PolicyDeniedError"],
  [RateLimitedError, "RateLimitedError"],
  [BadRequestError, "BadRequestError"],
  [InvalidResponseError, "InvalidResponseError"],
  [ConfigError, "ConfigError"],
  [VenueSendError, "VenueSendError"],
  [UntrustedSignerError, "UntrustedSignerError"],
];
for (const [cls, name] of NAMES) Object.defineProperty(cls.prototype, "name", { value: name, writable: true, configurable: true });
