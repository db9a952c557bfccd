import { Buffer } from "node:buffer";
import { parseFelt, HEX_FELT_PATTERN } from "../starknet/felt.js";
import { Identifier } from "../wire/session-schemas.js";
import type { Venue } from "../wire/exchange-schemas.js";
import { ConfigError } from "./errors.js";
import { resolveNitroTrust, type NitroTrustOptions, type ResolvedNitroTrust } from "./nitro-trust.js";
import { resolveVenueOrigins, type VenueOriginsOption } from "./venue-origins.js";

/** TLS settings for an https baseUrl. */
export interface AirlockTlsOptions {
  /** CA certificate(s) (PEM) that sign the sidecar's certificate. */
  ca?: string | Uint8Array;
  /** Client certificate and key (PEM) for mTLS; both or neither. */
  cert?: string | Uint8Array;
  key?: string | Uint8Array;
  /**
   * Base64 SHA-256 of the sidecar certificate's SubjectPublicKeyInfo (HPKP-style pins). When
   * set, a connection whose leaf certificate matches none of them is refused.
   */
  pinnedPublicKeySha256?: readonly string[];
  /** Certificate verification cannot be turned off; `true` is accepted for explicitness. */
  rejectUnauthorized?: true;
}

/** Options of an AirlockClient. */
export interface AirlockClientOptions {
  /** Origin of the sidecar: http(s)://host[:port], no path, query or credentials. */
  baseUrl: string;
  /** x-keyring-client-id (the sidecar's default client when absent). */
  clientId?: string;
  /** The shared HMAC secret (>= 16 characters). Held privately; never logged or echoed. */
  hmacSecret: string;
  /** Key id sent when a request names none (the sidecar's default key when absent). */
  keyId?: string;
  /** Bound on each attempt, connect to last byte (default 10 000 ms). */
  timeoutMs?: number;
  /** Retries of requests that provably never reached the sidecar, and of 503s. */
  retry?: { attempts?: number; baseDelayMs?: number; maxDelayMs?: number };
  tls?: AirlockTlsOptions;
  /** Session public keys (Stark keys, 0x hex) the sidecar must sign with, by key id. */
  expectedSessionPublicKeys?: Readonly<Record<string, string>>;
  /** Keep-alive connections of the pool (default 10). */
  connections?: number;
  /**
   * Venue API origins signed exchange requests may go to, besides each venue's known public
   * origins (KNOWN_VENUE_ORIGINS): https, or http on a loopback host (a local fake venue).
   */
  venueOrigins?: VenueOriginsOption;
  /**
   * The Nitro backend: attest the sidecar before the first request (and again when the
   * attestation ages out or the receipt key changes), send nothing HMAC-signed until that
   * passes, and verify every answer's receipt. See NitroTrustOptions.
   */
  nitro?: NitroTrustOptions;
}

/** Validated options, without the secret. */
export interface ResolvedClientOptions {
  readonly origin: string;
  readonly https: boolean;
  readonly clientId?: string;
  readonly keyId?: string;
  readonly timeoutMs: number;
  readonly retry: { readonly attempts: number; readonly baseDelayMs: number; readonly maxDelayMs: number };
  readonly tls?: ResolvedTls;
  readonly expectedSessionPublicKeys: ReadonlyMap<string, bigint>;
  readonly connections: number;
  /** Allowed origins per venue: the known public ones plus the operator's. */
  readonly venueOrigins: ReadonlyMap<Venue, ReadonlySet<string>>;
  readonly nitro?: ResolvedNitroTrust;
}

export interface ResolvedTls {
  readonly ca?: string | Uint8Array;
  readonly cert?: string | Uint8Array;
  readonly key?: string | Uint8Array;
  /** Raw 32-byte SPKI digests; empty when nothing is pinned. */
  readonly pins: readonly Buffer[];
}

const TOP_KEYS = new Set([
  "baseUrl",
  "clientId",
  "hmacSecret",
  "keyId",
  "timeoutMs",
  "retry",
  "tls",
  "expectedSessionPublicKeys",
  "connections",
  "venueOrigins",
  "nitro",
]);
const RETRY_KEYS = new Set(["attempts", "baseDelayMs", "maxDelayMs"]);
const TLS_KEYS = new Set(["ca", "cert", "key", "pinnedPublicKeySha256", "rejectUnauthorized"]);

