import type { AirlockClient } from "@airlock/core";
import {
  CancelExchangeOrderToolInput,
  GetExchangeAccountToolInput,
  outcomeOfError,
  PlaceExchangeOrderToolInput,
  runCancelExchangeOrder,
  runCheckSigningPolicy,
  runGetExchangeAccount,
  runPlaceExchangeOrder,
  runSignerStatus,
  runSignSessionTransaction,
  SessionTransactionToolInput,
  SignerStatusToolInput,
  TOOL_DESCRIPTIONS,
  TOOL_NAMES,
  toolOutputText,
  type OperatorSettings,
  type ToolOutcome,
} from "@airlock/core/agent-tools";
import { tool } from "@langchain/core/tools";

/**
 * Runs one Airlock tool and always resolves with the compact JSON text of its outcome. The
 * run* functions already turn refusals (policy, rate limit, bad input, unreachable signer) into
 * `ok: false` outcomes; this also catches anything unexpected, so a tool call never throws into
 * the agent loop and never carries an error's own text (which could hold anything) to the model.
 */
async function outcomeText(run: () => Promise<ToolOutcome>): Promise<string> {
  try {
    return toolOutputText(await run());
  } catch (err) {
    return toolOutputText(outcomeOfError(err));
  }
}

/** `airlock_sign_starknet_session_transaction`: signs the model's calls, or says which rule refused them. */
export function signSessionTransactionTool(client: AirlockClient, operator: OperatorSettings) {
  return tool((input) => outcomeText(() => runSignSessionTransaction(client, input, operator)), {
    name: TOOL_NAMES.signSessionTransaction,
    description: TOOL_DESCRIPTIONS.signSessionTransaction,
    schema: SessionTransactionToolInput,
  });
}

/** `airlock_check_signing_policy`: the policy dry run; nothing is signed, no budget is used. */
export function checkSigningPolicyTool(client: AirlockClient, operator: OperatorSettings) {
  return tool((input) => outcomeText(() => runCheckSigningPolicy(client, input, operator)), {
    name: TOOL_NAMES.checkSigningPolicy,
    description: TOOL_DESCRIPTIONS.checkSigningPolicy,
    schema: SessionTransactionToolInput,
  });
}

/** `airlock_signer_status`: reachability, the session keys this agent may use, the policy summary. */
export function signerStatusTool(client: AirlockClient) {
  return tool(() => outcomeText(() => runSignerStatus(client)), {
    name: TOOL_NAMES.signerStatus,
    description: TOOL_DESCRIPTIONS.signerStatus,
    schema: SignerStatusToolInput,
  });
}

/**
 * `airlock_place_exchange_order`: places a market or limit order through the sidecar (or, with
 * dryRun, only asks its trading policy); the venue's refusal comes back readable.
 */
export function placeExchangeOrderTool(client: AirlockClient, operator: OperatorSettings) {
  return tool((input) => outcomeText(() => runPlaceExchangeOrder(client, input, operator)), {
    name: TOOL_NAMES.placeExchangeOrder,
    description: TOOL_DESCRIPTIONS.placeExchangeOrder,
    schema: PlaceExchangeOrderToolInput,
  });
}

/** `airlock_cancel_exchange_order`: cancels one order (orderId or clientOrderId) or all of a symbol. */
export function cancelExchangeOrderTool(client: AirlockClient, operator: OperatorSettings) {
  return tool((input) => outcomeText(() => runCancelExchangeOrder(client, input, operator)), {
    name: TOOL_NAMES.cancelExchangeOrder,
    description: TOOL_DESCRIPTIONS.cancelExchangeOrder,
    schema: CancelExchangeOrderToolInput,
  });
}

/** `airlock_get_exchange_account`: account, balances, positions or open orders. */
export function getExchangeAccountTool(client: AirlockClient, operator: OperatorSettings) {
  return tool((input) => outcomeText(() => runGetExchangeAccount(client, input, operator)), {
    name: TOOL_NAMES.getExchangeAccount,
    description: TOOL_DESCRIPTIONS.getExchangeAccount,
    schema: GetExchangeAccountToolInput,
  });
}
