import type { AirlockClient } from "@airlock/core";
import { AGENT_TOOLS, TOOL_NAMES, toolOutputText, type OperatorSettings, type ToolOutcome } from "@airlock/core/agent-tools";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import { MCP_REQUESTER } from "./env-settings.js";

/** Name and version this server announces to MCP clients. */
export const SERVER_INFO = Object.freeze({ name: "airlock", version: "0.1.0" });

/**
 * Largest combined number of array elements and object members of one tool call's arguments.
 * The biggest valid request (64 calls of 256 calldata felts) has under 17 000; anything larger
 * is refused before it is parsed.
 */
export const MAX_TOOL_INPUT_ELEMENTS = 20_000;

const INSTRUCTIONS =
  "Airlock signs Starknet session transactions for this agent without ever exposing a private key. " +
  `Call ${TOOL_NAMES.signerStatus} to see which keys and chains the signer allows, ` +
  `${TOOL_NAMES.checkSigningPolicy} for a dry run, and ${TOOL_NAMES.signSessionTransaction} to get a signature. ` +
  "A refusal names the policy rule that applied; do not retry a refused request unchanged. " +
  `For crypto exchange accounts: ${TOOL_NAMES.getExchangeAccount} reads balances, positions and open orders, ` +
  `${TOOL_NAMES.placeExchangeOrder} places an order (dryRun: true only checks the trading policy), ${TOOL_NAMES.cancelExchangeOrder} cancels. ` +
  "An exchange's own refusal comes back as error venue_error with its code and message. " +
  `${TOOL_NAMES.verifySigner} attests a signer that runs in a Nitro Enclave and reports its measurements, registry status and receipt key; ` +
  "a signer that fails verification is refused (error untrusted_signer) and nothing is sent to it.";

/**
 * What every tool returns, declared so clients know the structured result. Loose on purpose
 * (plain strings, optional fields, extra fields allowed): it describes ToolOutcome without
 * pinning its enums, so a field core adds later does not fail a client's output validation.
 */
const ToolOutcomeShape = {
  ok: z.boolean().describe("true when the signer answered; false for a refusal or failure (isError is then true)"),
  summary: z.string().describe("One readable sentence on what happened"),
  data: z.record(z.string(), z.unknown()).optional().describe("The signer's answer (signature, verdict or status) when ok"),
  error: z.string().optional().describe("Kind of refusal: policy_denied, rate_limited, invalid_input, unavailable, untrusted_signer, ..."),
  ruleId: z.string().optional().describe("The policy rule that refused the request"),
  retryAfterMs: z.number().optional().describe("When to try again after a rate limit"),
  requestId: z.string().optional().describe("The signer's request id, to find its audit record"),
  venueError: z
    .object({ code: z.string(), message: z.string(), status: z.number() })
    .optional()
    .describe("venue_error: the exchange's own error code and message, and its HTTP status"),
  reason: z.string().optional().describe("untrusted_signer: why the signer is not trusted (attestation_invalid, registry, receipt_invalid, ...)"),
  verifierCode: z.string().optional().describe("untrusted_signer: the failed check (PCR_NOT_ALLOWED, NOT_ACTIVE, OWNER_MISMATCH, ...)"),
};
// Fails to compile if ToolOutcome ever stops fitting the declared output schema.
const ToolOutcomeSchema = z.looseObject(ToolOutcomeShape);
type DeclaredOutcome = z.infer<typeof ToolOutcomeSchema>;
const _outcomeFits = (o: ToolOutcome): DeclaredOutcome => o;
void _outcomeFits;

/** The MCP result of a tool outcome: a refusal is a result with isError true, never a protocol error. */
export function outcomeResult(outcome: ToolOutcome): CallToolResult {
  return { content: [{ type: "text", text: toolOutputText(outcome) }], structuredContent: outcome, isError: !outcome.ok };
}

/** Options of createAirlockMcpServer. */
export interface AirlockMcpServerOptions {
  /** The signer client; the caller owns it (and closes it). */
  readonly client: AirlockClient;
  /** What the operator fixed (key, account, chain); the requester defaults to "mcp". */
  readonly operator?: OperatorSettings | undefined;
}

/**
 * An MCP server exposing the seven Airlock tools (sign, policy dry run, status; place, cancel
 * and read on exchange accounts; verify the signer's Nitro attestation) backed by `client`. Connect it to a transport (stdio, in-memory, HTTP) with `server.connect()`.
 * Nothing runs until then; the server holds no crypto and no policy of its own.
 */
export function createAirlockMcpServer({ client, operator }: AirlockMcpServerOptions): McpServer {
  const settings: OperatorSettings = { ...operator, requester: operator?.requester ?? MCP_REQUESTER };
  const server = new McpServer(SERVER_INFO, {
    instructions: INSTRUCTIONS,
    maxToolInputElements: MAX_TOOL_INPUT_ELEMENTS,
  });

  for (const spec of AGENT_TOOLS) {
    server.registerTool(
      spec.name,
      {
        title: spec.title,
        description: spec.description,
        inputSchema: spec.schema.shape,
        outputSchema: ToolOutcomeSchema,
        annotations: spec.annotations,
      },
      // The table's run functions never throw: a refusal is a result with isError true.
      async (args: unknown) => outcomeResult(await spec.run(client, args, settings)),
    );
  }
  return server;
}
