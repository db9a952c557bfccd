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
  placeExchangeOrder: "airlock_place_exchange_order",
  cancelExchangeOrder: "airlock_cancel_exchange_order",
  getExchangeAccount: "airlock_get_exchange_account",
  verifySigner: "airlock_verify_signer",
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
  placeExchangeOrder:
    "Place a market or limit order on a crypto exchange account (Binance, Bybit, OKX, KuCoin, Hyperliquid, Asterdex) through the Airlock signer. " +
    "The signer checks the order against its trading policy (venues, symbols, sizes, order rates), signs it with exchange credentials you never see, and the order goes to the exchange. " +
    "You get the order id, or the policy rule or the exchange error that refused it. Set dryRun to only check the policy.",
  cancelExchangeOrder:
    "Cancel an open order on a crypto exchange account through the Airlock signer: one order by orderId or clientOrderId, or every open order of a symbol with all=true. " +
    "You get the exchange's answer, or the policy rule or the exchange error that refused it.",
  getExchangeAccount:
    "Read a crypto exchange account through the Airlock signer: the account summary, balances, positions or open orders (optionally for one symbol). Nothing is traded.",
  verifySigner:
    "Verify that the Airlock signer is the expected one, by remote attestation of its AWS Nitro Enclave with a fresh nonce. " +
    "Reports the attested enclave measurements (PCR0, PCR1, PCR2, and PCR8 for a signed image), whether the on-chain registry lists that measurement as active for the pinned owner, " +
    "and the receipt key that signs every answer of the signer. Nothing is signed. If it fails, say why and do not rely on the signer until the operator fixes it.",
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

/** airlock_verify_signer takes no input: what to trust is the operator's configuration, never the model's. */
export const VerifySignerToolInput = z.object({});
