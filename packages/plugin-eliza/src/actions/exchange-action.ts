import type { AirlockClient } from "@airlock/core";
import type { OperatorSettings, ToolOutcome } from "@airlock/core/agent-tools";
import type { ActionResult, HandlerCallback, IAgentRuntime, Memory } from "@elizaos/core";
import { resolveExchangeInput } from "../exchange-input.js";
import type { ExchangeKind } from "../exchange-templates.js";
import { handleToolAction } from "./tool-action.js";

/**
 * How an exchange action shows an outcome: the summary, and for later actions the ids and
 * verdicts as values. A refusal (policy rule, rate limit, the exchange's own error) is
 * `success: false` with the rule id or the venue's code in the data, never an exception.
 */
export function presentExchange(outcome: ToolOutcome): { success: boolean; text: string; values?: Record<string, unknown> } {
  if (!outcome.ok) {
    const values: Record<string, unknown> = {};
    if (outcome.ruleId !== undefined) values["airlockPolicyRuleId"] = outcome.ruleId;
    if (outcome.venueError !== undefined) values["airlockVenueErrorCode"] = outcome.venueError.code;
    return { success: false, text: outcome.summary, ...(Object.keys(values).length === 0 ? {} : { values }) };
  }
  const d = outcome.data as { venue?: string; account?: string; orderId?: string; clientOrderId?: string; allowed?: boolean; ruleId?: string; dryRun?: boolean };
  const values: Record<string, unknown> = {};
  if (d.venue !== undefined) values["airlockVenue"] = d.venue;
  if (d.account !== undefined) values["airlockExchangeAccount"] = d.account;
  if (d.orderId !== undefined) values["airlockOrderId"] = d.orderId;
  if (d.clientOrderId !== undefined) values["airlockClientOrderId"] = d.clientOrderId;
  if (d.dryRun === true) {
    values["airlockPolicyAllowed"] = d.allowed;
    if (d.ruleId !== undefined) values["airlockPolicyRuleId"] = d.ruleId;
  }
  return { success: true, text: outcome.summary, values };
}

/**
 * The common handler of the exchange actions: parameters from the message (structured content
 * or the model, grounded in the message), missing ones asked for, then one call through
 * @airlock/core/agent-tools, which signs through the sidecar and sends to the exchange.
 */
export function handleExchangeAction(
  actionName: string,
  kind: ExchangeKind,
  runtime: IAgentRuntime,
  message: Memory,
  callback: HandlerCallback | undefined,
  run: (client: AirlockClient, input: unknown, operator: OperatorSettings) => Promise<ToolOutcome>,
): Promise<ActionResult> {
  return handleToolAction(actionName, "exchange request", runtime, message, callback, (rt, msg, op) => resolveExchangeInput(kind, rt, msg, op), run, presentExchange);
}
