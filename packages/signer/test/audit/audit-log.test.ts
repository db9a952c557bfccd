import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createAuditLog } from "../../src/audit/audit-log.js";
import { GENESIS_PREV, verifyAuditChain, verifyAuditFile } from "../../src/audit/audit-chain.js";
import { AuditLogError, type AuditEntry } from "../../src/audit/audit-record.js";
import { parseTraceparent } from "../../src/audit/traceparent.js";
import { SAMPLE_ENTRIES, collector, fixedClock, sampleLog } from "./audit-helpers.js";

const sha256 = (s: string) => createHash("sha256").update(s, "utf8").digest("hex");
const lines = (text: string) => text.slice(0, -1).split("\n");
const records = (text: string) => lines(text).map((l) => JSON.parse(l) as Record<string, unknown>);
const dir = mkdtempSync(join(tmpdir(), "airlock-audit-log-"));
let fileCounter = 0;
const freshFile = () => join(dir, `nested-${fileCounter++}`, "audit.jsonl");

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof AuditLogError ? err.code : `not an AuditLogError: ${String(err)}`;
  }
  return undefined;
}

describe("record format", () => {
  const recs = records(sampleLog());

  it("writes exactly the documented fields: no pid, hostname, time or msg", () => {
    const allowed = new Set(["level", "ts", "seq", "prev", "event", "outcome", "requestId", "clientId", "keyId", "ruleId", "messageHash", "traceId", "spanId", "details", "hash"]);
    for (const r of recs) for (const k of Object.keys(r)) expect(allowed.has(k), k).toBe(true);
    expect(recs[1]).toEqual({
      level: "info",
      ts: "2026-01-02T03:04:05.001Z",
      seq: 1,
      prev: sha256(lines(sampleLog())[0]!),
      event: "sign.session_transaction.success",
      outcome: "allowed",
      requestId: "req-2",
      clientId: "agent-a",
      keyId: "default",
      messageHash: "0x5a1b2c",
      traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
      spanId: "00f067aa0ba902b7",
      details: { calls: 2, accountAddress: "0x1234", nested: { list: [1, "two", true, null] } },
      hash: recs[1]!["hash"],
    });
  });

  it("sets level from the outcome, seq from 0 and prev of the first record to 64 zeros", () => {
    expect(recs.map((r) => [r["level"], r["outcome"]])).toEqual(SAMPLE_ENTRIES.map((e) => [{ allowed: "info", denied: "warn", error: "error" }[e.outcome], e.outcome]));
    expect(recs.map((r) => r["seq"])).toEqual([0, 1, 2, 3, 4]);
    expect(recs[0]!["prev"]).toBe(GENESIS_PREV);
  });

  it("normalises a bigint or uppercase message hash to lowercase 0x hex", () => {
    const text = sampleLog([
      { event: "e", requestId: "r", outcome: "allowed", messageHash: 0xabcn },
      { event: "e", requestId: "r", outcome: "allowed", messageHash: "0xABC" },
    ]);
    expect(records(text).map((r) => r["messageHash"])).toEqual(["0xabc", "0xabc"]);
  });

  it("takes trace ids from a W3C traceparent", () => {
    const trace = parseTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")!;
    const [r] = records(sampleLog([{ event: "e", requestId: "r", outcome: "allowed", ...trace }]));
    expect(r).toMatchObject({ traceId: "4bf92f3577b34da6a3ce929d0e0e4736", spanId: "00f067aa0ba902b7" });
  });

  it("keeps strings with lone surrogates verifiable", () => {
    const text = sampleLog([{ event: "e", requestId: "r\uD800x", outcome: "allowed", details: { note: "a\uDC00b", ok: "😀" } }]);
    expect(verifyAuditChain(text)).toMatchObject({ ok: true, records: 1 });
    expect(records(text)[0]).toMatchObject({ requestId: "r\uFFFDx", details: { note: "a\uFFFDb", ok: "😀" } });
  });

  it("bounds a huge details object and still writes a verifiable record", () => {
    let deep: unknown = "leaf";
    for (let i = 0; i < 50; i++) deep = { d: deep };
    const details = {
      ...Object.fromEntries(Array.from({ length: 1000 }, (_v, i) => [`k${i}`, "v".repeat(5000)])),
      deep,
      list: Array.from({ length: 1000 }, (_v, i) => i),
    };
    const text = sampleLog([{ event: "e", requestId: "r", outcome: "allowed", details }]);
    expect(verifyAuditChain(text)).toMatchObject({ ok: true, records: 1 });
    expect(text.length).toBeLessThan(40_000);
    const d = records(text)[0]!["details"] as Record<string, unknown>;
    expect(d["_truncated"]).toBe(true);
    expect(Object.keys(d).length).toBeLessThanOrEqual(34);
  });
});

