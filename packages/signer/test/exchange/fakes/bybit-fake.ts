import { createHmac, randomUUID } from "node:crypto";
import { fakeVenueServer, type FakeAnswer, type FakeRequest, type FakeVenueServer } from "./evm-fake-http.js";
import {
  FakeOrderBook,
  exceeds,
  formDecode,
  formatDecimal,
  header,
  jsonObject,
  parseDecimal,
  rawPairs,
  safeEqual,
  times,
  type FakeApiKey,
  type FakeOrder,
  type HmacFakeBook,
  type HmacFakeOptions,
} from "./hmac-fake-support.js";

/**
 * A local Bybit V5 (unified account, linear category), written from Bybit's "Integration
 * Guidance / Authentication" documentation and never calling Airlock's signer code:
 * 1. X-BAPI-API-KEY names a registered key (retCode 10003 otherwise);
 * 2. X-BAPI-TIMESTAMP (ms) must satisfy server_time - recv_window <= timestamp <
 *    server_time + 1000, recv_window = X-BAPI-RECV-WINDOW (default 5000) (retCode 10002);
 * 3. X-BAPI-SIGN must be hex HMAC-SHA256(secret, timestamp + apiKey + recvWindow + payload),
 *    payload = the query string as sent (GET) or the raw body (POST) (retCode 10004);
 * 4. POST bodies are JSON objects sent as application/json (retCode 10001 otherwise).
 * Answers are {retCode, retMsg, result, retExtInfo, time} with HTTP 200, errors included, as
 * Bybit V5 answers business and authentication errors. Only category "linear" is served.
 */

export type BybitFake = FakeVenueServer & HmacFakeBook;

class BybitError extends Error {
  constructor(
    readonly retCode: number,
    message: string,
  ) {
    super(message);
  }
}

function fail(retCode: number, msg: string): never {
  throw new BybitError(retCode, msg);
}

const CLIENT_ID = /^[A-Za-z0-9_-]{1,36}$/;
const TIFS = ["GTC", "IOC", "FOK", "PostOnly"];

function stringField(body: Record<string, unknown>, name: string, required: boolean): string | undefined {
  const v = body[name];
  if (v === undefined) return required ? fail(10001, `params error: ${name} is required`) : undefined;
  if (typeof v !== "string" || v === "") fail(10001, `params error: ${name} invalid`);
  return v;
}

function parseQuery(raw: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const [rawName, rawValue] of rawPairs(raw)) {
    const name = formDecode(rawName);
    const value = formDecode(rawValue);
    if (name === undefined || value === undefined || out.has(name)) fail(10001, "params error");
    out.set(name, value);
  }
  return out;
}

