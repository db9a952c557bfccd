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
