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
  times,
  type FakeApiKey,
  type FakeOrder,
  type HmacFakeBook,
  type HmacFakeOptions,
} from "./hmac-fake-support.js";

/**
 * A local OKX V5, written from OKX's "REST Authentication" documentation and never calling
 * Airlock's signer code:
 * 1. OK-ACCESS-KEY, -SIGN, -TIMESTAMP and -PASSPHRASE are all required (50103/50106/50107/50104);
 * 2. the timestamp is ISO 8601 UTC with milliseconds (50112) and within 30 s of the server
 *    clock (50102); a trade request's `expTime` header (epoch ms) must not have passed (50102);
 * 3. the key must exist (50111) and match the environment: a demo key needs
 *    `x-simulated-trading: 1` and a live key must not send it (50101);
 * 4. OK-ACCESS-PASSPHRASE must equal the key's passphrase (50105);
 * 5. OK-ACCESS-SIGN must be base64 HMAC-SHA256(secret, timestamp + METHOD + requestPath (with
 *    ?query as sent) + raw body) (50113).
 * Authentication errors are HTTP 401 {"msg", "code"}; business answers are HTTP 200
 * {"code", "msg", "data": [...]}, per-order failures as code "1" with data[].sCode/sMsg.
 * Swap and futures sizes are contracts of `contractValue` base units; a spot market buy's sz
 * is the quote amount unless tgtCcy=base_ccy, as at OKX.
 */

export interface OkxFakeOptions extends HmacFakeOptions {
  /** SWAP/FUTURES: base units per contract, OKX's ctVal (default 0.01, as BTC-USDT-SWAP). */
  readonly contractValue?: string;
}

export interface OkxFake extends FakeVenueServer, HmacFakeBook {}

class OkxError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly data: readonly unknown[] = [],
  ) {
    super(message);
  }
}

function fail(status: number, code: string, msg: string, data: readonly unknown[] = []): never {
  throw new OkxError(status, code, msg, data);
}

function authFail(code: string, msg: string): never {
  return fail(401, code, msg);
}

function paramFail(name: string): never {
  return fail(200, "51000", `Parameter ${name} error`);
}
const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const MAX_SKEW_MS = 30_000;
const CLIENT_ID = /^[A-Za-z0-9]{1,32}$/;
const ORD_TYPES = ["market", "limit", "post_only", "fok", "ioc"];
const TRADE_ROUTES = new Set(["POST /api/v5/trade/order", "POST /api/v5/trade/cancel-order"]);
const ROUTES = new Set([...TRADE_ROUTES, "GET /api/v5/account/config", "GET /api/v5/account/balance", "GET /api/v5/account/positions", "GET /api/v5/trade/orders-pending"]);

type InstType = "SPOT" | "SWAP" | "FUTURES";

function instTypeOf(instId: string): InstType {
  if (instId.endsWith("-SWAP")) return "SWAP";
  return /-\d{6}$/.test(instId) ? "FUTURES" : "SPOT";
}

function text(body: Record<string, unknown>, name: string): string | undefined {
  const v = body[name];
  if (v === undefined || v === "") return undefined;
  return typeof v === "string" ? v : paramFail(name);
}

