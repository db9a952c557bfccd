import { createHmac } from "node:crypto";
import { fakeVenueServer, type FakeAnswer, type FakeRequest, type FakeVenueServer } from "./evm-fake-http.js";
import {
  FakeOrderBook,
  exceeds,
  formDecode,
  formatDecimal,
  header,
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
 * A local Binance (spot API v3 or USD-M futures), written from Binance's "SIGNED (TRADE,
 * USER_DATA) Endpoint security" documentation and never calling Airlock's signer code:
 * 1. the API key comes from the X-MBX-APIKEY header (-2014 when absent, -2015 when unknown);
 * 2. parameters come from the query string and an application/x-www-form-urlencoded body; a
 *    repeated parameter is -1101;
 * 3. totalParams = the query string as sent, then the body as sent, each without its
 *    `signature=` pair; `signature` must be hex HMAC-SHA256(secret, totalParams) (-1022);
 * 4. timestamp must satisfy serverTime - recvWindow <= timestamp < serverTime + 1000 (-1021),
 *    recvWindow (default 5000) at most 60000 (-1131);
 * 5. a parameter the endpoint does not read is -1104; then the endpoint runs in memory.
 * Errors are {"code": -NNNN, "msg": "..."} with Binance's texts; the order book is per API key.
 */

export type BinanceProduct = "spot" | "futures";

export interface BinanceFakeOptions extends HmacFakeOptions {
  readonly product: BinanceProduct;
}

export type BinanceFake = FakeVenueServer & HmacFakeBook;

class BinanceError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

function fail(status: number, code: number, msg: string): never {
  throw new BinanceError(status, code, msg);
}

function mandatory(name: string): never {
  return fail(400, -1102, `Mandatory parameter '${name}' was not sent, was empty/null, or malformed.`);
}

function notRequired(name: string): never {
  return fail(400, -1106, `Parameter '${name}' sent when not required.`);
}
const AUTH = ["timestamp", "recvWindow", "signature"];
const DECIMAL_RANGE = "^([0-9]{1,20})(\\.[0-9]{1,20})?$";
const CLIENT_ID = /^[.A-Z:/a-z0-9_-]{1,36}$/;

/** Parameters each endpoint reads (besides timestamp, recvWindow, signature). */
const ENDPOINTS: Readonly<Record<BinanceProduct, Readonly<Record<string, readonly string[]>>>> = {
  spot: {
    "POST /api/v3/order": ["symbol", "side", "type", "timeInForce", "quantity", "quoteOrderQty", "price", "newClientOrderId", "newOrderRespType"],
    "DELETE /api/v3/order": ["symbol", "orderId", "origClientOrderId", "newClientOrderId"],
    "DELETE /api/v3/openOrders": ["symbol"],
    "GET /api/v3/account": ["omitZeroBalances"],
    "GET /api/v3/openOrders": ["symbol"],
  },
  futures: {
    "POST /fapi/v1/order": ["symbol", "side", "positionSide", "type", "timeInForce", "quantity", "reduceOnly", "price", "newClientOrderId", "newOrderRespType"],
    "DELETE /fapi/v1/order": ["symbol", "orderId", "origClientOrderId"],
    "DELETE /fapi/v1/allOpenOrders": ["symbol"],
    "GET /fapi/v2/account": [],
    "GET /fapi/v2/balance": [],
    "GET /fapi/v2/positionRisk": ["symbol"],
    "GET /fapi/v1/openOrders": ["symbol"],
  },
};

/** Splits a raw parameter string into decoded pairs and the raw string without the signature pair. */
function parseParams(raw: string): { pairs: [string, string][]; unsigned: string; signature: string | undefined } {
  const pairs: [string, string][] = [];
  const kept: string[] = [];
  let signature: string | undefined;
  for (const [rawName, rawValue] of rawPairs(raw)) {
    const name = formDecode(rawName);
    const value = formDecode(rawValue);
    if (name === undefined || value === undefined) fail(400, -1100, "Illegal characters found in a parameter.");
    if (name === "signature") {
      if (signature !== undefined) fail(400, -1101, "Duplicate values for a parameter detected.");
      signature = value;
    } else {
      kept.push(`${rawName}=${rawValue}`);
    }
    pairs.push([name, value]);
  }
  return { pairs, unsigned: kept.join("&"), signature };
}

