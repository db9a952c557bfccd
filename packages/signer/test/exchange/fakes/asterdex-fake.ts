import { verifyTypedData } from "ethers";
import { fakeVenueServer, type FakeAnswer, type FakeRequest, type FakeVenueServer } from "./evm-fake-http.js";

/**
 * A local Asterdex (Pro API v3, futures), written from Aster's "aster-finance-futures-api-v3"
 * document and never calling Airlock's signer code. For every signed endpoint it:
 * 1. takes the parameter string as sent (query for GET, form body for POST/DELETE, or the query
 *    when the body is empty) and removes the `signature=` pair: the rest, in the order and
 *    encoding sent, is the EIP-712 `Message.msg`;
 * 2. recovers the signer of Message{msg} in the domain {AsterSignTransaction, "1", chainId,
 *    0x0} (1666 mainnet, 714 testnet) with ethers' verifyTypedData and requires it to equal the
 *    `signer` parameter, a registered API wallet (and `user`, when sent, to be its account);
 * 3. requires the nonce (µs) within ±10 s of its clock, unused by that API wallet, and not below
 *    the smallest of the wallet's 100 most recent nonces once it holds 100;
 * then runs the endpoint in memory and answers like Aster (Binance-style JSON, errors as
 * {"code": -NNNN, "msg": "..."}). Aster's exact codes for nonce errors are not all documented:
 * -1021 (outside the window) and -4225 ("Nonce Expired", seen in Aster's examples) are used.
 */

export interface AsterdexFakeOptions {
  readonly network: "mainnet" | "testnet";
  /** Registered API wallets: signer address → the master account (user) it trades for. */
  readonly agents: Readonly<Record<string, string>>;
  /** Tradable symbols (default BTCUSDT, ETHUSDT, ASTERUSDT). */
  readonly symbols?: readonly string[];
}

export interface FakeAsterOrder {
  readonly orderId: number;
  readonly symbol: string;
  readonly side: string;
  readonly type: string;
  readonly origQty: string;
  readonly price: string;
  readonly timeInForce: string;
  readonly reduceOnly: boolean;
  readonly clientOrderId: string;
  status: string;
  readonly time: number;
}

export interface AsterdexFake extends FakeVenueServer {
  /** Orders (any status) the fake holds for `user`. */
  orders(user: string): readonly FakeAsterOrder[];
}

const NONCE_WINDOW_US = 10_000_000;
const KEPT_NONCES = 100;
const MESSAGE_TYPES = { Message: [{ name: "msg", type: "string" }] };

const ENDPOINTS: Readonly<Record<string, readonly string[]>> = {
  "POST /fapi/v3/order": ["symbol", "side", "type", "quantity", "price", "timeInForce", "reduceOnly", "newClientOrderId", "positionSide", "newOrderRespType"],
  "DELETE /fapi/v3/order": ["symbol", "orderId", "origClientOrderId"],
  "DELETE /fapi/v3/allOpenOrders": ["symbol"],
  "GET /fapi/v3/openOrders": ["symbol"],
  "GET /fapi/v3/account": [],
  "GET /fapi/v3/balance": [],
  "GET /fapi/v3/positionRisk": ["symbol"],
};
const AUTH_PARAMS = ["nonce", "signer", "user", "signature"];

class AsterError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

function fail(status: number, code: number, msg: string): never {
  throw new AsterError(status, code, msg);
}

function decode(component: string): string {
  try {
    return decodeURIComponent(component.replace(/\+/g, " "));
  } catch {
    return fail(400, -1100, "Illegal characters found in a parameter.");
  }
}

interface Parsed {
  readonly params: Map<string, string>;
  readonly msg: string;
  readonly signature: string;
}

