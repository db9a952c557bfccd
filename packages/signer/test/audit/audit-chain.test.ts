import { createHash } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { GENESIS_PREV, MAX_AUDIT_LINE_CHARS, recordHash, verifyAuditChain, verifyAuditFile } from "../../src/audit/audit-chain.js";
import { canonicalJson } from "../../src/audit/canonical-json.js";
import { SAMPLE_ENTRIES, sampleLog } from "./audit-helpers.js";

const sha256 = (s: string) => createHash("sha256").update(s, "utf8").digest("hex");
const LOG = sampleLog();
const LINES = LOG.slice(0, -1).split("\n");
const N = SAMPLE_ENTRIES.length;
const join_ = (lines: readonly string[]) => `${lines.map((l) => `${l}\n`).join("")}`;

describe("a written chain", () => {
  it("verifies, and its head is the hash of the last line", () => {
    expect(LINES).toHaveLength(N);
    expect(verifyAuditChain(LOG)).toEqual({ ok: true, records: N, head: sha256(LINES[N - 1]!) });
  });

  it("follows the documented rules: seq from 0, prev = sha256(previous line), hash over prev and the canonical record", () => {
    let prev = GENESIS_PREV;
    LINES.forEach((line, i) => {
      const rec = JSON.parse(line) as Record<string, unknown>;
      expect(rec["seq"]).toBe(i);
      expect(rec["prev"]).toBe(prev);
      const { hash, ...rest } = rec;
      expect(hash).toBe(sha256(`${prev}\n${canonicalJson(rest)}`));
      expect(hash).toBe(recordHash(prev, rest));
      prev = sha256(line);
    });
  });

  it("an empty log is a valid empty chain", () => {
    expect(verifyAuditChain("")).toEqual({ ok: true, records: 0, head: GENESIS_PREV });
  });
});

/** Every way of changing one field of a parsed record, each keeping the field well-formed. */
function mutations(rec: Record<string, unknown>): { field: string; apply: (r: Record<string, unknown>) => void }[] {
  const out: { field: string; apply: (r: Record<string, unknown>) => void }[] = [];
  for (const [field, value] of Object.entries(rec)) {
    if (field === "prev" || field === "hash") {
      const v = value as string;
      out.push({ field, apply: (r) => (r[field] = `${v.slice(0, -1)}${v.endsWith("0") ? "1" : "0"}`) });
    } else if (field === "outcome") {
      out.push({ field, apply: (r) => (r[field] = value === "allowed" ? "denied" : "allowed") });
    } else if (field === "level") {
      out.push({ field, apply: (r) => (r[field] = value === "info" ? "warn" : "info") });
    } else if (typeof value === "string") {
      out.push({ field, apply: (r) => (r[field] = `${value}x`) });
    } else if (typeof value === "number") {
      out.push({ field, apply: (r) => (r[field] = value + 1) });
    } else if (typeof value === "object" && value !== null) {
      for (const inner of Object.keys(value)) {
        out.push({ field: `${field}.${inner}`, apply: (r) => ((r[field] as Record<string, unknown>)[inner] = "changed") });
      }
      out.push({ field: `${field}+`, apply: (r) => ((r[field] as Record<string, unknown>)["added"] = 1) });
    }
  }
  out.push({ field: "(new field)", apply: (r) => (r["extra"] = "x") });
  out.push({ field: "(removed ts)", apply: (r) => delete r["ts"] });
  return out;
}

