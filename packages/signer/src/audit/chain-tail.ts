import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { MAX_AUDIT_LINE_CHARS, checkRecordLine, lineHash } from "./audit-chain.js";
import { AuditLogError } from "./audit-record.js";

/** Bytes read from the end of an existing log: any line the verifier accepts fits (<= 3 bytes per UTF-16 unit). */
const TAIL_WINDOW_BYTES = 3 * MAX_AUDIT_LINE_CHARS + 1;

/** Where the chain of an existing file continues: the next record's seq and prev. */
export interface ChainPosition {
  readonly seq: number;
  readonly prev: string;
}

/**
 * Reads only the last line of `path` and returns where its chain continues, or undefined when
 * the file is missing or empty (a new chain). Throws AUDIT_TAIL_CORRUPT when the file does not
 * end in a complete record whose own hash checks out: appending after a cut or edited line
 * would hide the damage, so the operator must look first (`airlock-signer audit verify`).
 * Earlier lines are not read; verifyAuditFile checks the whole file.
 */
export function readChainTail(path: string): ChainPosition | undefined {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
  try {
    const size = fstatSync(fd).size;
    if (size === 0) return undefined;
    const len = Math.min(size, TAIL_WINDOW_BYTES);
    const buf = Buffer.alloc(len);
    let got = 0;
    while (got < len) {
      const n = readSync(fd, buf, got, len - got, size - len + got);
      if (n === 0) break;
      got += n;
    }
    if (got < len) throw corrupt(path, "the file shrank while being read");
    if (buf[len - 1] !== 0x0a) throw corrupt(path, "the last line is incomplete (no trailing newline)");
    const start = len >= 2 ? buf.lastIndexOf(0x0a, len - 2) + 1 : 0;
    if (start === 0 && len < size) throw corrupt(path, "the last line is longer than any record");
    const line = buf.subarray(start, len - 1).toString("utf8");
    const checked = checkRecordLine(line);
    if (!checked.ok) throw corrupt(path, `the last record is broken (${checked.reason})`);
    return { seq: checked.record.seq + 1, prev: lineHash(line) };
  } finally {
    closeSync(fd);
  }
}

function corrupt(path: string, why: string): AuditLogError {
  return new AuditLogError("AUDIT_TAIL_CORRUPT", `audit log ${path}: ${why}; refusing to append`);
}
