import type { ExchangeOperation, PlaceOrder } from "@airlock/core";
import { cancelTarget, limitPrice, venueSymbol } from "./hmac-order-checks.js";
import type { QueryParams } from "./query-string.js";

/**
 * Bybit V5 requests (unified trading account), before the auth headers. Every order operation
 * is in category `linear` (USDT and USDC perpetuals): the sidecar's settings carry no category
 * and BTCUSDT names both a spot pair and a perpetual, so the signer does not guess; an account
 * is a linear-derivatives account. Symbols: upper case, no dash, ending in USDT, USDC or PERP.
 *   POST /v5/order/create      JSON {category, symbol, side, orderType, qty, price?, timeInForce?, reduceOnly?, orderLinkId?}
 *   POST /v5/order/cancel      JSON {category, symbol, orderId | orderLinkId}
 *   POST /v5/order/cancel-all  JSON {category, symbol}
 *   GET  /v5/account/info                              (account: margin mode, status)
 *   GET  /v5/account/wallet-balance?accountType=UNIFIED (balances)
 *   GET  /v5/position/list?category=linear&symbol=…    (positions)
 *   GET  /v5/order/realtime?category=linear&symbol=…   (open orders)
 * Linear reads need a symbol or a settle coin: without a symbol they ask for settleCoin=USDT.
 * Market orders are sent without timeInForce (Bybit runs them IOC) and without a protection
 * price: referencePrice only bounds the notional in policy. POST_ONLY is timeInForce PostOnly.
 * The JSON body is built with this fixed key order; its bytes are what is signed and sent.
 */

export interface BybitRequest {
  readonly method: "GET" | "POST";
  readonly path: string;
  /** GET: the query parameters in the order sent. */
  readonly query: QueryParams;
  /** POST: the JSON body object (key order is the order sent). */
  readonly body?: Readonly<Record<string, string | boolean>>;
}

const CATEGORY = "linear";
const SYMBOL = /^[A-Z0-9]{1,26}(?:USDT|USDC|PERP)$/;
// Linear order ids are UUIDs; other categories use digits.
const ORDER_ID = /^[0-9A-Za-z-]{1,64}$/;
const TIF: Readonly<Record<string, string>> = { GTC: "GTC", IOC: "IOC", FOK: "FOK", POST_ONLY: "PostOnly" };

function symbolOf(symbol: string): string {
  return venueSymbol(symbol, SYMBOL, "Bybit linear", "BTCUSDT (upper case, no dash, ending in USDT, USDC or PERP)");
}

function placeOrder(op: PlaceOrder): BybitRequest {
  const price = limitPrice(op);
  const body: Record<string, string | boolean> = {
    category: CATEGORY,
    symbol: symbolOf(op.symbol),
    side: op.side === "buy" ? "Buy" : "Sell",
    orderType: price === undefined ? "Market" : "Limit",
    qty: op.quantity,
  };
  if (price !== undefined) {
    body.price = price;
    body.timeInForce = TIF[op.timeInForce ?? "GTC"] ?? "GTC";
  }
  if (op.reduceOnly === true) body.reduceOnly = true;
  if (op.clientOrderId !== undefined) body.orderLinkId = op.clientOrderId;
  return { method: "POST", path: "/v5/order/create", query: [], body };
}

function linearRead(path: string, symbol: string | undefined): BybitRequest {
  const scope: [string, string] = symbol === undefined ? ["settleCoin", "USDT"] : ["symbol", symbolOf(symbol)];
  return { method: "GET", path, query: [["category", CATEGORY], scope] };
}

/** The unsigned Bybit request for `op`. */
export function bybitRequest(op: ExchangeOperation): BybitRequest {
  switch (op.type) {
    case "place_order":
      return placeOrder(op);
    case "cancel_order": {
      const symbol = symbolOf(op.symbol);
      const target = cancelTarget(op, ORDER_ID, "a Bybit orderId (letters, digits and dashes)");
      const id = target.orderId !== undefined ? { orderId: target.orderId } : { orderLinkId: target.clientOrderId };
      return { method: "POST", path: "/v5/order/cancel", query: [], body: { category: CATEGORY, symbol, ...id } };
    }
    case "cancel_all":
      return { method: "POST", path: "/v5/order/cancel-all", query: [], body: { category: CATEGORY, symbol: symbolOf(op.symbol) } };
    // Account-wide reads: a symbol, when given, must still be a Bybit symbol; it narrows nothing.
    case "get_account":
      if (op.symbol !== undefined) symbolOf(op.symbol);
      return { method: "GET", path: "/v5/account/info", query: [] };
    case "get_balances":
      if (op.symbol !== undefined) symbolOf(op.symbol);
      return { method: "GET", path: "/v5/account/wallet-balance", query: [["accountType", "UNIFIED"]] };
    case "get_positions":
      return linearRead("/v5/position/list", op.symbol);
    case "get_open_orders":
      return linearRead("/v5/order/realtime", op.symbol);
  }
}
