import { z } from "zod";
import { ERROR_CODES, type ErrorCode } from "../wire/error-codes.js";
import { HEADER } from "../wire/headers.js";
import { ErrorBody } from "../wire/responses.js";
import {
  AirlockError,
  BadRequestError,
  ConfigError,
  InvalidResponseError,
  PolicyDeniedError,
  RateLimitedError,
  type AirlockErrorDetails,
} from "./errors.js";

/** A non-2xx answer of the sidecar, as the transport read it (body already size-bounded). */
export interface ErrorResponse {
  status: number;
  headers: Readonly<Record<string, string | string[] | undefined>>;
  body: string;
}

/** SISNA's error body: `{error}` plus the odd field, no `code` and no `requestId`. */
const LegacyErrorBody = z.object({
  error: z.string().max(1024),
  retryAfterMs: z.number().int().nonnegative().optional(),
  patterns: z.array(z.string().max(64)).max(32).optional(),
});

const MAX_MESSAGE_CHARS = 256;
/** Non-5xx statuses the wire contract uses for errors; anything else (3xx, 418, …) is unexpected. */
const MAPPED_STATUS: ReadonlySet<number> = new Set([400, 401, 403, 404, 405, 413, 415, 422, 429, 431]);
const PRINTABLE_ID = /^[\x21-\x7e]{1,128}$/;

/**
 * Turns an error response into the AirlockError a caller branches on, by status and wire code:
 * 401 AUTH_REPLAYED_NONCE → REPLAY, other 401 → AUTH, 422 POLICY_DENIED → POLICY_DENIED,
 * 422 LEAK_DETECTED and 400/413/415/431 → BAD_REQUEST, 429 → RATE_LIMITED, 503 → UNAVAILABLE,
 * other 5xx → SERVER, 403/404/405 → CONFIG (the client talks to the wrong thing).
 * A body that is neither the documented ErrorBody nor SISNA's `{error}` gives INVALID_RESPONSE,
 * except on 503, which stays UNAVAILABLE whatever the body (proxies answer 503 in HTML too).
 * `redact` scrubs the sidecar's text before it goes into a message.
 */
export function errorFromResponse(res: ErrorResponse, redact: (text: string) => string): AirlockError {
  const headerRequestId = requestIdHeader(res.headers);
  if (!MAPPED_STATUS.has(res.status) && !(res.status >= 500 && res.status <= 599)) {
    return new InvalidResponseError("unexpected_status", `unexpected HTTP ${res.status}`, { status: res.status, requestId: headerRequestId });
  }
  const json = parseJson(res.body);
  const documented = ErrorBody.safeParse(json);
  if (documented.success) {
    const body = documented.data;
    const requestId = PRINTABLE_ID.test(body.requestId) ? body.requestId : headerRequestId;
    if (ERROR_CODES[body.code].status !== res.status) {
      return new InvalidResponseError("malformed_error_body", `error code ${body.code} does not belong to HTTP ${res.status}`, {
        status: res.status,
        requestId,
      });
    }
    return classify(res, body.code, cleanText(body.error, redact), body, requestId);
  }
  const legacy = LegacyErrorBody.safeParse(json);
  if (legacy.success) {
    return classify(res, legacyCode(res.status, legacy.data.error), cleanText(legacy.data.error, redact), legacy.data, headerRequestId);
  }
  if (res.status === 503) return unavailable(res.status, undefined, "sidecar unavailable", headerRequestId);
  return new InvalidResponseError("malformed_error_body", `HTTP ${res.status} without a JSON error body`, {
    status: res.status,
    requestId: headerRequestId,
  });
}

interface BodyFields {
  ruleId?: string | undefined;
  retryAfterMs?: number | undefined;
  patterns?: readonly string[] | undefined;
}

function classify(
  res: ErrorResponse,
  serverCode: ErrorCode | undefined,
  text: string,
  body: BodyFields,
  requestId: string | undefined,
): AirlockError {
  const { status } = res;
  const details: AirlockErrorDetails = { serverCode, status, requestId };
  const what = `${text} (HTTP ${status}${serverCode === undefined ? "" : ` ${serverCode}`})`;
  if (status === 401) {
    return serverCode === "AUTH_REPLAYED_NONCE"
      ? new AirlockError("REPLAY", `sidecar refused a replayed nonce: ${what}`, details)
      : new AirlockError("AUTH", `sidecar refused the authentication: ${what}`, details);
  }
  if (status === 422) {
    if (serverCode === "LEAK_DETECTED") {
      return new BadRequestError(`sidecar refused the request: ${what}`, { patterns: body.patterns }, details);
    }
    // 422 is SISNA's status for every policy refusal, so an old body without a code is one too.
    return new PolicyDeniedError(text, body.ruleId, details);
  }
  if (status === 400 || status === 413 || status === 415 || status === 431) {
    return new BadRequestError(`sidecar refused the request: ${what}`, {}, details);
  }
  if (status === 429) return new RateLimitedError(body.retryAfterMs ?? retryAfterHeaderMs(res.headers), details);
  if (status === 503) return unavailable(status, serverCode, what, requestId);
  if (status >= 500 && status <= 599) return new AirlockError("SERVER", `sidecar failed: ${what}`, details);
  // 403/404/405: the client talks to the wrong thing (route, version or origin).
  return new ConfigError(`sidecar does not serve this request: ${what}`, undefined, details);
}

function unavailable(status: number, serverCode: ErrorCode | undefined, what: string, requestId: string | undefined): AirlockError {
  return new AirlockError("UNAVAILABLE", `sidecar unavailable: ${what}`, { serverCode, status, requestId });
}

/** SISNA's bodies carry no code: its messages are the registry's, so the message names the code. */
function legacyCode(status: number, message: string): ErrorCode | undefined {
  for (const [code, entry] of Object.entries(ERROR_CODES) as [ErrorCode, { status: number; message: string }][]) {
    if (entry.status === status && entry.message === message) return code;
  }
  return undefined;
}

/** Retry-After as delta-seconds or an HTTP date, in ms from now; undefined when absent or unreadable. */
export function retryAfterHeaderMs(headers: ErrorResponse["headers"], now: number = Date.now()): number | undefined {
  const raw = headers[HEADER.retryAfter];
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d{1,9}$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}

function requestIdHeader(headers: ErrorResponse["headers"]): string | undefined {
  const raw = headers[HEADER.requestId];
  const value = Array.isArray(raw) ? raw[0] : raw;
  return value !== undefined && PRINTABLE_ID.test(value) ? value : undefined;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The sidecar's text, made safe for a message: redacted, one line, bounded. */
function cleanText(text: string, redact: (text: string) => string): string {
  // eslint-disable-next-line no-control-regex
  const oneLine = redact(text).replace(/[\x00-\x1f\x7f]+/g, " ").trim();
  return oneLine.length > MAX_MESSAGE_CHARS ? `${oneLine.slice(0, MAX_MESSAGE_CHARS)}…` : oneLine;
}
