import { createHash, createHmac, timingSafeEqual } from "node:crypto";

/** A request signature is exactly 64 lowercase hex characters: nothing before, nothing after. */
export const SIGNATURE_PATTERN = /^[0-9a-f]{64}$/;

/** Lowercase hex SHA-256 of the raw request body (an absent body hashes as empty). */
export function sha256Hex(body: Uint8Array | string): string {
  return createHash("sha256").update(body).digest("hex");
}

/** The string both sides MAC: `${ts}.${nonce}.${METHOD}.${path incl. query}.${sha256hex(body)}`. */
export function canonicalString(parts: {
  timestamp: string;
  nonce: string;
  method: string;
  path: string;
  bodySha256Hex: string;
}): string {
  return `${parts.timestamp}.${parts.nonce}.${parts.method.toUpperCase()}.${parts.path}.${parts.bodySha256Hex}`;
}

/** Hex HMAC-SHA256 of the canonical string under the client's shared secret. */
export function computeRequestSignature(secret: string | Uint8Array, canonical: string): string {
  return createHmac("sha256", secret).update(canonical).digest("hex");
}

/**
 * Constant-time check of a presented signature. The presented value must match
 * SIGNATURE_PATTERN first, so trailing junk or uppercase hex cannot pass (a SISNA gap).
 */
export function signatureMatches(secret: string | Uint8Array, canonical: string, presented: string): boolean {
  if (!SIGNATURE_PATTERN.test(presented)) return false;
  const expected = createHmac("sha256", secret).update(canonical).digest();
  return timingSafeEqual(expected, Buffer.from(presented, "hex"));
}
