import {
  assertReservationId,
  DEFAULT_MAX_RECORDS_PER_KEY,
  planCharges,
  recordName,
  type ChargePlan,
} from "./spend-charges.js";
import { assertNowMs, assertPositiveInt } from "./store-args.js";
import { StoreUnavailableError, type SpendCharge, type SpendResult, type SpendStore } from "./store-types.js";
import { SweptMap } from "./swept-map.js";

/** Default hard cap on budget keys held at once (keys come from the configured limits). */
export const DEFAULT_MEMORY_SPEND_KEYS = 100_000;

export interface MemorySpendStoreOptions {
  /** Records one key may hold within its window (default DEFAULT_MAX_RECORDS_PER_KEY). */
  readonly maxRecordsPerKey?: number;
  /** Budget keys held at once (default DEFAULT_MEMORY_SPEND_KEYS). */
  readonly maxKeys?: number;
}

interface SpendRecord {
  readonly atMs: number;
  readonly amount: bigint;
}

interface Budget {
  windowMs: number;
  /** Latest record time, so the sweeper can drop a budget whose records all left the window. */
  lastAtMs: number;
  /** Record name → record; the same naming and replace-on-rewrite as the Redis sorted set. */
  readonly records: Map<string, SpendRecord>;
  /** Sum of every record's amount (the Redis store keeps the same running total). */
  total: bigint;
  /**
   * True while `records` iterates in non-decreasing atMs, as it does whenever the clock does
   * not go backwards: then the records that left a window are a prefix of the map, and a
   * reservation costs O(records leaving) instead of a pass over every record (10,000 records
   * per budget took ~130 µs a request). Any out-of-order record clears it; the full pass,
   * which stays as the fallback, sets it again when the order is restored.
   */
  ordered: boolean;
  /** atMs of the record added last (meaningful while `ordered`). */
  tailAtMs: number;
}

function newBudget(windowMs: number, nowMs: number): Budget {
  return { windowMs, lastAtMs: nowMs, records: new Map(), total: 0n, ordered: true, tailAtMs: -Infinity };
}

/** Adds (or rewrites, moving it last, as ZADD re-scores) one record, keeping total and order. */
function putRecord(budget: Budget, name: string, record: SpendRecord): void {
  const old = budget.records.get(name);
  if (old !== undefined) {
    budget.records.delete(name);
    budget.total -= old.amount;
  }
  if (budget.records.size > 0 && record.atMs < budget.tailAtMs) budget.ordered = false;
  budget.records.set(name, record);
  budget.total += record.amount;
  budget.tailAtMs = record.atMs;
}

/** Removes one record by name, keeping the total. */
function removeRecord(budget: Budget, name: string): void {
  const old = budget.records.get(name);
  if (old === undefined) return;
  budget.records.delete(name);
  budget.total -= old.amount;
}

/** Sum and count of the records with atMs > cutoff: the running total minus the ordered prefix that left. */
function liveRecords(budget: Budget, cutoff: number): { sum: bigint; count: number } {
  if (budget.ordered) {
    let sum = budget.total;
    let count = budget.records.size;
    for (const record of budget.records.values()) {
      if (record.atMs > cutoff) break;
      sum -= record.amount;
      count -= 1;
    }
    return { sum, count };
  }
  let sum = 0n;
  let count = 0;
  for (const record of budget.records.values()) {
    if (record.atMs > cutoff) {
      sum += record.amount;
      count += 1;
    }
  }
  return { sum, count };
}

/**
 * Rolling-window budgets for one sidecar instance, judged exactly like the Redis store: a
 * record counts while `atMs > nowMs - windowMs`, reserve() first drops the records that left
 * the window, charges sharing a key add up, and nothing is recorded unless every charge fits.
 * A key already holding `maxRecordsPerKey` records in its window refuses further charges as if
 * over budget. Budgets whose records all expired are swept a bounded batch at a time.
 */
export class MemorySpendStore implements SpendStore {
  private readonly budgets: SweptMap<Budget>;
  private readonly maxRecords: number;
  private closed = false;

  constructor(options: MemorySpendStoreOptions = {}) {
    this.maxRecords = options.maxRecordsPerKey ?? DEFAULT_MAX_RECORDS_PER_KEY;
    assertPositiveInt(this.maxRecords, "maxRecordsPerKey");
    const maxEntries = options.maxKeys ?? DEFAULT_MEMORY_SPEND_KEYS;
    assertPositiveInt(maxEntries, "maxKeys");
    this.budgets = new SweptMap<Budget>((b, nowMs) => b.lastAtMs <= nowMs - b.windowMs, { maxEntries });
  }

