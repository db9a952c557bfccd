/**
 * The registry of trading-policy rule ids, separate from the session policy's POLICY_RULES:
 * every refusal of an exchange request names one of these, so clients, docs and tests branch on
 * a stable id rather than on the message. Listed in evaluation order.
 */
export const EXCHANGE_RULES = Object.freeze({
  "exchange.account_unknown": "The account is not a configured exchange account.",
  "exchange.client_not_allowed": "The exchange account does not list the client among its clients.",
  "exchange.venue_mismatch": "The request's venue is not the venue of the exchange account.",
  "exchange.live_trading_disabled": "The account is a live account and liveTradingEnabled is not set on it.",
  "exchange.no_policy": "No entry of the trading policy covers this client on this account (deny by default).",
  "exchange.operation_not_allowed": "The operation is not in the policy entry's operations.",
  "exchange.symbol_not_allowed": "The operation names a symbol that is not in the policy entry's symbols.",
  "exchange.vault_not_allowed": "The account trades for a Hyperliquid vault that is not in the policy entry's vaults.",
  "exchange.quantity_exceeded": "The order quantity is above the symbol's maxQuantity.",
  "exchange.reference_price_required": "A market order has no referencePrice while the symbol has a maxNotional.",
  "exchange.notional_exceeded": "price × quantity (referencePrice × quantity for a market order) is above the symbol's maxNotional.",
  "exchange.unsupported_operation": "The venue (or its product line) has no such operation (decided by the venue signer).",
  "exchange.invalid_venue_request": "The venue signer cannot express the request (e.g. an unknown Hyperliquid asset, a malformed order id).",
  "exchange.orders_per_minute_exceeded": "The client placed ordersPerMinute orders on this account in the current minute (shared across instances).",
  "exchange.orders_per_day_exceeded": "The client placed ordersPerDay orders on this account in the current UTC day (shared across instances).",
} as const);

/** A rule id of the exchange registry. */
export type ExchangeRuleId = keyof typeof EXCHANGE_RULES;

/** Every exchange rule id, in evaluation order. */
export const EXCHANGE_RULE_IDS: readonly ExchangeRuleId[] = Object.freeze(Object.keys(EXCHANGE_RULES) as ExchangeRuleId[]);

/** True when `value` is a registered exchange rule id. */
export function isExchangeRuleId(value: unknown): value is ExchangeRuleId {
  return typeof value === "string" && Object.prototype.hasOwnProperty.call(EXCHANGE_RULES, value);
}
