import { inspect } from "node:util";
import type { ExchangeOperation } from "@airlock/core";
import { RECV_WINDOW_MS, type SignedVenueRequest, type VenueAccountSettings, type VenueSigner } from "../venue-types.js";
import { VenueConfigError } from "./eip712-errors.js";
import { baseUrlOf } from "./eip712-settings.js";
import { checkNow } from "./hmac-order-checks.js";
import { HmacKey, type HmacCredentials } from "./hmac-key.js";
import { okxRequest } from "./okx-params.js";
import { okxPrehash, okxTimestamp } from "./okx-sign.js";
import { queryString, withQuery } from "./query-string.js";

/**
 * OKX V5 venue signer ("okx"). Headers OK-ACCESS-KEY, OK-ACCESS-SIGN (base64), OK-ACCESS-TIMESTAMP
 * (ISO 8601 of nowMs), OK-ACCESS-PASSPHRASE (the passphrase itself: OKX takes it raw, so it is
 * part of what the caller sends and not a leak-scanner secret), Content-Type application/json on
 * POST, and x-simulated-trading: 1 when the account is in demo mode.
 *
 * OKX itself accepts a request for 30 s after OK-ACCESS-TIMESTAMP. Trade requests (place,
 * cancel) also carry OKX's `expTime` header = nowMs + RECV_WINDOW_MS, so OKX refuses them after
 * expiresAtMs like the other venues' recvWindow; reads have no such header on OKX.
 */
export class OkxSigner implements VenueSigner {
  readonly settings: VenueAccountSettings;
  readonly #key: HmacKey;
  readonly #base: string;
  readonly #demo: boolean;

  constructor(settings: VenueAccountSettings, credentials: HmacCredentials) {
    if (settings.venue !== "okx") throw new VenueConfigError(`settings are for ${settings.venue}, not okx`);
    this.#base = baseUrlOf(settings);
    this.#key = new HmacKey(credentials, true);
    this.#demo = settings.demo === true;
    this.settings = settings;
  }

  sign(op: ExchangeOperation, nowMs: number): SignedVenueRequest {
    checkNow(nowMs);
    const req = okxRequest(op);
    const timestamp = okxTimestamp(nowMs);
    const requestPath = withQuery(req.path, queryString(req.query));
    const body = req.body === undefined ? undefined : JSON.stringify(req.body);
    const signature = this.#key.sign(okxPrehash({ timestamp, method: req.method, requestPath, body: body ?? "" }), "base64");
    const expiresAtMs = nowMs + RECV_WINDOW_MS;
    const headers: Record<string, string> = {
      "OK-ACCESS-KEY": this.#key.apiKey,
      "OK-ACCESS-SIGN": signature,
      "OK-ACCESS-TIMESTAMP": timestamp,
      "OK-ACCESS-PASSPHRASE": this.#key.rawPassphrase(),
    };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (req.trade) headers.expTime = String(expiresAtMs);
    if (this.#demo) headers["x-simulated-trading"] = "1";
    const url = `${this.#base}${requestPath}`;
    return body === undefined ? { method: req.method, url, headers, expiresAtMs } : { method: req.method, url, headers, body, expiresAtMs };
  }

  /** The API secret only: the passphrase is sent raw by OKX's design. */
  secrets(): readonly string[] {
    return this.#key.secrets(true);
  }

  toJSON(): Record<string, string | boolean> {
    return { venue: "okx", account: this.settings.account, demo: this.#demo, credentials: "[redacted]" };
  }

  [inspect.custom](): string {
    return `OkxSigner { account: '${this.settings.account}', demo: ${this.#demo}, credentials: [redacted] }`;
  }
}