describe("invalid entries", () => {
  const bad: [string, Partial<AuditEntry>][] = [
    ["event", { event: "" }],
    ["event", { event: "has spaces" }],
    ["outcome", { outcome: "maybe" as never }],
    ["requestId", { requestId: 5 as never }],
    ["clientId", { clientId: {} as never }],
    ["messageHash", { messageHash: "abc" }],
    ["messageHash", { messageHash: -1n }],
    ["traceId", { traceId: "0".repeat(32) }],
    ["spanId", { spanId: "XYZ" }],
    ["details", { details: [] as never }],
  ];

  it.each(bad)("%s is refused with AUDIT_INVALID_ENTRY, nothing is written, and the chain goes on", (_field, patch) => {
    const out = collector();
    const log = createAuditLog({ stream: out.stream });
    log.record({ event: "ok", requestId: "r1", outcome: "allowed" });
    expect(codeOf(() => log.record({ event: "ok", requestId: "r2", outcome: "allowed", ...patch } as AuditEntry))).toBe("AUDIT_INVALID_ENTRY");
    log.record({ event: "ok", requestId: "r3", outcome: "allowed" });
    expect(verifyAuditChain(out.text())).toMatchObject({ ok: true, records: 2 });
  });

  it("error messages name the field, never its value", () => {
    const log = createAuditLog({ stream: collector().stream });
    try {
      log.record({ event: "e", requestId: "r", outcome: "allowed", messageHash: "0xSECRETVALUE" });
      expect.unreachable();
    } catch (err) {
      expect((err as Error).message).toBe('audit entry field "messageHash" is missing or invalid');
    }
  });
});

describe("files", () => {
  const entry = (i: number): AuditEntry => ({ event: "sign.session_transaction.success", requestId: `req-${i}`, outcome: "allowed", keyId: "default" });

  it("creates the directory and a 0600 file, and a record is on disk as soon as record() returns", async () => {
    const file = freshFile();
    const log = createAuditLog({ file });
    log.record(entry(0));
    expect(readFileSync(file, "utf8").split("\n")).toHaveLength(2);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    await log.flush();
    await log.close();
    expect(codeOf(() => log.record(entry(1)))).toBe("AUDIT_CLOSED");
  });

  it("continues the chain of an existing file across restarts", async () => {
    const file = freshFile();
    for (let run = 0; run < 3; run++) {
      const log = createAuditLog({ file, fsync: run === 1 });
      for (let i = 0; i < 2; i++) log.record(entry(run * 2 + i));
      await log.close();
    }
    expect(await verifyAuditFile(file)).toMatchObject({ ok: true, records: 6 });
    const text = readFileSync(file, "utf8");
    expect(records(text).map((r) => r["seq"])).toEqual([0, 1, 2, 3, 4, 5]);
    expect(records(text)[2]!["prev"]).toBe(sha256(lines(text)[1]!));
  });

  it("starts a new chain in an empty file", async () => {
    const file = freshFile();
    const log0 = createAuditLog({ file });
    await log0.close();
    const log = createAuditLog({ file });
    log.record(entry(0));
    await log.close();
    expect(records(readFileSync(file, "utf8"))[0]).toMatchObject({ seq: 0, prev: GENESIS_PREV });
  });

  it.each([
    ["a last line cut short", (t: string) => t.slice(0, -10)],
    ["an edited last record", (t: string) => t.replace("req-1", "req-9")],
    ["a last line that is not a record", (t: string) => `${t}garbage\n`],
    ["a trailing empty line", (t: string) => `${t}\n`],
  ])("refuses to append after %s (AUDIT_TAIL_CORRUPT)", async (_what, damage) => {
    const file = freshFile();
    const log = createAuditLog({ file });
    log.record(entry(0));
    log.record(entry(1));
    await log.close();
    writeFileSync(file, damage(readFileSync(file, "utf8")));
    expect(codeOf(() => createAuditLog({ file }))).toBe("AUDIT_TAIL_CORRUPT");
  });

  it("takes a file or a stream, not both, and a known level", () => {
    expect(codeOf(() => createAuditLog({ file: freshFile(), stream: collector().stream }))).toBe("AUDIT_BAD_OPTIONS");
    expect(codeOf(() => createAuditLog({ stream: collector().stream, level: "loud" }))).toBe("AUDIT_BAD_OPTIONS");
    expect(codeOf(() => createAuditLog({ stream: collector().stream, level: "toString" }))).toBe("AUDIT_BAD_OPTIONS");
  });

  it("does not look past the end of a large file to continue it", async () => {
    const file = freshFile();
    const log = createAuditLog({ file });
    for (let i = 0; i < 200; i++) log.record({ ...entry(i), details: { pad: "p".repeat(1000) } });
    await log.close();
    // Damage near the start is not the tail's business: the writer continues, verify finds it.
    const text = readFileSync(file, "utf8");
    writeFileSync(file, text.replace("req-3", "req-X"));
    const next = createAuditLog({ file });
    next.record(entry(200));
    await next.close();
    expect(await verifyAuditFile(file)).toMatchObject({ ok: false, records: 3, brokenAt: { line: 4, seq: 3 } });
  });
});

