import { selectorOf } from "@airlock/core/starknet";

/**
 * The ERC-20 entrypoints that move value, and where their calldata keeps the counterparty and
 * the u256 amount (two felts: low then high 128 bits).
 *
 * - transfer(recipient, amount) moves the account's own tokens.
 * - approve / increase_allowance / increaseAllowance(spender, amount) let the spender move
 *   them later, out of the session's sight: granting an allowance is spending it.
 * - transfer_from / transferFrom(sender, recipient, amount) count too: the account may hold an
 *   allowance from another owner (or from itself), and transfer_from spends it to any
 *   recipient. Leaving it out would let an approve-then-transfer_from pair, or an existing
 *   allowance, move tokens around the per-call cap, the recipient allowlist and the budget.
 *
 * Selectors are matched by value, so a raw 0x selector of any of these names counts as well.
 */
export interface SpendingCallShape {
  /** Canonical entrypoint name, for messages. */
  readonly name: string;
  /** Exact calldata length. */
  readonly calldataLength: 3 | 4;
  /** Index of the recipient (transfers) or spender (allowances). */
  readonly counterpartyIndex: number;
  readonly counterpartyRole: "recipient" | "spender";
  /** Index of amount.low; amount.high follows it. */
  readonly amountLowIndex: number;
}

const TRANSFER: Omit<SpendingCallShape, "name"> = { calldataLength: 3, counterpartyIndex: 0, counterpartyRole: "recipient", amountLowIndex: 1 };
const ALLOWANCE: Omit<SpendingCallShape, "name"> = { calldataLength: 3, counterpartyIndex: 0, counterpartyRole: "spender", amountLowIndex: 1 };
const TRANSFER_FROM: Omit<SpendingCallShape, "name"> = { calldataLength: 4, counterpartyIndex: 1, counterpartyRole: "recipient", amountLowIndex: 2 };

const SHAPES: ReadonlyMap<bigint, SpendingCallShape> = new Map(
  (
    [
      ["transfer", TRANSFER],
      ["approve", ALLOWANCE],
      ["increase_allowance", ALLOWANCE],
      ["increaseAllowance", ALLOWANCE],
      ["transfer_from", TRANSFER_FROM],
      ["transferFrom", TRANSFER_FROM],
    ] as const
  ).map(([name, shape]) => [selectorOf(name), Object.freeze({ name, ...shape })]),
);

/** The names whose selectors count as spending, for docs and tests. */
export const SPENDING_ENTRYPOINTS: readonly string[] = Object.freeze([...SHAPES.values()].map((s) => s.name));

/** How a call with this selector spends, or undefined when it does not. */
export function spendingShapeOf(selector: bigint): SpendingCallShape | undefined {
  return SHAPES.get(selector);
}
