import type { z } from "zod";
import type { ExchangeRequest, PlaceOrder, SignedExchangeRequest, Venue } from "../wire/exchange-schemas.js";
import type { SignContext } from "../wire/session-schemas.js";
import type { CallOptions } from "./airlock-client.js";
import type { VenueError } from "./venue-errors.js";

/**
 * The typed shortcuts of AirlockClient for exchange operations (placeOrder, cancelOrder,
 * cancelAllOrders, getExchangeAccount): argument shapes, and their mapping onto the one wire
 * request, ExchangeRequest. The mapping only rearranges fields; validation is the wire
 * schema's, in signExchangeRequest.
 */

/** Which venue account an operation is for, and the audit context. */
export interface ExchangeTarget {
  /** A venue account configured in the sidecar. */
  account: string;
  /** The account's venue (a cross-check: the sidecar refuses another one). */
  venue: Venue;
  context?: z.infer<typeof SignContext>;
}

export type PlaceOrderArgs = ExchangeTarget & Omit<PlaceOrder, "type">;

export type CancelOrderArgs = ExchangeTarget & {
  symbol: string;
  /** Exactly one of orderId and clientOrderId. */
  orderId?: string;
  clientOrderId?: string;
};

export type CancelAllOrdersArgs = ExchangeTarget & { symbol: string };

/** What getExchangeAccount reads. */
export type AccountView = "account" | "balances" | "positions" | "open_orders";

export type GetExchangeAccountArgs = ExchangeTarget & {
  /** Default "account". */
  what?: AccountView;
  symbol?: string;
};

/** The venue's answer to a sent request. */
export interface VenueResponse {
  /** HTTP status. */
  status: number;
  /** 2xx and no venue error in the body. */
  ok: boolean;
  /** The body, parsed as JSON when it is JSON, else its text. */
  body: unknown;
  /** The venue's refusal (its code and message), when it refused. */
  venueError?: VenueError;
}

export interface ExchangeCallOptions extends CallOptions {
  /** Also send the signed request to the venue (default false: sign only). */
  send?: boolean;
}

/** What a shortcut returns: the verified signed request, and the venue's answer when sent. */
export interface ExchangeResult {
  signed: SignedExchangeRequest;
  response?: VenueResponse;
}

/** A shortcut's result when `send: true`. */
export interface SentExchangeResult extends ExchangeResult {
  response: VenueResponse;
}

const READ_TYPE: Readonly<Record<AccountView, "get_account" | "get_balances" | "get_positions" | "get_open_orders">> = {
  account: "get_account",
  balances: "get_balances",
  positions: "get_positions",
  open_orders: "get_open_orders",
};

function target({ account, venue, context }: ExchangeTarget): Pick<ExchangeRequest, "account" | "venue" | "context"> {
  return { account, venue, ...(context === undefined ? {} : { context }) };
}

/** Copies the defined fields of `from` named in `keys` (so absent stays absent under exactOptionalPropertyTypes). */
function defined<T extends object, K extends keyof T>(from: T, keys: readonly K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const k of keys) if (from[k] !== undefined) out[k] = from[k];
  return out;
}

export function placeOrderRequest(args: PlaceOrderArgs): ExchangeRequest {
  const order = defined(args, ["symbol", "side", "orderType", "quantity", "price", "timeInForce", "reduceOnly", "clientOrderId", "referencePrice"] as const);
  return { ...target(args), operation: { type: "place_order", ...order } as PlaceOrder };
}

export function cancelOrderRequest(args: CancelOrderArgs): ExchangeRequest {
  return { ...target(args), operation: { type: "cancel_order", symbol: args.symbol, ...defined(args, ["orderId", "clientOrderId"] as const) } };
}

export function cancelAllOrdersRequest(args: CancelAllOrdersArgs): ExchangeRequest {
  return { ...target(args), operation: { type: "cancel_all", symbol: args.symbol } };
}

export function getExchangeAccountRequest(args: GetExchangeAccountArgs): ExchangeRequest {
  const what = args.what ?? "account";
  // An unknown `what` (from untyped code) goes through as is, for the wire schema to refuse.
  const type = Object.hasOwn(READ_TYPE, what) ? READ_TYPE[what] : (what as never);
  return { ...target(args), operation: { type, ...(args.symbol === undefined ? {} : { symbol: args.symbol }) } };
}
