import type { ToolOutcome } from "@airlock/core/agent-tools";
import { describe, expect, it } from "vitest";
import { STATUS_ERROR_TTL_MS, STATUS_TTL_MS, StatusCache } from "../src/index.js";

const ok: ToolOutcome = { ok: true, summary: "Signer reachable", data: {} };
const down: ToolOutcome = { ok: false, error: "unavailable", summary: "The signer is unavailable right now" };

function harness(answers: ToolOutcome[]) {
  const clock = { ms: 1_000_000 };
  let calls = 0;
  const cache = new StatusCache(async () => {
    calls++;
    const next = answers.shift();
    if (next === undefined) throw new Error("no answer left");
    return next;
  }, () => clock.ms);
  return { cache, clock, calls: () => calls };
}

describe("StatusCache", () => {
  it("reuses a success for 30 s, then asks again", async () => {
    const h = harness([ok, down]);
    expect(await h.cache.get()).toBe(ok);
    h.clock.ms += STATUS_TTL_MS - 1;
    expect(await h.cache.get()).toBe(ok);
    expect(h.calls()).toBe(1);
    h.clock.ms += 1;
    expect(await h.cache.get()).toBe(down);
    expect(h.calls()).toBe(2);
  });

  it("keeps a failure only 5 s, so a recovered signer shows up soon", async () => {
    const h = harness([down, ok]);
    expect(await h.cache.get()).toBe(down);
    h.clock.ms += STATUS_ERROR_TTL_MS - 1;
    expect(await h.cache.get()).toBe(down);
    h.clock.ms += 1;
    expect(await h.cache.get()).toBe(ok);
    expect(h.calls()).toBe(2);
    expect(STATUS_ERROR_TTL_MS).toBeLessThan(STATUS_TTL_MS);
  });

  it("shares one request between concurrent callers, and clear() forgets", async () => {
    const h = harness([ok, ok]);
    const all = await Promise.all([h.cache.get(), h.cache.get(), h.cache.get()]);
    expect(all).toEqual([ok, ok, ok]);
    expect(h.calls()).toBe(1);
    h.cache.clear();
    await h.cache.get();
    expect(h.calls()).toBe(2);
  });
});
