import type { ExchangeAccountEntry } from "../config/exchange-account-schema.js";
import { normalizeBaseUrl } from "../config/exchange-account-schema.js";
import { VENUES, defaultBaseUrl } from "./venue-catalog.js";
import type { VenueAccountSettings, VenueSigner } from "./venue-types.js";
import { createEip712VenueSigner } from "./venues/eip712-venue-signer.js";
import { createHmacVenueSigner } from "./venues/hmac-venue-signer.js";

/**
 * The settings a venue signer gets for one configured account: the effective origin (the
 * override or the venue's default for the environment), OKX demo mode (a testnet OKX account
 * trades in demo mode), and Hyperliquid's vault and asset table.
 */
export function venueSettingsOf(entry: ExchangeAccountEntry): VenueAccountSettings {
  const baseUrl = entry.baseUrl !== undefined ? normalizeBaseUrl(entry.baseUrl) : defaultBaseUrl(entry.venue, entry.environment);
  // The entry schema requires a baseUrl wherever the venue has no default.
  if (baseUrl === undefined) throw new RangeError("exchange account without a base URL");
  return {
    account: entry.account,
    venue: entry.venue,
    environment: entry.environment,
    baseUrl,
    ...(entry.venue === "okx" ? { demo: entry.environment === "testnet" } : {}),
    ...(entry.vaultAddress !== undefined ? { vaultAddress: entry.vaultAddress.toLowerCase() } : {}),
    ...(entry.assets !== undefined ? { assets: Object.freeze({ ...entry.assets }) } : {}),
  };
}

/**
 * Builds the venue signer of one validated account entry: the HMAC factory for the HMAC venues,
 * the EIP-712 factory for Hyperliquid and Asterdex. The credentials go to the signer and nowhere
 * else. Throws what the factory throws (its messages never repeat a secret).
 */
export function createVenueSigner(entry: ExchangeAccountEntry): VenueSigner {
  const settings = venueSettingsOf(entry);
  if (VENUES[entry.venue].family === "hmac") {
    if (entry.apiKey === undefined || entry.apiSecret === undefined) throw new RangeError("HMAC venue account without apiKey/apiSecret");
    return createHmacVenueSigner(settings, {
      apiKey: entry.apiKey,
      apiSecret: entry.apiSecret,
      ...(entry.passphrase !== undefined ? { passphrase: entry.passphrase } : {}),
    });
  }
  if (entry.privateKey === undefined) throw new RangeError("EIP-712 venue account without privateKey");
  return createEip712VenueSigner(settings, {
    privateKey: entry.privateKey,
    ...(entry.accountAddress !== undefined ? { accountAddress: entry.accountAddress } : {}),
  });
}
