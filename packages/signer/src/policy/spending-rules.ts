import { feltHex, type OutsideCall } from "@airlock/core/starknet";
import type { SpendingLimit } from "../config/config-types.js";
import { deny, type PolicyDecision, type PolicyDenial, type PolicySpendCharge } from "./policy-decision.js";
import { spendingIndexOf, tokenRuleFor } from "./spending-index.js";
import { spendingShapeOf } from "./spending-selectors.js";

const U128_BOUND = 1n << 128n;

/**
 * The budget key of one key's spending on one token within one window:
 * `${keyId}:${tokenHex}:${windowMs}` with tokenHex unpadded lowercase 0x hex and windowMs in
 * decimal (the store adds its prefix). A "*" limit charges each key its own budget, so the key
 * always names the signing key. Token and window never contain ":", so reading the key from the
 * right is unambiguous even though a keyId may contain ":".
 */
export function spendBudgetKey(keyId: string, tokenHex: string, windowMs: number): string {
  return `${keyId}:${tokenHex}:${windowMs}`;
}

/**
 * The spending rules: for every call that spends (see spending-selectors.ts) on a token with a
 * limit for `keyId` ("*" or the key itself), the calldata must have its exact length and u128
 * amount limbs (`spend.malformed_amount`), the amount must not exceed the per-call cap
 * (`spend.per_call_exceeded`) and the counterparty must be allowed (`spend.recipient_not_allowed`).
 * Allowed requests get one charge per (budget, call) for the route to reserve atomically, where
 * several calls on one token add up. The first denial wins and then nothing is charged.
 */
export function evaluateSpending(
  calls: readonly OutsideCall[],
  keyId: string,
  limits: readonly SpendingLimit[],
): PolicyDecision {
  const charges: PolicySpendCharge[] = [];
  if (limits.length === 0) return { allowed: true, charges };
  const index = spendingIndexOf(limits);

  for (let i = 0; i < calls.length; i++) {
    const call = calls[i]!;
    const shape = spendingShapeOf(call.selector);
    if (shape === undefined) continue;
    const rule = tokenRuleFor(index, call.to, keyId);
    if (rule === undefined) continue;

    const data = call.calldata;
    const low = data[shape.amountLowIndex];
    const high = data[shape.amountLowIndex + 1];
    const counterparty = data[shape.counterpartyIndex];
    if (
      data.length !== shape.calldataLength ||
      low === undefined ||
      high === undefined ||
      counterparty === undefined ||
      low >= U128_BOUND ||
      high >= U128_BOUND
    ) {
      return deny(
        "spend.malformed_amount",
        `malformed ${shape.name} calldata for token ${rule.tokenHex}: expected ${shape.calldataLength} felts with u128 amount limbs`,
        i,
      );
    }
    const amount = low + (high << 128n);

    if (rule.maxPerCall !== undefined && amount > rule.maxPerCall) {
      return deny(
        "spend.per_call_exceeded",
        `amount ${amount} exceeds the per-call limit ${rule.maxPerCall} for token ${rule.tokenHex}`,
        i,
      );
    }
    for (const allowed of rule.recipientSets) {
      if (!allowed.has(counterparty)) {
        return deny(
          "spend.recipient_not_allowed",
          `${shape.counterpartyRole} ${feltHex(counterparty)} is not allowed for token ${rule.tokenHex}`,
          i,
        );
      }
    }
    for (const budget of rule.budgets) {
      charges.push({
        key: spendBudgetKey(keyId, rule.tokenHex, budget.windowMs),
        amount,
        max: budget.max,
        windowMs: budget.windowMs,
        token: call.to,
        callIndex: i,
      });
    }
  }
  return { allowed: true, charges };
}

/**
 * The `spend.window_exceeded` denial for the charge the spend store refused (its `index`), with
 * what the store says the window already holds.
 */
export function spendWindowExceeded(charge: PolicySpendCharge, spent: bigint): PolicyDenial {
  return deny(
    "spend.window_exceeded",
    `spending limit for token ${feltHex(charge.token)} exceeded: ${spent} already spent within ${charge.windowMs} ms, ` +
      `${charge.amount} more would pass the limit ${charge.max}`,
    charge.callIndex,
  );
}