/** Splits the raw parameter string; the signed message is everything but the signature pair. */
function parseSigned(raw: string): Parsed {
  const pairs = raw === "" ? [] : raw.split("&");
  const params = new Map<string, string>();
  const unsigned: string[] = [];
  let signature: string | undefined;
  for (const pair of pairs) {
    const eq = pair.indexOf("=");
    const key = decode(eq === -1 ? pair : pair.slice(0, eq));
    const value = decode(eq === -1 ? "" : pair.slice(eq + 1));
    if (params.has(key)) fail(400, -1101, "Duplicate values for a parameter detected.");
    params.set(key, value);
    if (key === "signature") signature = value;
    else unsigned.push(pair);
  }
  if (signature === undefined || signature === "") return fail(400, -1102, "Mandatory parameter 'signature' was not sent, was empty/null, or malformed.");
  return { params, msg: unsigned.join("&"), signature };
}

const DECIMAL = /^\d+(\.\d+)?$/;

export function createAsterdexFake(options: AsterdexFakeOptions): AsterdexFake {
  const chainId = options.network === "mainnet" ? 1666 : 714;
  const domain = { name: "AsterSignTransaction", version: "1", chainId, verifyingContract: "0x0000000000000000000000000000000000000000" };
  const agents = new Map(Object.entries(options.agents).map(([k, v]) => [k.toLowerCase(), v.toLowerCase()]));
  const symbols = new Set(options.symbols ?? ["BTCUSDT", "ETHUSDT", "ASTERUSDT"]);
  const nonces = new Map<string, number[]>();
  const books = new Map<string, FakeAsterOrder[]>();
  let nextOrderId = 5_000_000;

  function authenticate(p: Parsed, nowMs: number): string {
    const signer = p.params.get("signer");
    if (signer === undefined || !/^0x[0-9a-fA-F]{40}$/.test(signer)) return fail(400, -1102, "Mandatory parameter 'signer' was not sent, was empty/null, or malformed.");
    const nonceText = p.params.get("nonce");
    if (nonceText === undefined || !/^\d{1,19}$/.test(nonceText)) return fail(400, -1102, "Mandatory parameter 'nonce' was not sent, was empty/null, or malformed.");
    if (!/^0x[0-9a-fA-F]{130}$/.test(p.signature)) return fail(400, -1022, "Signature for this request is not valid.");
    let recovered: string;
    try {
      recovered = verifyTypedData(domain, MESSAGE_TYPES, { msg: p.msg }, p.signature).toLowerCase();
    } catch {
      return fail(400, -1022, "Signature for this request is not valid.");
    }
    if (recovered !== signer.toLowerCase()) fail(400, -1022, "Signature for this request is not valid.");
    const user = agents.get(recovered);
    if (user === undefined) return fail(401, -2015, "Invalid API-key, IP, or permissions for action.");
    const claimedUser = p.params.get("user");
    if (claimedUser !== undefined && claimedUser.toLowerCase() !== user) fail(401, -2015, "Invalid API-key, IP, or permissions for action.");
    const nonce = Number(nonceText);
    if (Math.abs(nonce - nowMs * 1000) > NONCE_WINDOW_US) fail(400, -1021, "Timestamp for this request is outside of the recvWindow.");
    const seen = nonces.get(recovered) ?? [];
    if (seen.includes(nonce)) fail(400, -4225, "Nonce Expired");
    if (seen.length >= KEPT_NONCES && nonce < Math.min(...seen)) fail(400, -4225, "Nonce Expired");
    seen.push(nonce);
    if (seen.length > KEPT_NONCES) seen.splice(seen.indexOf(Math.min(...seen)), 1);
    nonces.set(recovered, seen);
    return user;
  }

  function checkParams(route: string, params: Map<string, string>): void {
    const allowed = ENDPOINTS[route] ?? [];
    const extra = [...params.keys()].filter((k) => !allowed.includes(k) && !AUTH_PARAMS.includes(k));
    if (extra.length > 0) fail(400, -1104, `Not all sent parameters were read; read '${params.size - extra.length}' parameter(s) but was sent '${params.size}'.`);
  }

  const view = (o: FakeAsterOrder) => ({
    orderId: o.orderId,
    symbol: o.symbol,
    status: o.status,
    clientOrderId: o.clientOrderId,
    price: o.price,
    avgPrice: o.status === "FILLED" ? o.price : "0.00000",
    origQty: o.origQty,
    executedQty: o.status === "FILLED" ? o.origQty : "0",
    cumQty: o.status === "FILLED" ? o.origQty : "0",
    cumQuote: "0",
    timeInForce: o.timeInForce,
    type: o.type,
    reduceOnly: o.reduceOnly,
    closePosition: false,
    side: o.side,
    positionSide: "BOTH",
    stopPrice: "0",
    workingType: "CONTRACT_PRICE",
    priceProtect: false,
    origType: o.type,
    updateTime: o.time,
  });

  function symbolOf(params: Map<string, string>, required: boolean): string | undefined {
    const symbol = params.get("symbol");
    if (symbol === undefined) return required ? fail(400, -1102, "Mandatory parameter 'symbol' was not sent, was empty/null, or malformed.") : undefined;
    if (!symbols.has(symbol)) fail(400, -1121, "Invalid symbol.");
    return symbol;
  }

  function newOrder(params: Map<string, string>, book: FakeAsterOrder[], nowMs: number): FakeAnswer {
    const symbol = symbolOf(params, true) as string;
    const side = params.get("side");
    if (side !== "BUY" && side !== "SELL") fail(400, -1117, "Invalid side.");
    const type = params.get("type");
    if (type !== "LIMIT" && type !== "MARKET") fail(400, -1116, "Invalid orderType.");
    const quantity = params.get("quantity");
    if (quantity === undefined || !DECIMAL.test(quantity) || Number(quantity) <= 0) fail(400, -1102, "Mandatory parameter 'quantity' was not sent, was empty/null, or malformed.");
    const price = params.get("price");
    const tif = params.get("timeInForce");
    if (type === "LIMIT") {
      if (price === undefined || !DECIMAL.test(price) || Number(price) <= 0) fail(400, -1102, "Mandatory parameter 'price' was not sent, was empty/null, or malformed.");
      if (tif === undefined || !["GTC", "IOC", "FOK", "GTX", "HIDDEN"].includes(tif)) fail(400, -1115, "Invalid timeInForce.");
    } else {
      if (price !== undefined) fail(400, -1106, "Parameter 'price' sent when not required.");
      if (tif !== undefined) fail(400, -1106, "Parameter 'timeInForce' sent when not required.");
    }
    const reduceOnly = params.get("reduceOnly");
    if (reduceOnly !== undefined && reduceOnly !== "true" && reduceOnly !== "false") fail(400, -1130, "Data sent for parameter 'reduceOnly' is not valid.");
    const clientOrderId = params.get("newClientOrderId") ?? `auto${nextOrderId}`;
    if (!/^[.A-Z:/a-z0-9_-]{1,36}$/.test(clientOrderId)) fail(400, -4015, "Client order id is not valid.");
    const order: FakeAsterOrder = {
      orderId: nextOrderId++,
      symbol,
      side: side as string,
      type: type as string,
      origQty: quantity as string,
      price: price ?? "0",
      timeInForce: tif ?? "GTC",
      reduceOnly: reduceOnly === "true",
      clientOrderId,
      status: type === "MARKET" || tif === "IOC" || tif === "FOK" ? "FILLED" : "NEW",
      time: nowMs,
    };
    book.push(order);
    return { status: 200, body: view(order), accepted: true };
  }

  function cancelOrder(params: Map<string, string>, book: FakeAsterOrder[]): FakeAnswer {
    const symbol = symbolOf(params, true);
    const orderId = params.get("orderId");
    const clientId = params.get("origClientOrderId");
    if (orderId === undefined && clientId === undefined) fail(400, -1102, "Param 'orderId' or 'origClientOrderId' must be sent, but both were empty/null!");
    if (orderId !== undefined && !/^\d{1,19}$/.test(orderId)) fail(400, -1102, "Mandatory parameter 'orderId' was not sent, was empty/null, or malformed.");
    const order = book.find(
      (o) => o.symbol === symbol && o.status === "NEW" && (orderId !== undefined ? String(o.orderId) === orderId : o.clientOrderId === clientId),
    );
    if (order === undefined) return fail(400, -2011, "Unknown order sent.");
    order.status = "CANCELED";
    return { status: 200, body: view(order), accepted: true };
  }

  function handle(req: FakeRequest, nowMs: number): FakeAnswer {
    const route = `${req.method} ${req.path}`;
    if (ENDPOINTS[route] === undefined) return { status: 404, body: { code: -1000, msg: "Not Found" }, accepted: false };
    if (req.method !== "GET" && req.body !== "" && !/^application\/x-www-form-urlencoded/i.test(req.headers["content-type"] ?? "")) {
      fail(400, -1102, "Parameters must be sent as application/x-www-form-urlencoded.");
    }
    if (req.method !== "GET" && req.body !== "" && req.query !== "") fail(400, -1101, "Too many parameters sent for this endpoint.");
    const parsed = parseSigned(req.method === "GET" || req.body === "" ? req.query : req.body);
    const user = authenticate(parsed, nowMs);
    checkParams(route, parsed.params);
    const book = books.get(user) ?? [];
    books.set(user, book);
    const params = parsed.params;
    switch (route) {
      case "POST /fapi/v3/order":
        return newOrder(params, book, nowMs);
      case "DELETE /fapi/v3/order":
        return cancelOrder(params, book);
      case "DELETE /fapi/v3/allOpenOrders": {
        const symbol = symbolOf(params, true);
        for (const o of book) if (o.symbol === symbol && o.status === "NEW") o.status = "CANCELED";
        return { status: 200, body: { code: 200, msg: "The operation of cancel all open order is done." }, accepted: true };
      }
      case "GET /fapi/v3/openOrders": {
        const symbol = symbolOf(params, false);
        return { status: 200, body: book.filter((o) => o.status === "NEW" && (symbol === undefined || o.symbol === symbol)).map(view), accepted: true };
      }
      case "GET /fapi/v3/balance":
        return {
          status: 200,
          body: [{ accountAlias: "SgsR", asset: "USDT", balance: "1000.00000000", crossWalletBalance: "1000.00000000", crossUnPnl: "0.00000000", availableBalance: "1000.00000000", maxWithdrawAmount: "1000.00000000", marginAvailable: true, updateTime: nowMs }],
          accepted: true,
        };
      case "GET /fapi/v3/account":
        return {
          status: 200,
          body: {
            feeTier: 0,
            canTrade: true,
            canDeposit: true,
            canWithdraw: true,
            updateTime: 0,
            totalWalletBalance: "1000.00000000",
            totalUnrealizedProfit: "0.00000000",
            totalMarginBalance: "1000.00000000",
            availableBalance: "1000.00000000",
            maxWithdrawAmount: "1000.00000000",
            assets: [{ asset: "USDT", walletBalance: "1000.00000000", unrealizedProfit: "0.00000000", marginBalance: "1000.00000000", availableBalance: "1000.00000000", updateTime: nowMs }],
            positions: [],
          },
          accepted: true,
        };
      default: {
        const symbol = symbolOf(params, false);
        const list = [...symbols].filter((s) => symbol === undefined || s === symbol);
        return {
          status: 200,
          body: list.map((s) => ({ symbol: s, positionAmt: "0", entryPrice: "0.0", markPrice: "0.0", unRealizedProfit: "0.00000000", liquidationPrice: "0", leverage: "20", maxNotionalValue: "250000", marginType: "cross", isolatedMargin: "0.00000000", isAutoAddMargin: "false", positionSide: "BOTH", notional: "0", isolatedWallet: "0", updateTime: 0 })),
          accepted: true,
        };
      }
    }
  }

  const server = fakeVenueServer((req, nowMs) => {
    try {
      return handle(req, nowMs);
    } catch (err) {
      if (err instanceof AsterError) return { status: err.status, body: { code: err.code, msg: err.message }, accepted: false };
      throw err;
    }
  });

  return Object.assign(server, { orders: (user: string) => [...(books.get(user.toLowerCase()) ?? [])] });
}
