import { MAX_RESPONSE_BYTES, readBoundedBytes } from "./bounded-body.js";
import { randomBytes } from "node:crypto";
import type { Dispatcher } from "undici";
import { HEADER } from "../wire/headers.js";
import { canonicalString, computeRequestSignature, sha256Hex } from "../wire/hmac.js";
import { requestHashOf } from "../receipts/receipt.js";
import { InvalidResponseError } from "./errors.js";


/** One request to the sidecar, before authentication. */
export interface OutgoingRequest {
  method: "GET" | "POST";
  path: string;
  /** Exact JSON text sent (and MACed); absent for GET. */
  body?: string;
  traceparent?: string;
}

export interface RawResponse {
  status: number;
  headers: Readonly<Record<string, string | string[] | undefined>>;
  body: string;
  /** SHA-256 hex of the exact body bytes (a receipt covers them). */
  bodySha256: string;
  /** SHA-256 hex of the canonical string this attempt's MAC covered (a receipt names it). */
  requestHash: string;
}

export interface Credentials {
  secret: string;
  clientId?: string | undefined;
}

/**
 * The authentication headers of one attempt: a fresh 16-byte nonce and the current time, so a
 * retried request never reuses a nonce the sidecar may already have burnt.
 */
export function authHeaders(req: OutgoingRequest, creds: Credentials): Record<string, string> {
  return signedAttempt(req, creds).headers;
}

/** The headers of one attempt and the hash of the canonical string they authenticate. */
function signedAttempt(req: OutgoingRequest, creds: Credentials): { headers: Record<string, string>; requestHash: string } {
  const timestamp = String(Date.now());
  const nonce = randomBytes(16).toString("hex");
  const canonical = canonicalString({
    timestamp,
    nonce,
    method: req.method,
    path: req.path,
    bodySha256Hex: sha256Hex(req.body ?? ""),
  });
  const headers: Record<string, string> = {
    [HEADER.timestamp]: timestamp,
    [HEADER.nonce]: nonce,
    [HEADER.signature]: computeRequestSignature(creds.secret, canonical),
  };
  if (creds.clientId !== undefined) headers[HEADER.clientId] = creds.clientId;
  return { headers, requestHash: requestHashOf(canonical) };
}

/**
 * Sends one authenticated attempt and reads the whole response, at most MAX_RESPONSE_BYTES.
 * Transport errors (and the signal's reason) propagate as thrown; the caller classifies them.
 */
export async function exchange(
  dispatcher: Dispatcher,
  req: OutgoingRequest,
  creds: Credentials,
  signal: AbortSignal,
  timeoutMs: number,
): Promise<RawResponse> {
  const { headers, requestHash } = signedAttempt(req, creds);
  if (req.body !== undefined) headers["content-type"] = "application/json";
  if (req.traceparent !== undefined) headers[HEADER.traceparent] = req.traceparent;
  headers["accept"] = "application/json";
  const res = await dispatcher.request({
    method: req.method,
    path: req.path,
    headers,
    signal,
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    ...(req.body === undefined ? {} : { body: req.body }),
  });
  const bytes = await readBoundedBytes(res.body, res.headers, () => new InvalidResponseError("body_too_large", `more than ${MAX_RESPONSE_BYTES} bytes`, { status: res.statusCode }));
  return { status: res.statusCode, headers: res.headers, body: utf8(bytes, res.statusCode), bodySha256: sha256Hex(bytes), requestHash };
}

/** Strict UTF-8 of a body: invalid bytes are refused, never replaced. */
export function utf8(bytes: Uint8Array, status: number): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new InvalidResponseError("malformed_json", "body is not valid UTF-8", { status });
  }
}

export { MAX_RESPONSE_BYTES };
