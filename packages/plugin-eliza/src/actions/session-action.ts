import type { AirlockClient } from "@airlock/core";
import type { OperatorSettings, ToolOutcome } from "@airlock/core/agent-tools";
import type { ActionResult, HandlerCallback, IAgentRuntime, Memory } from "@elizaos/core";
import { resolveSessionInput } from "../action-input.js";
import { handleToolAction, type Present } from "./tool-action.js";

export type { Present } from "./tool-action.js";

/**
 * The common handler of the actions that take a session transaction (sign, policy check):
 * parameters from the message (structured content or the model), missing ones asked for, then
 * one call through @airlock/core/agent-tools. Refusals come back as `success: false`, never thrown.
 */
export function handleSessionAction(
  actionName: string,
  runtime: IAgentRuntime,
  message: Memory,
  callback: HandlerCallback | undefined,
  run: (client: AirlockClient, input: unknown, operator: OperatorSettings) => Promise<ToolOutcome>,
  present: Present,
): Promise<ActionResult> {
  return handleToolAction(actionName, "transaction details", runtime, message, callback, resolveSessionInput, run, present);
}
