import { Venue } from "../wire/exchange-schemas.js";
import { ConfigError } from "./errors.js";

/**
 * Where a signed exchange request may go. The sidecar builds the URL; the client still refuses
 * to send (or return) one whose origin is not a known public API origin of its venue or an
 * origin the operator added for it, so a faulty or hostile sidecar cannot point the agent's
 * request (API key header, signature) at another host.
 */

/**
 * The public API origins of each venue, live and testnet/demo, from the venues' documentation
 * (the same defaults the sidecar's venue catalog uses; a cross-package test keeps them in step).
 */
export const KNOWN_VENUE_ORIGINS: Readonly<Record<Venue, readonly string[]>> = Object.freeze({
  binance: Object.freeze(["https://api.binance.com", "https://testnet.binance.vision"]),
  binance_futures: Object.freeze(["https://fapi.binance.com", "https://testnet.binancefuture.com"]),
  bybit: Object.freeze(["https://api.bybit.com", "https://api-testnet.bybit.com"]),
  okx: Object.freeze(["https://www.okx.com"]),
  kucoin: Object.freeze(["https://api.kucoin.com"]),
  kucoin_futures: Object.freeze(["https://api-futures.kucoin.com"]),
  hyperliquid: Object.freeze(["https://api.hyperliquid.xyz", "https://api.hyperliquid-testnet.xyz"]),
  asterdex: Object.freeze(["https://fapi.asterdex.com"]),
});

/** The client option: extra origins per venue (a self-hosted gateway, a local fake venue). */
export type VenueOriginsOption = Partial<Record<Venue, readonly string[]>>;

const MAX_EXTRA_ORIGINS = 16;
const LOOPBACK = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|localhost|\[::1\])$/;

/**
 * The origin of an operator-given venue URL, or a reason it is refused: https anywhere, plain
 * http only on a loopback host (a signed request carries the API key header and a replayable
 * signature, which must not cross a network in clear), no path, query, fragment or credentials.
 */
function originOf(value: unknown): { origin: string } | { problem: string } {
  if (typeof value !== "string" || value.length === 0 || value.length > 2048) return { problem: "must be an http(s) origin string" };
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return { problem: "is not a valid URL" };
  }
  if (url.username !== "" || url.password !== "") return { problem: "must not contain credentials" };
  if (url.search !== "" || url.hash !== "" || value.includes("?") || value.includes("#")) return { problem: "must not have a query or fragment" };
  if (url.pathname !== "/") return { problem: "must be an origin without a path" };
  if (url.protocol === "https:") return { origin: url.origin };
  if (url.protocol === "http:" && LOOPBACK.test(url.hostname)) return { origin: url.origin };
  return { problem: "must use https (plain http only on a loopback host)" };
}

/**
 * The allowed origins per venue: the known ones plus the operator's. Throws ConfigError naming
 * `venueOrigins.<venue>` (never the value, which could be a URL with credentials).
 */
export function resolveVenueOrigins(value: unknown): ReadonlyMap<Venue, ReadonlySet<string>> {
  const out = new Map<Venue, Set<string>>();
  for (const venue of Venue.options) out.set(venue, new Set(KNOWN_VENUE_ORIGINS[venue]));
  if (value === undefined) return out;
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ConfigError("venueOrigins must be an object of venue to an array of origins", "venueOrigins");
  }
  for (const [venue, origins] of Object.entries(value as Record<string, unknown>)) {
    const parsed = Venue.safeParse(venue);
    if (!parsed.success) {
      const named = /^[a-z_]{1,32}$/.test(venue) ? ` "${venue}"` : "";
      throw new ConfigError(`venueOrigins has an unknown venue${named}; venues are ${Venue.options.join(", ")}`, "venueOrigins");
    }
    const option = `venueOrigins.${parsed.data}`;
    if (origins === undefined) continue;
    if (!Array.isArray(origins) || origins.length > MAX_EXTRA_ORIGINS) {
      throw new ConfigError(`${option} must be an array of at most ${MAX_EXTRA_ORIGINS} origins`, option);
    }
    const set = out.get(parsed.data)!;
    origins.forEach((entry, i) => {
      const result = originOf(entry);
      if ("problem" in result) throw new ConfigError(`${option}[${i}] ${result.problem}`, option);
      set.add(result.origin);
    });
  }
  return out;
}
