// Session-signing policy: the rules every request passes before it is signed.
export { evaluateSessionPolicy } from "./session-policy.js";
export {
  deny,
  type PolicyDecision,
  type PolicyDenial,
  type PolicySpendCharge,
  type SessionPolicyInput,
} from "./policy-decision.js";
export { POLICY_RULES, POLICY_RULE_IDS, isPolicyRuleId, type PolicyRuleId } from "./rule-ids.js";
export { spendBudgetKey, spendWindowExceeded } from "./spending-rules.js";
export { SPENDING_ENTRYPOINTS } from "./spending-selectors.js";
export { describePolicy, type PolicySummary, type SpendingLimitSummary, type AllowlistSize } from "./describe-policy.js";

// Trading policy: the rules every exchange request passes before a venue signer signs it.
export { evaluateExchangePolicy, exchangeRuleFor, orderLimitsOf } from "./exchange-policy.js";
export { denyExchange, type ExchangeAllowed, type ExchangeDecision, type ExchangeDenial, type ExchangePolicyInput, type OrderLimit } from "./exchange-decision.js";
export { EXCHANGE_RULES, EXCHANGE_RULE_IDS, isExchangeRuleId, type ExchangeRuleId } from "./exchange-rule-ids.js";
