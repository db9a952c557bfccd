import type { AirlockClient } from "@airlock/core";
import type { OperatorSettings, ToolOutcome } from "@airlock/core/agent-tools";
import type { ActionResult, HandlerCallback, IAgentRuntime, Memory } from "@elizaos/core";
import { resolveSessionInput } from "../action-input.js";
import { airlockServiceOf } from "../airlock-service.js";
import { askFor, logOutcome, notConfigured, refuse, reply } from "../outcome-reply.js";

/** How an action presents a finished outcome: success flag, text and values for later actions. */
export type Present = (outcome: ToolOutcome) => { success: boolean; text: string; values?: Record<string, unknown> };

/**
 * The common handler of the actions that take a session transaction (sign, policy check):
 * parameters from the message (structured content or the model), missing ones asked for, then
 * one call through @airlock/core/agent-tools. Refusals come back as `success: false`, never thrown.
 */
export async function handleSessionAction(
  actionName: string,
  runtime: IAgentRuntime,
  message: Memory,
  callback: HandlerCallback | undefined,
  run: (client: AirlockClient, input: unknown, operator: OperatorSettings) => Promise<ToolOutcome>,
  present: Present,
): Promise<ActionResult> {
  const service = airlockServiceOf(runtime);
  if (service === undefined) return notConfigured(actionName, callback);
  const resolved = await resolveSessionInput(runtime, message, service.operator);
  switch (resolved.kind) {
    case "missing":
      return askFor(actionName, callback, resolved.missing);
    case "invalid":
      return refuse(actionName, callback, "invalid_input", resolved.summary);
    case "unreadable":
      // The reason only: the model's answer and the message stay out of the logs.
      runtime.logger?.warn({ src: "plugin:airlock", action: actionName, reason: resolved.reason }, "Could not read the transaction details with the model");
      return refuse(actionName, callback, "unreadable_message", resolved.summary);
    case "ready": {
      const outcome = await run(service.client, resolved.input, service.operator);
      logOutcome(runtime, actionName, outcome);
      const shown = present(outcome);
      return reply(actionName, callback, {
        ...shown,
        data: outcome as unknown as Record<string, unknown>,
        ...(outcome.ok ? {} : { error: outcome.error }),
      });
    }
  }
}