export function createOkxFake(options: OkxFakeOptions): OkxFake {
  const keys = new Map<string, FakeApiKey>(options.keys.map((k) => [k.apiKey, k]));
  const instruments = new Set(options.symbols ?? ["BTC-USDT", "ETH-USDT", "BTC-USDT-SWAP", "ETH-USDT-SWAP"]);
  const quoteBalance = parseDecimal(options.quoteBalance ?? "100000") ?? 0n;
  const markPrice = parseDecimal(options.markPrice ?? "50000") ?? 0n;
  const ctVal = parseDecimal(options.contractValue ?? "0.01") ?? 0n;
  let seq = 600_000_000_000_000_000n;
  const book = new FakeOrderBook(() => String(++seq));

  const instIdOf = (value: string | undefined): string => {
    if (value === undefined) return fail(200, "50014", "Parameter instId can not be empty.");
    if (!instruments.has(value)) fail(200, "51001", "Instrument ID, Instrument ID code, or Spread ID doesn't exist.");
    return value;
  };

  const place = (apiKey: string, b: Record<string, unknown>, nowMs: number) => {
    const instId = instIdOf(text(b, "instId"));
    const instType = instTypeOf(instId);
    const tdMode = text(b, "tdMode") ?? paramFail("tdMode");
    if (instType === "SPOT" ? tdMode !== "cash" : tdMode !== "cross" && tdMode !== "isolated") paramFail("tdMode");
    const side = text(b, "side");
    if (side !== "buy" && side !== "sell") return paramFail("side");
    const ordType = text(b, "ordType") ?? paramFail("ordType");
    if (!ORD_TYPES.includes(ordType)) paramFail("ordType");
    const szText = text(b, "sz") ?? paramFail("sz");
    const sz = parseDecimal(szText);
    if (sz === undefined || sz === 0n) return paramFail("sz");
    const pxText = ordType === "market" ? undefined : (text(b, "px") ?? paramFail("px"));
    const px = pxText === undefined ? undefined : parseDecimal(pxText);
    if (pxText !== undefined && (px === undefined || px === 0n)) paramFail("px");
    const tgtCcy = text(b, "tgtCcy");
    if (tgtCcy !== undefined && (instType !== "SPOT" || ordType !== "market" || (tgtCcy !== "base_ccy" && tgtCcy !== "quote_ccy"))) paramFail("tgtCcy");
    if (b.reduceOnly !== undefined && (typeof b.reduceOnly !== "boolean" || (b.reduceOnly && tdMode === "cash"))) paramFail("reduceOnly");
    const clOrdId = text(b, "clOrdId") ?? "";
    if (clOrdId !== "" && !CLIENT_ID.test(clOrdId)) paramFail("clOrdId");
    const reject = (sCode: string, sMsg: string): never => fail(200, "1", "All operations failed", [{ clOrdId, ordId: "", tag: "", ts: String(nowMs), sCode, sMsg }]);
    if (clOrdId !== "" && book.findOpen(apiKey, { clientOrderId: clOrdId }) !== undefined) reject("51016", "Duplicated clOrdId");
    // A spot market buy's sz is the quote amount unless tgtCcy=base_ccy.
    const quoteAmount = instType === "SPOT" && ordType === "market" && (tgtCcy ?? (side === "buy" ? "quote_ccy" : "base_ccy")) === "quote_ccy";
    // Derivative sizes are contracts of ctVal base units each.
    const baseQty = instType === "SPOT" ? sz : times(sz, ctVal);
    const over = quoteAmount ? sz > quoteBalance : exceeds(baseQty, px ?? markPrice, quoteBalance);
    if (over) reject("51008", "Order failed. Insufficient USDT balance in account.");
    const order = book.place(
      apiKey,
      { clientOrderId: clOrdId, symbol: instId, side, type: ordType === "market" ? "market" : "limit", quantity: szText, price: pxText, timeInForce: ordType, postOnly: ordType === "post_only", reduceOnly: b.reduceOnly === true },
      ordType === "ioc" || ordType === "fok",
      nowMs,
    );
    return [{ clOrdId, ordId: order.orderId, tag: "", ts: String(nowMs), sCode: "0", sMsg: "Order placed" }];
  };

  const cancel = (apiKey: string, b: Record<string, unknown>, nowMs: number) => {
    const instId = instIdOf(text(b, "instId"));
    const ordId = text(b, "ordId");
    const clOrdId = text(b, "clOrdId");
    if (ordId === undefined && clOrdId === undefined) fail(200, "50014", "Parameter ordId can not be empty.");
    const order = ordId !== undefined ? book.findOpen(apiKey, { orderId: ordId }, instId) : book.findOpen(apiKey, { clientOrderId: clOrdId }, instId);
    if (order === undefined) {
      fail(200, "1", "All operations failed", [{ clOrdId: clOrdId ?? "", ordId: ordId ?? "", ts: String(nowMs), sCode: "51400", sMsg: "Order cancellation failed as the order has been filled, canceled or does not exist." }]);
    }
    book.cancel(order, nowMs);
    return [{ clOrdId: order.clientOrderId, ordId: order.orderId, ts: String(nowMs), sCode: "0", sMsg: "" }];
  };

  const pendingView = (o: FakeOrder) => ({
    instType: instTypeOf(o.symbol),
    instId: o.symbol,
    ordId: o.orderId,
    clOrdId: o.clientOrderId,
    px: o.price ?? "",
    sz: o.quantity,
    ordType: o.timeInForce,
    side: o.side,
    tdMode: instTypeOf(o.symbol) === "SPOT" ? "cash" : "cross",
    state: "live",
    accFillSz: "0",
    reduceOnly: String(o.reduceOnly),
    cTime: String(o.createdMs),
    uTime: String(o.updatedMs),
  });

  const run = (route: string, apiKey: string, q: Map<string, string>, b: Record<string, unknown>, nowMs: number): unknown[] => {
    const bal = formatDecimal(quoteBalance);
    switch (route) {
      case "POST /api/v5/trade/order":
        return place(apiKey, b, nowMs);
      case "POST /api/v5/trade/cancel-order":
        return cancel(apiKey, b, nowMs);
      case "GET /api/v5/account/config":
        return [{ uid: "44705892343619584", mainUid: "44705892343619584", acctLv: "2", posMode: "net_mode", autoLoan: false, greeksType: "PA", level: "Lv1", levelTmp: "", ctIsoMode: "automatic", mgnIsoMode: "automatic", roleType: "0", label: "airlock-fake", ip: "", perm: "read_only,trade" }];
      case "GET /api/v5/account/balance":
        return [{ uTime: String(nowMs), totalEq: bal, isoEq: "0", adjEq: bal, ordFroz: "0", imr: "0", mmr: "0", notionalUsd: "0", mgnRatio: "", details: [{ ccy: "USDT", eq: bal, cashBal: bal, availBal: bal, availEq: bal, frozenBal: "0", ordFrozen: "0", eqUsd: bal, uTime: String(nowMs) }] }];
      case "GET /api/v5/account/positions": {
        const instId = q.get("instId");
        const net = book.positions(apiKey);
        return [...net.entries()]
          .filter(([s]) => instTypeOf(s) !== "SPOT" && (instId === undefined || s === instId))
          .map(([s, pos]) => ({ instType: instTypeOf(s), instId: s, mgnMode: "cross", posId: `${s}-net`, posSide: "net", pos: formatDecimal(pos), ccy: "USDT", avgPx: formatDecimal(markPrice), markPx: formatDecimal(markPrice), upl: "0", lever: "10", liqPx: "", notionalUsd: formatDecimal(times(times(pos < 0n ? -pos : pos, ctVal), markPrice)), cTime: String(nowMs), uTime: String(nowMs) }));
      }
      case "GET /api/v5/trade/orders-pending": {
        const instId = q.get("instId");
        return book.open(apiKey, instId).map(pendingView);
      }
      default:
        return fail(404, "50050", "Not found");
    }
  };

  const authenticate = (req: FakeRequest, nowMs: number): FakeApiKey => {
    const apiKey = header(req.headers, "ok-access-key") ?? authFail("50103", "Request header OK-ACCESS-KEY cannot be empty.");
    const sign = header(req.headers, "ok-access-sign") ?? authFail("50106", "Request header OK-ACCESS-SIGN cannot be empty.");
    const timestamp = header(req.headers, "ok-access-timestamp") ?? authFail("50107", "Request header OK-ACCESS-TIMESTAMP cannot be empty.");
    const passphrase = header(req.headers, "ok-access-passphrase") ?? authFail("50104", "Request header OK-ACCESS-PASSPHRASE cannot be empty.");
    const ts = ISO_MS.test(timestamp) ? Date.parse(timestamp) : Number.NaN;
    if (Number.isNaN(ts)) authFail("50112", "Invalid OK-ACCESS-TIMESTAMP.");
    if (Math.abs(nowMs - ts) > MAX_SKEW_MS) authFail("50102", "Timestamp request expired.");
    const key = keys.get(apiKey) ?? authFail("50111", "Invalid OK-ACCESS-KEY.");
    const simulated = header(req.headers, "x-simulated-trading") === "1";
    if (simulated !== (key.demo === true)) authFail("50101", "APIKey does not match current environment.");
    if (!safeEqual(passphrase, key.passphrase ?? "")) authFail("50105", "Request header OK-ACCESS-PASSPHRASE incorrect.");
    const requestPath = req.query === "" ? req.path : `${req.path}?${req.query}`;
    const expected = createHmac("sha256", key.apiSecret).update(`${timestamp}${req.method}${requestPath}${req.body}`, "utf8").digest("base64");
    if (!safeEqual(expected, sign)) authFail("50113", "Invalid Sign.");
    return key;
  };

  const handle = (req: FakeRequest, nowMs: number): FakeAnswer => {
    const route = `${req.method} ${req.path}`;
    if (!ROUTES.has(route)) return { status: 404, body: { msg: "", code: "50050" }, accepted: false };
    try {
      const key = authenticate(req, nowMs);
      const expTime = header(req.headers, "exptime");
      if (expTime !== undefined && TRADE_ROUTES.has(route)) {
        if (!/^[0-9]{1,16}$/.test(expTime)) paramFail("expTime");
        if (nowMs > Number(expTime)) fail(200, "50102", "Timestamp request expired.");
      }
      const query = new Map<string, string>();
      for (const [n, v] of rawPairs(req.query)) query.set(formDecode(n) ?? "", formDecode(v) ?? "");
      let body: Record<string, unknown> = {};
      if (req.method === "POST") {
        if (!(header(req.headers, "content-type") ?? "").startsWith("application/json")) fail(200, "50001", "Content-Type must be application/json");
        body = jsonObject(req.body) ?? fail(200, "50002", "JSON syntax error");
      }
      const data = run(route, key.apiKey, query, body, nowMs);
      return { status: 200, body: { code: "0", msg: "", data, inTime: `${nowMs}000`, outTime: `${nowMs}000` }, accepted: true };
    } catch (err) {
      if (!(err instanceof OkxError)) throw err;
      const body = err.status === 401 ? { msg: err.message, code: err.code } : { code: err.code, msg: err.message, data: err.data };
      return { status: err.status, body, accepted: false };
    }
  };

  return Object.assign(fakeVenueServer(handle), { orders: (apiKey: string) => [...book.all(apiKey)] });
}
