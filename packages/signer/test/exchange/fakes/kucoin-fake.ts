import { createHmac } from "node:crypto";
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
  type FakeApiKey,
  type FakeOrder,
  type HmacFakeBook,
  type HmacFakeOptions,
} from "./hmac-fake-support.js";

/**
 * A local KuCoin (spot api.kucoin.com or futures api-futures.kucoin.com), written from KuCoin's
 * "Authentication / Signing a Message" documentation and never calling Airlock's signer code:
 * 1. KC-API-KEY, KC-API-SIGN, KC-API-TIMESTAMP and KC-API-PASSPHRASE are required (400001);
 * 2. the key must exist (400003); the timestamp (epoch ms) must be within 5 s of the server
 *    clock (400002);
 * 3. with KC-API-KEY-VERSION 2 the passphrase header must be base64 HMAC-SHA256(secret,
 *    passphrase), with version 1 (or none) the passphrase itself; these keys are version 2
 *    keys, so anything else fails (400004);
 * 4. KC-API-SIGN must be base64 HMAC-SHA256(secret, timestamp + METHOD + path (with ?query as
 *    sent) + raw body) (400005).
 * Authentication errors are HTTP 401 {"code": "4000xx", "msg"}; business answers are HTTP 200
 * {"code": "200000", "data"} or {"code", "msg"} for a refusal. Futures sizes are whole lots of
 * `multiplier` base units (default 0.001) and orders carry a leverage unless reduce-only.
 */

export type KucoinProduct = "spot" | "futures";

export interface KucoinFakeOptions extends HmacFakeOptions {
  readonly product: KucoinProduct;
  /** Futures: base units per lot (default 0.001). */
  readonly multiplier?: string;
}

export type KucoinFake = FakeVenueServer & HmacFakeBook;

class KucoinError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function fail(status: number, code: string, msg: string): never {
  throw new KucoinError(status, code, msg);
}

function refuse(msg: string): never {
  return fail(200, "400100", msg);
}
const TIMESTAMP_WINDOW_MS = 5_000;
const CLIENT_OID = /^[A-Za-z0-9_-]{1,40}$/;

function stringField(b: Record<string, unknown>, name: string): string | undefined {
  const v = b[name];
  if (v === undefined) return undefined;
  return typeof v === "string" && v !== "" ? v : refuse(`${name} is invalid`);
}

function booleanField(b: Record<string, unknown>, name: string): boolean {
  const v = b[name];
  if (v === undefined) return false;
  return typeof v === "boolean" ? v : refuse(`${name} is invalid`);
}

/** A positive whole number given as a JSON number or a digit string. */
function wholeNumber(v: unknown): number | undefined {
  if (typeof v === "number" && Number.isSafeInteger(v) && v > 0) return v;
  if (typeof v === "string" && /^[1-9][0-9]{0,8}$/.test(v)) return Number(v);
  return undefined;
}

function hex24(n: number): string {
  return n.toString(16).padStart(24, "0");
}

