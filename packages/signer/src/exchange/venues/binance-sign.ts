import { hmacSha256 } from "./hmac-sign.js";

/**
 * Binance's signature (spot and USD-M futures, "SIGNED" endpoints): lowercase hex
 * HMAC-SHA256(secret, totalParams), where totalParams is the query string (with `timestamp` and
 * `recvWindow`) immediately followed by the request body. The signature is then sent as the
 * last parameter, `&signature=<hex>`.
 */
export function binanceSignature(secret: string, totalParams: string): string {
  return hmacSha256(secret, totalParams, "hex");
}
