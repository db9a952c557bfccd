import type { ExchangeOperation, PlaceOrder } from "@airlock/core";
import { HmacRequestError } from "./hmac-errors.js";

/**
 * Checks every HMAC venue signer repeats although ExchangeRequest's schema already made them:
 * a signer may be called by code that skipped the schema, and what it signs must be coherent.
 */

type CancelOrder = Extract<ExchangeOperation, { type: "cancel_order" }>;

/** The symbol, if it matches the venue's spelling `pattern` (described by `format`). */
export function venueSymbol(symbol: string, pattern: RegExp, venue: string, format: string): string {
  if (!pattern.test(symbol)) throw new HmacRequestError("INVALID_SYMBOL", `${venue} symbols look like ${format}`);
  return symbol;
}

/** The price of a limit order; refuses a limit without price and a market order with one. */
export function limitPrice(op: PlaceOrder): string | undefined {
  if (op.orderType === "limit") {
    if (op.price === undefined) throw new HmacRequestError("INVALID_REQUEST", "a limit order needs a price");
    return op.price;
  }
  if (op.price !== undefined) throw new HmacRequestError("INVALID_REQUEST", "a market order takes no price");
  if (op.timeInForce !== undefined) throw new HmacRequestError("INVALID_REQUEST", "timeInForce applies to limit orders");
  return undefined;
}

/** What a cancel names: exactly one of the venue's order id and the client order id. */
export type CancelTarget = { readonly orderId: string; readonly clientOrderId?: never } | { readonly clientOrderId: string; readonly orderId?: never };

/** The cancel target; `orderIdPattern` is the venue's order id format (described by `format`). */
export function cancelTarget(op: CancelOrder, orderIdPattern: RegExp, format: string): CancelTarget {
  if (op.orderId !== undefined && op.clientOrderId === undefined) {
    if (!orderIdPattern.test(op.orderId)) throw new HmacRequestError("INVALID_ORDER_ID", `the order id must be ${format}`);
    return { orderId: op.orderId };
  }
  if (op.clientOrderId !== undefined && op.orderId === undefined) return { clientOrderId: op.clientOrderId };
  throw new HmacRequestError("INVALID_REQUEST", "give exactly one of orderId and clientOrderId");
}

/** Refuses a clock value that cannot be a venue timestamp (a programming error, not a refusal). */
export function checkNow(nowMs: number): void {
  if (!Number.isSafeInteger(nowMs) || nowMs <= 0) throw new RangeError("nowMs must be a positive integer (epoch ms)");
}
