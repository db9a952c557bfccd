import { inspect } from "node:util";
import type { ExchangeOperation } from "@airlock/core";
import { RECV_WINDOW_MS, type SignedVenueRequest, type VenueAccountSettings, type VenueSigner } from "../venue-types.js";
import { bybitRequest } from "./bybit-params.js";
import { bybitPrehash } from "./bybit-sign.js";
import { VenueConfigError } from "./eip712-errors.js";
import { baseUrlOf } from "./eip712-settings.js";
import { checkNow } from "./hmac-order-checks.js";
import { HmacKey, type HmacCredentials } from "./hmac-key.js";
import { queryString, withQuery } from "./query-string.js";

/**
 * Bybit V5 venue signer ("bybit", linear category: see bybit-params.ts). Headers X-BAPI-API-KEY,
 * X-BAPI-TIMESTAMP (nowMs), X-BAPI-RECV-WINDOW (5000), X-BAPI-SIGN (hex), X-BAPI-SIGN-TYPE 2,
 * and Content-Type application/json on POST. The query string (GET) or the JSON body (POST) is
 * serialised once; those exact bytes are signed and returned.
 */
export class BybitSigner implements VenueSigner {
  readonly settings: VenueAccountSettings;
  readonly #key: HmacKey;
  readonly #base: string;

  constructor(settings: VenueAccountSettings, credentials: HmacCredentials) {
    if (settings.venue !== "bybit") throw new VenueConfigError(`settings are for ${settings.venue}, not bybit`);
    this.#base = baseUrlOf(settings);
    this.#key = new HmacKey(credentials, false);
    this.settings = settings;
  }

  sign(op: ExchangeOperation, nowMs: number): SignedVenueRequest {
    checkNow(nowMs);
    const req = bybitRequest(op);
    const timestamp = String(nowMs);
    const recvWindow = String(RECV_WINDOW_MS);
    const query = queryString(req.query);
    const body = req.body === undefined ? undefined : JSON.stringify(req.body);
    const apiKey = this.#key.apiKey;
    const signature = this.#key.sign(bybitPrehash({ timestamp, apiKey, recvWindow, payload: body ?? query }), "hex");
    const headers: Record<string, string> = {
      "X-BAPI-API-KEY": apiKey,
      "X-BAPI-TIMESTAMP": timestamp,
      "X-BAPI-RECV-WINDOW": recvWindow,
      "X-BAPI-SIGN": signature,
      "X-BAPI-SIGN-TYPE": "2",
    };
    const url = `${this.#base}${withQuery(req.path, query)}`;
    const expiresAtMs = nowMs + RECV_WINDOW_MS;
    if (body === undefined) return { method: req.method, url, headers, expiresAtMs };
    return { method: req.method, url, headers: { ...headers, "Content-Type": "application/json" }, body, expiresAtMs };
  }

  secrets(): readonly string[] {
    return this.#key.secrets(false);
  }

  toJSON(): Record<string, string> {
    return { venue: "bybit", account: this.settings.account, credentials: "[redacted]" };
  }

  [inspect.custom](): string {
    return `BybitSigner { account: '${this.settings.account}', credentials: [redacted] }`;
  }
}
