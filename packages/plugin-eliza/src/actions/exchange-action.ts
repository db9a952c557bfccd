import type { AirlockClient } from "@airlock/core";
import type { OperatorSettings, ToolOutcome } from "@airlock/core/agent-tools";
import type { ActionResult, HandlerCallback, IAgentRuntime, Memory } from "@elizaos/core";
import { airlockServiceOf } from "../airlock-service.js";
import { resolveExchangeInput } from "../exchange-input.js";
import type { ExchangeKind } from "../exchange-templates.js";
import { askFor, logOutcome, notConfigured, refuse, reply } from "../outcome-reply.js";

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
export async function handleExchangeAction(
  actionName: string,
  kind: ExchangeKind,
  runtime: IAgentRuntime,
  message: Memory,
  callback: HandlerCallback | undefined,
  run: (client: AirlockClient, input: unknown, operator: OperatorSettings) => Promise<ToolOutcome>,
): Promise<ActionResult> {
  const service = airlockServiceOf(runtime);
  if (service === undefined) return notConfigured(actionName, callback);
  const resolved = await resolveExchangeInput(kind, runtime, message, service.operator);
  switch (resolved.kind) {
    case "missing":
      return askFor(actionName, callback, resolved.missing);
    case "invalid":
      return refuse(actionName, callback, "invalid_input", resolved.summary);
    case "unreadable":
      // The reason only: the model's answer and the message stay out of the logs.
      runtime.logger?.warn({ src: "plugin:airlock", action: actionName, reason: resolved.reason }, "Could not read the exchange request with the model");
      return refuse(actionName, callback, "unreadable_message", resolved.summary);
    case "ready": {
      const outcome = await run(service.client, resolved.input, service.operator);
      logOutcome(runtime, actionName, outcome);
      return reply(actionName, callback, {
        ...presentExchange(outcome),
        data: outcome as unknown as Record<string, unknown>,
        ...(outcome.ok ? {} : { error: outcome.error }),
      });
    }
  }
}