  async reserve(charges: readonly SpendCharge[], nowMs: number, reservationId: string): Promise<SpendResult> {
    assertReservationId(reservationId);
    const plan = this.prepare(charges, nowMs);
    this.budgets.tick(nowMs);
    for (const group of plan.groups) this.dropExpired(group.key, nowMs);
    const result = this.judge(plan, charges, nowMs);
    if (!result.ok || charges.length === 0) return result;
    const missing = plan.groups.filter((g) => this.budgets.get(g.key) === undefined).length;
    if (missing > 0 && !this.budgets.hasRoom(nowMs, missing)) throw new StoreUnavailableError("spend");
    charges.forEach((charge, i) => {
      const group = plan.groups[plan.groupOf[i]!]!;
      let budget = this.budgets.get(group.key);
      if (budget === undefined) {
        budget = newBudget(group.windowMs, nowMs);
        this.budgets.set(group.key, budget);
      }
      budget.windowMs = group.windowMs;
      budget.lastAtMs = Math.max(budget.lastAtMs, nowMs);
      putRecord(budget, recordName(reservationId, i, charge.amount), { atMs: nowMs, amount: charge.amount });
    });
    return { ok: true };
  }

  async check(charges: readonly SpendCharge[], nowMs: number): Promise<SpendResult> {
    return this.judge(this.prepare(charges, nowMs), charges, nowMs);
  }

  async release(charges: readonly SpendCharge[], reservationId: string): Promise<void> {
    assertReservationId(reservationId);
    const plan = planCharges(charges);
    if (this.closed) throw new StoreUnavailableError("spend");
    charges.forEach((charge, i) => {
      const key = plan.groups[plan.groupOf[i]!]!.key;
      const budget = this.budgets.get(key);
      if (budget === undefined) return;
      removeRecord(budget, recordName(reservationId, i, charge.amount));
      if (budget.records.size === 0) this.budgets.delete(key);
    });
  }

  async ping(): Promise<void> {
    if (this.closed) throw new StoreUnavailableError("spend");
  }

  /** Forgets every budget; later calls throw StoreUnavailableError. */
  async close(): Promise<void> {
    this.closed = true;
    this.budgets.clear();
  }

  private prepare(charges: readonly SpendCharge[], nowMs: number): ChargePlan {
    const plan = planCharges(charges);
    assertNowMs(nowMs);
    if (this.closed) throw new StoreUnavailableError("spend");
    return plan;
  }

  private dropExpired(key: string, nowMs: number): void {
    const budget = this.budgets.get(key);
    if (budget === undefined) return;
    const cutoff = nowMs - budget.windowMs;
    if (budget.ordered) {
      // Deleting the entry just visited is safe while iterating a Map.
      for (const [name, record] of budget.records) {
        if (record.atMs > cutoff) break;
        budget.records.delete(name);
        budget.total -= record.amount;
      }
    } else {
      // Full pass; it also finds out whether what stays is back in order.
      let ordered = true;
      let tail = -Infinity;
      for (const [name, record] of budget.records) {
        if (record.atMs <= cutoff) {
          budget.records.delete(name);
          budget.total -= record.amount;
        } else {
          if (record.atMs < tail) ordered = false;
          tail = record.atMs;
        }
      }
      budget.ordered = ordered;
      budget.tailAtMs = tail;
    }
    if (budget.records.size === 0) this.budgets.delete(key);
  }

  /** The first charge that does not fit, with what its window already holds; else ok. */
  private judge(plan: ChargePlan, charges: readonly SpendCharge[], nowMs: number): SpendResult {
    const spent: bigint[] = [];
    const pending: bigint[] = [];
    const counts: number[] = [];
    for (const group of plan.groups) {
      const budget = this.budgets.get(group.key);
      const { sum, count } = budget === undefined ? { sum: 0n, count: 0 } : liveRecords(budget, nowMs - group.windowMs);
      spent.push(sum);
      pending.push(sum);
      counts.push(count);
    }
    for (let i = 0; i < charges.length; i++) {
      const g = plan.groupOf[i]!;
      pending[g]! += charges[i]!.amount;
      counts[g]! += 1;
      if (counts[g]! > this.maxRecords || pending[g]! > plan.groups[g]!.max) {
        return { ok: false, index: i, spent: spent[g]! };
      }
    }
    return { ok: true };
  }
}
