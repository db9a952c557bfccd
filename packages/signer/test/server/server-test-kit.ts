import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { auditViolations, findSecret, startedSidecars, type Reply } from "../../../../test/support/sidecar-harness.js";
import { verifyAuditChain } from "../../src/audit/audit-chain.js";

/** Asserts a wire error: status, stable code, and the {error, code, requestId} shape with the request id of the header. */
export function expectError(reply: Reply, status: number, code: string, message?: string): void {
  expect({ status: reply.status, code: reply.body["code"] }).toEqual({ status, code });
  expect(reply.headers["content-type"]).toMatch(/^application\/json/);
  expect(typeof reply.body["error"]).toBe("string");
  if (message !== undefined) expect(reply.body["error"]).toBe(message);
  expect(reply.body["requestId"]).toBe(reply.headers["x-request-id"]);
}

/**
 * Registers, as the last test of a file, the audit invariants over every sidecar the file
 * started: one decision record per authenticated request (counted against what was sent), a
 * hash chain that verifies, and no configured secret (any spelling) in any audit or
 * operational log line.
 */
export function auditInvariantsTest(): void {
  it("audit: one record per authenticated decision, the chain verifies, no secret in audit or log lines", () => {
    const sidecars = startedSidecars();
    expect(sidecars.length).toBeGreaterThan(0);
    for (const sc of sidecars) {
      expect(auditViolations(sc)).toEqual([]);
      const text = sc.auditText();
      expect(verifyAuditChain(text)).toMatchObject({ ok: true, records: sc.auditLines().length });
      expect(findSecret(text, sc.secrets)).toBeUndefined();
      expect(findSecret(sc.logLines().join("\n"), sc.secrets)).toBeUndefined();
    }
  });
}

/** Writes a policy file (KEYRING_POLICY_FILE) into a fresh temporary directory. */
export function writePolicyFile(yaml: string): { path: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "airlock-policy-"));
  const path = join(dir, "policy.yaml");
  writeFileSync(path, yaml, { mode: 0o600 });
  return { path, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A transfer(recipient, amount) call on `token`, amount as a u256 (low, high). */
export function transfer(token: string, amount: bigint | number, recipient = "0x1234"): { contractAddress: string; entrypoint: string; calldata: string[] } {
  return { contractAddress: token, entrypoint: "transfer", calldata: [recipient, `0x${BigInt(amount).toString(16)}`, "0x0"] };
}
