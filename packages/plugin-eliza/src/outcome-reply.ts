import type { ToolOutcome } from "@airlock/core/agent-tools";
import type { ActionResult, HandlerCallback, IAgentRuntime } from "@elizaos/core";
import type { MissingField } from "./action-input.js";
import type { ExchangeMissingField } from "./exchange-input.js";

const ASK_FOR: Readonly<Record<MissingField | ExchangeMissingField, string>> = {
  calls: "the calls to make (contract address, function name and arguments)",
  accountAddress: "the session account address (0x...) that executes them",
  chainId: "the Starknet network (e.g. SN_SEPOLIA or SN_MAIN)",
  symbol: "the symbol, as the exchange writes it (e.g. BTCUSDT, BTC-USDT or BTC)",
  side: "whether to buy or sell",
  orderType: "market or limit order",
  quantity: "the order size",
  price: "the limit price",
  order: "which order: its order id or client order id, or to cancel all orders of the symbol",
  exchangeAccount: "the exchange account to use",
  venue: "the exchange (binance, binance_futures, bybit, okx, kucoin, kucoin_futures, hyperliquid or asterdex)",
};

/**
 * Sends `text` to the user (one callback) and returns the ActionResult. Everything here comes
 * from a ToolOutcome or from fixed strings: no setting and no secret can reach the text.
 */
export async function reply(
  actionName: string,
  callback: HandlerCallback | undefined,
  result: { success: boolean; text: string; data: Record<string, unknown>; values?: Record<string, unknown>; error?: string },
): Promise<ActionResult> {
  await callback?.({ text: result.text, actions: [actionName] });
  return {
    success: result.success,
    text: result.text,
    data: result.data,
    ...(result.values === undefined ? {} : { values: result.values }),
    ...(result.error === undefined ? {} : { error: result.error }),
  };
}

/** Asks the user for what is missing instead of guessing it. */
export function askFor(actionName: string, callback: HandlerCallback | undefined, missing: readonly (MissingField | ExchangeMissingField)[]): Promise<ActionResult> {
  const text = `I need more details before I ask the signer: ${missing.map((m) => ASK_FOR[m]).join("; ")}. Nothing was signed.`;
  return reply(actionName, callback, { success: false, text, data: { missing: [...missing] }, error: "missing_parameters" });
}

/** The refusal of a request the binding could not build (malformed input, unreadable message). */
export function refuse(actionName: string, callback: HandlerCallback | undefined, error: string, summary: string): Promise<ActionResult> {
  return reply(actionName, callback, { success: false, text: summary, data: { ok: false, error, summary }, error });
}

/** The agent has no configured AirlockService (settings missing or invalid at start). */
export function notConfigured(actionName: string, callback: HandlerCallback | undefined): Promise<ActionResult> {
  return refuse(actionName, callback, "not_configured", "The Airlock signer is not configured for this agent; ask the operator. Nothing was signed.");
}

/** One log line per call: the outcome's kind and ids, never its data or the message. */
export function logOutcome(runtime: IAgentRuntime, actionName: string, outcome: ToolOutcome): void {
  const fields = outcome.ok
    ? { src: "plugin:airlock", action: actionName, ok: true }
    : {
        src: "plugin:airlock",
        action: actionName,
        ok: false,
        error: outcome.error,
        ...(outcome.ruleId === undefined ? {} : { ruleId: outcome.ruleId }),
        ...(outcome.requestId === undefined ? {} : { requestId: outcome.requestId }),
        // An untrusted signer: the stable reason and check code (fixed values, never a setting).
        ...(outcome.reason === undefined ? {} : { reason: outcome.reason }),
        ...(outcome.verifierCode === undefined ? {} : { verifierCode: outcome.verifierCode }),
      };
  if (outcome.ok) runtime.logger?.info(fields, "Airlock signer call done");
  else runtime.logger?.warn(fields, "Airlock signer call refused or failed");
}
