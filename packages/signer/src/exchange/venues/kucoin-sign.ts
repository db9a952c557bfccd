import { hmacSha256 } from "./hmac-sign.js";

/**
 * KuCoin API key version 2 signing (spot and futures alike): KC-API-SIGN =
 * base64(HMAC-SHA256(secret, timestamp + METHOD + endpoint + body)), where endpoint is the path
 * with its `?query` as requested and body the raw JSON ("" when none); KC-API-PASSPHRASE =
 * base64(HMAC-SHA256(secret, passphrase)); KC-API-KEY-VERSION = 2.
 */
export interface KucoinPrehashInput {
  /** Epoch ms, as sent in KC-API-TIMESTAMP. */
  readonly timestamp: string;
  readonly method: "GET" | "POST" | "DELETE";
  /** Path with its `?query`, exactly as requested. */
  readonly endpoint: string;
  readonly body: string;
}

export function kucoinPrehash(input: KucoinPrehashInput): string {
  return `${input.timestamp}${input.method}${input.endpoint}${input.body}`;
}

export function kucoinSignature(secret: string, prehash: string): string {
  return hmacSha256(secret, prehash, "base64");
}

/** The KC-API-PASSPHRASE value of a version 2 key. */
export function kucoinPassphrase(secret: string, passphrase: string): string {
  return hmacSha256(secret, passphrase, "base64");
}
