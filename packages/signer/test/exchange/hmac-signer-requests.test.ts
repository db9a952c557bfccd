import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import type { ExchangeOperation, Venue } from "@airlock/core";
import { RECV_WINDOW_MS } from "../../src/exchange/venue-types.js";
import { BinanceSigner, BybitSigner, KucoinSigner, OkxSigner, createHmacVenueSigner, type HmacVenueSigner } from "../../src/exchange/venues/hmac-venue-signer.js";
import { percentEncode, queryString } from "../../src/exchange/venues/query-string.js";
import { expectNoSecrets, outputText, settingsFor } from "./hmac-test-support.js";

/**
 * What each HMAC venue signer builds for every operation (method, path, query, header names),
 * and what it refuses before signing: symbols in another venue's spelling, malformed ids,
 * operations the venue does not have, incoherent operations, bad settings and credentials.
 */

const BASE = "https://api.venue.example";
const NOW = 1_750_000_000_000;
const CREDS = { apiKey: "req-test-key", apiSecret: "req-test-secret-NOT-REAL-91c2", passphrase: "req test passphrase" };

function signerFor(venue: Venue, extra: Record<string, unknown> = {}): HmacVenueSigner {
  const passphrase = venue === "okx" || venue === "kucoin" || venue === "kucoin_futures";
  const { passphrase: pass, ...rest } = CREDS;
  return createHmacVenueSigner(settingsFor(venue, BASE, extra), passphrase ? { ...rest, passphrase: pass } : rest);
}

const refusal = (name: string, code?: string) => expect.objectContaining(code === undefined ? { name } : { name, code });

type Row = readonly [Venue, ExchangeOperation, string | null];
const limit = (symbol: string): ExchangeOperation => ({ type: "place_order", symbol, side: "buy", orderType: "limit", quantity: "1", price: "100", clientOrderId: "abc123" });
const market = (symbol: string): ExchangeOperation => ({ type: "place_order", symbol, side: "sell", orderType: "market", quantity: "1" });

