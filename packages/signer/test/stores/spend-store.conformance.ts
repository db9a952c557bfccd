import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { U256_MAX } from "../../src/stores/spend-charges.js";
import { StoreUnavailableError, type SpendCharge, type SpendStore } from "../../src/stores/store-types.js";

export interface SpendHarness {
  readonly store: SpendStore;
  /** The same backend through its own client, as a second sidecar instance sees it. */
  readonly peer?: SpendStore;
  cleanup(): Promise<void>;
}

export type MakeSpendStore = (options?: { maxRecordsPerKey?: number }) => Promise<SpendHarness>;

const W = 60_000;

async function withStore(
  make: MakeSpendStore,
  body: (h: SpendHarness) => Promise<void>,
  options?: { maxRecordsPerKey?: number },
): Promise<void> {
  const h = await make(options);
  try {
    await body(h);
  } finally {
    await h.cleanup();
  }
}

function key(tag: string): string {
  return `${tag}:${randomUUID()}`;
}

function charge(k: string, amount: bigint, max: bigint, windowMs = W): SpendCharge {
  return { key: k, amount, max, windowMs };
}

const rid = (): string => randomUUID();

/**
 * The behaviour every SpendStore must have. Times are explicit `nowMs` values (both backends
 * judge the window from them), so no test waits.
 */
