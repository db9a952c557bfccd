import type { Venue } from "@airlock/core";

/**
 * What the sidecar knows about each venue before any account is configured: how it signs (an
 * HMAC API key and secret, or an EVM key for EIP-712), which credentials it takes, and the
 * public API origin of each environment. Venues without a public testnet have no default
 * testnet URL: a testnet account on them must name its baseUrl.
 */

/** How a venue authenticates requests. */
export type VenueFamily = "hmac" | "eip712";

export interface VenueFacts {
  readonly family: VenueFamily;
  /** The venue needs an API passphrase besides key and secret (OKX, KuCoin). */
  readonly passphrase: boolean;
  /** Default API origin per environment (undefined: no public one). */
  readonly urls: { readonly testnet?: string; readonly live: string };
}

/**
 * Default API origins, from each venue's documentation:
 * - Binance spot: testnet https://testnet.binance.vision, live https://api.binance.com
 * - Binance USD-M futures: testnet https://testnet.binancefuture.com, live https://fapi.binance.com
 * - Bybit V5: testnet https://api-testnet.bybit.com, live https://api.bybit.com
 * - OKX V5: https://www.okx.com for both; a testnet account trades in demo mode (the venue
 *   signer sends `x-simulated-trading: 1`)
 * - KuCoin spot https://api.kucoin.com, futures https://api-futures.kucoin.com: no public testnet
 * - Hyperliquid: testnet https://api.hyperliquid-testnet.xyz, live https://api.hyperliquid.xyz
 * - Asterdex: https://fapi.asterdex.com, no public testnet
 */
export const VENUES: Readonly<Record<Venue, VenueFacts>> = Object.freeze({
  binance: { family: "hmac", passphrase: false, urls: { testnet: "https://testnet.binance.vision", live: "https://api.binance.com" } },
  binance_futures: { family: "hmac", passphrase: false, urls: { testnet: "https://testnet.binancefuture.com", live: "https://fapi.binance.com" } },
  bybit: { family: "hmac", passphrase: false, urls: { testnet: "https://api-testnet.bybit.com", live: "https://api.bybit.com" } },
  okx: { family: "hmac", passphrase: true, urls: { testnet: "https://www.okx.com", live: "https://www.okx.com" } },
  kucoin: { family: "hmac", passphrase: true, urls: { live: "https://api.kucoin.com" } },
  kucoin_futures: { family: "hmac", passphrase: true, urls: { live: "https://api-futures.kucoin.com" } },
  hyperliquid: { family: "eip712", passphrase: false, urls: { testnet: "https://api.hyperliquid-testnet.xyz", live: "https://api.hyperliquid.xyz" } },
  asterdex: { family: "eip712", passphrase: false, urls: { live: "https://fapi.asterdex.com" } },
});

/**
 * The live origins of every venue except OKX (whose single origin serves demo trading too): a
 * testnet account pointed at one of them would trade for real without liveTradingEnabled.
 */
export const LIVE_ONLY_ORIGINS: ReadonlySet<string> = new Set(
  Object.entries(VENUES)
    .filter(([venue]) => venue !== "okx")
    .map(([, facts]) => facts.urls.live),
);

/** The default origin of `venue` in `environment`, or undefined when there is none. */
export function defaultBaseUrl(venue: Venue, environment: "testnet" | "live"): string | undefined {
  return VENUES[venue].urls[environment];
}
