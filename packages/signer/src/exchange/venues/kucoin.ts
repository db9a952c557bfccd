import { inspect } from "node:util";
import type { ExchangeOperation } from "@airlock/core";
import { RECV_WINDOW_MS, type SignedVenueRequest, type VenueAccountSettings, type VenueSigner } from "../venue-types.js";
import { VenueConfigError } from "./eip712-errors.js";
import { baseUrlOf } from "./eip712-settings.js";
import { checkNow } from "./hmac-order-checks.js";
import { HmacKey, type HmacCredentials } from "./hmac-key.js";
import { kucoinRequest, type KucoinProduct } from "./kucoin-params.js";
import { kucoinPrehash } from "./kucoin-sign.js";
import { queryString, withQuery } from "./query-string.js";

/**
 * KuCoin venue signer, spot ("kucoin") and futures ("kucoin_futures"), API key version 2.
 * Headers KC-API-KEY, KC-API-SIGN, KC-API-TIMESTAMP (nowMs), KC-API-PASSPHRASE (signed with the
 * secret, so the passphrase itself is never sent), KC-API-KEY-VERSION 2, and Content-Type
 * application/json on POST. KuCoin has no recvWindow parameter: it refuses a timestamp more than
 * 5 s from its clock, which is RECV_WINDOW_MS.
 */
export class KucoinSigner implements VenueSigner {
  readonly settings: VenueAccountSettings;
  readonly #key: HmacKey;
  readonly #base: string;
  readonly #product: KucoinProduct;

  constructor(settings: VenueAccountSettings, credentials: HmacCredentials) {
    if (settings.venue !== "kucoin" && settings.venue !== "kucoin_futures") throw new VenueConfigError(`settings are for ${settings.venue}, not KuCoin`);
    this.#base = baseUrlOf(settings);
    this.#key = new HmacKey(credentials, true);
    this.#product = settings.venue === "kucoin" ? "spot" : "futures";
    this.settings = settings;
  }

  sign(op: ExchangeOperation, nowMs: number): SignedVenueRequest {
    checkNow(nowMs);
    const req = kucoinRequest(op, this.#product);
    const timestamp = String(nowMs);
    const endpoint = withQuery(req.path, queryString(req.query));
    const body = req.body === undefined ? undefined : JSON.stringify(req.body);
    const signature = this.#key.sign(kucoinPrehash({ timestamp, method: req.method, endpoint, body: body ?? "" }), "base64");
    const headers: Record<string, string> = {
      "KC-API-KEY": this.#key.apiKey,
      "KC-API-SIGN": signature,
      "KC-API-TIMESTAMP": timestamp,
      "KC-API-PASSPHRASE": this.#key.signedPassphrase(),
      "KC-API-KEY-VERSION": "2",
    };
    const url = `${this.#base}${endpoint}`;
    const expiresAtMs = nowMs + RECV_WINDOW_MS;
    if (body === undefined) return { method: req.method, url, headers, expiresAtMs };
    return { method: req.method, url, headers: { ...headers, "Content-Type": "application/json" }, body, expiresAtMs };
  }

  /** The API secret and the passphrase (KuCoin receives the passphrase signed, never raw). */
  secrets(): readonly string[] {
    return this.#key.secrets(false);
  }

  toJSON(): Record<string, string> {
    return { venue: this.settings.venue, account: this.settings.account, credentials: "[redacted]" };
  }

  [inspect.custom](): string {
    return `KucoinSigner { venue: '${this.settings.venue}', account: '${this.settings.account}', credentials: [redacted] }`;
  }
}
