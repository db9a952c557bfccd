import { describe, expect, it } from "vitest";
import { randomIdHex } from "../src/server/random-ids.js";
import { traceContextFrom } from "../src/server/trace-context.js";

describe("randomIdHex (pooled random correlation ids)", () => {
  it("returns the requested number of bytes as lowercase hex, never repeating across pool refills", () => {
    const seen = new Set<string>();
    // 2,000 × 16 bytes spans several 4 KiB pools, including ids that would straddle a refill.
    for (let i = 0; i < 2_000; i++) {
      const id = randomIdHex(i % 3 === 0 ? 8 : 16);
      expect(id).toMatch(i % 3 === 0 ? /^[0-9a-f]{16}$/ : /^[0-9a-f]{32}$/);
      seen.add(id);
    }
    expect(seen.size).toBe(2_000);
  });

  it("refuses sizes outside 1..64 bytes", () => {
    for (const bad of [0, -1, 65, 1.5, Number.NaN]) expect(() => randomIdHex(bad)).toThrow(RangeError);
  });

  it("gives every new trace distinct trace and span ids", () => {
    const a = traceContextFrom(undefined);
    const b = traceContextFrom(undefined);
    expect(a.traceId).not.toBe(b.traceId);
    expect(a.spanId).not.toBe(b.spanId);
    expect(a.traceparent).toBe(`00-${a.traceId}-${a.spanId}-00`);
  });
});
