import { createHmac } from "node:crypto";

/**
 * The one HMAC primitive of the HMAC venues: HMAC-SHA256 keyed with the UTF-8 bytes of the API
 * secret over the UTF-8 bytes of the venue's prehash string. Binance and Bybit take the digest
 * as lowercase hex, OKX and KuCoin as standard base64.
 */
export function hmacSha256(secret: string, message: string, encoding: "hex" | "base64"): string {
  return createHmac("sha256", secret).update(message, "utf8").digest(encoding);
}
