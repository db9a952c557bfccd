import { TOOL_DESCRIPTIONS, runSignerStatus } from "@airlock/core/agent-tools";
import type { Action, ActionExample } from "@elizaos/core";
import { airlockServiceOf } from "../airlock-service.js";
import { handleNoInputAction } from "./tool-action.js";

export const AIRLOCK_SIGNER_STATUS = "AIRLOCK_SIGNER_STATUS";

const examples: ActionExample[][] = [
  [
    { name: "{{user}}", content: { text: "Is the signer up? Which session key do you sign with?" } },
    { name: "{{agent}}", content: { text: "Let me ask the Airlock signer for its status.", actions: [AIRLOCK_SIGNER_STATUS] } },
  ],
  [
    { name: "{{user}}", content: { text: "What does the signing policy allow?" } },
    { name: "{{agent}}", content: { text: "Checking the signer's status and policy summary.", actions: [AIRLOCK_SIGNER_STATUS] } },
  ],
];

/**
 * AIRLOCK_SIGNER_STATUS: asks the signer now (not the provider's cache) whether it is reachable,
 * which session public keys the agent may use, and what its policy allows. Takes no parameters.
 */
export const airlockSignerStatusAction: Action = {
  name: AIRLOCK_SIGNER_STATUS,
  similes: ["SIGNER_STATUS", "CHECK_SIGNER", "AIRLOCK_STATUS", "SIGNING_POLICY_SUMMARY"],
  // The same model-facing text as the LangChain and MCP tools.
  description: TOOL_DESCRIPTIONS.signerStatus,
  examples,
  validate: async (runtime) => airlockServiceOf(runtime) !== undefined,
  handler: (runtime, _message, _state, _options, callback) => handleNoInputAction(AIRLOCK_SIGNER_STATUS, runtime, callback, runSignerStatus),
};
