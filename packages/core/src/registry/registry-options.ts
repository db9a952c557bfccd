// Strict validation of the registry check's options: reject, never coerce.
import { ZeroAddress, getAddress } from "ethers";
import { RegistryError } from "./registry-error.js";

/** Options of {@link createPcr0RegistryCheck}. */
export interface Pcr0RegistryOptions {
  /**
   * JSON-RPC endpoint: https, or plain http on a loopback host (a node on this machine). It may
   * carry an API key in its path or query, or basic-auth credentials; none of them ever appears
   * in an error message.
   */
  rpcUrl: string;
  /** Address of the registry contract (0x + 40 hex; mixed case must be a valid checksum). */
  address: string;
  /** The only owner whose registrations are accepted (same format; never the zero address). */
  owner: string;
  /**
   * Chain the registry lives on. When set, the node's `eth_chainId` must equal it (checked once,
   * before the first lookup), so a URL of another network (a testnet copy of the registry)
   * fails instead of answering.
   */
  chainId?: number;
  /** How long a successful check is reused, in ms (default 60 000; 0 disables; at most 3 600 000). */
  cacheTtlMs?: number;
  /** Bound on one check, connection to last byte, in ms (default 5 000; 1..60 000). */
  timeoutMs?: number;
}

/** Validated options. */
export interface ResolvedRegistryOptions {
  /** The URL requests go to, without its userinfo. */
  readonly requestUrl: string;
  /** Basic-auth credentials taken out of the URL, if any. */
  readonly credentials?: { readonly username: string; readonly password: string };
  /** host[:port] of the RPC: the only part of the URL an error message may show. */
  readonly rpcHost: string;
  readonly address: string;
  readonly owner: string;
  readonly chainId?: number;
  readonly cacheTtlMs: number;
  readonly timeoutMs: number;
}

const KEYS = new Set(["rpcUrl", "address", "owner", "chainId", "cacheTtlMs", "timeoutMs"]);
const LOOPBACK = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|localhost|\[::1\])$/;
const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
export const DEFAULT_CACHE_TTL_MS = 60_000;
export const MAX_CACHE_TTL_MS = 3_600_000;
export const DEFAULT_TIMEOUT_MS = 5_000;
export const MAX_TIMEOUT_MS = 60_000;

const config = (message: string): never => {
  throw new RegistryError("CONFIG", message);
};

function parseRpcUrl(value: unknown): Pick<ResolvedRegistryOptions, "requestUrl" | "credentials" | "rpcHost"> {
  // Messages name the option, never echo the value: it may hold an API key.
  if (typeof value !== "string" || value.length === 0 || value.length > 2048) return config("rpcUrl must be an http(s) URL string");
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return config("rpcUrl is not a valid URL");
  }
  if (url.protocol !== "https:" && !(url.protocol === "http:" && LOOPBACK.test(url.hostname))) {
    return config("rpcUrl must use https (plain http only on a loopback host)");
  }
  if (url.hash !== "" || value.includes("#")) return config("rpcUrl must not have a fragment");
  let credentials: ResolvedRegistryOptions["credentials"];
  if (url.username !== "" || url.password !== "") {
    try {
      credentials = { username: decodeURIComponent(url.username), password: decodeURIComponent(url.password) };
    } catch {
      return config("rpcUrl has malformed credentials");
    }
    if (credentials.username.includes(":")) return config("rpcUrl has malformed credentials");
    url.username = "";
    url.password = "";
  }
  return { requestUrl: url.href, rpcHost: url.host, ...(credentials === undefined ? {} : { credentials }) };
}

/** A checksummed, non-zero address, or CONFIG naming `what`. */
export function parseAddress(value: unknown, what: string): string {
  if (typeof value !== "string" || !ADDRESS.test(value)) return config(`${what} must be a 20-byte 0x address`);
  let checksummed: string;
  try {
    checksummed = getAddress(value); // refuses a mixed-case address whose checksum is wrong
  } catch {
    return config(`${what} has an invalid checksum`);
  }
  if (checksummed === ZeroAddress) return config(`${what} must not be the zero address`);
  return checksummed;
}

function intInRange(value: unknown, what: string, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min || value > max) {
    return config(`${what} must be an integer from ${min} to ${max}`);
  }
  return value;
}

/** Validates the options of a registry check; throws RegistryError CONFIG on the first problem. */
export function resolveRegistryOptions(opts: unknown): ResolvedRegistryOptions {
  if (typeof opts !== "object" || opts === null || Array.isArray(opts)) return config("options must be an object");
  const o = opts as Record<string, unknown>;
  for (const key of Object.keys(o)) if (!KEYS.has(key)) config(`unknown option ${/^[A-Za-z]{1,32}$/.test(key) ? key : "(unnamed)"}`);
  const url = parseRpcUrl(o.rpcUrl);
  const chainId = o.chainId === undefined ? undefined : intInRange(o.chainId, "chainId", 1, Number.MAX_SAFE_INTEGER, 0);
  return {
    ...url,
    address: parseAddress(o.address, "address"),
    owner: parseAddress(o.owner, "owner"),
    ...(chainId === undefined ? {} : { chainId }),
    cacheTtlMs: intInRange(o.cacheTtlMs, "cacheTtlMs", 0, MAX_CACHE_TTL_MS, DEFAULT_CACHE_TTL_MS),
    timeoutMs: intInRange(o.timeoutMs, "timeoutMs", 1, MAX_TIMEOUT_MS, DEFAULT_TIMEOUT_MS),
  };
}
