import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { StringDecoder } from "node:string_decoder";
import { canonicalJson } from "./canonical-json.js";

/**
 * The hash chain of the audit log (documented for operators in docs/audit.md).
 *
 * The log is JSON Lines: one record per line, each line ending in "\n". Record n carries
 *
 * - `seq`  = n, counting from 0 in each file;
 * - `prev` = lowercase hex SHA-256 of the UTF-8 bytes of line n-1 exactly as written (without
 *   its "\n"), or 64 zeros (GENESIS_PREV) for the first line;
 * - `hash` = lowercase hex SHA-256 of the UTF-8 bytes of
 *   `prev + "\n" + canonicalJson(record without its "hash" field)`
 *   (canonicalJson: keys sorted recursively, no whitespace; see canonical-json.ts).
 *
 * `hash` makes each record self-checking (any edit to any field of it, `level` and `prev`
 * included, shows); `prev` ties each line to every byte of the one before, so deleting,
 * inserting, reordering or truncating lines shows at the first line after the change. A chain
 * proves order and integrity against edits that do not recompute every later hash; anchoring
 * the head hash elsewhere (a ticket, another host) is what pins the whole file.
 */

export const GENESIS_PREV = "0".repeat(64);

/** Longest line the verifier and the chain-continuation reader accept. */
export const MAX_AUDIT_LINE_CHARS = 1_048_576;

const HEX64 = /^[0-9a-f]{64}$/;
const OUTCOMES: ReadonlySet<unknown> = new Set(["allowed", "denied", "error"]);

