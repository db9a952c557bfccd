import { describe, expect, it } from "vitest";
import { MemorySpendStore } from "../../src/stores/memory-spend-store.js";
import { recordName } from "../../src/stores/spend-charges.js";
import type { SpendCharge, SpendResult } from "../../src/stores/store-types.js";

/**
 * The memory spend store keeps a running total per budget and, while records arrive in time
 * order, drops and skips expired records from the front instead of passing over all of them.
 * This checks it against the plain model it replaced (sum every record in the window on every
 * call), over random sequences with the clock going backwards, rewritten reservations,
 * releases, charges sharing keys and windows that change for a key.
 */

interface ModelRecord {
  atMs: number;
  amount: bigint;
}

/** The previous implementation's semantics, written as directly as possible. */
class ModelSpendStore {
  private readonly budgets = new Map<string, { windowMs: number; records: Map<string, ModelRecord> }>();
  constructor(private readonly maxRecords: number) {}

  reserve(charges: readonly SpendCharge[], nowMs: number, rid: string): SpendResult {
    for (const key of new Set(charges.map((c) => c.key))) {
      const b = this.budgets.get(key);
      if (!b) continue;
      for (const [name, r] of b.records) if (r.atMs <= nowMs - b.windowMs) b.records.delete(name);
      if (b.records.size === 0) this.budgets.delete(key);
    }
    const result = this.check(charges, nowMs);
    if (!result.ok) return result;
    charges.forEach((c, i) => {
      let b = this.budgets.get(c.key);
      if (!b) {
        b = { windowMs: c.windowMs, records: new Map() };
        this.budgets.set(c.key, b);
      }
      b.windowMs = c.windowMs;
      b.records.set(recordName(rid, i, c.amount), { atMs: nowMs, amount: c.amount });
    });
    return { ok: true };
  }

  check(charges: readonly SpendCharge[], nowMs: number): SpendResult {
    const spent = new Map<string, bigint>();
    const pending = new Map<string, bigint>();
    const counts = new Map<string, number>();
    for (const c of charges) {
      if (spent.has(c.key)) continue;
      let sum = 0n;
      let count = 0;
      for (const r of this.budgets.get(c.key)?.records.values() ?? []) {
        if (r.atMs > nowMs - c.windowMs) {
          sum += r.amount;
          count += 1;
        }
      }
      spent.set(c.key, sum);
      pending.set(c.key, sum);
      counts.set(c.key, count);
    }
    for (let i = 0; i < charges.length; i++) {
      const c = charges[i]!;
      pending.set(c.key, pending.get(c.key)! + c.amount);
      counts.set(c.key, counts.get(c.key)! + 1);
      if (counts.get(c.key)! > this.maxRecords || pending.get(c.key)! > c.max) return { ok: false, index: i, spent: spent.get(c.key)! };
    }
    return { ok: true };
  }

  release(charges: readonly SpendCharge[], rid: string): void {
    charges.forEach((c, i) => {
      const b = this.budgets.get(c.key);
      if (!b) return;
      b.records.delete(recordName(rid, i, c.amount));
      if (b.records.size === 0) this.budgets.delete(c.key);
    });
  }
}

/** Deterministic PRNG (mulberry32), so a failure replays. */
function prng(seed: number): (n: number) => number {
  let a = seed >>> 0;
  return (n) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  };
}

async function compare(seed: number, steps: number, backwardsEvery: number): Promise<void> {
  const rand = prng(seed);
  const maxRecords = 40;
  const store = new MemorySpendStore({ maxRecordsPerKey: maxRecords });
  const model = new ModelSpendStore(maxRecords);
  const keys = ["a", "b", "c"];
  const windows = [50, 200];
  const reservations: { rid: string; charges: SpendCharge[] }[] = [];
  let now = 1_000_000;
  for (let step = 0; step < steps; step++) {
    // Mostly forward, sometimes backwards (clock steps, frozen test clocks), sometimes still.
    now += rand(backwardsEvery) === 0 ? -rand(120) : rand(15);
    const op = rand(10);
    if (op < 6) {
      const charges: SpendCharge[] = Array.from({ length: 1 + rand(3) }, () => {
        const key = keys[rand(keys.length)]!;
        // A key's window is fixed per key here (charges sharing a key must agree), but changes over time.
        const windowMs = windows[(key.charCodeAt(0) + Math.floor(step / 500)) % windows.length]!;
        return { key, amount: BigInt(rand(50)), max: 1_000n, windowMs };
      });
      // Sometimes rewrite an earlier reservation (same id and charges), as a retried reserve does.
      const again = rand(8) === 0 && reservations.length > 0 ? reservations[rand(reservations.length)]! : undefined;
      const sameWindows = again?.charges.every((c) => c.windowMs === charges.find((d) => d.key === c.key)?.windowMs) ?? false;
      const r = again && sameWindows ? again : { rid: `r${step}`, charges };
      const expected = model.reserve(r.charges, now, r.rid);
      expect(await store.reserve(r.charges, now, r.rid), `step ${step} reserve`).toEqual(expected);
      if (expected.ok && r !== again) reservations.push(r);
    } else if (op < 8) {
      const key = keys[rand(keys.length)]!;
      const charges = [{ key, amount: BigInt(rand(300)), max: 1_000n, windowMs: windows[rand(windows.length)]! }];
      expect(await store.check(charges, now), `step ${step} check`).toEqual(model.check(charges, now));
    } else if (reservations.length > 0) {
      const r = reservations.splice(rand(reservations.length), 1)[0]!;
      model.release(r.charges, r.rid);
      await store.release(r.charges, r.rid);
    }
  }
  await store.close();
}

describe("MemorySpendStore running total", () => {
  it("judges exactly like summing the window, with a clock that only moves forward", async () => {
    await compare(1, 3_000, Number.MAX_SAFE_INTEGER);
  });

  it("judges exactly like summing the window when the clock sometimes goes backwards", async () => {
    for (const seed of [2, 3, 4, 5]) await compare(seed, 3_000, 25);
  });

  it("refuses at the record cap and frees the budget as records leave the window", async () => {
    const store = new MemorySpendStore({ maxRecordsPerKey: 3 });
    const c = (amount: bigint): SpendCharge => ({ key: "k", amount, max: 100n, windowMs: 1_000 });
    for (let i = 0; i < 3; i++) expect(await store.reserve([c(10n)], 5_000 + i, `r${i}`)).toEqual({ ok: true });
    expect(await store.reserve([c(1n)], 5_003, "r3")).toEqual({ ok: false, index: 0, spent: 30n });
    // r0 (t=5000) leaves the window at t=6000; r1 and r2 stay.
    expect(await store.reserve([c(1n)], 6_000, "r4")).toEqual({ ok: true });
    // Full again (three records in the window) until r1 (t=5001) leaves at t=6001.
    expect(await store.check([c(0n)], 6_000)).toEqual({ ok: false, index: 0, spent: 21n });
    expect(await store.check([c(89n)], 6_001)).toEqual({ ok: true });
    expect(await store.check([c(90n)], 6_001)).toEqual({ ok: false, index: 0, spent: 11n });
  });
});
