import { inspect } from "node:util";
import type { ExchangeOperation } from "@airlock/core";
import { RECV_WINDOW_MS, type SignedVenueRequest, type VenueAccountSettings, type VenueSigner } from "../venue-types.js";
import { binanceRequest, type BinanceProduct } from "./binance-params.js";
import { VenueConfigError } from "./eip712-errors.js";
import { baseUrlOf } from "./eip712-settings.js";
import { checkNow } from "./hmac-order-checks.js";
import { HmacKey, type HmacCredentials } from "./hmac-key.js";
import { queryString } from "./query-string.js";

/**
 * Binance venue signer: spot ("binance", API v3) and USD-M futures ("binance_futures").
 *
 * The whole signed payload travels in the query string, for every method, POST included, and
 * no body is sent: `<params>&timestamp=<nowMs>&recvWindow=5000&signature=<hex>`. Binance
 * accepts SIGNED parameters in the query string for all methods and signs
 * totalParams = query + body, so with an empty body the signed bytes are exactly the query
 * sent, and no content-type or form-body handling can change them between here and Binance.
 * Values are RFC 3986 percent-encoded before signing (Binance verifies the encoded payload).
 * Only the `X-MBX-APIKEY` header is set.
 */
export class BinanceSigner implements VenueSigner {
  readonly settings: VenueAccountSettings;
  readonly #key: HmacKey;
  readonly #base: string;
  readonly #product: BinanceProduct;

  constructor(settings: VenueAccountSettings, credentials: HmacCredentials) {
    if (settings.venue !== "binance" && settings.venue !== "binance_futures") throw new VenueConfigError(`settings are for ${settings.venue}, not Binance`);
    this.#base = baseUrlOf(settings);
    this.#key = new HmacKey(credentials, false);
    this.#product = settings.venue === "binance" ? "spot" : "futures";
    this.settings = settings;
  }

  sign(op: ExchangeOperation, nowMs: number): SignedVenueRequest {
    checkNow(nowMs);
    const req = binanceRequest(op, this.#product);
    const total = queryString([...req.params, ["timestamp", String(nowMs)], ["recvWindow", String(RECV_WINDOW_MS)]]);
    const signature = this.#key.sign(total, "hex");
    return {
      method: req.method,
      url: `${this.#base}${req.path}?${total}&signature=${signature}`,
      headers: { "X-MBX-APIKEY": this.#key.apiKey },
      expiresAtMs: nowMs + RECV_WINDOW_MS,
    };
  }

  secrets(): readonly string[] {
    return this.#key.secrets(false);
  }

  toJSON(): Record<string, string> {
    return { venue: this.settings.venue, account: this.settings.account, credentials: "[redacted]" };
  }

  [inspect.custom](): string {
    return `BinanceSigner { venue: '${this.settings.venue}', account: '${this.settings.account}', credentials: [redacted] }`;
  }
}
