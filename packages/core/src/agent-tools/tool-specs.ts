import { z } from "zod";

/**
 * The agent-facing tools every framework binding exposes (LangChain, MCP, ElizaOS): fixed
 * names, fixed descriptions written for a model, and the input schemas the model fills. No
 * secret and nothing configurable ever goes into a description.
 */
export const TOOL_NAMES = Object.freeze({
  signSessionTransaction: "airlock_sign_starknet_session_transaction",
  checkSigningPolicy: "airlock_check_signing_policy",
  signerStatus: "airlock_signer_status",
});

export const TOOL_DESCRIPTIONS = Object.freeze({
  signSessionTransaction:
    "Ask the Airlock signer to sign a Starknet session transaction (SNIP-9 outside execution) for the agent's session account. " +
    "Give the calls to make; the signer checks them against its policy and returns the signature, or tells you which rule refused them. " +
    "You never see or need a private key.",
  checkSigningPolicy:
    "Dry run: ask the Airlock signer whether it would sign these calls, and if not which policy rule refuses them. " +
    "Nothing is signed and no spending budget is used.",
  signerStatus:
    "Show the Airlock signer's status: whether it is reachable, the session public keys the agent may use, and a summary of the signing policy (chains, allowlists, spending limits).",
});

export const ToolCall = z.object({
  contractAddress: z.string().max(66).describe("Contract to call: 0x-prefixed hex address"),
  entrypoint: z.string().max(256).describe("Function to call, e.g. transfer, or a 0x-prefixed hex selector"),
  calldata: z
    .array(z.string().max(80))
    .max(256)
    .optional()
    .describe("Arguments as felts (0x-hex or decimal strings). A token transfer is [recipient, amount_low, amount_high]"),
});

/** What the model supplies for a session transaction; the binding adds what the operator fixed. */
export const SessionTransactionToolInput = z.object({
  calls: z.array(ToolCall).min(1).max(64).describe("The calls to execute, in order; all are signed together or none"),
  accountAddress: z.string().max(66).optional().describe("Session account that executes the calls (0x hex); omit to use the configured one"),
  chainId: z.string().max(66).optional().describe("Starknet chain id, e.g. 0x534e5f5345504f4c4941 (SN_SEPOLIA); omit to use the configured one"),
  validForSeconds: z.number().int().min(1).max(86_400).optional().describe("How long the signature stays valid, in seconds (default 300)"),
  nonce: z.string().max(80).optional().describe("Outside-execution nonce; omit to let the binding pick a fresh random one"),
  reason: z.string().max(512).optional().describe("One sentence on why this is needed; recorded in the signer's audit log"),
});
export type SessionTransactionToolInput = z.infer<typeof SessionTransactionToolInput>;

export const SignerStatusToolInput = z.object({});