describe("level", () => {
  it("skips records below the threshold without spending a seq", () => {
    const text = sampleLog(SAMPLE_ENTRIES, { level: "warn" });
    expect(records(text).map((r) => r["outcome"])).toEqual(["denied", "denied", "error"]);
    expect(verifyAuditChain(text)).toMatchObject({ ok: true, records: 3 });
  });
});

describe("write failures", () => {
  it("a failed write makes every later record and flush fail (callers fail closed)", async () => {
    const failing = new Writable({
      write(_chunk, _enc, cb) {
        cb(new Error("ENOSPC"));
      },
    });
    const log = createAuditLog({ stream: failing });
    log.record({ event: "e", requestId: "r1", outcome: "allowed" });
    await new Promise((resolve) => setImmediate(resolve));
    expect(codeOf(() => log.record({ event: "e", requestId: "r2", outcome: "allowed" }))).toBe("AUDIT_WRITE_FAILED");
    await expect(log.flush()).rejects.toMatchObject({ code: "AUDIT_WRITE_FAILED" });
  });

  it("a destination that throws fails the record itself", () => {
    const log = createAuditLog({
      stream: new Writable({
        write() {
          throw new Error("boom");
        },
      }),
    });
    expect(codeOf(() => log.record({ event: "e", requestId: "r1", outcome: "allowed" }))).toBe("AUDIT_WRITE_FAILED");
    expect(codeOf(() => log.record({ event: "e", requestId: "r2", outcome: "allowed" }))).toBe("AUDIT_WRITE_FAILED");
  });
});