export function runSpendStoreSuite(name: string, make: MakeSpendStore): void {
  describe(`SpendStore conformance: ${name}`, () => {
    const t0 = Date.now();

    it("enforces the per-window maximum, reporting what the window already holds", () =>
      withStore(make, async ({ store }) => {
        const k = key("max");
        expect(await store.reserve([charge(k, 60n, 100n)], t0, rid())).toEqual({ ok: true });
        expect(await store.reserve([charge(k, 40n, 100n)], t0 + 1, rid())).toEqual({ ok: true });
        expect(await store.reserve([charge(k, 1n, 100n)], t0 + 2, rid())).toEqual({ ok: false, index: 0, spent: 100n });
        expect(await store.reserve([charge(k, 0n, 100n)], t0 + 3, rid())).toEqual({ ok: true });
      }));

    it("records nothing when any charge of a reservation does not fit", () =>
      withStore(make, async ({ store }) => {
        const a = key("a");
        const b = key("b");
        expect(await store.reserve([charge(b, 5n, 40n)], t0, rid())).toEqual({ ok: true });
        const result = await store.reserve([charge(a, 10n, 100n), charge(b, 36n, 40n)], t0 + 1, rid());
        expect(result).toEqual({ ok: false, index: 1, spent: 5n });
        // Neither charge was recorded: a's whole budget and the rest of b's are still free.
        expect(await store.reserve([charge(a, 100n, 100n), charge(b, 35n, 40n)], t0 + 2, rid())).toEqual({ ok: true });
      }));

    it("adds up charges that share a key within one reservation", () =>
      withStore(make, async ({ store }) => {
        const k = key("shared");
        expect(await store.reserve([charge(k, 60n, 100n), charge(k, 50n, 100n)], t0, rid())).toEqual({
          ok: false,
          index: 1,
          spent: 0n,
        });
        expect(await store.check([charge(k, 100n, 100n)], t0)).toEqual({ ok: true });
        expect(await store.reserve([charge(k, 40n, 100n), charge(k, 60n, 100n)], t0, rid())).toEqual({ ok: true });
        expect(await store.reserve([charge(k, 1n, 100n)], t0, rid())).toEqual({ ok: false, index: 0, spent: 100n });
      }));

    it("names the first charge that does not fit, in request order", () =>
      withStore(make, async ({ store }) => {
        const a = key("a");
        const b = key("b");
        const result = await store.check([charge(a, 1n, 10n), charge(b, 11n, 10n), charge(a, 20n, 10n)], t0);
        expect(result).toEqual({ ok: false, index: 1, spent: 0n });
      }));

    it("frees amounts as they leave the rolling window", () =>
      withStore(make, async ({ store }) => {
        const k = key("roll");
        const win = 1000;
        expect(await store.reserve([charge(k, 60n, 100n, win)], t0, rid())).toEqual({ ok: true });
        expect(await store.reserve([charge(k, 40n, 100n, win)], t0 + 500, rid())).toEqual({ ok: true });
        expect(await store.reserve([charge(k, 1n, 100n, win)], t0 + 999, rid())).toEqual({
          ok: false,
          index: 0,
          spent: 100n,
        });
        // At t0+1000 the record from t0 is a full window old and no longer counts.
        expect(await store.check([charge(k, 61n, 100n, win)], t0 + 1000)).toEqual({ ok: false, index: 0, spent: 40n });
        expect(await store.reserve([charge(k, 60n, 100n, win)], t0 + 1000, rid())).toEqual({ ok: true });
        expect(await store.check([charge(k, 100n, 100n, win)], t0 + 2600)).toEqual({ ok: true });
      }));

    it("refunds a released reservation, only that one, idempotently", () =>
      withStore(make, async ({ store }) => {
        const a = key("a");
        const b = key("b");
        const r1 = rid();
        const r2 = rid();
        const first = [charge(a, 30n, 100n), charge(b, 7n, 10n), charge(a, 20n, 100n)];
        expect(await store.reserve(first, t0, r1)).toEqual({ ok: true });
        expect(await store.reserve([charge(a, 50n, 100n)], t0 + 1, r2)).toEqual({ ok: true });
        expect(await store.check([charge(a, 1n, 100n)], t0 + 2)).toEqual({ ok: false, index: 0, spent: 100n });
        await store.release(first, r1);
        await store.release(first, r1);
        await store.release(first, rid());
        expect(await store.check([charge(a, 51n, 100n)], t0 + 3)).toEqual({ ok: false, index: 0, spent: 50n });
        expect(await store.check([charge(a, 50n, 100n), charge(b, 10n, 10n)], t0 + 3)).toEqual({ ok: true });
      }));

    it("check never records", () =>
      withStore(make, async ({ store }) => {
        const k = key("check");
        for (let i = 0; i < 5; i++) expect(await store.check([charge(k, 100n, 100n)], t0)).toEqual({ ok: true });
        expect(await store.reserve([charge(k, 100n, 100n)], t0, rid())).toEqual({ ok: true });
        expect(await store.check([charge(k, 1n, 100n)], t0)).toEqual({ ok: false, index: 0, spent: 100n });
      }));

    it("adds and compares u256 amounts exactly", () =>
      withStore(make, async ({ store }) => {
        const k = key("u256");
        const half = 1n << 255n;
        expect(await store.reserve([charge(k, half, U256_MAX)], t0, rid())).toEqual({ ok: true });
        expect(await store.reserve([charge(k, half - 1n, U256_MAX)], t0, rid())).toEqual({ ok: true });
        expect(await store.check([charge(k, 1n, U256_MAX)], t0)).toEqual({ ok: false, index: 0, spent: U256_MAX });
        expect(await store.check([charge(k, 0n, U256_MAX)], t0)).toEqual({ ok: true });

        // 2^200-scale amounts that differ from the limit by one unit.
        const big = key("2^200");
        const unit = (1n << 200n) + 12_345n;
        const max = 3n * unit;
        expect(await store.reserve([charge(big, unit, max), charge(big, unit, max)], t0, rid())).toEqual({ ok: true });
        expect(await store.check([charge(big, unit + 1n, max)], t0)).toEqual({ ok: false, index: 0, spent: 2n * unit });
        expect(await store.reserve([charge(big, unit, max)], t0, rid())).toEqual({ ok: true });

        // A sum that carries through every digit: (10^77 - 1) + 1 = 10^77.
        const carry = key("carry");
        const ten77 = 10n ** 77n;
        expect(await store.reserve([charge(carry, ten77 - 1n, ten77)], t0, rid())).toEqual({ ok: true });
        expect(await store.reserve([charge(carry, 1n, ten77)], t0, rid())).toEqual({ ok: true });
        expect(await store.check([charge(carry, 1n, ten77)], t0)).toEqual({ ok: false, index: 0, spent: ten77 });
      }));

    it("refuses charges beyond the per-key record cap, atomically", () =>
      withStore(
        make,
        async ({ store }) => {
          const k = key("cap");
          for (let i = 0; i < 4; i++) expect(await store.reserve([charge(k, 1n, 1000n)], t0, rid())).toEqual({ ok: true });
          // Two more records would make six: refused as a whole, nothing recorded.
          expect(await store.reserve([charge(k, 1n, 1000n), charge(k, 1n, 1000n)], t0, rid())).toEqual({
            ok: false,
            index: 1,
            spent: 4n,
          });
          expect(await store.reserve([charge(k, 0n, 1000n)], t0, rid())).toEqual({ ok: true });
          expect(await store.reserve([charge(k, 0n, 1000n)], t0, rid())).toEqual({ ok: false, index: 0, spent: 4n });
          // Records leaving the window make room again.
          expect(await store.reserve([charge(k, 1n, 1000n)], t0 + W, rid())).toEqual({ ok: true });
        },
        { maxRecordsPerKey: 5 },
      ));

    it("never exceeds the budget under 40 concurrent reservations", () =>
      withStore(make, async ({ store, peer }) => {
        const k = key("race");
        const stores = peer ? [store, peer] : [store];
        const results = await Promise.all(
          Array.from({ length: 40 }, (_, i) => stores[i % stores.length]!.reserve([charge(k, 1n, 10n)], t0, rid())),
        );
        expect(results.filter((r) => r.ok)).toHaveLength(10);
        expect(await store.check([charge(k, 1n, 10n)], t0)).toEqual({ ok: false, index: 0, spent: 10n });
      }));

    it("treats an empty reservation as fitting", () =>
      withStore(make, async ({ store }) => {
        expect(await store.reserve([], t0, rid())).toEqual({ ok: true });
        expect(await store.check([], t0)).toEqual({ ok: true });
        await expect(store.release([], rid())).resolves.toBeUndefined();
      }));

    it("rejects malformed charges and reservation ids", () =>
      withStore(make, async ({ store }) => {
        const k = key("bad");
        await expect(store.reserve([charge(k, -1n, 10n)], t0, rid())).rejects.toBeInstanceOf(RangeError);
        await expect(store.reserve([charge(k, U256_MAX + 1n, U256_MAX)], t0, rid())).rejects.toBeInstanceOf(RangeError);
        await expect(store.reserve([charge(k, 1n, U256_MAX + 1n)], t0, rid())).rejects.toBeInstanceOf(RangeError);
        await expect(store.reserve([charge(k, 1n, 10n, 0)], t0, rid())).rejects.toBeInstanceOf(RangeError);
        await expect(store.reserve([charge(k, 1n, 10n), charge(k, 1n, 11n)], t0, rid())).rejects.toBeInstanceOf(RangeError);
        await expect(store.reserve([charge("", 1n, 10n)], t0, rid())).rejects.toBeInstanceOf(RangeError);
        await expect(store.reserve([charge(k, 1n, 10n)], t0, "a:b")).rejects.toBeInstanceOf(RangeError);
        await expect(store.reserve([charge(k, 1n, 10n)], t0, "")).rejects.toBeInstanceOf(RangeError);
        await expect(store.release([charge(k, 1n, 10n)], "x".repeat(129))).rejects.toBeInstanceOf(RangeError);
        await expect(store.check([charge(k, 1n, 10n)], -1)).rejects.toBeInstanceOf(RangeError);
        const tooMany = Array.from({ length: 257 }, () => charge(k, 0n, 10n));
        await expect(store.check(tooMany, t0)).rejects.toBeInstanceOf(RangeError);
        // Nothing was recorded by the refused calls.
        expect(await store.check([charge(k, 10n, 10n)], t0)).toEqual({ ok: true });
      }));

    it("answers ping, and fails closed once closed", () =>
      withStore(make, async ({ store }) => {
        await expect(store.ping()).resolves.toBeUndefined();
        await store.close();
        const c = [charge(key("closed"), 1n, 10n)];
        await expect(store.reserve(c, t0, rid())).rejects.toBeInstanceOf(StoreUnavailableError);
        await expect(store.check(c, t0)).rejects.toBeInstanceOf(StoreUnavailableError);
        await expect(store.release(c, rid())).rejects.toBeInstanceOf(StoreUnavailableError);
        await expect(store.ping()).rejects.toBeInstanceOf(StoreUnavailableError);
      }));
  });
}