/** Every venue × operation: the expected "METHOD path?query", or null when the venue refuses it. */
const MATRIX: readonly Row[] = [
  ["binance", limit("BTCUSDT"), "POST /api/v3/order"],
  ["binance", { type: "cancel_order", symbol: "BTCUSDT", orderId: "12345" }, "DELETE /api/v3/order?symbol=BTCUSDT&orderId=12345"],
  ["binance", { type: "cancel_order", symbol: "BTCUSDT", clientOrderId: "abc" }, "DELETE /api/v3/order?symbol=BTCUSDT&origClientOrderId=abc"],
  ["binance", { type: "cancel_all", symbol: "BTCUSDT" }, "DELETE /api/v3/openOrders?symbol=BTCUSDT"],
  ["binance", { type: "get_account" }, "GET /api/v3/account"],
  ["binance", { type: "get_balances" }, "GET /api/v3/account"],
  ["binance", { type: "get_positions" }, null],
  ["binance", { type: "get_open_orders" }, "GET /api/v3/openOrders"],
  ["binance_futures", market("BTCUSDT"), "POST /fapi/v1/order"],
  ["binance_futures", { type: "cancel_order", symbol: "BTCUSDT_251226", orderId: "9" }, "DELETE /fapi/v1/order?symbol=BTCUSDT_251226&orderId=9"],
  ["binance_futures", { type: "cancel_all", symbol: "ETHUSDT" }, "DELETE /fapi/v1/allOpenOrders?symbol=ETHUSDT"],
  ["binance_futures", { type: "get_account" }, "GET /fapi/v2/account"],
  ["binance_futures", { type: "get_balances" }, "GET /fapi/v2/balance"],
  ["binance_futures", { type: "get_positions", symbol: "BTCUSDT" }, "GET /fapi/v2/positionRisk?symbol=BTCUSDT"],
  ["binance_futures", { type: "get_open_orders", symbol: "BTCUSDT" }, "GET /fapi/v1/openOrders?symbol=BTCUSDT"],
  ["bybit", limit("BTCUSDT"), "POST /v5/order/create"],
  ["bybit", { type: "cancel_order", symbol: "BTCUSDT", orderId: "c6f055d9-7f21-4079-913d-e6523a9cfffa" }, "POST /v5/order/cancel"],
  ["bybit", { type: "cancel_all", symbol: "BTCPERP" }, "POST /v5/order/cancel-all"],
  ["bybit", { type: "get_account" }, "GET /v5/account/info"],
  ["bybit", { type: "get_balances" }, "GET /v5/account/wallet-balance?accountType=UNIFIED"],
  ["bybit", { type: "get_positions" }, "GET /v5/position/list?category=linear&settleCoin=USDT"],
  ["bybit", { type: "get_open_orders", symbol: "ETHUSDC" }, "GET /v5/order/realtime?category=linear&symbol=ETHUSDC"],
  ["okx", limit("BTC-USDT"), "POST /api/v5/trade/order"],
  ["okx", { type: "cancel_order", symbol: "BTC-USDT-SWAP", orderId: "590908157585625111" }, "POST /api/v5/trade/cancel-order"],
  ["okx", { type: "cancel_all", symbol: "BTC-USDT" }, null],
  ["okx", { type: "get_account", symbol: "BTC-USDT" }, "GET /api/v5/account/config"],
  ["okx", { type: "get_balances" }, "GET /api/v5/account/balance"],
  ["okx", { type: "get_positions" }, "GET /api/v5/account/positions"],
  ["okx", { type: "get_open_orders", symbol: "BTC-USD-251226" }, "GET /api/v5/trade/orders-pending?instId=BTC-USD-251226"],
  ["kucoin", limit("BTC-USDT"), "POST /api/v1/orders"],
  ["kucoin", { type: "cancel_order", symbol: "BTC-USDT", orderId: "5bd6e9286d99522a52e458de" }, "DELETE /api/v1/orders/5bd6e9286d99522a52e458de"],
  ["kucoin", { type: "cancel_order", symbol: "BTC-USDT", clientOrderId: "my_oid-1" }, "DELETE /api/v1/order/client-order/my_oid-1"],
  ["kucoin", { type: "cancel_all", symbol: "BTC-USDT" }, "DELETE /api/v1/orders?symbol=BTC-USDT"],
  ["kucoin", { type: "get_account" }, "GET /api/v1/accounts"],
  ["kucoin", { type: "get_balances" }, "GET /api/v1/accounts"],
  ["kucoin", { type: "get_positions" }, null],
  ["kucoin", { type: "get_open_orders", symbol: "ETH-USDT" }, "GET /api/v1/orders?status=active&symbol=ETH-USDT"],
  ["kucoin_futures", market("XBTUSDTM"), "POST /api/v1/orders"],
  ["kucoin_futures", { type: "cancel_order", symbol: "XBTUSDTM", orderId: "234125150956625920" }, "DELETE /api/v1/orders/234125150956625920"],
  ["kucoin_futures", { type: "cancel_order", symbol: "XBTUSDTM", clientOrderId: "oid1" }, "DELETE /api/v1/orders/client-order/oid1?symbol=XBTUSDTM"],
  ["kucoin_futures", { type: "cancel_all", symbol: "XBTUSDTM" }, "DELETE /api/v1/orders?symbol=XBTUSDTM"],
  ["kucoin_futures", { type: "get_account" }, "GET /api/v1/account-overview?currency=USDT"],
  ["kucoin_futures", { type: "get_balances" }, "GET /api/v1/account-overview?currency=USDT"],
  ["kucoin_futures", { type: "get_positions" }, "GET /api/v1/positions"],
  ["kucoin_futures", { type: "get_positions", symbol: "XBTUSDTM" }, "GET /api/v1/position?symbol=XBTUSDTM"],
  ["kucoin_futures", { type: "get_open_orders" }, "GET /api/v1/orders?status=active"],
];

