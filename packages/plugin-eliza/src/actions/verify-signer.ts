import { TOOL_DESCRIPTIONS, runVerifySigner } from "@airlock/core/agent-tools";
import type { Action, ActionExample } from "@elizaos/core";
import { airlockServiceOf } from "../airlock-service.js";
import { handleNoInputAction } from "./tool-action.js";

export const VERIFY_SIGNER = "VERIFY_SIGNER";

const examples: ActionExample[][] = [
  [
    { name: "{{user}}", content: { text: "Can you prove the signer runs the published build?" } },
    { name: "{{agent}}", content: { text: "Let me attest the Airlock signer's enclave.", actions: [VERIFY_SIGNER] } },
  ],
  [
    { name: "{{user}}", content: { text: "Which PCR0 does the signer attest, and is it in the registry?" } },
    { name: "{{agent}}", content: { text: "Verifying the signer's attestation and the registry.", actions: [VERIFY_SIGNER] } },
  ],
];

/**
 * VERIFY_SIGNER: attests the signer now (fresh nonce) against the operator's Nitro trust
 * settings, and reports the enclave measurements, the registry's answer and the receipt key.
 * Takes no parameters: what to trust is the operator's configuration, never the message's.
 * With the keyring backend (no AIRLOCK_NITRO_* settings) it says plainly there is no attestation.
 */
export const verifySignerAction: Action = {
  name: VERIFY_SIGNER,
  similes: ["AIRLOCK_VERIFY_SIGNER", "ATTEST_SIGNER", "VERIFY_ENCLAVE", "CHECK_ATTESTATION", "SIGNER_ATTESTATION"],
  // The same model-facing text as the LangChain and MCP tools.
  description: TOOL_DESCRIPTIONS.verifySigner,
  examples,
  validate: async (runtime) => airlockServiceOf(runtime) !== undefined,
  handler: (runtime, _message, _state, _options, callback) =>
    handleNoInputAction(VERIFY_SIGNER, runtime, callback, runVerifySigner, (outcome) => ({ airlockSignerVerified: outcome.ok })),
};
