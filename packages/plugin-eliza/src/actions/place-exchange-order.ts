import { TOOL_DESCRIPTIONS, runPlaceExchangeOrder } from "@airlock/core/agent-tools";
import type { Action, ActionExample } from "@elizaos/core";
import { airlockServiceOf } from "../airlock-service.js";
import { handleExchangeAction } from "./exchange-action.js";

export const PLACE_EXCHANGE_ORDER = "PLACE_EXCHANGE_ORDER";

const examples: ActionExample[][] = [
  [
    { name: "{{user}}", content: { text: "Buy 0.01 BTCUSDT at 50000 on binance futures." } },
    { name: "{{agent}}", content: { text: "Placing a limit buy of 0.01 BTCUSDT at 50000 through the Airlock signer.", actions: [PLACE_EXCHANGE_ORDER] } },
  ],
  [
    { name: "{{user}}", content: { text: "Market sell 0.5 ETH on hyperliquid, worst price 2900." } },
    { name: "{{agent}}", content: { text: "Sending that market sell; the signer's trading policy may refuse it.", actions: [PLACE_EXCHANGE_ORDER] } },
  ],
];

/**
 * PLACE_EXCHANGE_ORDER: places a market or limit order on the agent's exchange account through
 * the Airlock signer (policy-checked, signed with credentials the agent never sees, sent once).
 * Parameters: `message.content.airlock` in the shape of PlaceExchangeOrderToolInput when
 * present, else read from the message text by the runtime's small model.
 */
export const placeExchangeOrderAction: Action = {
  name: PLACE_EXCHANGE_ORDER,
  similes: ["PLACE_ORDER", "EXCHANGE_ORDER", "BUY_ON_EXCHANGE", "SELL_ON_EXCHANGE", "OPEN_POSITION", "TRADE"],
  // The same model-facing text as the LangChain and MCP tools.
  description: TOOL_DESCRIPTIONS.placeExchangeOrder,
  examples,
  validate: async (runtime) => airlockServiceOf(runtime) !== undefined,
  handler: async (runtime, message, _state, _options, callback) =>
    handleExchangeAction(PLACE_EXCHANGE_ORDER, "place", runtime, message, callback, runPlaceExchangeOrder),
};