const HEADERS: Readonly<Record<string, readonly string[]>> = {
  binance: ["X-MBX-APIKEY"],
  binance_futures: ["X-MBX-APIKEY"],
  bybit: ["X-BAPI-API-KEY", "X-BAPI-TIMESTAMP", "X-BAPI-RECV-WINDOW", "X-BAPI-SIGN", "X-BAPI-SIGN-TYPE"],
  okx: ["OK-ACCESS-KEY", "OK-ACCESS-SIGN", "OK-ACCESS-TIMESTAMP", "OK-ACCESS-PASSPHRASE"],
  kucoin: ["KC-API-KEY", "KC-API-SIGN", "KC-API-TIMESTAMP", "KC-API-PASSPHRASE", "KC-API-KEY-VERSION"],
  kucoin_futures: ["KC-API-KEY", "KC-API-SIGN", "KC-API-TIMESTAMP", "KC-API-PASSPHRASE", "KC-API-KEY-VERSION"],
};

describe("HMAC venue requests, venue by operation", () => {
  it.each(MATRIX.map(([venue, op, want]) => [`${venue} ${op.type}${"orderId" in op && op.orderId ? " by id" : ""} → ${want ?? "refused"}`, venue, op, want] as const))("%s", (_name, venue, op, want) => {
    const signer = signerFor(venue);
    if (want === null) {
      expect(() => signer.sign(op, NOW)).toThrow(refusal("UnsupportedOperationError"));
      return;
    }
    const signed = signer.sign(op, NOW);
    const url = new URL(signed.url);
    expect(url.origin).toBe(BASE);
    const binance = venue === "binance" || venue === "binance_futures";
    // Binance carries timestamp, recvWindow and signature in the query: compare what precedes them.
    const query = binance ? url.search.slice(1).replace(/&?timestamp=.*$/, "") : url.search.slice(1);
    const [method, pathQuery] = want.split(" ") as [string, string];
    const [path, wantQuery = ""] = pathQuery.split("?") as [string, string | undefined];
    expect(signed.method).toBe(method);
    expect(url.pathname).toBe(path);
    if (!(binance && method === "POST")) expect(query).toBe(wantQuery);
    if (binance) expect(url.search).toMatch(new RegExp(`timestamp=${NOW}&recvWindow=5000&signature=[0-9a-f]{64}$`));
    expect(Object.keys(signed.headers).slice(0, HEADERS[venue]?.length)).toEqual(HEADERS[venue]);
    expect(signed.expiresAtMs).toBe(NOW + RECV_WINDOW_MS);
    expect(signed.body === undefined).toBe(method !== "POST" || binance);
    if (signed.body !== undefined) expect(signed.headers["Content-Type"]).toBe("application/json");
    expectNoSecrets(signed, signer.secrets());
    expect(outputText(signed).includes(CREDS.apiSecret)).toBe(false);
  });
});

