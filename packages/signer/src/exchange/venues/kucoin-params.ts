import { randomUUID } from "node:crypto";
import type { ExchangeOperation, PlaceOrder } from "@airlock/core";
import { UnsupportedOperationError } from "../venue-types.js";
import { HmacRequestError } from "./hmac-errors.js";
import { cancelTarget, limitPrice, venueSymbol } from "./hmac-order-checks.js";
import { percentEncode, type QueryParams } from "./query-string.js";

/**
 * KuCoin requests, before the KC-API-* headers. Spot ("kucoin", api.kucoin.com, symbols
 * BTC-USDT) and futures ("kucoin_futures", api-futures.kucoin.com, symbols XBTUSDTM):
 *   spot                                         futures
 *   POST   /api/v1/orders                        POST   /api/v1/orders
 *   DELETE /api/v1/orders/{orderId}              DELETE /api/v1/orders/{orderId}
 *   DELETE /api/v1/order/client-order/{oid}      DELETE /api/v1/orders/client-order/{oid}?symbol=
 *   DELETE /api/v1/orders?symbol=                DELETE /api/v1/orders?symbol=
 *   GET    /api/v1/accounts (account, balances)  GET    /api/v1/account-overview?currency=USDT
 *   (no positions on spot)                       GET    /api/v1/positions | /api/v1/position?symbol=
 *   GET    /api/v1/orders?status=active[&symbol=]  (both)
 * Every order carries a clientOid (KuCoin requires one): the client order id, else a random
 * 32-hex-digit id. Spot sizes are base quantities (strings); futures sizes are whole lots (a JSON
 * number), and a futures order opening or adding to a position carries leverage 1 (the
 * least-margin-risk choice; KuCoin needs a leverage except on reduce-only orders). POST_ONLY is
 * postOnly: true with timeInForce GTC; futures have GTC and IOC only. Market orders carry no
 * protection price: referencePrice only bounds the notional in policy.
 */

export type KucoinProduct = "spot" | "futures";

export interface KucoinRequest {
  readonly method: "GET" | "POST" | "DELETE";
  readonly path: string;
  readonly query: QueryParams;
  readonly body?: Readonly<Record<string, string | number | boolean>>;
}

const SYMBOL: Readonly<Record<KucoinProduct, RegExp>> = {
  spot: /^[A-Z0-9]{1,20}-[A-Z0-9]{1,20}$/,
  futures: /^[A-Z0-9]{2,30}$/,
};
const SYMBOL_FORMAT: Readonly<Record<KucoinProduct, string>> = {
  spot: "BTC-USDT (upper case, with a dash)",
  futures: "XBTUSDTM (upper case, no dash)",
};
const ORDER_ID = /^[0-9A-Za-z]{1,40}$/;
const LOTS = /^[1-9][0-9]{0,8}$/;

function symbolOf(symbol: string, product: KucoinProduct): string {
  return venueSymbol(symbol, SYMBOL[product], product === "spot" ? "KuCoin spot" : "KuCoin futures", SYMBOL_FORMAT[product]);
}

function placeOrder(op: PlaceOrder, product: KucoinProduct): KucoinRequest {
  const price = limitPrice(op);
  if (product === "spot" && op.reduceOnly === true) throw new UnsupportedOperationError("KuCoin spot orders have no reduce-only flag");
  if (product === "futures" && op.timeInForce === "FOK") throw new UnsupportedOperationError("KuCoin futures orders have GTC and IOC only");
  if (product === "futures" && !LOTS.test(op.quantity)) {
    throw new HmacRequestError("INVALID_QUANTITY", "KuCoin futures quantities are whole numbers of lots (1-999999999)");
  }
  const body: Record<string, string | number | boolean> = {
    clientOid: op.clientOrderId ?? randomUUID().replace(/-/g, ""),
    side: op.side,
    symbol: symbolOf(op.symbol, product),
    type: price === undefined ? "market" : "limit",
  };
  if (product === "futures" && op.reduceOnly !== true) body.leverage = 1;
  if (price !== undefined) body.price = price;
  body.size = product === "futures" ? Number(op.quantity) : op.quantity;
  if (price !== undefined) {
    body.timeInForce = op.timeInForce === "POST_ONLY" || op.timeInForce === undefined ? "GTC" : op.timeInForce;
    if (op.timeInForce === "POST_ONLY") body.postOnly = true;
  }
  if (op.reduceOnly === true) body.reduceOnly = true;
  return { method: "POST", path: "/api/v1/orders", query: [], body };
}

function cancelOrder(op: Extract<ExchangeOperation, { type: "cancel_order" }>, product: KucoinProduct): KucoinRequest {
  const symbol = symbolOf(op.symbol, product);
  const target = cancelTarget(op, ORDER_ID, "a KuCoin orderId (letters and digits)");
  if (target.orderId !== undefined) return { method: "DELETE", path: `/api/v1/orders/${percentEncode(target.orderId)}`, query: [] };
  const oid = percentEncode(target.clientOrderId);
  if (product === "spot") return { method: "DELETE", path: `/api/v1/order/client-order/${oid}`, query: [] };
  return { method: "DELETE", path: `/api/v1/orders/client-order/${oid}`, query: [["symbol", symbol]] };
}

/** The unsigned KuCoin request for `op` on `product`. */
export function kucoinRequest(op: ExchangeOperation, product: KucoinProduct): KucoinRequest {
  const symbolFilter = (symbol: string | undefined): QueryParams => (symbol === undefined ? [] : [["symbol", symbolOf(symbol, product)]]);
  switch (op.type) {
    case "place_order":
      return placeOrder(op, product);
    case "cancel_order":
      return cancelOrder(op, product);
    case "cancel_all":
      return { method: "DELETE", path: "/api/v1/orders", query: [["symbol", symbolOf(op.symbol, product)]] };
    // Account-wide reads: a symbol, when given, must still be a KuCoin symbol; it narrows nothing.
    case "get_account":
    case "get_balances":
      symbolFilter(op.symbol);
      return product === "spot"
        ? { method: "GET", path: "/api/v1/accounts", query: [] }
        : { method: "GET", path: "/api/v1/account-overview", query: [["currency", "USDT"]] };
    case "get_positions":
      if (product === "spot") throw new UnsupportedOperationError("KuCoin spot has no positions (use get_balances)");
      return op.symbol === undefined
        ? { method: "GET", path: "/api/v1/positions", query: [] }
        : { method: "GET", path: "/api/v1/position", query: symbolFilter(op.symbol) };
    case "get_open_orders":
      return { method: "GET", path: "/api/v1/orders", query: [["status", "active"], ...symbolFilter(op.symbol)] };
  }
}
