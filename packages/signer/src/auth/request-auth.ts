import {
  HEADER,
  HEADER_LIMITS,
  NONCE_PATTERN,
  TIMESTAMP_PATTERN,
  canonicalString,
  sha256Hex,
  signatureMatches,
} from "@airlock/core";
import { requestHashOf } from "@airlock/core/receipts";
import type { IncomingHttpHeaders } from "node:http";
import type { AuthClient } from "../config/config-types.js";
import { HttpError } from "../server/http-error.js";
import { StoreUnavailableError, type NonceStore } from "../stores/store-types.js";

export interface AuthSettings {
  readonly clients: ReadonlyMap<string, AuthClient>;
  readonly defaultClientId: string;
  readonly maxSkewMs: number;
  readonly nonceTtlMs: number;
}

export interface AuthenticatedCaller {
  readonly client: AuthClient;
  readonly nonce: string;
  /** SHA-256 (hex) of the canonical string the MAC covered: what a receipt names as the request. */
  readonly requestHash: string;
}

/** Why authentication failed, for audit and metrics (the wire code says it to the client). */
export class AuthFailure extends HttpError {
  constructor(
    code: ConstructorParameters<typeof HttpError>[0],
    readonly reason: string,
    readonly clientId?: string,
  ) {
    super(code);
  }
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? undefined : v;
}

/**
 * SISNA's HMAC check, in SISNA's order (headers, sizes, client, timestamp, skew, MAC, nonce),
 * so a bad MAC never burns a nonce, plus strict formats: the signature is exactly 64 lowercase
 * hex, the timestamp plain digits, and nonces are one-time per client (namespaced by client id).
 * `path` is the request target as sent, query string included.
 */
export async function authenticate(
  headers: IncomingHttpHeaders,
  method: string,
  path: string,
  rawBody: Buffer,
  settings: AuthSettings,
  nonces: NonceStore,
  nowMs: number,
): Promise<AuthenticatedCaller> {
  const ts = header(headers, HEADER.timestamp);
  const nonce = header(headers, HEADER.nonce);
  const signature = header(headers, HEADER.signature);
  const clientIdHeader = header(headers, HEADER.clientId);
  if (!ts || !nonce || !signature) throw new AuthFailure("AUTH_MISSING_HEADERS", "missing_headers");
  if (
    ts.length > HEADER_LIMITS.timestamp ||
    nonce.length > HEADER_LIMITS.nonce ||
    signature.length > HEADER_LIMITS.signature ||
    (clientIdHeader !== undefined && clientIdHeader.length > HEADER_LIMITS.clientId)
  ) {
    throw new AuthFailure("AUTH_HEADER_TOO_LARGE", "header_too_large");
  }
  const clientId = clientIdHeader || settings.defaultClientId;
  const client = settings.clients.get(clientId);
  if (!client) throw new AuthFailure("AUTH_UNKNOWN_CLIENT", "unknown_client");
  if (!TIMESTAMP_PATTERN.test(ts)) throw new AuthFailure("AUTH_INVALID_TIMESTAMP", "invalid_timestamp", clientId);
  if (Math.abs(nowMs - Number(ts)) > settings.maxSkewMs) {
    throw new AuthFailure("AUTH_TIMESTAMP_OUT_OF_WINDOW", "timestamp_out_of_window", clientId);
  }
  if (!NONCE_PATTERN.test(nonce)) throw new AuthFailure("AUTH_INVALID_NONCE", "invalid_nonce", clientId);
  // Sealed provisioning: no secret yet, so no MAC can be checked; say so rather than "invalid signature".
  if (client.secretPending?.() === true) throw new AuthFailure("KEYS_NOT_PROVISIONED", "keys_not_provisioned", clientId);
  const canonical = canonicalString({ timestamp: ts, nonce, method, path, bodySha256Hex: sha256Hex(rawBody) });
  if (!signatureMatches(client.hmacSecret, canonical, signature)) {
    throw new AuthFailure("AUTH_INVALID_SIGNATURE", "invalid_signature", clientId);
  }
  let fresh: boolean;
  try {
    // "|" appears in neither client ids nor nonces, so namespaces cannot collide.
    fresh = await nonces.consume(`${clientId}|${nonce}`, settings.nonceTtlMs, nowMs);
  } catch (err) {
    if (err instanceof StoreUnavailableError) throw new AuthFailure("REPLAY_STORE_UNAVAILABLE", "replay_store_unavailable", clientId);
    throw err;
  }
  if (!fresh) throw new AuthFailure("AUTH_REPLAYED_NONCE", "replayed_nonce", clientId);
  return { client, nonce, requestHash: requestHashOf(canonical) };
}