describe("venue-specific refusals before signing", () => {
  it.each([
    ["binance", "BTC-USDT"],
    ["binance", "btcusdt"],
    ["binance_futures", "BTCUSDT_25"],
    ["bybit", "BTC-USDT"],
    ["bybit", "BTCEUR"],
    ["okx", "BTCUSDT"],
    ["okx", "BTC-USD-251226-50000-C"],
    ["okx", "btc-usdt"],
    ["kucoin", "BTCUSDT"],
    ["kucoin_futures", "XBT-USDTM"],
  ] as const)("%s refuses the symbol %s (INVALID_SYMBOL), for orders and for reads", (venue, symbol) => {
    const signer = signerFor(venue);
    expect(() => signer.sign(market(symbol), NOW)).toThrow(refusal("HmacRequestError", "INVALID_SYMBOL"));
    expect(() => signer.sign({ type: "get_account", symbol }, NOW)).toThrow(refusal("HmacRequestError", "INVALID_SYMBOL"));
  });

  it.each([
    ["binance", "BTCUSDT", "abc"],
    ["okx", "BTC-USDT", "ord-1"],
    ["kucoin", "BTC-USDT", "5bd6_e92"],
  ] as const)("%s refuses the order id %s/%s (INVALID_ORDER_ID)", (venue, symbol, orderId) => {
    expect(() => signerFor(venue).sign({ type: "cancel_order", symbol, orderId }, NOW)).toThrow(refusal("HmacRequestError", "INVALID_ORDER_ID"));
  });

  it("OKX refuses client order ids with - or _ (INVALID_CLIENT_ORDER_ID)", () => {
    const okx = signerFor("okx");
    expect(() => okx.sign({ ...limit("BTC-USDT"), clientOrderId: "a-b" } as ExchangeOperation, NOW)).toThrow(refusal("HmacRequestError", "INVALID_CLIENT_ORDER_ID"));
    expect(() => okx.sign({ type: "cancel_order", symbol: "BTC-USDT", clientOrderId: "a_b" }, NOW)).toThrow(refusal("HmacRequestError", "INVALID_CLIENT_ORDER_ID"));
  });

  it("reduce-only is refused on spot products (Binance, OKX cash, KuCoin)", () => {
    for (const [venue, symbol] of [["binance", "BTCUSDT"], ["okx", "BTC-USDT"], ["kucoin", "BTC-USDT"]] as const) {
      expect(() => signerFor(venue).sign({ ...market(symbol), reduceOnly: true } as ExchangeOperation, NOW)).toThrow(refusal("UnsupportedOperationError"));
    }
  });

  it("KuCoin futures: whole lots only, no FOK; reduce-only orders carry no leverage", () => {
    const kf = signerFor("kucoin_futures");
    expect(() => kf.sign({ ...market("XBTUSDTM"), quantity: "0.5" } as ExchangeOperation, NOW)).toThrow(refusal("HmacRequestError", "INVALID_QUANTITY"));
    expect(() => kf.sign({ ...limit("XBTUSDTM"), timeInForce: "FOK" } as ExchangeOperation, NOW)).toThrow(refusal("UnsupportedOperationError"));
    const body = JSON.parse(kf.sign({ ...market("XBTUSDTM"), reduceOnly: true } as ExchangeOperation, NOW).body ?? "{}") as Record<string, unknown>;
    expect(body.leverage).toBeUndefined();
    expect(body.reduceOnly).toBe(true);
    expect(body.size).toBe(1);
  });

  it("KuCoin generates a fresh 32-hex-digit clientOid when none is given", () => {
    const k = signerFor("kucoin");
    const oid = () => (JSON.parse(k.sign(market("BTC-USDT"), NOW).body ?? "{}") as { clientOid: string }).clientOid;
    const a = oid();
    const b = oid();
    expect(a).toMatch(/^[0-9a-f]{32}$/);
    expect(b).not.toBe(a);
  });

  it("OKX spot market orders are in base currency; derivatives are cross margin", () => {
    const okx = signerFor("okx");
    expect(JSON.parse(okx.sign(market("BTC-USDT"), NOW).body ?? "")).toEqual({ instId: "BTC-USDT", tdMode: "cash", side: "sell", ordType: "market", sz: "1", tgtCcy: "base_ccy" });
    expect(JSON.parse(okx.sign(market("BTC-USD-251226"), NOW).body ?? "")).toEqual({ instId: "BTC-USD-251226", tdMode: "cross", side: "sell", ordType: "market", sz: "1" });
  });

  it.each(["binance", "bybit", "okx", "kucoin"] as const)("%s re-checks what the schema checks (operations that skipped it)", (venue) => {
    const symbol = venue === "okx" || venue === "kucoin" ? "BTC-USDT" : "BTCUSDT";
    const s = signerFor(venue);
    const bad = [
      { type: "place_order", symbol, side: "buy", orderType: "limit", quantity: "1" },
      { type: "place_order", symbol, side: "buy", orderType: "market", quantity: "1", price: "5" },
      { type: "place_order", symbol, side: "buy", orderType: "market", quantity: "1", timeInForce: "IOC" },
      { type: "cancel_order", symbol, orderId: "1", clientOrderId: "x" },
      { type: "cancel_order", symbol },
    ] as unknown as ExchangeOperation[];
    for (const op of bad) expect(() => s.sign(op, NOW)).toThrow(refusal("HmacRequestError", "INVALID_REQUEST"));
  });

  it("refuses a clock value that is not a positive integer", () => {
    for (const now of [0, -1, 1.5, Number.NaN]) expect(() => signerFor("bybit").sign({ type: "get_account" }, now)).toThrow(RangeError);
  });
});

