import { hmacSha256 } from "./hmac-sign.js";

/**
 * OKX V5 signing: OK-ACCESS-SIGN = base64(HMAC-SHA256(secret, timestamp + METHOD + requestPath
 * + body)), where timestamp is the OK-ACCESS-TIMESTAMP value (ISO 8601 UTC with milliseconds),
 * requestPath includes the `?query` of a GET, and body is the raw JSON of a POST ("" for GET).
 */

/** OKX's timestamp spelling of an epoch-ms instant: 2024-05-06T12:03:20.000Z. */
export function okxTimestamp(epochMs: number): string {
  return new Date(epochMs).toISOString();
}

export interface OkxPrehashInput {
  /** The ISO timestamp sent in OK-ACCESS-TIMESTAMP. */
  readonly timestamp: string;
  readonly method: "GET" | "POST";
  /** Path with its `?query`, exactly as requested. */
  readonly requestPath: string;
  readonly body: string;
}

export function okxPrehash(input: OkxPrehashInput): string {
  return `${input.timestamp}${input.method}${input.requestPath}${input.body}`;
}

export function okxSignature(secret: string, prehash: string): string {
  return hmacSha256(secret, prehash, "base64");
}