describe("secrets never reach the log", () => {
  const PRIVATE_KEY = 0x04c9e2f1a9b3d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2n;
  const KEY_HEX = `0x${PRIVATE_KEY.toString(16)}`;
  const HMAC_SECRET = "client-a-hmac-9f8e7d6c5b4a3928";
  const forbidden = [PRIVATE_KEY.toString(16), PRIVATE_KEY.toString(10), HMAC_SECRET.toLowerCase()];

  it("drops secret- and body-named details fields at any depth and lists their paths", () => {
    const [r] = records(
      sampleLog([
        {
          event: "e",
          requestId: "r",
          outcome: "denied",
          details: {
            keep: 1,
            privateKey: "k1",
            hmacSecret: "k2",
            secret: "k3",
            passphrase: "k4",
            authorization: "k5",
            Authorization: "k6",
            "x-api-key": "k7",
            body: "k8",
            rawBody: "k9",
            requestBody: "k10",
            nested: { deeper: { session_private_key: "k11", fine: true } },
            list: [{ password: "k12" }],
            buffer: Buffer.from("k13"),
          },
        },
      ]),
    );
    expect(r!["details"]).toEqual({
      keep: 1,
      nested: { deeper: { fine: true } },
      list: [{}],
      _redacted: [
        "privateKey",
        "hmacSecret",
        "secret",
        "passphrase",
        "authorization",
        "Authorization",
        "x-api-key",
        "body",
        "rawBody",
        "requestBody",
        "nested.deeper.session_private_key",
        "list[0].password",
        "buffer",
      ],
    });
    expect(JSON.stringify(r)).not.toMatch(/"k\d+"/);
  });

  it("writes realistic records full of ids and never any spelling of a configured secret", async () => {
    const file = freshFile();
    const log = createAuditLog({ file, secrets: [KEY_HEX, HMAC_SECRET] });
    const entries: AuditEntry[] = [
      { event: "auth.unknown_client", requestId: "req-a", outcome: "denied", clientId: "agent-x", details: { clientId: "agent-x" } },
      { event: "auth.invalid_signature", requestId: HMAC_SECRET, outcome: "denied", clientId: `x${HMAC_SECRET}` },
      {
        event: "sign.session_transaction.policy_denied",
        requestId: "req-b",
        outcome: "denied",
        ruleId: "selector.denied",
        details: {
          reason: `the agent pasted ${KEY_HEX.toUpperCase()} into context`,
          decimal: `key=${PRIVATE_KEY.toString(10)}`,
          asBigint: PRIVATE_KEY,
          note: `{"privateKey":"0x1234"}`,
          words: [`use ${HMAC_SECRET}`, "fine"],
          error: Object.assign(new Error(`dfns said ${KEY_HEX}`), { code: "E_DFNS" }),
          [PRIVATE_KEY.toString(16)]: "key as a field name",
        },
      },
      { event: "sign.session_transaction.success", requestId: "req-c", outcome: "allowed", keyId: "default", messageHash: "0x1234", details: { calls: 1 } },
    ];
    for (const e of entries) log.record(e);
    await log.close();
    const text = readFileSync(file, "utf8");
    for (const f of forbidden) expect(text.toLowerCase()).not.toContain(f);
    expect(await verifyAuditFile(file)).toMatchObject({ ok: true, records: 4 });
    const recs = records(text);
    expect(recs[1]).toMatchObject({ requestId: "[redacted]", clientId: "[redacted]" });
    expect(recs[2]!["details"]).toEqual({
      reason: "[redacted]",
      decimal: "[redacted]",
      asBigint: "[redacted]",
      note: "[redacted]",
      words: ["[redacted]", "fine"],
      error: { name: "Error", message: "[redacted]", code: "E_DFNS" },
      _redacted: ["(invalid key)"],
    });
    expect(recs[0]).toMatchObject({ requestId: "req-a", clientId: "agent-x", details: { clientId: "agent-x" } });
    expect(recs[3]).toMatchObject({ requestId: "req-c", keyId: "default", messageHash: "0x1234" });
  });

  it("names of environment variables alone are not redacted (they are not secrets)", () => {
    const [r] = records(sampleLog([{ event: "security.leak_pattern_detected", requestId: "r", outcome: "denied", details: { patternIds: ["env.starknet_private_key", "json.private_key"] } }]));
    expect(r!["details"]).toEqual({ patternIds: ["env.starknet_private_key", "json.private_key"] });
  });
});

describe("stdout", () => {
  it("defaults to stdout without taking it over on close", async () => {
    const log = createAuditLog({ level: "silent" });
    log.record({ event: "e", requestId: "r", outcome: "error" });
    await log.flush();
    await log.close();
    expect(codeOf(() => log.record({ event: "e", requestId: "r", outcome: "error" }))).toBe("AUDIT_CLOSED");
  });

  it("clock injection keeps ts deterministic", () => {
    const out = collector();
    const log = createAuditLog({ stream: out.stream, now: fixedClock(0) });
    log.record({ event: "e", requestId: "r", outcome: "allowed" });
    expect(records(out.text())[0]!["ts"]).toBe("1970-01-01T00:00:00.000Z");
  });
});