describe("construction, credentials and redaction", () => {
  it("the factory builds each venue's class and refuses the EIP-712 venues", () => {
    expect(signerFor("binance")).toBeInstanceOf(BinanceSigner);
    expect(signerFor("binance_futures")).toBeInstanceOf(BinanceSigner);
    expect(signerFor("bybit")).toBeInstanceOf(BybitSigner);
    expect(signerFor("okx")).toBeInstanceOf(OkxSigner);
    expect(signerFor("kucoin")).toBeInstanceOf(KucoinSigner);
    expect(signerFor("kucoin_futures")).toBeInstanceOf(KucoinSigner);
    for (const venue of ["hyperliquid", "asterdex"] as const) {
      expect(() => createHmacVenueSigner(settingsFor(venue, BASE), CREDS)).toThrow(refusal("VenueConfigError"));
    }
    expect(() => new BybitSigner(settingsFor("okx", BASE), CREDS)).toThrow(refusal("VenueConfigError"));
  });

  it("refuses malformed credentials and settings without repeating them", () => {
    const secretish = "s3cret with spaces";
    const cases: [Venue, Record<string, unknown>][] = [
      ["binance", { apiKey: "k", apiSecret: secretish }],
      ["binance", { apiKey: "", apiSecret: "x" }],
      ["binance", { apiKey: "k", apiSecret: "x", passphrase: "p" }],
      ["okx", { apiKey: "k", apiSecret: "x" }],
      ["kucoin", { apiKey: "k", apiSecret: "x", passphrase: ` ${secretish}` }],
    ];
    for (const [venue, creds] of cases) {
      let caught: unknown;
      try {
        createHmacVenueSigner(settingsFor(venue, BASE), creds as never);
      } catch (err) {
        caught = err;
      }
      expect(caught).toMatchObject({ name: "VenueConfigError" });
      expect(String((caught as Error).message)).not.toContain(secretish);
    }
    expect(() => signerFor("bybit", { baseUrl: "ftp://x" })).toThrow(refusal("VenueConfigError"));
    expect(() => signerFor("bybit", { baseUrl: "https://x.example/?a=1" })).toThrow(refusal("VenueConfigError"));
  });

  it("keeps credentials out of JSON, inspect and string forms; secrets() lists what the scanner needs", () => {
    for (const venue of ["binance", "binance_futures", "bybit", "okx", "kucoin", "kucoin_futures"] as const) {
      const s = signerFor(venue);
      for (const text of [JSON.stringify(s), inspect(s, { depth: 10, showHidden: true }), String(s), JSON.stringify(Object.entries(s))]) {
        expect(text).not.toContain(CREDS.apiSecret);
        expect(text).not.toContain(CREDS.passphrase);
        expect(text).not.toContain(CREDS.apiKey);
      }
      const expected = venue === "kucoin" || venue === "kucoin_futures" ? [CREDS.apiSecret, CREDS.passphrase] : [CREDS.apiSecret];
      expect(s.secrets()).toEqual(expected);
    }
  });

  it("OKX sends the passphrase itself (by OKX's design) and nothing else secret; KuCoin never sends it", () => {
    const okx = signerFor("okx").sign({ type: "get_account" }, NOW);
    expect(okx.headers["OK-ACCESS-PASSPHRASE"]).toBe(CREDS.passphrase);
    const kc = signerFor("kucoin").sign({ type: "get_account" }, NOW);
    expect(outputText(kc)).not.toContain(CREDS.passphrase);
  });

  it("accepts a base URL with a trailing slash without doubling it", () => {
    expect(signerFor("bybit", { baseUrl: `${BASE}/` }).sign({ type: "get_account" }, NOW).url).toBe(`${BASE}/v5/account/info`);
  });
});

describe("query strings", () => {
  it("percent-encodes per RFC 3986 (UTF-8, upper-case hex, !'()* escaped) and keeps the given order", () => {
    expect(percentEncode("AZaz09-._~")).toBe("AZaz09-._~");
    expect(percentEncode("a b&c=d/e+f")).toBe("a%20b%26c%3Dd%2Fe%2Bf");
    expect(percentEncode("!'()*")).toBe("%21%27%28%29%2A");
    expect(percentEncode("币")).toBe("%E5%B8%81");
    expect(queryString([["z", "1"], ["a", "x y"]])).toBe("z=1&a=x%20y");
    expect(queryString([])).toBe("");
  });
});