/** A Binance-style integer parameter (digits only). */
function integerParam(value: string | undefined, name: string): number {
  if (value === undefined || !/^[0-9]{1,16}$/.test(value)) return mandatory(name);
  return Number(value);
}

export function createBinanceFake(options: BinanceFakeOptions): BinanceFake {
  const product = options.product;
  const keys = new Map<string, FakeApiKey>(options.keys.map((k) => [k.apiKey, k]));
  const symbols = new Set(options.symbols ?? ["BTCUSDT", "ETHUSDT"]);
  const quoteBalance = parseDecimal(options.quoteBalance ?? "100000") ?? 0n;
  const markPrice = parseDecimal(options.markPrice ?? "50000") ?? 0n;
  let seq = 1_000_000;
  const book = new FakeOrderBook(() => String(++seq));
  let clientSeq = 0;

  const spotOrder = (o: FakeOrder): Record<string, unknown> => {
    const filled = o.status === "filled";
    const qty = parseDecimal(o.quantity) ?? 0n;
    return {
      symbol: o.symbol,
      orderId: Number(o.orderId),
      orderListId: -1,
      clientOrderId: o.clientOrderId,
      price: o.price ?? "0.00000000",
      origQty: o.quantity,
      executedQty: filled ? o.quantity : "0.00000000",
      cummulativeQuoteQty: filled ? formatDecimal(times(qty, markPrice), 8) : "0.00000000",
      status: { open: "NEW", filled: "FILLED", canceled: "CANCELED", expired: "EXPIRED" }[o.status],
      timeInForce: o.timeInForce,
      type: o.type === "market" ? "MARKET" : o.postOnly ? "LIMIT_MAKER" : "LIMIT",
      side: o.side === "buy" ? "BUY" : "SELL",
      time: o.createdMs,
      updateTime: o.updatedMs,
      workingTime: o.createdMs,
      selfTradePreventionMode: "EXPIRE_MAKER",
    };
  };

  const futuresOrder = (o: FakeOrder): Record<string, unknown> => {
    const filled = o.status === "filled";
    const qty = parseDecimal(o.quantity) ?? 0n;
    const type = o.type === "market" ? "MARKET" : "LIMIT";
    return {
      orderId: Number(o.orderId),
      symbol: o.symbol,
      status: { open: "NEW", filled: "FILLED", canceled: "CANCELED", expired: "EXPIRED" }[o.status],
      clientOrderId: o.clientOrderId,
      price: o.price ?? "0",
      avgPrice: filled ? formatDecimal(markPrice) : "0.00",
      origQty: o.quantity,
      executedQty: filled ? o.quantity : "0",
      cumQty: filled ? o.quantity : "0",
      cumQuote: filled ? formatDecimal(times(qty, markPrice)) : "0",
      timeInForce: o.timeInForce,
      type,
      reduceOnly: o.reduceOnly,
      closePosition: false,
      side: o.side === "buy" ? "BUY" : "SELL",
      positionSide: "BOTH",
      stopPrice: "0",
      workingType: "CONTRACT_PRICE",
      priceProtect: false,
      origType: type,
      priceMatch: "NONE",
      selfTradePreventionMode: "NONE",
      goodTillDate: 0,
      updateTime: o.updatedMs,
    };
  };
  const orderView = product === "spot" ? spotOrder : futuresOrder;

  const symbolOf = (value: string | undefined): string => {
    if (value === undefined || value === "") return mandatory("symbol");
    if (!symbols.has(value)) fail(400, -1121, "Invalid symbol.");
    return value;
  };

  const newOrder = (apiKey: string, p: Map<string, string>, nowMs: number): unknown => {
    const symbol = symbolOf(p.get("symbol"));
    const side = p.get("side") ?? mandatory("side");
    if (side !== "BUY" && side !== "SELL") fail(400, -1117, "Invalid side.");
    const type = p.get("type") ?? mandatory("type");
    const types = product === "spot" ? ["MARKET", "LIMIT", "LIMIT_MAKER"] : ["MARKET", "LIMIT"];
    if (!types.includes(type)) fail(400, -1116, "Invalid orderType.");
    const quantityText = p.get("quantity") ?? mandatory("quantity");
    const quantity = parseDecimal(quantityText);
    if (quantity === undefined) fail(400, -1100, `Illegal characters found in parameter 'quantity'; legal range is '${DECIMAL_RANGE}'.`);
    if (quantity === 0n) fail(400, -1013, "Invalid quantity.");
    const priceText = p.get("price");
    const tif = p.get("timeInForce");
    if (type === "MARKET") {
      if (priceText !== undefined) notRequired("price");
      if (tif !== undefined) notRequired("timeInForce");
    } else {
      if (priceText === undefined) mandatory("price");
      if (type === "LIMIT" && tif === undefined) mandatory("timeInForce");
      if (type === "LIMIT_MAKER" && tif !== undefined) notRequired("timeInForce");
    }
    const tifs = product === "spot" ? ["GTC", "IOC", "FOK"] : ["GTC", "IOC", "FOK", "GTX"];
    if (tif !== undefined && !tifs.includes(tif)) fail(400, -1115, "Invalid timeInForce.");
    const price = priceText === undefined ? undefined : parseDecimal(priceText);
    if (priceText !== undefined && price === undefined) fail(400, -1100, `Illegal characters found in parameter 'price'; legal range is '${DECIMAL_RANGE}'.`);
    const reduceOnlyText = p.get("reduceOnly");
    if (reduceOnlyText !== undefined && reduceOnlyText !== "true" && reduceOnlyText !== "false") fail(400, -1130, "Data sent for parameter 'reduceOnly' is not valid.");
    const clientOrderId = p.get("newClientOrderId") ?? `fakeBinance${++clientSeq}`;
    if (!CLIENT_ID.test(clientOrderId)) fail(400, -1100, "Illegal characters found in parameter 'newClientOrderId'; legal range is '^[\\.A-Z\\:/a-z0-9_-]{1,36}$'.");
    if (book.findOpen(apiKey, { clientOrderId }) !== undefined) {
      if (product === "spot") fail(400, -2010, "Duplicate order sent.");
      fail(400, -4116, "ClientOrderId is duplicated.");
    }
    if (exceeds(quantity, price ?? markPrice, quoteBalance)) {
      if (product === "spot") fail(400, -2010, "Account has insufficient balance for requested action.");
      fail(400, -2019, "Margin is insufficient.");
    }
    const timeInForce = type === "MARKET" ? "GTC" : type === "LIMIT_MAKER" ? "GTC" : (tif ?? "GTC");
    const order = book.place(
      apiKey,
      {
        clientOrderId,
        symbol,
        side: side === "BUY" ? "buy" : "sell",
        type: type === "MARKET" ? "market" : "limit",
        quantity: quantityText,
        price: priceText,
        timeInForce,
        postOnly: type === "LIMIT_MAKER" || tif === "GTX",
        reduceOnly: reduceOnlyText === "true",
      },
      tif === "IOC" || tif === "FOK",
      nowMs,
    );
    const view = orderView(order);
    return product === "spot" ? { ...view, transactTime: nowMs, fills: [] } : view;
  };

  const cancelOrder = (apiKey: string, p: Map<string, string>, nowMs: number): unknown => {
    const symbol = symbolOf(p.get("symbol"));
    const orderId = p.get("orderId");
    const clientOrderId = p.get("origClientOrderId");
    if (orderId === undefined && clientOrderId === undefined) fail(400, -1102, "Param 'origClientOrderId' or 'orderId' must be sent, but both were empty/null!");
    const order = orderId !== undefined ? book.findOpen(apiKey, { orderId }, symbol) : book.findOpen(apiKey, { clientOrderId }, symbol);
    if (order === undefined) fail(400, -2011, "Unknown order sent.");
    const view = orderView(book.cancel(order, nowMs));
    return product === "spot" ? { ...view, origClientOrderId: order.clientOrderId, transactTime: nowMs } : view;
  };

  const balances = () => [
    { asset: "USDT", free: formatDecimal(quoteBalance, 8), locked: "0.00000000" },
    { asset: "BTC", free: "1.00000000", locked: "0.00000000" },
  ];

  const positions = (apiKey: string, symbol: string | undefined, nowMs: number) => {
    const net = book.positions(apiKey);
    const list = symbol === undefined ? [...net.keys()] : [symbol];
    return list.map((s) => {
      const amount = net.get(s) ?? 0n;
      return {
        symbol: s,
        positionAmt: formatDecimal(amount, 3),
        entryPrice: amount === 0n ? "0.0" : formatDecimal(markPrice, 1),
        breakEvenPrice: "0.0",
        markPrice: formatDecimal(markPrice, 8),
        unRealizedProfit: "0.00000000",
        liquidationPrice: "0",
        leverage: "20",
        maxNotionalValue: "25000000",
        marginType: "cross",
        isolatedMargin: "0.00000000",
        isAutoAddMargin: "false",
        positionSide: "BOTH",
        notional: formatDecimal(times(amount, markPrice)),
        isolatedWallet: "0",
        updateTime: nowMs,
      };
    });
  };

  const futuresBalance = (nowMs: number) => {
    const b = formatDecimal(quoteBalance, 8);
    return [{ accountAlias: "SgsRmYFzAuXq", asset: "USDT", balance: b, crossWalletBalance: b, crossUnPnl: "0.00000000", availableBalance: b, maxWithdrawAmount: b, marginAvailable: true, updateTime: nowMs }];
  };

  const run = (route: string, apiKey: string, p: Map<string, string>, nowMs: number): unknown => {
    switch (route) {
      case "POST /api/v3/order":
      case "POST /fapi/v1/order":
        return newOrder(apiKey, p, nowMs);
      case "DELETE /api/v3/order":
      case "DELETE /fapi/v1/order":
        return cancelOrder(apiKey, p, nowMs);
      case "DELETE /api/v3/openOrders": {
        const cancelled = book.cancelAll(apiKey, symbolOf(p.get("symbol")), nowMs);
        if (cancelled.length === 0) fail(400, -2011, "Unknown order sent.");
        return cancelled.map((o) => ({ ...spotOrder(o), origClientOrderId: o.clientOrderId, transactTime: nowMs }));
      }
      case "DELETE /fapi/v1/allOpenOrders":
        book.cancelAll(apiKey, symbolOf(p.get("symbol")), nowMs);
        return { code: 200, msg: "The operation of cancel all open order is done." };
      case "GET /api/v3/openOrders":
      case "GET /fapi/v1/openOrders": {
        const symbol = p.has("symbol") ? symbolOf(p.get("symbol")) : undefined;
        return book.open(apiKey, symbol).map(orderView);
      }
      case "GET /api/v3/account":
        return {
          makerCommission: 10,
          takerCommission: 10,
          buyerCommission: 0,
          sellerCommission: 0,
          commissionRates: { maker: "0.00100000", taker: "0.00100000", buyer: "0.00000000", seller: "0.00000000" },
          canTrade: true,
          canWithdraw: true,
          canDeposit: true,
          brokered: false,
          requireSelfTradePrevention: false,
          preventSor: false,
          updateTime: nowMs,
          accountType: "SPOT",
          balances: balances(),
          permissions: ["SPOT"],
          uid: 354937868,
        };
      case "GET /fapi/v2/balance":
        return futuresBalance(nowMs);
      case "GET /fapi/v2/positionRisk":
        return positions(apiKey, p.has("symbol") ? symbolOf(p.get("symbol")) : undefined, nowMs);
      case "GET /fapi/v2/account": {
        const b = formatDecimal(quoteBalance, 8);
        return {
          feeTier: 0,
          canTrade: true,
          canDeposit: true,
          canWithdraw: true,
          updateTime: 0,
          multiAssetsMargin: false,
          tradeGroupId: -1,
          totalInitialMargin: "0.00000000",
          totalMaintMargin: "0.00000000",
          totalWalletBalance: b,
          totalUnrealizedProfit: "0.00000000",
          totalMarginBalance: b,
          totalPositionInitialMargin: "0.00000000",
          totalOpenOrderInitialMargin: "0.00000000",
          totalCrossWalletBalance: b,
          totalCrossUnPnl: "0.00000000",
          availableBalance: b,
          maxWithdrawAmount: b,
          assets: futuresBalance(nowMs).map(({ asset, balance }) => ({ asset, walletBalance: balance, unrealizedProfit: "0.00000000", marginBalance: balance, availableBalance: balance, updateTime: nowMs })),
          positions: positions(apiKey, undefined, nowMs),
        };
      }
      default:
        return fail(404, -1000, "Not found.");
    }
  };

  const handle = (req: FakeRequest, nowMs: number): FakeAnswer => {
    const route = `${req.method} ${req.path}`;
    const readable = ENDPOINTS[product][route];
    if (readable === undefined) return { status: 404, body: "<html><body><h2>404 Not found</h2></body></html>", accepted: false };
    try {
      const apiKeyHeader = header(req.headers, "x-mbx-apikey");
      if (apiKeyHeader === undefined || apiKeyHeader === "") fail(401, -2014, "API-key format invalid.");
      const key = keys.get(apiKeyHeader);
      if (key === undefined) fail(401, -2015, "Invalid API-key, IP, or permissions for action.");
      const query = parseParams(req.query);
      let body = { pairs: [] as [string, string][], unsigned: "", signature: undefined as string | undefined };
      if (req.body !== "") {
        if (!(header(req.headers, "content-type") ?? "").startsWith("application/x-www-form-urlencoded")) fail(400, -1104, "Not all sent parameters were read.");
        body = parseParams(req.body);
      }
      const params = new Map<string, string>();
      for (const [name, value] of [...query.pairs, ...body.pairs]) {
        if (params.has(name)) fail(400, -1101, "Duplicate values for a parameter detected.");
        params.set(name, value);
      }
      const signature = query.signature ?? body.signature;
      if (signature === undefined || signature === "") mandatory("signature");
      const timestamp = integerParam(params.get("timestamp"), "timestamp");
      const recvWindow = params.has("recvWindow") ? integerParam(params.get("recvWindow"), "recvWindow") : 5000;
      if (recvWindow > 60_000) fail(400, -1131, "recvWindow must be less than 60000");
      const totalParams = `${query.unsigned}${body.unsigned}`;
      const expected = createHmac("sha256", key.apiSecret).update(totalParams, "utf8").digest("hex");
      if (!safeEqual(expected, signature.toLowerCase())) fail(400, -1022, "Signature for this request is not valid.");
      if (timestamp >= nowMs + 1000) fail(400, -1021, "Timestamp for this request was 1000ms ahead of the server's time.");
      if (nowMs - timestamp > recvWindow) fail(400, -1021, "Timestamp for this request is outside of the recvWindow.");
      const read = [...params.keys()].filter((name) => readable.includes(name) || AUTH.includes(name)).length;
      if (read !== params.size) fail(400, -1104, `Not all sent parameters were read; read '${read}' parameter(s) but was sent '${params.size}'.`);
      return { status: 200, body: run(route, key.apiKey, params, nowMs), accepted: true };
    } catch (err) {
      if (err instanceof BinanceError) return { status: err.status, body: { code: err.code, msg: err.message }, accepted: false };
      throw err;
    }
  };

  return Object.assign(fakeVenueServer(handle), { orders: (apiKey: string) => [...book.all(apiKey)] });
}