export function createBybitFake(options: HmacFakeOptions): BybitFake {
  const keys = new Map<string, FakeApiKey>(options.keys.map((k) => [k.apiKey, k]));
  const symbols = new Set(options.symbols ?? ["BTCUSDT", "ETHUSDT", "BTCPERP"]);
  const quoteBalance = parseDecimal(options.quoteBalance ?? "100000") ?? 0n;
  const markPrice = parseDecimal(options.markPrice ?? "50000") ?? 0n;
  const book = new FakeOrderBook(() => randomUUID());

  const symbolOf = (value: string | undefined): string => {
    if (value === undefined) return fail(10001, "params error: symbol is required");
    if (!symbols.has(value)) fail(10001, "params error: symbol invalid");
    return value;
  };
  const linear = (value: unknown): void => {
    if (value === undefined) fail(10001, "params error: category is required");
    if (value !== "linear") fail(10001, "params error: Illegal category");
  };
  /** Orders of a read: by symbol, or by settle coin (symbols quoted in it). */
  const scopeOf = (q: Map<string, string>): ((symbol: string) => boolean) => {
    const symbol = q.get("symbol");
    if (symbol !== undefined) return (s) => s === symbolOf(symbol);
    const settle = q.get("settleCoin");
    if (settle !== undefined) return (s) => s.endsWith(settle);
    return fail(10001, "params error: symbol or settleCoin is required");
  };

  const orderView = (o: FakeOrder) => ({
    orderId: o.orderId,
    orderLinkId: o.clientOrderId,
    symbol: o.symbol,
    price: o.price ?? "0",
    qty: o.quantity,
    side: o.side === "buy" ? "Buy" : "Sell",
    positionIdx: 0,
    orderStatus: { open: "New", filled: "Filled", canceled: "Cancelled", expired: "Cancelled" }[o.status],
    orderType: o.type === "market" ? "Market" : "Limit",
    timeInForce: o.timeInForce,
    reduceOnly: o.reduceOnly,
    leavesQty: o.status === "open" ? o.quantity : "0",
    cumExecQty: o.status === "filled" ? o.quantity : "0",
    createdTime: String(o.createdMs),
    updatedTime: String(o.updatedMs),
  });

  const create = (apiKey: string, b: Record<string, unknown>, nowMs: number) => {
    linear(b.category);
    const symbol = symbolOf(stringField(b, "symbol", true));
    const side = stringField(b, "side", true);
    if (side !== "Buy" && side !== "Sell") fail(10001, "params error: side invalid");
    const orderType = stringField(b, "orderType", true);
    if (orderType !== "Market" && orderType !== "Limit") fail(10001, "params error: orderType invalid");
    const qtyText = stringField(b, "qty", true) ?? "";
    const qty = parseDecimal(qtyText);
    if (qty === undefined || qty === 0n) fail(10001, "params error: qty invalid");
    // Bybit ignores price and timeInForce on market orders (they run IOC).
    const priceText = orderType === "Limit" ? stringField(b, "price", true) : undefined;
    const price = priceText === undefined ? undefined : parseDecimal(priceText);
    if (priceText !== undefined && (price === undefined || price === 0n)) fail(10001, "params error: price invalid");
    const tif = orderType === "Market" ? "IOC" : (stringField(b, "timeInForce", false) ?? "GTC");
    if (!TIFS.includes(tif)) fail(10001, "params error: timeInForce invalid");
    if (b.reduceOnly !== undefined && typeof b.reduceOnly !== "boolean") fail(10001, "params error: reduceOnly invalid");
    const linkId = stringField(b, "orderLinkId", false) ?? "";
    if (linkId !== "" && !CLIENT_ID.test(linkId)) fail(10001, "params error: orderLinkId invalid");
    if (linkId !== "" && book.all(apiKey).some((o) => o.clientOrderId === linkId)) fail(110072, "OrderLinkedID is duplicate");
    if (exceeds(qty, price ?? markPrice, quoteBalance)) fail(110007, "ab not enough for new order");
    const order = book.place(
      apiKey,
      { clientOrderId: linkId, symbol, side: side === "Buy" ? "buy" : "sell", type: orderType === "Market" ? "market" : "limit", quantity: qtyText, price: priceText, timeInForce: tif, postOnly: tif === "PostOnly", reduceOnly: b.reduceOnly === true },
      tif === "IOC" || tif === "FOK",
      nowMs,
    );
    return { orderId: order.orderId, orderLinkId: order.clientOrderId };
  };

  const cancel = (apiKey: string, b: Record<string, unknown>, nowMs: number) => {
    linear(b.category);
    const symbol = symbolOf(stringField(b, "symbol", true));
    const orderId = stringField(b, "orderId", false);
    const orderLinkId = stringField(b, "orderLinkId", false);
    if (orderId === undefined && orderLinkId === undefined) fail(10001, "params error: orderId or orderLinkId is required");
    const order = orderId !== undefined ? book.findOpen(apiKey, { orderId }, symbol) : book.findOpen(apiKey, { clientOrderId: orderLinkId }, symbol);
    if (order === undefined) fail(110001, "order not exists or too late to cancel");
    book.cancel(order, nowMs);
    return { orderId: order.orderId, orderLinkId: order.clientOrderId };
  };

  const positions = (apiKey: string, inScope: (symbol: string) => boolean, named: string | undefined, nowMs: number) => {
    const net = book.positions(apiKey);
    const list = [...net.keys()].filter(inScope);
    if (named !== undefined && !list.includes(named)) list.push(named);
    return list.map((symbol) => {
      const size = net.get(symbol) ?? 0n;
      const abs = size < 0n ? -size : size;
      return {
        positionIdx: 0,
        symbol,
        side: size > 0n ? "Buy" : size < 0n ? "Sell" : "",
        size: formatDecimal(abs),
        avgPrice: size === 0n ? "0" : formatDecimal(markPrice),
        positionValue: formatDecimal(times(abs, markPrice)),
        leverage: "10",
        markPrice: formatDecimal(markPrice),
        unrealisedPnl: "0",
        positionStatus: "Normal",
        tradeMode: 0,
        createdTime: String(nowMs),
        updatedTime: String(nowMs),
      };
    });
  };

  const run = (route: string, apiKey: string, q: Map<string, string>, b: Record<string, unknown>, nowMs: number): unknown => {
    switch (route) {
      case "POST /v5/order/create":
        return create(apiKey, b, nowMs);
      case "POST /v5/order/cancel":
        return cancel(apiKey, b, nowMs);
      case "POST /v5/order/cancel-all": {
        linear(b.category);
        const cancelled = book.cancelAll(apiKey, symbolOf(stringField(b, "symbol", true)), nowMs);
        return { list: cancelled.map((o) => ({ orderId: o.orderId, orderLinkId: o.clientOrderId })), success: "1" };
      }
      case "GET /v5/account/info":
        return { unifiedMarginStatus: 5, marginMode: "REGULAR_MARGIN", isMasterTrader: false, spotHedgingStatus: "OFF", updatedTime: String(nowMs) };
      case "GET /v5/account/wallet-balance": {
        const accountType = q.get("accountType");
        if (accountType === undefined) fail(10001, "params error: accountType is required");
        if (accountType !== "UNIFIED") fail(10001, "accountType only support UNIFIED.");
        const b = formatDecimal(quoteBalance);
        const coin = { coin: "USDT", equity: b, usdValue: b, walletBalance: b, locked: "0", unrealisedPnl: "0", cumRealisedPnl: "0", borrowAmount: "0", marginCollateral: true, collateralSwitch: true };
        return { list: [{ accountType: "UNIFIED", totalEquity: b, totalWalletBalance: b, totalMarginBalance: b, totalAvailableBalance: b, totalPerpUPL: "0", totalInitialMargin: "0", totalMaintenanceMargin: "0", accountIMRate: "0", accountMMRate: "0", accountLTV: "0", coin: [coin] }] };
      }
      case "GET /v5/position/list": {
        linear(q.get("category"));
        const named = q.get("symbol");
        return { list: positions(apiKey, scopeOf(q), named, nowMs), nextPageCursor: "", category: "linear" };
      }
      case "GET /v5/order/realtime": {
        linear(q.get("category"));
        const inScope = scopeOf(q);
        return { list: book.open(apiKey).filter((o) => inScope(o.symbol)).map(orderView), nextPageCursor: "", category: "linear" };
      }
      default:
        return fail(10001, "params error");
    }
  };

  const ROUTES = new Set(["POST /v5/order/create", "POST /v5/order/cancel", "POST /v5/order/cancel-all", "GET /v5/account/info", "GET /v5/account/wallet-balance", "GET /v5/position/list", "GET /v5/order/realtime"]);

  const handle = (req: FakeRequest, nowMs: number): FakeAnswer => {
    const route = `${req.method} ${req.path}`;
    if (!ROUTES.has(route)) return { status: 404, body: "404 page not found", accepted: false };
    try {
      const apiKey = header(req.headers, "x-bapi-api-key");
      const key = apiKey === undefined ? undefined : keys.get(apiKey);
      if (key === undefined) fail(10003, "API key is invalid.");
      const timestampText = header(req.headers, "x-bapi-timestamp") ?? "";
      const recvText = header(req.headers, "x-bapi-recv-window") ?? "5000";
      const signType = header(req.headers, "x-bapi-sign-type");
      if (signType !== undefined && signType !== "2") fail(10004, "Error sign, please check your signature generation algorithm.");
      const payload = req.method === "GET" ? req.query : req.body;
      const expected = createHmac("sha256", key.apiSecret).update(`${timestampText}${key.apiKey}${recvText}${payload}`, "utf8").digest("hex");
      if (!safeEqual(expected, (header(req.headers, "x-bapi-sign") ?? "").toLowerCase())) fail(10004, "Error sign, please check your signature generation algorithm.");
      if (!/^[0-9]{1,16}$/.test(timestampText) || !/^[0-9]{1,7}$/.test(recvText)) fail(10002, "invalid request, please check your timestamp or recv_window param");
      const timestamp = Number(timestampText);
      const recvWindow = Number(recvText);
      if (!(nowMs - recvWindow <= timestamp && timestamp < nowMs + 1000)) {
        fail(10002, `invalid request, please check your server timestamp or recv_window param. req_timestamp[${timestamp}],server_timestamp[${nowMs}],recv_window[${recvWindow}]`);
      }
      let body: Record<string, unknown> = {};
      if (req.method === "POST") {
        if (!(header(req.headers, "content-type") ?? "").startsWith("application/json")) fail(10001, "params error: content-type must be application/json");
        body = jsonObject(req.body) ?? fail(10001, "params error: request body is not JSON");
      }
      const result = run(route, key.apiKey, parseQuery(req.query), body, nowMs);
      return { status: 200, body: { retCode: 0, retMsg: "OK", result, retExtInfo: {}, time: nowMs }, accepted: true };
    } catch (err) {
      if (err instanceof BybitError) return { status: 200, body: { retCode: err.retCode, retMsg: err.message, result: {}, retExtInfo: {}, time: nowMs }, accepted: false };
      throw err;
    }
  };

  return Object.assign(fakeVenueServer(handle), { orders: (apiKey: string) => [...book.all(apiKey)] });
}