const MIN_SECRET_CHARS = 16;
const MAX_SECRET_CHARS = 4096;
const CLIENT_ID = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$/;
const PIN = /^[A-Za-z0-9+/]{43}=$/;
const MAX_PINNED_KEYS = 1024;

/**
 * Checks every option strictly and returns them resolved, with the secret apart. Throws a
 * ConfigError naming the option at fault; no message ever contains the secret or the URL
 * (which could carry credentials).
 */
export function resolveClientOptions(input: unknown): { options: ResolvedClientOptions; secret: string } {
  if (!isPlainObject(input)) throw new ConfigError("options must be an object");
  rejectUnknownKeys(input, TOP_KEYS, "");

  const secret = input["hmacSecret"];
  if (typeof secret !== "string" || secret.length < MIN_SECRET_CHARS || secret.length > MAX_SECRET_CHARS) {
    throw new ConfigError(`hmacSecret must be a string of ${MIN_SECRET_CHARS} to ${MAX_SECRET_CHARS} characters`, "hmacSecret");
  }

  const url = parseBaseUrl(input["baseUrl"]);
  const https = url.protocol === "https:";
  const clientId = optionalString(input, "clientId", CLIENT_ID, "1-128 of [A-Za-z0-9._:@-]");
  const keyId = optionalIdentifier(input["keyId"], "keyId");
  const timeoutMs = intOption(input["timeoutMs"], "timeoutMs", 10_000, 1, 600_000);
  const connections = intOption(input["connections"], "connections", 10, 1, 1024);
  const retry = resolveRetry(input["retry"]);
  const tls = resolveTls(input["tls"], https);
  const expectedSessionPublicKeys = resolvePins(input["expectedSessionPublicKeys"]);
  const venueOrigins = resolveVenueOrigins(input["venueOrigins"]);
  const nitro = input["nitro"] === undefined ? undefined : resolveNitroTrust(input["nitro"]);

  const options: ResolvedClientOptions = {
    origin: url.origin,
    https,
    timeoutMs,
    retry,
    expectedSessionPublicKeys,
    connections,
    venueOrigins,
    ...(clientId === undefined ? {} : { clientId }),
    ...(keyId === undefined ? {} : { keyId }),
    ...(tls === undefined ? {} : { tls }),
    ...(nitro === undefined ? {} : { nitro }),
  };
  return { options, secret };
}

