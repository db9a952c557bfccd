import { randomBytes } from "node:crypto";
import { resolveVenueOrigins, Venue, verifySignedExchangeRequest, type ExchangeOperation, type ExchangeRequest } from "@airlock/core";
import { describe, expect, it } from "vitest";
import type { ExchangeAccountEntry } from "../packages/signer/src/config/exchange-account-schema.js";
import { createVenueSigner } from "../packages/signer/src/exchange/venue-signers.js";

// The client's checks of a signed exchange request (origin, method, requested values present)
// must accept everything the sidecar's real venue signers produce, for every venue and every
// operation the venue has: otherwise an honest sidecar's answer would be refused.

const HMAC_SECRET = `client-hmac-${randomBytes(16).toString("hex")}`;

const SYMBOL: Readonly<Record<Venue, string>> = {
  binance: "BTCUSDT",
  binance_futures: "BTCUSDT",
  bybit: "BTCUSDT",
  okx: "BTC-USDT",
  kucoin: "BTC-USDT",
  kucoin_futures: "XBTUSDTM",
  hyperliquid: "BTC",
  asterdex: "BTCUSDT",
};

function entryFor(venue: Venue): ExchangeAccountEntry {
  const base = { account: `${venue}-acct`, venue, environment: "live" as const };
  if (venue === "hyperliquid") return { ...base, privateKey: randomBytes(32).toString("hex"), assets: { BTC: 0 } };
  if (venue === "asterdex") return { ...base, privateKey: randomBytes(32).toString("hex") };
  const passphrase = venue === "okx" || venue === "kucoin" || venue === "kucoin_futures" ? { passphrase: "throwaway pass" } : {};
  return { ...base, apiKey: `key-${randomBytes(4).toString("hex")}`, apiSecret: `secret-${randomBytes(16).toString("hex")}`, ...passphrase };
}

function operations(symbol: string): ExchangeOperation[] {
  return [
    { type: "place_order", symbol, side: "buy", orderType: "limit", quantity: "1", price: "100", clientOrderId: "cid-1" },
    { type: "place_order", symbol, side: "sell", orderType: "market", quantity: "2", referencePrice: "90" },
    { type: "cancel_order", symbol, orderId: "123456" },
    { type: "cancel_order", symbol, clientOrderId: "cid-1" },
    { type: "cancel_all", symbol },
    { type: "get_account" },
    { type: "get_balances" },
    { type: "get_positions", symbol },
    { type: "get_open_orders", symbol },
  ];
}

describe("the client accepts what the real venue signers sign", () => {
  const origins = resolveVenueOrigins(undefined);
  it.each(Venue.options)("%s", (venue) => {
    const signer = createVenueSigner(entryFor(venue));
    let verified = 0;
    for (const operation of operations(SYMBOL[venue])) {
      let signed;
      try {
        signed = signer.sign(operation, Date.now());
      } catch (err) {
        // Operations the venue does not have are refused by the signer, never signed.
        expect((err as Error).name).toMatch(/UnsupportedOperationError|VenueRequestError|HmacRequestError/);
        continue;
      }
      const request: ExchangeRequest = { account: `${venue}-acct`, venue, operation };
      const body = { requestId: "r", venue, account: request.account, environment: "live", ...signed };
      expect(() => verifySignedExchangeRequest(request, body, origins, HMAC_SECRET, { status: 200 }), `${venue} ${operation.type}`).not.toThrow();
      verified += 1;
    }
    expect(verified).toBeGreaterThanOrEqual(6);
  });
});
