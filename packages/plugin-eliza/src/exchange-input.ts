import { CancelExchangeOrderToolInput, GetExchangeAccountToolInput, PlaceExchangeOrderToolInput, type OperatorSettings } from "@airlock/core/agent-tools";
import type { IAgentRuntime, Memory } from "@elizaos/core";
import type { z } from "zod";
import { ExchangeGrounding } from "./exchange-grounding.js";
import { exchangePrompt, type ExchangeKind } from "./exchange-templates.js";
import { extractWithModel, isPlainObject } from "./extract-with-model.js";

/** Exchange fields the user may have to supply; named in `data.missing` when absent. */
export type ExchangeMissingField = "symbol" | "side" | "orderType" | "quantity" | "price" | "order" | "exchangeAccount" | "venue";

export type ExchangeInput =
  | { kind: "ready"; input: Record<string, unknown>; source: "content" | "model" }
  | { kind: "missing"; missing: ExchangeMissingField[]; source: "content" | "model" }
  | { kind: "invalid"; summary: string; source: "content" | "model" }
  | { kind: "unreadable"; reason: "model_failed" | "not_json"; summary: string };

const SCHEMAS: Readonly<Record<ExchangeKind, z.ZodType>> = {
  place: PlaceExchangeOrderToolInput,
  cancel: CancelExchangeOrderToolInput,
  account: GetExchangeAccountToolInput,
};

const UNREADABLE: Readonly<Record<ExchangeKind, string>> = {
  place: "I could not read the order from your message, so nothing was signed or sent. Please state the symbol, buy or sell, the size, and market or limit (with the price).",
  cancel: "I could not read which order to cancel, so nothing was signed or sent. Please state the symbol and the order id (or say to cancel all orders of the symbol).",
  account: "I could not read what to look up, so nothing was signed or sent. Please say whether you want the account, balances, positions or open orders.",
};

/**
 * The parameters of an exchange action, from the message:
 * 1. `message.content.airlock`: an object in the shape of the matching tool input
 *    (PlaceExchangeOrderToolInput, CancelExchangeOrderToolInput, GetExchangeAccountToolInput),
 *    used as given (it comes from code);
 * 2. else the message text, read by the runtime's small model with the action's template,
 *    keeping only values the message states (ExchangeGrounding).
 * Whatever is missing is reported, never guessed.
 */
export async function resolveExchangeInput(kind: ExchangeKind, runtime: IAgentRuntime, message: Memory, operator: OperatorSettings): Promise<ExchangeInput> {
  const content = (message.content ?? {}) as Record<string, unknown>;
  if (content["airlock"] !== undefined) {
    const given = content["airlock"];
    if (!isPlainObject(given)) return { kind: "invalid", source: "content", summary: "message.content.airlock must be an object. Nothing was signed or sent." };
    return check(kind, given, operator, "content");
  }
  const text = typeof content["text"] === "string" ? content["text"] : "";
  if (text.trim() === "") return { kind: "missing", missing: missingOf(kind, {}, operator), source: "model" };
  const extraction = await extractWithModel(runtime, exchangePrompt(kind, text, operator));
  if (!extraction.ok) return { kind: "unreadable", reason: extraction.reason, summary: UNREADABLE[kind] };
  return check(kind, grounded(kind, extraction.value, text), operator, "model");
}

/** The model's answer, reduced to the known fields the message states. */
function grounded(kind: ExchangeKind, answer: Record<string, unknown>, text: string): Record<string, unknown> {
  const g = new ExchangeGrounding(text);
  const out: Record<string, unknown> = {};
  const keep = (field: string, ok: (v: unknown) => boolean) => {
    const v = answer[field];
    if (v !== undefined && v !== null && v !== "" && ok(v)) out[field] = v;
  };
  const token = (v: unknown) => (typeof v === "string" || typeof v === "number") && g.hasToken(v);
  const word = (v: unknown) => typeof v === "string" && g.says(v);
  keep("symbol", token);
  keep("account", token);
  keep("venue", (v) => typeof v === "string" && g.namesVenue(v));
  keep("reason", (v) => typeof v === "string");
  if (kind === "place") {
    keep("side", word);
    keep("quantity", token);
    keep("price", token);
    // A stated price makes a limit order even when the word "limit" is not there.
    keep("orderType", (v) => word(v) || (v === "limit" && out["price"] !== undefined));
    keep("timeInForce", word);
    keep("reduceOnly", (v) => v === true && g.mentions("reduce_only"));
    keep("clientOrderId", token);
    keep("referencePrice", token);
    keep("dryRun", (v) => v === true && g.mentions("dry_run"));
  } else if (kind === "cancel") {
    keep("orderId", token);
    keep("clientOrderId", token);
    keep("all", (v) => v === true && g.mentions("all"));
  } else {
    keep("what", word);
  }
  return out;
}

function missingOf(kind: ExchangeKind, c: Record<string, unknown>, operator: OperatorSettings): ExchangeMissingField[] {
  const missing: ExchangeMissingField[] = [];
  const absent = (field: string) => c[field] === undefined;
  if (kind === "place") {
    for (const field of ["symbol", "side", "orderType", "quantity"] as const) if (absent(field)) missing.push(field);
    if (c["orderType"] === "limit" && absent("price")) missing.push("price");
  }
  if (kind === "cancel") {
    if (absent("symbol")) missing.push("symbol");
    if (absent("orderId") && absent("clientOrderId") && c["all"] !== true) missing.push("order");
  }
  if (absent("account") && operator.exchangeAccount === undefined) missing.push("exchangeAccount");
  if (absent("venue") && operator.venue === undefined) missing.push("venue");
  return missing;
}

function check(kind: ExchangeKind, candidate: Record<string, unknown>, operator: OperatorSettings, source: "content" | "model"): ExchangeInput {
  const missing = missingOf(kind, candidate, operator);
  if (missing.length > 0) return { kind: "missing", missing, source };
  const parsed = SCHEMAS[kind].safeParse(candidate);
  if (parsed.success) return { kind: "ready", input: parsed.data as Record<string, unknown>, source };
  const issues = parsed.error.issues.slice(0, 5).map((i) => `${i.path.join(".") || "input"}: ${i.message}`);
  return { kind: "invalid", source, summary: `The request details are malformed (${issues.join("; ")}). Nothing was signed or sent.` };
}