describe("tampering is found at the record it touched", () => {
  it("editing any field of any record breaks the chain at that record", () => {
    let tried = 0;
    LINES.forEach((line, i) => {
      for (const m of mutations(JSON.parse(line) as Record<string, unknown>)) {
        const rec = JSON.parse(line) as Record<string, unknown>;
        m.apply(rec);
        const lines = [...LINES];
        lines[i] = JSON.stringify(rec);
        const result = verifyAuditChain(join_(lines));
        expect(result.ok, `${m.field} of line ${i + 1}`).toBe(false);
        if (result.ok) continue;
        expect(result.records, m.field).toBe(i);
        expect(result.brokenAt.line, m.field).toBe(i + 1);
        // seq and prev are covered by the record's own hash, which is checked first.
        const reason = m.field === "(removed ts)" ? /^missing or invalid ts$/ : /^hash mismatch/;
        expect(result.brokenAt.reason, m.field).toMatch(reason);
        expect(result.brokenAt.seq, m.field).toBe(m.field === "seq" ? i + 1 : i);
        tried += 1;
      }
    });
    expect(tried).toBeGreaterThan(N * 10);
  });

  it("rewriting a record and recomputing its hash breaks the chain at the next record", () => {
    const rec = JSON.parse(LINES[1]!) as Record<string, unknown>;
    rec["outcome"] = "denied";
    const { hash: _old, ...rest } = rec;
    rec["hash"] = recordHash(rec["prev"] as string, rest);
    const lines = [...LINES];
    lines[1] = JSON.stringify(rec);
    expect(verifyAuditChain(join_(lines))).toEqual({
      ok: false,
      records: 2,
      brokenAt: { line: 3, seq: 2, reason: "prev mismatch: does not chain to the previous line" },
    });
  });

  it("even a byte-level change that keeps the record's meaning shows, at the next line", () => {
    const lines = [...LINES];
    lines[0] = lines[0]!.replace('"seq":0', '"seq": 0');
    expect(verifyAuditChain(join_(lines))).toMatchObject({ ok: false, records: 1, brokenAt: { line: 2, seq: 1 } });
  });

  it.each(Array.from({ length: N - 1 }, (_v, k) => k))("deleting line %i (0-based) fails there with a seq gap", (k) => {
    const lines = LINES.filter((_l, i) => i !== k);
    expect(verifyAuditChain(join_(lines))).toEqual({
      ok: false,
      records: k,
      brokenAt: { line: k + 1, seq: k + 1, reason: `seq gap: expected ${k}, found ${k + 1}` },
    });
  });

  it("deleting the last line leaves a valid, shorter chain with another head (anchor the head to see it)", () => {
    const result = verifyAuditChain(join_(LINES.slice(0, -1)));
    expect(result).toEqual({ ok: true, records: N - 1, head: sha256(LINES[N - 2]!) });
    expect(verifyAuditChain(LOG)).not.toEqual(result);
  });

  it.each(Array.from({ length: N - 1 }, (_v, k) => k))("swapping lines %i and the next fails at the first of them", (k) => {
    const lines = [...LINES];
    [lines[k], lines[k + 1]] = [lines[k + 1]!, lines[k]!];
    expect(verifyAuditChain(join_(lines))).toEqual({
      ok: false,
      records: k,
      brokenAt: { line: k + 1, seq: k + 1, reason: `seq gap: expected ${k}, found ${k + 1}` },
    });
  });

  it.each(Array.from({ length: N }, (_v, k) => k))("truncating the log in the middle of line %i (0-based) fails at that line", (k) => {
    const start = join_(LINES.slice(0, k)).length;
    const cut = LOG.slice(0, start + Math.floor(LINES[k]!.length / 2));
    expect(verifyAuditChain(cut)).toEqual({
      ok: false,
      records: k,
      brokenAt: { line: k + 1, reason: "truncated: last line has no trailing newline" },
    });
  });

  it("a last line cut just before its newline is still reported as truncated, with its seq", () => {
    expect(verifyAuditChain(LOG.slice(0, -1))).toEqual({
      ok: false,
      records: N - 1,
      brokenAt: { line: N, seq: N - 1, reason: "truncated: last line has no trailing newline" },
    });
  });

  it("names bad JSON, empty lines, non-objects and a forged first record", () => {
    expect(verifyAuditChain(join_([LINES[0]!, "{not json", ...LINES.slice(2)]))).toMatchObject({ ok: false, records: 1, brokenAt: { line: 2, reason: "invalid JSON" } });
    expect(verifyAuditChain(join_([LINES[0]!, "", LINES[1]!]))).toMatchObject({ ok: false, records: 1, brokenAt: { line: 2, reason: "empty line" } });
    expect(verifyAuditChain("[1,2]\n")).toMatchObject({ ok: false, records: 0, brokenAt: { line: 1, reason: "not a JSON object" } });
    const forged = JSON.parse(LINES[0]!) as Record<string, unknown>;
    forged["prev"] = "a".repeat(64);
    const { hash: _h, ...rest } = forged;
    forged["hash"] = recordHash(forged["prev"] as string, rest);
    expect(verifyAuditChain(`${JSON.stringify(forged)}\n`)).toEqual({
      ok: false,
      records: 0,
      brokenAt: { line: 1, seq: 0, reason: "prev mismatch: the first record must have prev = 64 zeros" },
    });
  });

  it("inserting a copy of a record fails at the copy", () => {
    const lines = [LINES[0]!, LINES[1]!, LINES[1]!, ...LINES.slice(2)];
    expect(verifyAuditChain(join_(lines))).toMatchObject({ ok: false, records: 2, brokenAt: { line: 3, seq: 1 } });
  });
});

describe("verifyAuditFile", () => {
  const dir = mkdtempSync(join(tmpdir(), "airlock-audit-chain-"));

  it("streams a large file with multi-byte characters across chunk boundaries", async () => {
    const entries = Array.from({ length: 150 }, (_v, i) => ({
      event: "sign.session_transaction.success",
      requestId: `req-${i}`,
      outcome: "allowed" as const,
      details: { note: `é漢🙂 ${"ü".repeat(600 + i)}` },
    }));
    const text = sampleLog(entries);
    expect(Buffer.byteLength(text)).toBeGreaterThan(3 * 64 * 1024);
    const file = join(dir, "big.jsonl");
    writeFileSync(file, text);
    expect(await verifyAuditFile(file)).toEqual(verifyAuditChain(text));
    expect(await verifyAuditFile(file)).toMatchObject({ ok: true, records: 150 });
  });

  it("reports the same break as verifyAuditChain", async () => {
    const lines = [...LINES];
    lines[3] = lines[3]!.replace("k2", "k3");
    const file = join(dir, "tampered.jsonl");
    writeFileSync(file, join_(lines));
    const result = await verifyAuditFile(file);
    expect(result).toEqual(verifyAuditChain(join_(lines)));
    expect(result).toMatchObject({ ok: false, records: 3, brokenAt: { line: 4, seq: 3 } });
  });

  it("refuses a line longer than the bound without reading it whole", async () => {
    const file = join(dir, "long.jsonl");
    writeFileSync(file, `${LINES[0]}\n${"x".repeat(MAX_AUDIT_LINE_CHARS + 10)}`);
    expect(await verifyAuditFile(file)).toEqual({ ok: false, records: 1, brokenAt: { line: 2, reason: "line too long" } });
  });

  it("rejects when the file cannot be read", async () => {
    await expect(verifyAuditFile(join(dir, "missing.jsonl"))).rejects.toMatchObject({ code: "ENOENT" });
  });
});
