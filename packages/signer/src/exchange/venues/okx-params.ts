import type { ExchangeOperation, PlaceOrder } from "@airlock/core";
import { UnsupportedOperationError } from "../venue-types.js";
import { HmacRequestError } from "./hmac-errors.js";
import { cancelTarget, limitPrice } from "./hmac-order-checks.js";
import type { QueryParams } from "./query-string.js";

/**
 * OKX V5 requests, before the OK-ACCESS-* headers. The instrument type follows from the instId
 * spelling: BTC-USDT is SPOT (tdMode cash), BTC-USDT-SWAP a perpetual and BTC-USD-251226 an
 * expiry future (both tdMode cross); option ids are refused.
 *   POST /api/v5/trade/order          {instId, tdMode, side, ordType, px?, sz, tgtCcy?, reduceOnly?, clOrdId?}
 *   POST /api/v5/trade/cancel-order   {instId, ordId | clOrdId}
 *   GET  /api/v5/account/config       account
 *   GET  /api/v5/account/balance      balances
 *   GET  /api/v5/account/positions    positions (?instId=)
 *   GET  /api/v5/trade/orders-pending open orders (?instId=)
 * ordType: market, limit (GTC), ioc, fok, post_only. Spot market orders carry tgtCcy=base_ccy
 * so that sz is the base quantity for buys too (OKX's default for spot market buys is the quote
 * amount). reduceOnly exists only for margin/derivatives, not in cash mode. cancel_all is not
 * signed: OKX's mass-cancel endpoint is for options only; orders are cancelled by id.
 */

export interface OkxRequest {
  readonly method: "GET" | "POST";
  readonly path: string;
  readonly query: QueryParams;
  readonly body?: Readonly<Record<string, string | boolean>>;
  /** Trade endpoints honour an `expTime` deadline header. */
  readonly trade: boolean;
}

const SPOT = /^[A-Z0-9]{1,15}-[A-Z0-9]{1,15}$/;
const DERIVATIVE = /^[A-Z0-9]{1,15}-[A-Z0-9]{1,15}-(?:SWAP|[0-9]{6})$/;
const ORDER_ID = /^[0-9]{1,24}$/;
// OKX: "a combination of case-sensitive alphanumerics, all numbers, or all letters of up to 32 characters".
const CLIENT_ORDER_ID = /^[A-Za-z0-9]{1,32}$/;
const ORD_TYPE: Readonly<Record<string, string>> = { GTC: "limit", IOC: "ioc", FOK: "fok", POST_ONLY: "post_only" };

type TdMode = "cash" | "cross";

/** The instId and its trade mode, or a refusal naming OKX's spelling. */
function instrument(symbol: string): { instId: string; tdMode: TdMode } {
  if (SPOT.test(symbol)) return { instId: symbol, tdMode: "cash" };
  if (DERIVATIVE.test(symbol)) return { instId: symbol, tdMode: "cross" };
  throw new HmacRequestError("INVALID_SYMBOL", "OKX instIds look like BTC-USDT (spot), BTC-USDT-SWAP or BTC-USD-251226 (upper case)");
}

function clientOrderId(id: string): string {
  if (!CLIENT_ORDER_ID.test(id)) throw new HmacRequestError("INVALID_CLIENT_ORDER_ID", "OKX client order ids are 1-32 letters and digits");
  return id;
}

function placeOrder(op: PlaceOrder): OkxRequest {
  const { instId, tdMode } = instrument(op.symbol);
  const price = limitPrice(op);
  if (op.reduceOnly === true && tdMode === "cash") throw new UnsupportedOperationError("OKX spot (cash) orders have no reduce-only flag");
  const body: Record<string, string | boolean> = {
    instId,
    tdMode,
    side: op.side,
    ordType: price === undefined ? "market" : (ORD_TYPE[op.timeInForce ?? "GTC"] ?? "limit"),
  };
  if (price !== undefined) body.px = price;
  body.sz = op.quantity;
  if (price === undefined && tdMode === "cash") body.tgtCcy = "base_ccy";
  if (op.reduceOnly === true) body.reduceOnly = true;
  if (op.clientOrderId !== undefined) body.clOrdId = clientOrderId(op.clientOrderId);
  return { method: "POST", path: "/api/v5/trade/order", query: [], body, trade: true };
}

function read(path: string, symbol: string | undefined, filter: boolean): OkxRequest {
  if (symbol === undefined) return { method: "GET", path, query: [], trade: false };
  const { instId } = instrument(symbol);
  return { method: "GET", path, query: filter ? [["instId", instId]] : [], trade: false };
}

/** The unsigned OKX request for `op`. */
export function okxRequest(op: ExchangeOperation): OkxRequest {
  switch (op.type) {
    case "place_order":
      return placeOrder(op);
    case "cancel_order": {
      const { instId } = instrument(op.symbol);
      const target = cancelTarget(op, ORDER_ID, "OKX's numeric ordId");
      const id = target.orderId !== undefined ? { ordId: target.orderId } : { clOrdId: clientOrderId(target.clientOrderId) };
      return { method: "POST", path: "/api/v5/trade/cancel-order", query: [], body: { instId, ...id }, trade: true };
    }
    case "cancel_all":
      throw new UnsupportedOperationError("OKX has no cancel-all for spot and swaps: cancel orders by id");
    // Account-wide reads: a symbol, when given, must still be an OKX instId; it narrows nothing.
    case "get_account":
      return read("/api/v5/account/config", op.symbol, false);
    case "get_balances":
      return read("/api/v5/account/balance", op.symbol, false);
    case "get_positions":
      return read("/api/v5/account/positions", op.symbol, true);
    case "get_open_orders":
      return read("/api/v5/trade/orders-pending", op.symbol, true);
  }
}
