import type { ExchangeOperation, PlaceOrder } from "@airlock/core";
import { UnsupportedOperationError } from "../venue-types.js";
import { VenueRequestError } from "./eip712-errors.js";

/**
 * Asterdex Pro API v3 (futures) requests as parameter lists, before the auth fields. Paths and
 * parameter names follow Aster's "aster-finance-futures-api-v3" document (Binance-style names):
 *   POST   /fapi/v3/order          new order
 *   DELETE /fapi/v3/order          cancel by orderId or origClientOrderId
 *   DELETE /fapi/v3/allOpenOrders  cancel all open orders of a symbol
 *   GET    /fapi/v3/account        account information v3
 *   GET    /fapi/v3/balance        futures balances v3
 *   GET    /fapi/v3/positionRisk   positions (symbol optional)
 *   GET    /fapi/v3/openOrders     open orders (symbol optional)
 * Uncertainty, written down: these paths and names were checked against the v3 document; the
 * testnet host (fapi.asterdex-testnet.com) and its chain id 714 come from Aster's testnet
 * document and SDKs. Aster's examples differ on whether `user` accompanies `signer` on trading
 * and user-data requests (the API wallet alone identifies the account); it is sent only when
 * configured.
 */

export type AsterMethod = "GET" | "POST" | "DELETE";

export interface AsterRequest {
  readonly method: AsterMethod;
  readonly path: string;
  /** Business parameters (auth fields are added when signing). */
  readonly params: readonly (readonly [string, string])[];
}

const TIF: ReadonlyMap<string, string> = new Map([
  ["GTC", "GTC"],
  ["IOC", "IOC"],
  ["FOK", "FOK"],
  ["POST_ONLY", "GTX"],
]);

function placeOrder(op: PlaceOrder): AsterRequest {
  const params: [string, string][] = [
    ["symbol", op.symbol],
    ["side", op.side === "buy" ? "BUY" : "SELL"],
    ["type", op.orderType === "market" ? "MARKET" : "LIMIT"],
    ["quantity", op.quantity],
  ];
  if (op.orderType === "limit") {
    if (op.price === undefined) throw new VenueRequestError("INVALID_ORDER", "a limit order needs a price");
    const tif = TIF.get(op.timeInForce ?? "GTC");
    if (tif === undefined) throw new UnsupportedOperationError("Asterdex has no such time in force");
    params.push(["price", op.price], ["timeInForce", tif]);
  }
  // Aster's MARKET orders take no protection price: referencePrice only bounds the notional in policy.
  if (op.reduceOnly === true) params.push(["reduceOnly", "true"]);
  if (op.clientOrderId !== undefined) params.push(["newClientOrderId", op.clientOrderId]);
  return { method: "POST", path: "/fapi/v3/order", params };
}

/** The unsigned Asterdex request for `op`. */
export function asterRequest(op: ExchangeOperation): AsterRequest {
  switch (op.type) {
    case "place_order":
      return placeOrder(op);
    case "cancel_order": {
      if (op.orderId !== undefined && op.clientOrderId === undefined) {
        if (!/^[0-9]{1,19}$/.test(op.orderId)) throw new VenueRequestError("INVALID_ORDER_ID", "an Asterdex orderId is a decimal number");
        return { method: "DELETE", path: "/fapi/v3/order", params: [["symbol", op.symbol], ["orderId", op.orderId]] };
      }
      if (op.clientOrderId !== undefined && op.orderId === undefined) {
        return { method: "DELETE", path: "/fapi/v3/order", params: [["symbol", op.symbol], ["origClientOrderId", op.clientOrderId]] };
      }
      throw new VenueRequestError("INVALID_ORDER_ID", "give exactly one of orderId and clientOrderId");
    }
    case "cancel_all":
      return { method: "DELETE", path: "/fapi/v3/allOpenOrders", params: [["symbol", op.symbol]] };
    // account and balance take no symbol (an unread parameter is an error at Binance-style venues).
    case "get_account":
      return { method: "GET", path: "/fapi/v3/account", params: [] };
    case "get_balances":
      return { method: "GET", path: "/fapi/v3/balance", params: [] };
    case "get_positions":
      return { method: "GET", path: "/fapi/v3/positionRisk", params: op.symbol === undefined ? [] : [["symbol", op.symbol]] };
    case "get_open_orders":
      return { method: "GET", path: "/fapi/v3/openOrders", params: op.symbol === undefined ? [] : [["symbol", op.symbol]] };
    default:
      // Unreachable for a parsed ExchangeOperation; refuses anything else rather than signing it.
      throw new UnsupportedOperationError("unknown operation");
  }
}

/** Percent-encoding of one key or value: RFC 3986 unreserved characters stay, all else is %XX (UTF-8). */
export function formComponent(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * The parameter string that is signed and sent: `key=value` pairs joined by `&`, sorted by key
 * (code-unit order). Aster's skill document says to sort; its API examples sign the string in
 * insertion order, so the server verifies the string as sent. Sorted keys satisfy both readings.
 */
export function paramString(params: readonly (readonly [string, string])[]): string {
  return [...params]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${formComponent(k)}=${formComponent(v)}`)
    .join("&");
}
