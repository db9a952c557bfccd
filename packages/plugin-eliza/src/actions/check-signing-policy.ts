import { TOOL_DESCRIPTIONS, runCheckSigningPolicy, type ToolOutcome } from "@airlock/core/agent-tools";
import type { Action, ActionExample } from "@elizaos/core";
import { airlockServiceOf } from "../airlock-service.js";
import { handleSessionAction } from "./session-action.js";

export const CHECK_SIGNING_POLICY = "CHECK_SIGNING_POLICY";

/**
 * The check itself succeeds when the signer answered, whatever its verdict; the verdict goes
 * to `values.airlockPolicyAllowed` (and the rule id) for the actions that follow.
 */
function present(outcome: ToolOutcome): { success: boolean; text: string; values?: Record<string, unknown> } {
  if (!outcome.ok) return { success: false, text: outcome.summary };
  const { allowed, ruleId } = outcome.data as { allowed: boolean; ruleId?: string };
  return {
    success: true,
    text: outcome.summary,
    values: { airlockPolicyAllowed: allowed, ...(ruleId === undefined ? {} : { airlockPolicyRuleId: ruleId }) },
  };
}

const examples: ActionExample[][] = [
  [
    { name: "{{user}}", content: { text: "Would the signer accept a call to upgrade on contract 0x0456def?" } },
    { name: "{{agent}}", content: { text: "Let me dry-run that against the signing policy.", actions: [CHECK_SIGNING_POLICY] } },
  ],
  [
    {
      name: "{{user}}",
      content: { text: "Check whether a transfer on token 0x049d36570d4e46f48e99674bd3fcc84644ddd6b96f7c741b1562b82f9e004dc7 with calldata [0x0123abc, 5, 0] is allowed." },
    },
    { name: "{{agent}}", content: { text: "Checking the policy; nothing will be signed.", actions: [CHECK_SIGNING_POLICY] } },
  ],
];

/**
 * CHECK_SIGNING_POLICY: dry run. Asks the signer whether it would sign these calls and, if not,
 * which rule refuses them. Nothing is signed and no spending budget is used. Parameters as for
 * SIGN_STARKNET_SESSION_TX.
 */
export const checkSigningPolicyAction: Action = {
  name: CHECK_SIGNING_POLICY,
  similes: ["DRY_RUN_SIGNING", "CHECK_AIRLOCK_POLICY", "WOULD_SIGNER_ACCEPT", "EVALUATE_SIGNING_POLICY"],
  // The same model-facing text as the LangChain and MCP tools.
  description: TOOL_DESCRIPTIONS.checkSigningPolicy,
  examples,
  validate: async (runtime) => airlockServiceOf(runtime) !== undefined,
  handler: async (runtime, message, _state, _options, callback) =>
    handleSessionAction(CHECK_SIGNING_POLICY, runtime, message, callback, runCheckSigningPolicy, present),
};
