import { TOOL_DESCRIPTIONS, runCancelExchangeOrder } from "@airlock/core/agent-tools";
import type { Action, ActionExample } from "@elizaos/core";
import { airlockServiceOf } from "../airlock-service.js";
import { handleExchangeAction } from "./exchange-action.js";

export const CANCEL_EXCHANGE_ORDER = "CANCEL_EXCHANGE_ORDER";

const examples: ActionExample[][] = [
  [
    { name: "{{user}}", content: { text: "Cancel order 8389765 on BTCUSDT." } },
    { name: "{{agent}}", content: { text: "Cancelling order 8389765 through the Airlock signer.", actions: [CANCEL_EXCHANGE_ORDER] } },
  ],
  [
    { name: "{{user}}", content: { text: "Cancel all my open ETHUSDT orders." } },
    { name: "{{agent}}", content: { text: "Cancelling every open ETHUSDT order.", actions: [CANCEL_EXCHANGE_ORDER] } },
  ],
];

/**
 * CANCEL_EXCHANGE_ORDER: cancels one order (by the exchange's order id or the client order id)
 * or every open order of a symbol, through the Airlock signer. Parameters as for
 * PLACE_EXCHANGE_ORDER, in the shape of CancelExchangeOrderToolInput.
 */
export const cancelExchangeOrderAction: Action = {
  name: CANCEL_EXCHANGE_ORDER,
  similes: ["CANCEL_ORDER", "CANCEL_ALL_ORDERS", "REVOKE_ORDER", "PULL_ORDER"],
  // The same model-facing text as the LangChain and MCP tools.
  description: TOOL_DESCRIPTIONS.cancelExchangeOrder,
  examples,
  validate: async (runtime) => airlockServiceOf(runtime) !== undefined,
  handler: async (runtime, message, _state, _options, callback) =>
    handleExchangeAction(CANCEL_EXCHANGE_ORDER, "cancel", runtime, message, callback, runCancelExchangeOrder),
};