function parseBaseUrl(value: unknown): URL {
  if (typeof value !== "string" || value.length === 0 || value.length > 2048) {
    throw new ConfigError("baseUrl must be an http(s) URL string", "baseUrl");
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError("baseUrl is not a valid URL", "baseUrl");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new ConfigError("baseUrl must use http or https", "baseUrl");
  if (url.username !== "" || url.password !== "") throw new ConfigError("baseUrl must not contain credentials", "baseUrl");
  if (url.search !== "" || url.hash !== "" || value.includes("?") || value.includes("#")) {
    throw new ConfigError("baseUrl must not have a query or fragment", "baseUrl");
  }
  // The HMAC covers the path the sidecar sees, so the client only ever talks to the origin.
  if (url.pathname !== "/") throw new ConfigError("baseUrl must be an origin without a path", "baseUrl");
  if (url.hostname === "") throw new ConfigError("baseUrl must name a host", "baseUrl");
  return url;
}

function resolveRetry(value: unknown): ResolvedClientOptions["retry"] {
  if (value === undefined) return { attempts: 3, baseDelayMs: 100, maxDelayMs: 2000 };
  if (!isPlainObject(value)) throw new ConfigError("retry must be an object", "retry");
  rejectUnknownKeys(value, RETRY_KEYS, "retry.");
  const attempts = intOption(value["attempts"], "retry.attempts", 3, 1, 10);
  const baseDelayMs = intOption(value["baseDelayMs"], "retry.baseDelayMs", 100, 0, 60_000);
  const maxDelayMs = intOption(value["maxDelayMs"], "retry.maxDelayMs", Math.max(2000, baseDelayMs), 0, 300_000);
  if (maxDelayMs < baseDelayMs) throw new ConfigError("retry.maxDelayMs must be >= retry.baseDelayMs", "retry.maxDelayMs");
  return { attempts, baseDelayMs, maxDelayMs };
}

function resolveTls(value: unknown, https: boolean): ResolvedTls | undefined {
  if (value === undefined) return undefined;
  if (!isPlainObject(value)) throw new ConfigError("tls must be an object", "tls");
  rejectUnknownKeys(value, TLS_KEYS, "tls.");
  if (!https) throw new ConfigError("tls options need an https baseUrl", "tls");
  if (value["rejectUnauthorized"] !== undefined && value["rejectUnauthorized"] !== true) {
    throw new ConfigError("tls.rejectUnauthorized cannot be disabled", "tls.rejectUnauthorized");
  }
  const ca = pemOption(value["ca"], "tls.ca");
  const cert = pemOption(value["cert"], "tls.cert");
  const key = pemOption(value["key"], "tls.key");
  if ((cert === undefined) !== (key === undefined)) throw new ConfigError("tls.cert and tls.key go together", "tls.cert");
  const pins = resolveSpkiPins(value["pinnedPublicKeySha256"]);
  return {
    pins,
    ...(ca === undefined ? {} : { ca }),
    ...(cert === undefined ? {} : { cert }),
    ...(key === undefined ? {} : { key }),
  };
}

function resolveSpkiPins(value: unknown): Buffer[] {
  if (value === undefined) return [];
  const option = "tls.pinnedPublicKeySha256";
  if (!Array.isArray(value) || value.length === 0 || value.length > 32) {
    throw new ConfigError(`${option} must be a non-empty array of at most 32 pins`, option);
  }
  return value.map((pin, i) => {
    if (typeof pin !== "string" || !PIN.test(pin)) {
      throw new ConfigError(`${option}[${i}] must be the base64 SHA-256 (44 characters) of a SubjectPublicKeyInfo`, option);
    }
    return Buffer.from(pin, "base64");
  });
}

function resolvePins(value: unknown): Map<string, bigint> {
  const pins = new Map<string, bigint>();
  if (value === undefined) return pins;
  const option = "expectedSessionPublicKeys";
  if (!isPlainObject(value)) throw new ConfigError(`${option} must be an object of keyId to 0x public key`, option);
  const entries = Object.entries(value);
  if (entries.length > MAX_PINNED_KEYS) throw new ConfigError(`${option} has more than ${MAX_PINNED_KEYS} keys`, option);
  for (const [keyId, key] of entries) {
    if (!Identifier.safeParse(keyId).success) throw new ConfigError(`${option} has a key id that is not 1-64 of [A-Za-z0-9._:@-]`, option);
    const parsed = typeof key === "string" && HEX_FELT_PATTERN.test(key) ? parseFelt(key) : undefined;
    if (parsed === undefined || parsed === 0n) {
      throw new ConfigError(`${option}.${keyId} must be a non-zero 0x-hex Stark public key below the field prime`, option);
    }
    pins.set(keyId, parsed);
  }
  return pins;
}

function intOption(value: unknown, name: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer from ${min} to ${max}`, name);
  }
  return value;
}

function optionalString(input: Record<string, unknown>, name: string, pattern: RegExp, expected: string): string | undefined {
  const value = input[name];
  if (value === undefined) return undefined;
  if (typeof value !== "string" || !pattern.test(value)) throw new ConfigError(`${name} must be ${expected}`, name);
  return value;
}

function optionalIdentifier(value: unknown, name: string): string | undefined {
  if (value === undefined) return undefined;
  if (!Identifier.safeParse(value).success) throw new ConfigError(`${name} must be 1-64 of [A-Za-z0-9._:@-]`, name);
  return value as string;
}

function pemOption(value: unknown, name: string): string | Uint8Array | undefined {
  if (value === undefined) return undefined;
  if ((typeof value === "string" && value.length > 0) || (value instanceof Uint8Array && value.length > 0)) return value;
  throw new ConfigError(`${name} must be a non-empty PEM string or Buffer`, name);
}

function rejectUnknownKeys(obj: Record<string, unknown>, allowed: ReadonlySet<string>, prefix: string): void {
  for (const key of Object.keys(obj)) {
    if (allowed.has(key)) continue;
    // Echo the key only when it is plainly a name (a pasted secret as a key stays out of the message).
    if (/^[A-Za-z0-9_]{1,64}$/.test(key)) throw new ConfigError(`unknown option "${prefix}${key}"`, `${prefix}${key}`);
    throw new ConfigError(`unknown option in ${prefix === "" ? "options" : prefix.slice(0, -1)}`);
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}
