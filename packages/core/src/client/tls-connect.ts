import { createHash, timingSafeEqual, X509Certificate } from "node:crypto";
import { checkServerIdentity, type PeerCertificate } from "node:tls";
import type { ResolvedClientOptions } from "./client-options.js";

/** Error code of a refused TLS public key pin (set on the error the connection fails with). */
export const PIN_MISMATCH_CODE = "ERR_AIRLOCK_TLS_PIN_MISMATCH";

/** Base64 SHA-256 of a certificate's SubjectPublicKeyInfo: the value to put in pinnedPublicKeySha256. */
export function spkiSha256(certificate: string | Uint8Array): string {
  return spkiDigest(new X509Certificate(certificate)).toString("base64");
}

function spkiDigest(cert: X509Certificate): Buffer {
  return createHash("sha256").update(cert.publicKey.export({ type: "spki", format: "der" })).digest();
}

/** undici `connect` options of the pool: connect timeout, TLS trust, client cert, SPKI pins. */
export function connectOptions(options: ResolvedClientOptions): Record<string, unknown> {
  // Connecting may use half of an attempt's time, so a slow connect fails as a connect
  // timeout (provably unsent, retried) rather than as the attempt's timeout (never retried).
  const connect: Record<string, unknown> = { timeout: Math.max(1, Math.floor(options.timeoutMs / 2)) };
  if (!options.https) return connect;
  connect["rejectUnauthorized"] = true;
  connect["minVersion"] = "TLSv1.2";
  const tls = options.tls;
  if (tls === undefined) return connect;
  if (tls.ca !== undefined) connect["ca"] = tls.ca;
  if (tls.cert !== undefined) connect["cert"] = tls.cert;
  if (tls.key !== undefined) connect["key"] = tls.key;
  if (tls.pins.length > 0) {
    const pins = tls.pins;
    connect["checkServerIdentity"] = (host: string, cert: PeerCertificate): Error | undefined => {
      const identityError = checkServerIdentity(host, cert);
      if (identityError) return identityError;
      return leafMatchesPin(cert, pins) ? undefined : pinMismatch();
    };
    // Node skips checkServerIdentity on resumed sessions: no session cache, every handshake is checked.
    connect["maxCachedSessions"] = 0;
  }
  return connect;
}

function leafMatchesPin(cert: PeerCertificate, pins: readonly Buffer[]): boolean {
  let digest: Buffer;
  try {
    // cert.pubkey is the raw point for EC keys, so the SPKI comes from the DER certificate.
    digest = spkiDigest(new X509Certificate(cert.raw));
  } catch {
    return false;
  }
  let match = false;
  for (const pin of pins) match = timingSafeEqual(pin, digest) || match;
  return match;
}

function pinMismatch(): Error {
  const error = new Error("server certificate public key matches no pinned key") as Error & { code: string };
  error.code = PIN_MISMATCH_CODE;
  return error;
}
