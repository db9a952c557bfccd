import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { ExchangeOperation } from "@airlock/core";
import {
  binanceSignature,
  bybitPrehash,
  bybitSignature,
  createHmacVenueSigner,
  kucoinPassphrase,
  kucoinPrehash,
  kucoinSignature,
  okxPrehash,
  okxSignature,
  okxTimestamp,
} from "../../src/exchange/venues/hmac-venue-signer.js";
import { loadHmacVectors, settingsFor, type HmacVector } from "./hmac-test-support.js";

/**
 * Known-answer vectors: the shared ones (../shared/conformance/exchange-vectors.json, `hmac`),
 * fed both to each venue's pure prehash/sign helpers and, where a vector is a request one of our
 * operations produces, to the venue signer itself; then the project's own vectors, whose
 * expected signatures are recomputed here with node:crypto from prehash strings written out by
 * hand from the venues' documentation.
 */

const hmac = (secret: string, message: string, encoding: "hex" | "base64") => createHmac("sha256", secret).update(message, "utf8").digest(encoding);
const BASE = "https://venue.example";

const shared = loadHmacVectors();

/** Shared vectors that are exactly a request our signers build: the operation that builds it. */
const SIGNER_CASES: Readonly<Record<string, (v: HmacVector) => { op: ExchangeOperation; nowMs: number }>> = {
  kucoin_v2_get_accounts: (v) => ({ op: { type: "get_balances" }, nowMs: v.timestamp_ms ?? 0 }),
  kucoin_v2_get_accounts_2: (v) => ({ op: { type: "get_account" }, nowMs: v.timestamp_ms ?? 0 }),
  binance_signed_query: (v) => {
    const params = new URLSearchParams(v.prehash);
    return { op: { type: "get_open_orders", symbol: params.get("symbol") ?? "" }, nowMs: Number(params.get("timestamp")) };
  },
  bybit_v5_get: (v) => ({ op: { type: "get_positions", symbol: new URLSearchParams(v.query).get("symbol") ?? "" }, nowMs: v.timestamp_ms ?? 0 }),
  okx_v5_get_config: (v) => ({ op: { type: "get_account" }, nowMs: Date.parse(v.timestamp ?? "") }),
  okx_v5_post_order: (v) => {
    const b = JSON.parse(v.body ?? "{}") as Record<string, string>;
    return { op: { type: "place_order", symbol: b.instId ?? "", side: b.side === "sell" ? "sell" : "buy", orderType: "limit", quantity: b.sz ?? "", price: b.px ?? "" }, nowMs: v.timestamp_ms ?? 0 };
  },
};

describe.skipIf(shared === undefined)("shared HMAC known-answer vectors", () => {
  const vectors = shared ?? [];

  it("are present and all for the four HMAC venues", () => {
    expect(vectors.length).toBeGreaterThanOrEqual(6);
    for (const v of vectors) expect(["binance", "bybit", "okx", "kucoin"]).toContain(v.venue);
    for (const id of Object.keys(SIGNER_CASES)) expect(vectors.map((v) => v.id)).toContain(id);
  });

  it.each(vectors.map((v) => [v.id, v] as const))("%s: the venue's prehash/sign helpers reproduce it", (_id, v) => {
    switch (v.venue) {
      case "binance":
        expect(binanceSignature(v.secret, v.prehash ?? "")).toBe(v.expected.signature);
        break;
      case "bybit": {
        const prehash = bybitPrehash({ timestamp: String(v.timestamp_ms), apiKey: v.api_key ?? "", recvWindow: v.recv_window ?? "", payload: v.method === "POST" ? (v.body ?? "") : (v.query ?? "") });
        if (v.prehash !== undefined) expect(prehash).toBe(v.prehash);
        expect(bybitSignature(v.secret, prehash)).toBe(v.expected["X-BAPI-SIGN"]);
        break;
      }
      case "okx": {
        if (v.timestamp_ms !== undefined) expect(okxTimestamp(v.timestamp_ms)).toBe(v.timestamp);
        const prehash = okxPrehash({ timestamp: v.timestamp ?? "", method: v.method === "POST" ? "POST" : "GET", requestPath: v.path ?? "", body: v.body ?? "" });
        if (v.prehash !== undefined) expect(prehash).toBe(v.prehash);
        expect(okxSignature(v.secret, prehash)).toBe(v.expected["OK-ACCESS-SIGN"]);
        break;
      }
      case "kucoin": {
        const prehash = kucoinPrehash({ timestamp: String(v.timestamp_ms), method: v.method ?? "GET", endpoint: v.path ?? "", body: v.body ?? "" });
        if (v.prehash !== undefined) expect(prehash).toBe(v.prehash);
        expect(kucoinSignature(v.secret, prehash)).toBe(v.expected["KC-API-SIGN"]);
        expect(kucoinPassphrase(v.secret, v.passphrase ?? "")).toBe(v.expected["KC-API-PASSPHRASE"]);
        break;
      }
      default:
        throw new Error(`unhandled vector venue ${v.venue}`);
    }
  });

  it.each(vectors.filter((v) => SIGNER_CASES[v.id] !== undefined).map((v) => [v.id, v] as const))("%s: the venue signer builds exactly that request", (_id, v) => {
    const { op, nowMs } = (SIGNER_CASES[v.id] as (v: HmacVector) => { op: ExchangeOperation; nowMs: number })(v);
    const venue = v.venue === "okx" ? "okx" : v.venue === "bybit" ? "bybit" : v.venue === "kucoin" ? "kucoin" : "binance";
    const apiKey = v.api_key ?? "vector-api-key";
    const signer = createHmacVenueSigner(settingsFor(venue, BASE), { apiKey, apiSecret: v.secret, ...(v.passphrase !== undefined ? { passphrase: v.passphrase } : venue === "okx" ? { passphrase: "vector-passphrase" } : {}) });
    const signed = signer.sign(op, nowMs);
    switch (venue) {
      case "binance":
        expect(signed.url).toBe(`${BASE}/api/v3/openOrders?${v.prehash}&signature=${v.expected.signature}`);
        break;
      case "bybit":
        expect(signed.url).toBe(`${BASE}/v5/position/list?${v.query}`);
        expect(signed.headers["X-BAPI-SIGN"]).toBe(v.expected["X-BAPI-SIGN"]);
        expect(signed.headers["X-BAPI-RECV-WINDOW"]).toBe(v.recv_window);
        break;
      case "okx":
        expect(signed.url).toBe(`${BASE}${v.path}`);
        expect(signed.body ?? "").toBe(v.body);
        expect(signed.headers["OK-ACCESS-TIMESTAMP"]).toBe(v.timestamp);
        expect(signed.headers["OK-ACCESS-SIGN"]).toBe(v.expected["OK-ACCESS-SIGN"]);
        break;
      case "kucoin":
        expect(signed.url).toBe(`${BASE}${v.path}`);
        for (const [name, value] of Object.entries(v.expected)) expect(signed.headers[name]).toBe(value);
        break;
    }
  });
});

