import type { z } from "zod";
import { ExchangeRequest, type ExchangeOperation, type Venue } from "../wire/exchange-schemas.js";
import { CancelExchangeOrderToolInput, GetExchangeAccountToolInput, PlaceExchangeOrderToolInput } from "./exchange-tool-specs.js";
import type { OperatorSettings } from "./run-tools.js";
import { invalidInput, type ToolFailure } from "./tool-outcome.js";
import { TOOL_NAMES } from "./tool-specs.js";

/**
 * The model's exchange tool input turned into the exact ExchangeRequest the client signs:
 * operator settings applied (they win), numbers written as decimals, and the wire schema's
 * rules checked here so that a refusal names the field in the model's terms. Nothing is sent
 * to the sidecar when this refuses.
 */

const MAX_ISSUES = 5;

/** A tool call's input, checked: the request to sign, and whether it is only a dry run. */
export interface ExchangeToolRequest {
  readonly request: ExchangeRequest;
  readonly dryRun: boolean;
}

type Issue = { path: PropertyKey[]; message: string };

function malformed(issues: readonly Issue[]): ToolFailure {
  // "operation.price" reads as "price": the model filled a flat object.
  const text = issues.slice(0, MAX_ISSUES).map((i) => `${i.path.filter((p) => p !== "operation").map(String).join(".") || "input"}: ${i.message}`);
  return invalidInput(`The order details are malformed: ${text.join("; ")}. Nothing was signed or sent.`);
}

function parse<T extends z.ZodType>(schema: T, input: unknown): z.infer<T> | ToolFailure {
  const parsed = schema.safeParse(input);
  return parsed.success ? parsed.data : malformed(parsed.error.issues);
}

/** The operator's value when set (the model may only repeat it), else the model's, else a refusal. */
function pick<T extends string>(field: string, operator: T | undefined, model: T | undefined): T | ToolFailure {
  if (operator !== undefined) {
    if (model !== undefined && model !== operator) {
      return invalidInput(`The ${field} is fixed by the operator to ${operator}; this agent cannot use another one. Nothing was signed or sent.`);
    }
    return operator;
  }
  return model ?? invalidInput(`The ${field} is required (no default is configured): name the exchange ${field}. Nothing was signed or sent.`);
}

/** A number as the decimal text it was written as (0.001 → "0.001"); the wire schema judges it. */
function decimal(value: string | number | undefined): string | undefined {
  if (value === undefined || typeof value === "string") return value;
  return Number.isFinite(value) ? String(value) : "NaN";
}

function withTarget(
  args: { account?: string | undefined; venue?: Venue | undefined; reason?: string | undefined },
  operator: OperatorSettings,
  toolName: string,
  operation: ExchangeOperation,
): ExchangeRequest | ToolFailure {
  const account = pick("account", operator.exchangeAccount, args.account);
  if (typeof account !== "string") return account;
  const venue = pick("venue", operator.venue, args.venue);
  if (typeof venue !== "string") return venue;
  const context = {
    tool: toolName.slice(0, 64),
    ...(operator.requester === undefined ? {} : { requester: operator.requester.slice(0, 128) }),
    ...(args.reason === undefined ? {} : { reason: args.reason }),
  };
  const parsed = ExchangeRequest.safeParse({ account, venue, operation, context });
  return parsed.success ? parsed.data : malformed(parsed.error.issues);
}

const compact = <T extends Record<string, unknown>>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

/** airlock_place_exchange_order → a place_order request (or a dry run of it). */
export function placeOrderFromToolInput(input: unknown, operator: OperatorSettings): ExchangeToolRequest | ToolFailure {
  const args = parse(PlaceExchangeOrderToolInput, input);
  if ("ok" in args) return args;
  const operation = compact({
    type: "place_order" as const,
    symbol: args.symbol,
    side: args.side,
    orderType: args.orderType,
    quantity: decimal(args.quantity),
    price: decimal(args.price),
    timeInForce: args.timeInForce,
    reduceOnly: args.reduceOnly,
    clientOrderId: args.clientOrderId,
    referencePrice: decimal(args.referencePrice),
  });
  const request = withTarget(args, operator, TOOL_NAMES.placeExchangeOrder, operation as ExchangeOperation);
  return "ok" in request ? request : { request, dryRun: args.dryRun === true };
}

/** airlock_cancel_exchange_order → a cancel_order (one order id) or cancel_all (all: true). */
export function cancelFromToolInput(input: unknown, operator: OperatorSettings): ExchangeToolRequest | ToolFailure {
  const args = parse(CancelExchangeOrderToolInput, input);
  if ("ok" in args) return args;
  const orderId = typeof args.orderId === "number" ? String(args.orderId) : args.orderId;
  const ids = (orderId === undefined ? 0 : 1) + (args.clientOrderId === undefined ? 0 : 1);
  let operation: ExchangeOperation;
  if (args.all === true) {
    if (ids > 0) return invalidInput("Give either all=true (cancel every open order of the symbol) or one order id, not both. Nothing was signed or sent.");
    operation = { type: "cancel_all", symbol: args.symbol };
  } else {
    if (ids !== 1) return invalidInput("Name the order to cancel with exactly one of orderId and clientOrderId, or set all=true to cancel every open order of the symbol. Nothing was signed or sent.");
    operation = compact({ type: "cancel_order" as const, symbol: args.symbol, orderId, clientOrderId: args.clientOrderId });
  }
  const request = withTarget(args, operator, TOOL_NAMES.cancelExchangeOrder, operation);
  return "ok" in request ? request : { request, dryRun: false };
}

const READS = { account: "get_account", balances: "get_balances", positions: "get_positions", open_orders: "get_open_orders" } as const;

/** airlock_get_exchange_account → one of the four reads. */
export function accountReadFromToolInput(input: unknown, operator: OperatorSettings): ExchangeToolRequest | ToolFailure {
  const args = parse(GetExchangeAccountToolInput, input);
  if ("ok" in args) return args;
  const operation: ExchangeOperation = compact({ type: READS[args.what ?? "account"], symbol: args.symbol });
  const request = withTarget(args, operator, TOOL_NAMES.getExchangeAccount, operation);
  return "ok" in request ? request : { request, dryRun: false };
}
