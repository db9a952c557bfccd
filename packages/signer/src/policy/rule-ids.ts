/**
 * The registry of session-policy rule ids. Every denial the policy engine (or the route, for
 * `spend.window_exceeded`) produces names one of these ids, so clients, docs and tests can
 * branch on a stable identifier instead of the human-readable message.
 */
export const POLICY_RULES = Object.freeze({
  "key.unknown": "The keyId is not one of the configured signing keys.",
  "key.not_allowed": "The client may not use this keyId (its allowlist from the environment or the policy file).",
  "account.not_allowed": "The client may not sign for this account address.",
  "validity.expired": "validUntil is not later than the current time.",
  "validity.too_far": "validUntil lies beyond the maximum validity window (the smaller of the global and the client's).",
  "chain.not_allowed": "The chainId is outside the global or the client's chain allowlist.",
  "call.self_call": "A call targets the account itself.",
  "call.denied_selector": "A call invokes a denied selector (the global denylist or the client's extra one).",
  "call.contract_not_allowed": "A call targets a contract outside the client's contract allowlist.",
  "call.entrypoint_not_allowed": "A call invokes a selector outside the client's entrypoint allowlist.",
  "spend.malformed_amount": "A spending call on a limited token has calldata of the wrong length or an amount limb of 2^128 or more.",
  "spend.per_call_exceeded": "A spending call on a limited token moves more than the per-call limit.",
  "spend.recipient_not_allowed": "A spending call on a limited token names a recipient or spender outside the token's allowlist.",
  "spend.window_exceeded": "The request would exceed a rolling-window spending budget (decided by the spend store).",
} as const);

/** A rule id of the registry. */
export type PolicyRuleId = keyof typeof POLICY_RULES;

/** Every rule id, in evaluation order. */
export const POLICY_RULE_IDS: readonly PolicyRuleId[] = Object.freeze(Object.keys(POLICY_RULES) as PolicyRuleId[]);

/** True when `value` is a registered rule id. */
export function isPolicyRuleId(value: unknown): value is PolicyRuleId {
  return typeof value === "string" && Object.prototype.hasOwnProperty.call(POLICY_RULES, value);
}