describe("own HMAC vectors (expected values recomputed with node:crypto)", () => {
  const secret = "own-vector-secret-NOT-REAL-7f3a";
  const apiKey = "own-vector-key";
  const passphrase = "own vector passphrase";
  const nowMs = 1_700_000_000_123;

  it("Binance spot limit order: query, then timestamp and recvWindow, hex signature last", () => {
    const signer = createHmacVenueSigner(settingsFor("binance", BASE), { apiKey, apiSecret: secret });
    const signed = signer.sign({ type: "place_order", symbol: "BTCUSDT", side: "buy", orderType: "limit", quantity: "0.01", price: "30000.5", clientOrderId: "own-1" }, nowMs);
    const total = `symbol=BTCUSDT&side=BUY&type=LIMIT&quantity=0.01&price=30000.5&timeInForce=GTC&newClientOrderId=own-1&timestamp=${nowMs}&recvWindow=5000`;
    expect(signed).toEqual({ method: "POST", url: `${BASE}/api/v3/order?${total}&signature=${hmac(secret, total, "hex")}`, headers: { "X-MBX-APIKEY": apiKey }, expiresAtMs: nowMs + 5000 });
  });

  it("Binance futures post-only reduce-only sell: GTX and reduceOnly=true", () => {
    const signer = createHmacVenueSigner(settingsFor("binance_futures", BASE), { apiKey, apiSecret: secret });
    const signed = signer.sign({ type: "place_order", symbol: "ETHUSDT", side: "sell", orderType: "limit", quantity: "2", price: "2500", timeInForce: "POST_ONLY", reduceOnly: true }, nowMs);
    const total = `symbol=ETHUSDT&side=SELL&type=LIMIT&quantity=2&price=2500&timeInForce=GTX&reduceOnly=true&timestamp=${nowMs}&recvWindow=5000`;
    expect(signed.url).toBe(`${BASE}/fapi/v1/order?${total}&signature=${hmac(secret, total, "hex")}`);
  });

  it("Bybit order create: JSON body in fixed key order, prehash ts+key+recvWindow+body", () => {
    const signer = createHmacVenueSigner(settingsFor("bybit", BASE), { apiKey, apiSecret: secret });
    const signed = signer.sign({ type: "place_order", symbol: "BTCUSDT", side: "sell", orderType: "limit", quantity: "0.5", price: "61000", timeInForce: "POST_ONLY", reduceOnly: true, clientOrderId: "own_2" }, nowMs);
    const body = '{"category":"linear","symbol":"BTCUSDT","side":"Sell","orderType":"Limit","qty":"0.5","price":"61000","timeInForce":"PostOnly","reduceOnly":true,"orderLinkId":"own_2"}';
    expect(signed).toEqual({
      method: "POST",
      url: `${BASE}/v5/order/create`,
      headers: {
        "X-BAPI-API-KEY": apiKey,
        "X-BAPI-TIMESTAMP": String(nowMs),
        "X-BAPI-RECV-WINDOW": "5000",
        "X-BAPI-SIGN": hmac(secret, `${nowMs}${apiKey}5000${body}`, "hex"),
        "X-BAPI-SIGN-TYPE": "2",
        "Content-Type": "application/json",
      },
      body,
      expiresAtMs: nowMs + 5000,
    });
  });

  it("Bybit wallet balance: GET with accountType=UNIFIED signed as the query", () => {
    const signer = createHmacVenueSigner(settingsFor("bybit", BASE), { apiKey, apiSecret: secret });
    const signed = signer.sign({ type: "get_balances" }, nowMs);
    expect(signed.url).toBe(`${BASE}/v5/account/wallet-balance?accountType=UNIFIED`);
    expect(signed.headers["X-BAPI-SIGN"]).toBe(hmac(secret, `${nowMs}${apiKey}5000accountType=UNIFIED`, "hex"));
    expect(signed.body).toBeUndefined();
  });

  it("OKX ISO timestamps (the reference's conversion and a millisecond case)", () => {
    expect(okxTimestamp(1_714_997_000_000)).toBe("2024-05-06T12:03:20.000Z");
    expect(okxTimestamp(nowMs)).toBe("2023-11-14T22:13:20.123Z");
  });

  it("OKX swap market order in demo mode: base64 signature, raw passphrase, expTime, simulated-trading", () => {
    const signer = createHmacVenueSigner(settingsFor("okx", BASE, { demo: true }), { apiKey, apiSecret: secret, passphrase });
    const signed = signer.sign({ type: "place_order", symbol: "BTC-USDT-SWAP", side: "buy", orderType: "market", quantity: "3", reduceOnly: true, clientOrderId: "own3" }, nowMs);
    const body = '{"instId":"BTC-USDT-SWAP","tdMode":"cross","side":"buy","ordType":"market","sz":"3","reduceOnly":true,"clOrdId":"own3"}';
    const ts = "2023-11-14T22:13:20.123Z";
    expect(signed).toEqual({
      method: "POST",
      url: `${BASE}/api/v5/trade/order`,
      headers: {
        "OK-ACCESS-KEY": apiKey,
        "OK-ACCESS-SIGN": hmac(secret, `${ts}POST/api/v5/trade/order${body}`, "base64"),
        "OK-ACCESS-TIMESTAMP": ts,
        "OK-ACCESS-PASSPHRASE": passphrase,
        "Content-Type": "application/json",
        expTime: String(nowMs + 5000),
        "x-simulated-trading": "1",
      },
      body,
      expiresAtMs: nowMs + 5000,
    });
  });

  it("OKX positions of one instrument: the query is part of the signed requestPath", () => {
    const signer = createHmacVenueSigner(settingsFor("okx", BASE), { apiKey, apiSecret: secret, passphrase });
    const signed = signer.sign({ type: "get_positions", symbol: "ETH-USDT-SWAP" }, nowMs);
    expect(signed.url).toBe(`${BASE}/api/v5/account/positions?instId=ETH-USDT-SWAP`);
    expect(signed.headers["OK-ACCESS-SIGN"]).toBe(hmac(secret, "2023-11-14T22:13:20.123ZGET/api/v5/account/positions?instId=ETH-USDT-SWAP", "base64"));
    expect(signed.headers["x-simulated-trading"]).toBeUndefined();
    expect(signed.headers.expTime).toBeUndefined();
  });

  it("KuCoin spot cancel-all: DELETE with the query in the signed endpoint, signed passphrase", () => {
    const signer = createHmacVenueSigner(settingsFor("kucoin", BASE), { apiKey, apiSecret: secret, passphrase });
    const signed = signer.sign({ type: "cancel_all", symbol: "BTC-USDT" }, nowMs);
    expect(signed).toEqual({
      method: "DELETE",
      url: `${BASE}/api/v1/orders?symbol=BTC-USDT`,
      headers: {
        "KC-API-KEY": apiKey,
        "KC-API-SIGN": hmac(secret, `${nowMs}DELETE/api/v1/orders?symbol=BTC-USDT`, "base64"),
        "KC-API-TIMESTAMP": String(nowMs),
        "KC-API-PASSPHRASE": hmac(secret, passphrase, "base64"),
        "KC-API-KEY-VERSION": "2",
      },
      expiresAtMs: nowMs + 5000,
    });
  });

  it("KuCoin futures limit order: lots and leverage as JSON numbers, body signed", () => {
    const signer = createHmacVenueSigner(settingsFor("kucoin_futures", BASE), { apiKey, apiSecret: secret, passphrase });
    const signed = signer.sign({ type: "place_order", symbol: "XBTUSDTM", side: "buy", orderType: "limit", quantity: "7", price: "42000", timeInForce: "IOC", clientOrderId: "own-4" }, nowMs);
    const body = '{"clientOid":"own-4","side":"buy","symbol":"XBTUSDTM","type":"limit","leverage":1,"price":"42000","size":7,"timeInForce":"IOC"}';
    expect(signed.body).toBe(body);
    expect(signed.headers["KC-API-SIGN"]).toBe(hmac(secret, `${nowMs}POST/api/v1/orders${body}`, "base64"));
    expect(signed.headers["Content-Type"]).toBe("application/json");
  });
});
