import type { VenueAccountSettings } from "../venue-types.js";
import { BinanceSigner } from "./binance.js";
import { BybitSigner } from "./bybit.js";
import { VenueConfigError } from "./eip712-errors.js";
import type { HmacCredentials } from "./hmac-key.js";
import { KucoinSigner } from "./kucoin.js";
import { OkxSigner } from "./okx.js";

export { BinanceSigner } from "./binance.js";
export { BybitSigner } from "./bybit.js";
export { KucoinSigner } from "./kucoin.js";
export { OkxSigner } from "./okx.js";
export { HmacRequestError, type HmacRequestErrorCode } from "./hmac-errors.js";
export type { HmacCredentials } from "./hmac-key.js";
export { binanceSignature } from "./binance-sign.js";
export { bybitPrehash, bybitSignature } from "./bybit-sign.js";
export { okxPrehash, okxSignature, okxTimestamp } from "./okx-sign.js";
export { kucoinPassphrase, kucoinPrehash, kucoinSignature } from "./kucoin-sign.js";

/** A signer of an HMAC venue. */
export type HmacVenueSigner = BinanceSigner | BybitSigner | OkxSigner | KucoinSigner;

/**
 * The signer for an HMAC venue account (binance, binance_futures, bybit, okx, kucoin,
 * kucoin_futures). Throws VenueConfigError for another venue or for malformed settings or
 * credentials (never repeating a credential).
 */
export function createHmacVenueSigner(settings: VenueAccountSettings, credentials: HmacCredentials): HmacVenueSigner {
  switch (settings.venue) {
    case "binance":
    case "binance_futures":
      return new BinanceSigner(settings, credentials);
    case "bybit":
      return new BybitSigner(settings, credentials);
    case "okx":
      return new OkxSigner(settings, credentials);
    case "kucoin":
    case "kucoin_futures":
      return new KucoinSigner(settings, credentials);
    default:
      throw new VenueConfigError(`${settings.venue} is not an HMAC venue`);
  }
}