export function sha256Hex(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

/** `hash` of a record: `fieldsWithoutHash` must hold `prev` too. */
export function recordHash(prev: string, fieldsWithoutHash: Readonly<Record<string, unknown>>): string {
  return canonicalRecordHash(prev, canonicalJson(fieldsWithoutHash));
}

/** `hash` of a record whose canonicalJson (without `hash`) the caller already has: the writer needs both. */
export function canonicalRecordHash(prev: string, canonical: string): string {
  return sha256Hex(`${prev}\n${canonical}`);
}

/** `prev` of the record after `line` (the line without its "\n"). */
export function lineHash(line: string): string {
  return sha256Hex(line);
}

export interface BrokenAt {
  /** 1-based line number in the file. */
  readonly line: number;
  /** `seq` of the offending record, when it could be read. */
  readonly seq?: number;
  readonly reason: string;
}

export type AuditChainResult =
  | { readonly ok: true; readonly records: number; /** `prev` the next record must carry. */ readonly head: string }
  | { readonly ok: false; /** Records that verified before the break. */ readonly records: number; readonly brokenAt: BrokenAt };

/** A parsed record that is internally consistent (its own `hash` matches its content). */
export interface CheckedRecord {
  readonly seq: number;
  readonly prev: string;
  readonly hash: string;
}

/**
 * Checks one line on its own: JSON object, the fields every record has, and its `hash`.
 * Returns the record's chain fields, or the reason it is broken (and its seq when readable).
 */
export function checkRecordLine(line: string): { ok: true; record: CheckedRecord } | { ok: false; seq?: number; reason: string } {
  if (line.length === 0) return { ok: false, reason: "empty line" };
  if (line.length > MAX_AUDIT_LINE_CHARS) return { ok: false, reason: "line too long" };
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return { ok: false, reason: "invalid JSON" };
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return { ok: false, reason: "not a JSON object" };
  const rec = parsed as Record<string, unknown>;
  const seq = rec["seq"];
  if (typeof seq !== "number" || !Number.isSafeInteger(seq) || seq < 0) return { ok: false, reason: "missing or invalid seq" };
  const prev = rec["prev"];
  const hash = rec["hash"];
  if (typeof prev !== "string" || !HEX64.test(prev)) return { ok: false, seq, reason: "missing or invalid prev" };
  if (typeof hash !== "string" || !HEX64.test(hash)) return { ok: false, seq, reason: "missing or invalid hash" };
  for (const field of ["level", "ts", "event", "requestId"] as const) {
    if (typeof rec[field] !== "string") return { ok: false, seq, reason: `missing or invalid ${field}` };
  }
  if (!OUTCOMES.has(rec["outcome"])) return { ok: false, seq, reason: "missing or invalid outcome" };
  const { hash: _omit, ...withoutHash } = rec;
  let expected: string;
  try {
    expected = recordHash(prev, withoutHash);
  } catch {
    return { ok: false, seq, reason: "record cannot be canonicalised" };
  }
  if (expected !== hash) return { ok: false, seq, reason: "hash mismatch: the record's content was altered" };
  return { ok: true, record: { seq, prev, hash } };
}

/** Verifies a chain one line at a time (the text of each line, without its "\n"). */
export class AuditChainVerifier {
  private records = 0;
  private expectedPrev = GENESIS_PREV;
  private broken: BrokenAt | undefined;

  /** Feeds the next complete line; returns false once the chain is broken (later lines are ignored). */
  push(line: string): boolean {
    if (this.broken) return false;
    const lineNo = this.records + 1;
    const checked = checkRecordLine(line);
    if (!checked.ok) return this.fail({ line: lineNo, ...(checked.seq === undefined ? {} : { seq: checked.seq }), reason: checked.reason });
    const { seq, prev } = checked.record;
    if (seq !== this.records) return this.fail({ line: lineNo, seq, reason: `seq gap: expected ${this.records}, found ${seq}` });
    if (prev !== this.expectedPrev) {
      const reason = lineNo === 1 ? "prev mismatch: the first record must have prev = 64 zeros" : "prev mismatch: does not chain to the previous line";
      return this.fail({ line: lineNo, seq, reason });
    }
    this.records += 1;
    this.expectedPrev = lineHash(line);
    return true;
  }

  /** Ends the input; `partial` is text after the last "\n" (a line cut short), if any. */
  finish(partial = ""): AuditChainResult {
    if (!this.broken && partial.length > 0) {
      const checked = checkRecordLine(partial);
      const seq = checked.ok ? checked.record.seq : checked.seq;
      this.fail({ line: this.records + 1, ...(seq === undefined ? {} : { seq }), reason: "truncated: last line has no trailing newline" });
    }
    if (this.broken) return { ok: false, records: this.records, brokenAt: this.broken };
    return { ok: true, records: this.records, head: this.expectedPrev };
  }

  private fail(at: BrokenAt): false {
    this.broken = at;
    return false;
  }
}

/** Verifies the whole text of an audit log and names the first broken record. */
export function verifyAuditChain(text: string): AuditChainResult {
  const verifier = new AuditChainVerifier();
  let start = 0;
  for (;;) {
    const nl = text.indexOf("\n", start);
    if (nl === -1) break;
    if (!verifier.push(text.slice(start, nl))) return verifier.finish();
    start = nl + 1;
  }
  return verifier.finish(text.slice(start));
}

/**
 * Verifies an audit log file, streaming it so memory stays bounded by the longest line. Rejects
 * (with the fs error) when the file cannot be read.
 */
export async function verifyAuditFile(path: string): Promise<AuditChainResult> {
  const verifier = new AuditChainVerifier();
  const decoder = new StringDecoder("utf8");
  let pending = "";
  const stream = createReadStream(path, { highWaterMark: 64 * 1024 });
  try {
    for await (const chunk of stream) {
      pending += decoder.write(chunk as Buffer);
      let start = 0;
      for (;;) {
        const nl = pending.indexOf("\n", start);
        if (nl === -1) break;
        if (!verifier.push(pending.slice(start, nl))) return verifier.finish();
        start = nl + 1;
      }
      pending = pending.slice(start);
      if (pending.length > MAX_AUDIT_LINE_CHARS) {
        verifier.push(pending);
        return verifier.finish();
      }
    }
  } finally {
    stream.destroy();
  }
  return verifier.finish(pending + decoder.end());
}
