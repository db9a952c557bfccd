import { assertPositiveInt, assertStoreKey } from "./store-args.js";
import type { SpendCharge } from "./store-types.js";

/**
 * Checks and groups the charges of one reserve/check/release call; both spend stores judge
 * exactly this plan, so they agree on every edge case.
 */

/** Largest amount or budget: a Starknet u256. */
export const U256_MAX = (1n << 256n) - 1n;
/** Most charges one call may carry (a request has at most 64 calls). */
export const MAX_CHARGES = 256;
/** Default cap on records (reservation charges) one budget key holds within its window. */
export const DEFAULT_MAX_RECORDS_PER_KEY = 10_000;

/** Reservation ids go into record names `${id}:${index}:${amount}`, so they contain no ':'. */
const RESERVATION_ID = /^[A-Za-z0-9._-]{1,128}$/;

/** One budget key and its limit; charges sharing a key must state the same limit. */
export interface BudgetGroup {
  readonly key: string;
  readonly max: bigint;
  readonly windowMs: number;
}

export interface ChargePlan {
  /** Distinct budget keys, in order of first appearance. */
  readonly groups: readonly BudgetGroup[];
  /** For each charge, the index of its group. */
  readonly groupOf: readonly number[];
}

function assertU256(value: bigint, what: string): void {
  if (typeof value !== "bigint" || value < 0n || value > U256_MAX) throw new RangeError(`${what} must be a u256 bigint`);
}

/** Validates the charges and groups them by key. Throws RangeError on any bad charge. */
export function planCharges(charges: readonly SpendCharge[]): ChargePlan {
  if (!Array.isArray(charges) || charges.length > MAX_CHARGES) {
    throw new RangeError(`charges must be an array of at most ${MAX_CHARGES}`);
  }
  const groups: BudgetGroup[] = [];
  const byKey = new Map<string, number>();
  const groupOf: number[] = [];
  for (const charge of charges) {
    assertStoreKey(charge.key, "charge key");
    assertU256(charge.amount, "charge amount");
    assertU256(charge.max, "charge max");
    assertPositiveInt(charge.windowMs, "charge windowMs");
    let g = byKey.get(charge.key);
    if (g === undefined) {
      g = groups.length;
      byKey.set(charge.key, g);
      groups.push({ key: charge.key, max: charge.max, windowMs: charge.windowMs });
    } else {
      const group = groups[g]!;
      if (group.max !== charge.max || group.windowMs !== charge.windowMs) {
        throw new RangeError("charges sharing a budget key must state the same max and windowMs");
      }
    }
    groupOf.push(g);
  }
  return { groups, groupOf };
}

/** Throws RangeError unless `id` is 1..128 characters of [A-Za-z0-9._-] (a UUID fits). */
export function assertReservationId(id: string): void {
  if (typeof id !== "string" || !RESERVATION_ID.test(id)) {
    throw new RangeError("reservationId must be 1..128 characters of [A-Za-z0-9._-]");
  }
}

/** The record of charge `index` of a reservation: unique per (reservation, charge). */
export function recordName(reservationId: string, index: number, amount: bigint): string {
  return `${reservationId}:${index}:${amount.toString(10)}`;
}
