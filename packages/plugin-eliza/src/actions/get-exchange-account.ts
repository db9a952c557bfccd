import { TOOL_DESCRIPTIONS, runGetExchangeAccount } from "@airlock/core/agent-tools";
import type { Action, ActionExample } from "@elizaos/core";
import { airlockServiceOf } from "../airlock-service.js";
import { handleExchangeAction } from "./exchange-action.js";

export const GET_EXCHANGE_ACCOUNT = "GET_EXCHANGE_ACCOUNT";

const examples: ActionExample[][] = [
  [
    { name: "{{user}}", content: { text: "What are my balances on the exchange?" } },
    { name: "{{agent}}", content: { text: "Reading the exchange balances through the Airlock signer.", actions: [GET_EXCHANGE_ACCOUNT] } },
  ],
  [
    { name: "{{user}}", content: { text: "Show my open orders for BTCUSDT." } },
    { name: "{{agent}}", content: { text: "Looking up the open BTCUSDT orders.", actions: [GET_EXCHANGE_ACCOUNT] } },
  ],
];

/**
 * GET_EXCHANGE_ACCOUNT: reads the exchange account summary, balances, positions or open
 * orders through the Airlock signer. Nothing is traded. Parameters in the shape of
 * GetExchangeAccountToolInput (`what` defaults to the account summary).
 */
export const getExchangeAccountAction: Action = {
  name: GET_EXCHANGE_ACCOUNT,
  similes: ["EXCHANGE_BALANCES", "EXCHANGE_POSITIONS", "OPEN_ORDERS", "EXCHANGE_ACCOUNT", "CHECK_BALANCE"],
  // The same model-facing text as the LangChain and MCP tools.
  description: TOOL_DESCRIPTIONS.getExchangeAccount,
  examples,
  validate: async (runtime) => airlockServiceOf(runtime) !== undefined,
  handler: async (runtime, message, _state, _options, callback) =>
    handleExchangeAction(GET_EXCHANGE_ACCOUNT, "account", runtime, message, callback, runGetExchangeAccount),
};
