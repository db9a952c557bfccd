// Secrets learned after startup (keys installed by sealed provisioning) join the leak scanner's
// and the audit log's lists: found and redacted from then on, in every spelling.
import { describe, expect, it } from "vitest";
import { createAuditLog } from "../../src/audit/audit-log.js";
import { verifyAuditChain } from "../../src/audit/audit-chain.js";
import { createLeakScanner } from "../../src/scan/leak-scanner.js";
import { collector, fixedClock } from "../audit/audit-helpers.js";

const CONFIGURED = "configured-hmac-secret-0123456789";
const LEARNED_KEY = "0x5b3f0c2e9a8d7c6b5a49382716f5e4d3c2b1a0998877665544332211ffeedd01";
const LEARNED_API_SECRET = "learned-api-secret-TESTONLY-abcdef0123";

describe("LeakScanner.addSecrets", () => {
  it("finds a learned secret from then on, in any spelling, and keeps the configured ones", () => {
    const scanner = createLeakScanner({ secrets: [CONFIGURED] });
    expect(scanner.scanValue({ calldata: [LEARNED_KEY] })).not.toContain("secret.configured");
    expect(scanner.scanValue({ note: LEARNED_API_SECRET })).toEqual([]);
    expect(scanner.addSecrets([LEARNED_KEY, LEARNED_API_SECRET])).toBe(0);
    expect(scanner.scanValue({ calldata: [LEARNED_KEY] })).toContain("secret.configured");
    expect(scanner.scanValue({ calldata: [LEARNED_KEY.slice(2).toUpperCase()] })).toContain("secret.configured");
    expect(scanner.scanValue({ calldata: [BigInt(LEARNED_KEY).toString(10)] })).toContain("secret.configured");
    expect(scanner.scanValue({ note: `x${LEARNED_API_SECRET}y` })).toEqual(["secret.configured"]);
    expect(scanner.scanValue({ note: CONFIGURED })).toEqual(["secret.configured"]);
    expect(scanner.scanValue({ note: "nothing here" })).toEqual([]);
  });

  it("counts learned secrets too short to search for", () => {
    const scanner = createLeakScanner({ secrets: [] });
    expect(scanner.ignoredSecrets).toBe(0);
    expect(scanner.addSecrets(["short", LEARNED_API_SECRET])).toBe(1);
    expect(scanner.ignoredSecrets).toBe(1);
  });
});

describe("AuditLog.addSecrets", () => {
  it("redacts a learned secret from later records; the chain still verifies", () => {
    const out = collector();
    const log = createAuditLog({ stream: out.stream, now: fixedClock(), secrets: [CONFIGURED] });
    log.record({ event: "test.before", requestId: "r1", outcome: "allowed", details: { requester: LEARNED_API_SECRET } });
    log.addSecrets([LEARNED_KEY, LEARNED_API_SECRET]);
    log.record({ event: "test.after", requestId: "r2", outcome: "allowed", details: { requester: LEARNED_API_SECRET, tool: `key ${LEARNED_KEY.slice(2)}` } });
    const [before, after] = out.text().trim().split("\n").map((l) => JSON.parse(l) as { details: Record<string, unknown> });
    // Before it was learned it was an ordinary string; afterwards it never appears.
    expect(before!.details["requester"]).toBe(LEARNED_API_SECRET);
    expect(after!.details).toMatchObject({ requester: "[redacted]", tool: "[redacted]" });
    expect(verifyAuditChain(out.text())).toMatchObject({ ok: true, records: 2 });
  });
});