export function createKucoinFake(options: KucoinFakeOptions): KucoinFake {
  const product = options.product;
  const keys = new Map<string, FakeApiKey>(options.keys.map((k) => [k.apiKey, k]));
  const symbols = new Set(options.symbols ?? (product === "spot" ? ["BTC-USDT", "ETH-USDT"] : ["XBTUSDTM", "ETHUSDTM"]));
  const quoteBalance = parseDecimal(options.quoteBalance ?? "100000") ?? 0n;
  const markPrice = parseDecimal(options.markPrice ?? "50000") ?? 0n;
  const multiplier = parseDecimal(options.multiplier ?? "0.001") ?? 0n;
  let seq = 0x65f0_0000;
  const book = new FakeOrderBook(() => hex24(++seq));
  const leverages = new Map<string, number>();

  const symbolOf = (value: string | undefined): string => {
    if (value === undefined) return refuse("symbol is required");
    if (!symbols.has(value)) fail(200, product === "spot" ? "400100" : "100001", product === "spot" ? "Unsupported trading pair." : "Contract does not exist.");
    return value;
  };

  const place = (apiKey: string, b: Record<string, unknown>, nowMs: number) => {
    const clientOid = stringField(b, "clientOid") ?? refuse("clientOid is required");
    if (!CLIENT_OID.test(clientOid)) refuse("clientOid is invalid");
    const side = stringField(b, "side");
    if (side !== "buy" && side !== "sell") return refuse("side is invalid");
    const symbol = symbolOf(stringField(b, "symbol"));
    const type = stringField(b, "type") ?? "limit";
    if (type !== "limit" && type !== "market") refuse("type is invalid");
    const priceText = type === "limit" ? (stringField(b, "price") ?? refuse("price is required")) : undefined;
    const price = priceText === undefined ? undefined : parseDecimal(priceText);
    if (priceText !== undefined && (price === undefined || price === 0n)) refuse("price is invalid");
    const tif = stringField(b, "timeInForce") ?? "GTC";
    if (!(product === "spot" ? ["GTC", "GTT", "IOC", "FOK"] : ["GTC", "IOC"]).includes(tif)) refuse("timeInForce is invalid");
    const postOnly = booleanField(b, "postOnly");
    if (postOnly && (type === "market" || tif === "IOC" || tif === "FOK")) refuse("postOnly is invalid");
    const reduceOnly = booleanField(b, "reduceOnly");
    let quantityText: string;
    let notionalQty: bigint;
    if (product === "spot") {
      if (b.reduceOnly !== undefined || b.leverage !== undefined) refuse("Unsupported parameter");
      quantityText = stringField(b, "size") ?? refuse("size is required");
      notionalQty = parseDecimal(quantityText) ?? refuse("size is invalid");
      if (notionalQty === 0n) refuse("size is invalid");
    } else {
      const lots = wholeNumber(b.size) ?? refuse("size is invalid");
      const leverage = b.leverage === undefined ? undefined : wholeNumber(b.leverage);
      if (b.leverage !== undefined && (leverage === undefined || leverage > 125)) refuse("leverage is invalid");
      if (leverage === undefined && !reduceOnly) refuse("leverage is required");
      if (leverage !== undefined) leverages.set(`${apiKey} ${symbol}`, leverage);
      quantityText = String(lots);
      notionalQty = (BigInt(lots) * multiplier) / BigInt(leverage ?? 1);
    }
    if (book.all(apiKey).some((o) => o.clientOrderId === clientOid)) refuse("clientOid is duplicated");
    if (exceeds(notionalQty, price ?? markPrice, quoteBalance)) {
      if (product === "spot") fail(200, "200004", "Balance insufficient!");
      fail(200, "300003", "Balance insufficient");
    }
    const order = book.place(apiKey, { clientOrderId: clientOid, symbol, side, type, quantity: quantityText, price: priceText, timeInForce: tif, postOnly, reduceOnly }, tif === "IOC" || tif === "FOK", nowMs);
    return product === "spot" ? { orderId: order.orderId } : { orderId: order.orderId, clientOid };
  };

  const cancelled = (o: FakeOrder | undefined, nowMs: number): FakeOrder => {
    if (o === undefined) return product === "spot" ? refuse("order_not_exist_or_not_allow_to_cancel") : fail(200, "100004", "The order cannot be canceled.");
    return book.cancel(o, nowMs);
  };

  const orderView = (o: FakeOrder) =>
    product === "spot"
      ? { id: o.orderId, clientOid: o.clientOrderId, symbol: o.symbol, opType: "DEAL", type: o.type, side: o.side, price: o.price ?? "0", size: o.quantity, funds: "0", dealFunds: "0", dealSize: "0", fee: "0", feeCurrency: "USDT", stp: "", timeInForce: o.timeInForce, postOnly: o.postOnly, hidden: false, iceberg: false, cancelAfter: 0, channel: "API", isActive: o.status === "open", cancelExist: o.status === "canceled", createdAt: o.createdMs, tradeType: "TRADE" }
      : { id: o.orderId, clientOid: o.clientOrderId, symbol: o.symbol, type: o.type, side: o.side, price: o.price ?? "0", size: Number(o.quantity), dealSize: 0, stp: "", timeInForce: o.timeInForce, postOnly: o.postOnly, reduceOnly: o.reduceOnly, isActive: o.status === "open", status: o.status === "open" ? "open" : "done", createdAt: o.createdMs, updatedAt: o.updatedMs, settleCurrency: "USDT" };

  const page = (items: unknown[]) => ({ currentPage: 1, pageSize: 50, totalNum: items.length, totalPage: 1, items });

  const positionView = (apiKey: string, symbol: string, qty: bigint, nowMs: number) => {
    const lots = Number(qty / 10n ** 18n);
    return { id: `${symbol}-pos`, symbol, crossMode: false, autoDeposit: false, realLeverage: leverages.get(`${apiKey} ${symbol}`) ?? 1, openingTimestamp: nowMs, currentTimestamp: nowMs, currentQty: lots, markPrice: Number(formatDecimal(markPrice)), isOpen: lots !== 0, settleCurrency: "USDT" };
  };

  const run = (method: string, path: string, apiKey: string, q: Map<string, string>, b: Record<string, unknown>, nowMs: number): unknown => {
    const bal = formatDecimal(quoteBalance);
    const byId = /^\/api\/v1\/orders\/([0-9A-Za-z]{1,40})$/.exec(path);
    const byClient = (product === "spot" ? /^\/api\/v1\/order\/client-order\/([A-Za-z0-9_-]{1,40})$/ : /^\/api\/v1\/orders\/client-order\/([A-Za-z0-9_-]{1,40})$/).exec(path);
    if (method === "POST" && path === "/api/v1/orders") return place(apiKey, b, nowMs);
    if (method === "DELETE" && byClient !== null) {
      const symbol = product === "futures" ? symbolOf(q.get("symbol")) : undefined;
      const o = cancelled(book.findOpen(apiKey, { clientOrderId: byClient[1] ?? "" }, symbol), nowMs);
      return product === "spot" ? { cancelledOrderId: o.orderId, clientOid: o.clientOrderId } : { clientOid: o.clientOrderId };
    }
    if (method === "DELETE" && byId !== null) return { cancelledOrderIds: [cancelled(book.findOpen(apiKey, { orderId: byId[1] ?? "" }), nowMs).orderId] };
    if (method === "DELETE" && path === "/api/v1/orders") {
      const symbol = q.has("symbol") ? symbolOf(q.get("symbol")) : undefined;
      return { cancelledOrderIds: book.cancelAll(apiKey, symbol, nowMs).map((o) => o.orderId) };
    }
    if (method === "GET" && path === "/api/v1/orders") {
      const status = q.get("status");
      if (status !== undefined && status !== "active" && status !== "done") refuse("status is invalid");
      const symbol = q.has("symbol") ? symbolOf(q.get("symbol")) : undefined;
      const orders = book.all(apiKey).filter((o) => (symbol === undefined || o.symbol === symbol) && (status === undefined || (status === "active") === (o.status === "open")));
      return page(orders.map(orderView));
    }
    if (product === "spot" && method === "GET" && path === "/api/v1/accounts") {
      return [
        { id: "5bd6e9286d99522a52e458de", currency: "USDT", type: "trade", balance: bal, available: bal, holds: "0" },
        { id: "5bd6e9216d99522a52e458d6", currency: "BTC", type: "trade", balance: "1", available: "1", holds: "0" },
      ];
    }
    if (product === "futures" && method === "GET" && path === "/api/v1/account-overview") {
      const currency = q.get("currency") ?? "XBT";
      const amount = currency === "USDT" ? Number(bal) : 0;
      return { accountEquity: amount, unrealisedPNL: 0, marginBalance: amount, positionMargin: 0, orderMargin: 0, frozenFunds: 0, availableBalance: amount, currency, riskRatio: 0, maxWithdrawAmount: amount };
    }
    if (product === "futures" && method === "GET" && path === "/api/v1/positions") {
      return [...book.positions(apiKey).entries()].map(([symbol, qty]) => positionView(apiKey, symbol, qty, nowMs));
    }
    if (product === "futures" && method === "GET" && path === "/api/v1/position") {
      const symbol = symbolOf(q.get("symbol"));
      return positionView(apiKey, symbol, book.positions(apiKey).get(symbol) ?? 0n, nowMs);
    }
    return fail(404, "404", "Not Found");
  };

  const authenticate = (req: FakeRequest, nowMs: number): FakeApiKey => {
    const apiKey = header(req.headers, "kc-api-key");
    const sign = header(req.headers, "kc-api-sign");
    const timestamp = header(req.headers, "kc-api-timestamp");
    const passphrase = header(req.headers, "kc-api-passphrase");
    if (apiKey === undefined || sign === undefined || timestamp === undefined || passphrase === undefined) {
      fail(401, "400001", "Please check the header of your request for KC-API-KEY, KC-API-SIGN, KC-API-TIMESTAMP, KC-API-PASSPHRASE");
    }
    const key = keys.get(apiKey) ?? fail(401, "400003", "KC-API-KEY not exists");
    if (!/^[0-9]{1,16}$/.test(timestamp) || Math.abs(nowMs - Number(timestamp)) > TIMESTAMP_WINDOW_MS) {
      fail(401, "400002", "KC-API-TIMESTAMP Invalid -- Time differs from server time by more than 5 seconds");
    }
    const version = header(req.headers, "kc-api-key-version") ?? "1";
    const expectedPassphrase = version === "2" ? createHmac("sha256", key.apiSecret).update(key.passphrase ?? "", "utf8").digest("base64") : undefined;
    if (expectedPassphrase === undefined || !safeEqual(expectedPassphrase, passphrase)) fail(401, "400004", "Invalid KC-API-PASSPHRASE");
    const endpoint = req.query === "" ? req.path : `${req.path}?${req.query}`;
    const expected = createHmac("sha256", key.apiSecret).update(`${timestamp}${req.method}${endpoint}${req.body}`, "utf8").digest("base64");
    if (!safeEqual(expected, sign)) fail(401, "400005", "Invalid KC-API-SIGN");
    return key;
  };

  const handle = (req: FakeRequest, nowMs: number): FakeAnswer => {
    try {
      const key = authenticate(req, nowMs);
      const query = new Map<string, string>();
      for (const [n, v] of rawPairs(req.query)) {
        const name = formDecode(n);
        const value = formDecode(v);
        if (name === undefined || value === undefined || query.has(name)) refuse("Invalid query string");
        query.set(name, value);
      }
      let body: Record<string, unknown> = {};
      if (req.method === "POST") {
        if (!(header(req.headers, "content-type") ?? "").startsWith("application/json")) refuse("Content-Type must be application/json");
        body = jsonObject(req.body) ?? refuse("Invalid JSON body");
      } else if (req.body !== "") {
        refuse("Unexpected request body");
      }
      const data = run(req.method, req.path, key.apiKey, query, body, nowMs);
      return { status: 200, body: { code: "200000", data }, accepted: true };
    } catch (err) {
      if (err instanceof KucoinError) return { status: err.status, body: { code: err.code, msg: err.message }, accepted: false };
      throw err;
    }
  };

  return Object.assign(fakeVenueServer(handle), { orders: (apiKey: string) => [...book.all(apiKey)] });
}
