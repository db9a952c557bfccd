import { randomUUID } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { StoreUnavailableError, type NonceStore } from "../../src/stores/store-types.js";

/** The clock a suite runs on: virtual for memory stores, the real one for Redis (PX expiry). */
export interface TestClock {
  now(): number;
  advance(ms: number): Promise<void>;
}

export interface NonceHarness {
  readonly store: NonceStore;
  /** The same backend through its own client, as a second sidecar instance sees it. */
  readonly peer?: NonceStore;
  readonly clock: TestClock;
  cleanup(): Promise<void>;
}

/** The behaviour every NonceStore must have; `make` gives fresh, isolated stores per test. */
export function runNonceStoreSuite(name: string, make: () => Promise<NonceHarness>): void {
  describe(`NonceStore conformance: ${name}`, () => {
    let h: NonceHarness;
    beforeEach(async () => {
      h = await make();
    });
    afterEach(async () => {
      await h.cleanup();
    });

    it("accepts a nonce once and reports every later use as a replay", async () => {
      const key = `client|${randomUUID()}`;
      expect(await h.store.consume(key, 60_000, h.clock.now())).toBe(true);
      expect(await h.store.consume(key, 60_000, h.clock.now())).toBe(false);
      expect(await h.store.consume(key, 60_000, h.clock.now())).toBe(false);
    });

    it("keeps distinct keys independent", async () => {
      const a = `a|${randomUUID()}`;
      const b = `b|${randomUUID()}`;
      expect(await h.store.consume(a, 60_000, h.clock.now())).toBe(true);
      expect(await h.store.consume(b, 60_000, h.clock.now())).toBe(true);
      expect(await h.store.consume(a, 60_000, h.clock.now())).toBe(false);
    });

    it("forgets a nonce after its ttl, and a replay attempt does not extend it", async () => {
      const key = `ttl|${randomUUID()}`;
      expect(await h.store.consume(key, 200, h.clock.now())).toBe(true);
      await h.clock.advance(100);
      expect(await h.store.consume(key, 200, h.clock.now())).toBe(false);
      await h.clock.advance(150);
      expect(await h.store.consume(key, 200, h.clock.now())).toBe(true);
      expect(await h.store.consume(key, 200, h.clock.now())).toBe(false);
    });

    it("lets exactly one of 50 concurrent consumers of one nonce win", async () => {
      const key = `race|${randomUUID()}`;
      const stores = h.peer ? [h.store, h.peer] : [h.store];
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) => stores[i % stores.length]!.consume(key, 60_000, h.clock.now())),
      );
      expect(results.filter((r) => r)).toHaveLength(1);
    });

    it("accepts 50 concurrent distinct nonces", async () => {
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) => h.store.consume(`many|${i}|${randomUUID()}`, 60_000, h.clock.now())),
      );
      expect(results.every((r) => r)).toBe(true);
    });

    it("rejects malformed arguments instead of recording them", async () => {
      const now = h.clock.now();
      await expect(h.store.consume("", 1000, now)).rejects.toBeInstanceOf(RangeError);
      await expect(h.store.consume("x".repeat(1025), 1000, now)).rejects.toBeInstanceOf(RangeError);
      await expect(h.store.consume("k", 0, now)).rejects.toBeInstanceOf(RangeError);
      await expect(h.store.consume("k", 1.5, now)).rejects.toBeInstanceOf(RangeError);
      await expect(h.store.consume("k", 1000, -1)).rejects.toBeInstanceOf(RangeError);
      await expect(h.store.consume("k", 1000, Number.NaN)).rejects.toBeInstanceOf(RangeError);
      // None of the refused calls recorded "k".
      expect(await h.store.consume("k", 1000, now)).toBe(true);
    });

    it("answers ping, and fails closed once closed", async () => {
      await expect(h.store.ping()).resolves.toBeUndefined();
      await h.store.close();
      await expect(h.store.consume(`closed|${randomUUID()}`, 1000, h.clock.now())).rejects.toBeInstanceOf(
        StoreUnavailableError,
      );
      await expect(h.store.ping()).rejects.toBeInstanceOf(StoreUnavailableError);
    });
  });
}
