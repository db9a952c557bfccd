import type { z } from "zod";
import type { AirlockClient } from "../client/airlock-client.js";
import { CancelExchangeOrderToolInput, GetExchangeAccountToolInput, PlaceExchangeOrderToolInput } from "./exchange-tool-specs.js";
import { runCancelExchangeOrder, runGetExchangeAccount, runPlaceExchangeOrder } from "./exchange-tools.js";
import { outcomeOfError, type ToolOutcome } from "./tool-outcome.js";
import { runCheckSigningPolicy, runSignerStatus, runSignSessionTransaction, type OperatorSettings } from "./run-tools.js";
import { SessionTransactionToolInput, SignerStatusToolInput, TOOL_DESCRIPTIONS, TOOL_NAMES, VerifySignerToolInput } from "./tool-specs.js";
import { runVerifySigner } from "./verify-signer.js";

type ToolKey = keyof typeof TOOL_NAMES;
type Run = (client: AirlockClient, input: unknown, operator: OperatorSettings) => Promise<ToolOutcome>;

/** One agent tool as every binding registers it. */
export interface AgentToolSpec {
  readonly key: ToolKey;
  readonly name: string;
  readonly title: string;
  readonly description: string;
  readonly schema: z.ZodObject;
  /** MCP-style hints; LangChain ignores them. */
  readonly annotations: { readOnlyHint: boolean; destructiveHint: boolean; idempotentHint: boolean; openWorldHint: boolean };
  /** Never rejects: refusals are outcomes, and anything unexpected becomes a generic one. */
  readonly run: Run;
}

/** A run function that cannot throw into an agent loop (nor carry an exception's own text to the model). */
function settled(run: Run): Run {
  return async (client, input, operator) => {
    try {
      return await run(client, input, operator);
    } catch (err) {
      return outcomeOfError(err);
    }
  };
}

const write = { readOnlyHint: false, destructiveHint: true, idempotentHint: false } as const;
const read = { readOnlyHint: true, destructiveHint: false, idempotentHint: true } as const;

function spec(key: ToolKey, title: string, schema: z.ZodObject, annotations: AgentToolSpec["annotations"], run: Run): AgentToolSpec {
  return Object.freeze({ key, name: TOOL_NAMES[key], title, description: TOOL_DESCRIPTIONS[key], schema, annotations, run: settled(run) });
}

/** The seven Airlock tools, in the order bindings list them: one table, so no binding re-wires them. */
export const AGENT_TOOLS: readonly AgentToolSpec[] = Object.freeze([
  spec("signSessionTransaction", "Sign a Starknet session transaction", SessionTransactionToolInput, { ...write, openWorldHint: false }, runSignSessionTransaction),
  spec("checkSigningPolicy", "Check the signing policy (dry run)", SessionTransactionToolInput, { ...read, openWorldHint: false }, runCheckSigningPolicy),
  spec("signerStatus", "Airlock signer status", SignerStatusToolInput, { ...read, openWorldHint: false }, (client) => runSignerStatus(client)),
  spec("placeExchangeOrder", "Place an exchange order", PlaceExchangeOrderToolInput, { ...write, openWorldHint: true }, runPlaceExchangeOrder),
  spec("cancelExchangeOrder", "Cancel exchange orders", CancelExchangeOrderToolInput, { ...write, idempotentHint: true, openWorldHint: true }, runCancelExchangeOrder),
  spec("getExchangeAccount", "Read an exchange account", GetExchangeAccountToolInput, { ...read, openWorldHint: true }, runGetExchangeAccount),
  // Reads the sidecar's attestation and, when configured, an on-chain registry: the RPC node is the open world.
  spec("verifySigner", "Verify the signer (Nitro attestation)", VerifySignerToolInput, { ...read, openWorldHint: true }, (client) => runVerifySigner(client)),
]);

/** The spec of one tool by key. */
export function agentTool(key: ToolKey): AgentToolSpec {
  return AGENT_TOOLS.find((t) => t.key === key)!;
}
