import { hmacSha256 } from "./hmac-sign.js";

/**
 * Bybit V5 signing (HMAC, X-BAPI-SIGN-TYPE 2): the prehash is
 * timestamp + apiKey + recvWindow + payload, where payload is the query string as sent for GET
 * and the raw JSON body for POST; X-BAPI-SIGN is its lowercase hex HMAC-SHA256.
 */
export interface BybitPrehashInput {
  readonly timestamp: string;
  readonly apiKey: string;
  readonly recvWindow: string;
  /** The query string (GET, without "?") or the raw body (POST). */
  readonly payload: string;
}

export function bybitPrehash(input: BybitPrehashInput): string {
  return `${input.timestamp}${input.apiKey}${input.recvWindow}${input.payload}`;
}

export function bybitSignature(secret: string, prehash: string): string {
  return hmacSha256(secret, prehash, "hex");
}
