import { TOOL_DESCRIPTIONS, runSignSessionTransaction, type ToolOutcome } from "@airlock/core/agent-tools";
import type { Action, ActionExample } from "@elizaos/core";
import { airlockServiceOf } from "../airlock-service.js";
import { handleSessionAction } from "./session-action.js";

export const SIGN_STARKNET_SESSION_TX = "SIGN_STARKNET_SESSION_TX";

/** A successful signing shows the summary, the message hash and the signature the account needs. */
function present(outcome: ToolOutcome): { success: boolean; text: string; values?: Record<string, unknown> } {
  if (!outcome.ok) return { success: false, text: outcome.summary };
  const { messageHash, signature } = outcome.data as { messageHash: string; signature: string[] };
  return {
    success: true,
    text: `${outcome.summary} Message hash: ${messageHash}. Signature: ${JSON.stringify(signature)}`,
    values: { airlockMessageHash: messageHash, airlockSignature: signature },
  };
}

const examples: ActionExample[][] = [
  [
    {
      name: "{{user}}",
      content: {
        text: "Transfer 1000000 wei of the token at 0x049d36570d4e46f48e99674bd3fcc84644ddd6b96f7c741b1562b82f9e004dc7 to 0x0123abc: calldata [0x0123abc, 1000000, 0]",
      },
    },
    {
      name: "{{agent}}",
      content: { text: "I'll ask the Airlock signer to sign that transfer.", actions: [SIGN_STARKNET_SESSION_TX] },
    },
  ],
  [
    { name: "{{user}}", content: { text: "Sign a call to upgrade on contract 0x0456def." } },
    {
      name: "{{agent}}",
      content: { text: "Asking the signer; it may refuse this under its policy.", actions: [SIGN_STARKNET_SESSION_TX] },
    },
  ],
];

/**
 * SIGN_STARKNET_SESSION_TX: has the Airlock signer sign a SNIP-9 outside execution for the
 * agent's session account. Parameters: `message.content.airlock` or `message.content.calls`
 * when present, else read from the message text by the runtime's small model.
 */
export const signStarknetSessionTxAction: Action = {
  name: SIGN_STARKNET_SESSION_TX,
  similes: ["SIGN_STARKNET_TRANSACTION", "SIGN_SESSION_TRANSACTION", "AIRLOCK_SIGN", "SIGN_OUTSIDE_EXECUTION", "EXECUTE_STARKNET_CALLS"],
  // The same model-facing text as the LangChain and MCP tools.
  description: TOOL_DESCRIPTIONS.signSessionTransaction,
  examples,
  validate: async (runtime) => airlockServiceOf(runtime) !== undefined,
  handler: async (runtime, message, _state, _options, callback) =>
    handleSessionAction(SIGN_STARKNET_SESSION_TX, runtime, message, callback, runSignSessionTransaction, present),
};
