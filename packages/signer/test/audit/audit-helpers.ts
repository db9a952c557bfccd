import { Writable } from "node:stream";
import { createAuditLog, type AuditLogOptions } from "../../src/audit/audit-log.js";
import type { AuditEntry } from "../../src/audit/audit-record.js";

/** A writable that keeps everything written to it. */
export function collector(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _enc, cb) {
      chunks.push(String(chunk));
      cb();
    },
  });
  return { stream, text: () => chunks.join("") };
}

/** A clock that advances one millisecond per reading, from a fixed instant. */
export function fixedClock(start = Date.UTC(2026, 0, 2, 3, 4, 5)): () => Date {
  let t = start;
  return () => new Date(t++);
}

export const SAMPLE_ENTRIES: readonly AuditEntry[] = [
  { event: "auth.invalid_signature", requestId: "req-1", outcome: "denied", clientId: "agent-a", details: { reason: "bad mac" } },
  {
    event: "sign.session_transaction.success",
    requestId: "req-2",
    outcome: "allowed",
    clientId: "agent-a",
    keyId: "default",
    messageHash: "0x5a1b2c",
    traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
    spanId: "00f067aa0ba902b7",
    details: { calls: 2, accountAddress: "0x1234", nested: { list: [1, "two", true, null] } },
  },
  { event: "sign.session_transaction.policy_denied", requestId: "req-3", outcome: "denied", clientId: "agent-b", ruleId: "selector.denied", details: { entrypoint: "upgrade" } },
  { event: "sign.session_transaction.error", requestId: "req-4", outcome: "error", keyId: "k2" },
  { event: "server.started", requestId: "startup", outcome: "allowed", details: { port: 8545 } },
];

/** The text of a log holding SAMPLE_ENTRIES (or `entries`). */
export function sampleLog(entries: readonly AuditEntry[] = SAMPLE_ENTRIES, options: AuditLogOptions = {}): string {
  const out = collector();
  const log = createAuditLog({ stream: out.stream, now: fixedClock(), ...options });
  for (const e of entries) log.record(e);
  return out.text();
}
