import type { AirlockClient } from "@airlock/core";
import type { OperatorSettings, ToolOutcome } from "@airlock/core/agent-tools";
import type { ActionResult, HandlerCallback, IAgentRuntime, Memory } from "@elizaos/core";
import { airlockServiceOf } from "../airlock-service.js";
import { askFor, logOutcome, notConfigured, refuse, reply } from "../outcome-reply.js";

/** How an action presents a finished outcome: success flag, text and values for later actions. */
export type Present = (outcome: ToolOutcome) => { success: boolean; text: string; values?: Record<string, unknown> };

/** What reading an action's parameters from a message came to. */
export type ResolvedInput =
  | { kind: "missing"; missing: Parameters<typeof askFor>[2] }
  | { kind: "invalid"; summary: string }
  | { kind: "unreadable"; summary: string; reason: string }
  | { kind: "ready"; input: unknown };

/**
 * The common handler of every Airlock action that takes parameters: read them from the message
 * (structured content or the model, via `resolve`), ask for missing ones instead of guessing,
 * then one call through @airlock/core/agent-tools. Refusals come back as `success: false`,
 * never thrown.
 */
export async function handleToolAction(
  actionName: string,
  what: string,
  runtime: IAgentRuntime,
  message: Memory,
  callback: HandlerCallback | undefined,
  resolve: (runtime: IAgentRuntime, message: Memory, operator: OperatorSettings) => Promise<ResolvedInput>,
  run: (client: AirlockClient, input: unknown, operator: OperatorSettings) => Promise<ToolOutcome>,
  present: Present,
): Promise<ActionResult> {
  const service = airlockServiceOf(runtime);
  if (service === undefined) return notConfigured(actionName, callback);
  const resolved = await resolve(runtime, message, service.operator);
  switch (resolved.kind) {
    case "missing":
      return askFor(actionName, callback, resolved.missing);
    case "invalid":
      return refuse(actionName, callback, "invalid_input", resolved.summary);
    case "unreadable":
      // The reason only: the model's answer and the message stay out of the logs.
      runtime.logger?.warn({ src: "plugin:airlock", action: actionName, reason: resolved.reason }, `Could not read the ${what} with the model`);
      return refuse(actionName, callback, "unreadable_message", resolved.summary);
    case "ready": {
      const outcome = await run(service.client, resolved.input, service.operator);
      logOutcome(runtime, actionName, outcome);
      return reply(actionName, callback, {
        ...present(outcome),
        data: outcome as unknown as Record<string, unknown>,
        ...(outcome.ok ? {} : { error: outcome.error }),
      });
    }
  }
}

/**
 * The handler of an Airlock action that takes no parameters (status, verify signer): one call
 * through @airlock/core/agent-tools on the agent's client, the outcome told as it is.
 */
export async function handleNoInputAction(
  actionName: string,
  runtime: IAgentRuntime,
  callback: HandlerCallback | undefined,
  run: (client: AirlockClient) => Promise<ToolOutcome>,
  values?: (outcome: ToolOutcome) => Record<string, unknown>,
): Promise<ActionResult> {
  const service = airlockServiceOf(runtime);
  if (service === undefined) return notConfigured(actionName, callback);
  const outcome = await run(service.client);
  logOutcome(runtime, actionName, outcome);
  return reply(actionName, callback, {
    success: outcome.ok,
    text: outcome.summary,
    data: outcome as unknown as Record<string, unknown>,
    ...(values === undefined ? {} : { values: values(outcome) }),
    ...(outcome.ok ? {} : { error: outcome.error }),
  });
}
