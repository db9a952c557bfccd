import type { ExchangeOperation, PlaceOrder } from "@airlock/core";
import { UnsupportedOperationError } from "../venue-types.js";
import { cancelTarget, limitPrice, venueSymbol } from "./hmac-order-checks.js";
import type { QueryParams } from "./query-string.js";

/**
 * Binance requests as parameter lists, before `timestamp`, `recvWindow` and `signature`.
 * Spot (API v3):                           USD-M futures:
 *   POST   /api/v3/order       new order     POST   /fapi/v1/order
 *   DELETE /api/v3/order       cancel        DELETE /fapi/v1/order
 *   DELETE /api/v3/openOrders  cancel all    DELETE /fapi/v1/allOpenOrders
 *   GET    /api/v3/account     account and   GET    /fapi/v2/account  account
 *                              balances      GET    /fapi/v2/balance  balances
 *   (no positions on spot)                   GET    /fapi/v2/positionRisk
 *   GET    /api/v3/openOrders  open orders   GET    /fapi/v1/openOrders
 * Limit orders: timeInForce GTC/IOC/FOK; POST_ONLY is type LIMIT_MAKER (no timeInForce) on
 * spot and timeInForce GTX on futures. Market orders carry no protection price (Binance has
 * none for MARKET): referencePrice only bounds the notional in policy. reduceOnly exists on
 * futures only.
 */

export type BinanceProduct = "spot" | "futures";

export interface BinanceRequest {
  readonly method: "GET" | "POST" | "DELETE";
  readonly path: string;
  /** Business parameters, in the order sent. */
  readonly params: QueryParams;
}

const SYMBOL: Readonly<Record<BinanceProduct, RegExp>> = {
  spot: /^[A-Z0-9]{2,20}$/,
  // USD-M quarterly contracts carry a delivery date: BTCUSDT_251226.
  futures: /^[A-Z0-9]{2,20}(?:_[0-9]{6})?$/,
};
const ORDER_ID = /^[0-9]{1,19}$/;

const PATHS = {
  spot: { order: "/api/v3/order", cancelAll: "/api/v3/openOrders", account: "/api/v3/account", balances: "/api/v3/account", openOrders: "/api/v3/openOrders" },
  futures: { order: "/fapi/v1/order", cancelAll: "/fapi/v1/allOpenOrders", account: "/fapi/v2/account", balances: "/fapi/v2/balance", openOrders: "/fapi/v1/openOrders" },
} as const;

function symbolOf(symbol: string, product: BinanceProduct): string {
  return venueSymbol(symbol, SYMBOL[product], product === "spot" ? "Binance spot" : "Binance futures", "BTCUSDT (upper case, no dash)");
}

function placeOrder(op: PlaceOrder, product: BinanceProduct): BinanceRequest {
  const price = limitPrice(op);
  if (op.reduceOnly === true && product === "spot") throw new UnsupportedOperationError("Binance spot orders have no reduce-only flag");
  const params: [string, string][] = [
    ["symbol", symbolOf(op.symbol, product)],
    ["side", op.side === "buy" ? "BUY" : "SELL"],
  ];
  if (price === undefined) {
    params.push(["type", "MARKET"], ["quantity", op.quantity]);
  } else if (op.timeInForce === "POST_ONLY" && product === "spot") {
    params.push(["type", "LIMIT_MAKER"], ["quantity", op.quantity], ["price", price]);
  } else {
    const tif = op.timeInForce === "POST_ONLY" ? "GTX" : (op.timeInForce ?? "GTC");
    params.push(["type", "LIMIT"], ["quantity", op.quantity], ["price", price], ["timeInForce", tif]);
  }
  if (op.reduceOnly === true) params.push(["reduceOnly", "true"]);
  if (op.clientOrderId !== undefined) params.push(["newClientOrderId", op.clientOrderId]);
  return { method: "POST", path: PATHS[product].order, params };
}

function optionalSymbol(symbol: string | undefined, product: BinanceProduct): QueryParams {
  return symbol === undefined ? [] : [["symbol", symbolOf(symbol, product)]];
}

/** The unsigned Binance request for `op` on `product`. */
export function binanceRequest(op: ExchangeOperation, product: BinanceProduct): BinanceRequest {
  const paths = PATHS[product];
  switch (op.type) {
    case "place_order":
      return placeOrder(op, product);
    case "cancel_order": {
      const symbol = symbolOf(op.symbol, product);
      const target = cancelTarget(op, ORDER_ID, "Binance's numeric orderId");
      const id: [string, string] = target.orderId !== undefined ? ["orderId", target.orderId] : ["origClientOrderId", target.clientOrderId];
      return { method: "DELETE", path: paths.order, params: [["symbol", symbol], id] };
    }
    case "cancel_all":
      return { method: "DELETE", path: paths.cancelAll, params: [["symbol", symbolOf(op.symbol, product)]] };
    // Account and balances take no symbol: Binance refuses a parameter an endpoint does not read.
    case "get_account":
      optionalSymbol(op.symbol, product);
      return { method: "GET", path: paths.account, params: [] };
    case "get_balances":
      optionalSymbol(op.symbol, product);
      return { method: "GET", path: paths.balances, params: [] };
    case "get_positions":
      if (product === "spot") throw new UnsupportedOperationError("Binance spot has no positions (use get_balances)");
      return { method: "GET", path: "/fapi/v2/positionRisk", params: optionalSymbol(op.symbol, product) };
    case "get_open_orders":
      return { method: "GET", path: paths.openOrders, params: optionalSymbol(op.symbol, product) };
  }
}
