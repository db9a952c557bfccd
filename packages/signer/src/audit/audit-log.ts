import { fsyncSync } from "node:fs";
import { once, type EventEmitter } from "node:events";
import type { Writable } from "node:stream";
import { pino } from "pino";
import { createLeakScanner } from "../scan/leak-scanner.js";
import type { LeakPatternId } from "../scan/leak-patterns.js";
import { canonicalRecordHash, GENESIS_PREV, lineHash } from "./audit-chain.js";
import { canonicalJson } from "./canonical-json.js";
import { readChainTail } from "./chain-tail.js";
import { AuditLogError, LEVEL_OF_OUTCOME, buildRecordFields, type AuditEntry } from "./audit-record.js";
import type { Scrubber } from "./redact.js";

/**
 * The audit log: one hash-chained JSON line per decision, written through pino.
 *
 * Line format (pino with base: null, no time, no msg): `{"level":"info","ts":"<ISO>","seq":n,
 * "prev":"<hex>","event":...,"outcome":...,"requestId":...,[clientId, keyId, ruleId,
 * messageHash, traceId, spanId, details, receipt],"hash":"<hex>"}`. Chain rules: audit-chain.ts and
 * docs/audit.md. `level` follows the outcome (allowed: info, denied: warn, error: error) and
 * is covered by `hash` like every other field.
 *
 * Files are written synchronously (pino.destination with sync: true): record() returns after
 * the line reached the kernel, so a crash of this process cannot drop a record it reported
 * written. `fsync: true` also survives a machine crash, at a disk flush per record. One
 * process must own a file: two writers would interleave two chains.
 *
 * What is never written: fields named like secrets or bodies in `details` (dropped, their paths
 * listed in details._redacted), and any string in which the leak scanner finds key material or
 * one of `secrets` (replaced by "[redacted]"). There is no field for a body.
 */

export interface AuditLogOptions {
  /** Append-only JSONL file; an existing file's chain is continued (created 0600 with its directory). */
  readonly file?: string | undefined;
  /** Where to write instead of a file (tests, pipes); left open by close(). */
  readonly stream?: Writable | undefined;
  /** pino level threshold (default "info"): records below it are not written and take no seq. */
  readonly level?: string | undefined;
  /** Key and HMAC secrets that must never appear in the log (config.signer.secretsForScanner). */
  readonly secrets?: readonly string[] | undefined;
  /** fsync after every record (default false). */
  readonly fsync?: boolean | undefined;
  /** Clock for `ts` (tests). */
  readonly now?: (() => Date) | undefined;
}

export interface AuditLog {
  /**
   * Writes one record synchronously. Throws AuditLogError: AUDIT_INVALID_ENTRY (malformed entry,
   * nothing written), AUDIT_WRITE_FAILED (the log is unusable: callers should fail closed),
   * AUDIT_SERIALIZATION, AUDIT_CLOSED.
   */
  record(entry: AuditEntry): void;
  /** Resolves when written records are durable as far as the destination allows (fsync for files). */
  flush(): Promise<void>;
  /** Secrets learned after startup (sealed provisioning): from now on they are redacted too. */
  addSecrets(secrets: readonly string[]): void;
  /** Flushes and closes the file (a caller's stream and stdout stay open); record() throws afterwards. */
  close(): Promise<void>;
}

/** Scanner ids that make a string unfit for the log. Environment variable names alone are not secrets. */
const REDACTING_IDS: ReadonlySet<LeakPatternId> = new Set<LeakPatternId>([
  "json.private_key",
  "kv.private_key",
  "pem.private_key",
  "secret.configured",
  "scan.too_deep",
  "scan.too_large",
]);

interface Destination {
  write(line: string): unknown;
}

/** What this module uses of the SonicBoom that pino.destination returns (its typings omit fd and destroyed). */
interface SyncFileDestination extends Destination, EventEmitter {
  readonly fd: number;
  readonly destroyed: boolean;
  flushSync(): void;
  end(): void;
}

export function createAuditLog(options: AuditLogOptions = {}): AuditLog {
  if (options.file !== undefined && options.stream !== undefined) {
    throw new AuditLogError("AUDIT_BAD_OPTIONS", "audit log takes a file or a stream, not both");
  }
  const level = options.level ?? "info";
  if (level !== "silent" && !Object.hasOwn(pino.levels.values, level)) {
    throw new AuditLogError("AUDIT_BAD_OPTIONS", `unknown audit log level ${JSON.stringify(level)}`);
  }
  const scanner = createLeakScanner({ secrets: options.secrets ?? [] });
  const scrub: Scrubber = (text) => scanner.scanValue(text).some((id) => REDACTING_IDS.has(id));
  const now = options.now ?? (() => new Date());

  const tail = options.file === undefined ? undefined : readChainTail(options.file);
  let seq = tail?.seq ?? 0;
  let prev = tail?.prev ?? GENESIS_PREV;

  let failure: unknown;
  const onError = (err: unknown) => {
    failure ??= err;
  };
  let target: Destination;
  let sonic: SyncFileDestination | undefined;
  if (options.stream !== undefined) {
    options.stream.on("error", onError);
    target = options.stream;
  } else {
    sonic = pino.destination({
      dest: options.file ?? 1,
      sync: true,
      append: true,
      mkdir: options.file !== undefined,
      mode: 0o600,
      fsync: options.fsync ?? false,
    }) as unknown as SyncFileDestination;
    sonic.on("error", onError);
    target = sonic;
  }

  // The line pino is about to write is checked against what was hashed before it reaches the
  // destination: every written line verifies, or nothing is written.
  let expected: { canonical: string; hash: string } | undefined;
  let written: string | undefined;
  const sink: Destination = {
    write(line: string) {
      if (expected === undefined) throw new AuditLogError("AUDIT_SERIALIZATION", "audit log written outside record()");
      const body = line.endsWith("\n") ? line.slice(0, -1) : undefined;
      if (body === undefined || body.includes("\n") || !matches(body, expected)) {
        throw new AuditLogError("AUDIT_SERIALIZATION", "audit record did not serialise as hashed; not written");
      }
      target.write(line);
      if (failure !== undefined) throw new AuditLogError("AUDIT_WRITE_FAILED", "audit log write failed", { cause: failure });
      written = body;
    },
  };

  const logger = pino(
    {
      level,
      base: null,
      timestamp: false,
      formatters: { level: (label) => ({ level: label }) },
    },
    sink,
  );

  let closed = false;

  return {
    record(entry: AuditEntry): void {
      if (closed) throw new AuditLogError("AUDIT_CLOSED", "audit log is closed");
      if (failure !== undefined) throw new AuditLogError("AUDIT_WRITE_FAILED", "audit log write failed earlier", { cause: failure });
      const fields = buildRecordFields(entry, { ts: now().toISOString(), seq, prev }, scrub);
      const recordLevel = LEVEL_OF_OUTCOME[fields.outcome];
      if (!logger.isLevelEnabled(recordLevel)) return;
      const hashed = { level: recordLevel, ...fields };
      const canonical = canonicalJson(hashed);
      // Same value as recordHash(prev, hashed), without serialising the record a second time.
      const hash = canonicalRecordHash(prev, canonical);
      expected = { canonical, hash };
      written = undefined;
      try {
        logger[recordLevel]({ ...fields, hash });
      } catch (err) {
        if (err instanceof AuditLogError) {
          if (err.code === "AUDIT_WRITE_FAILED") failure ??= err.cause ?? err;
          throw err;
        }
        failure ??= err;
        throw new AuditLogError("AUDIT_WRITE_FAILED", "audit log write failed", { cause: err });
      } finally {
        expected = undefined;
      }
      if (written === undefined) throw new AuditLogError("AUDIT_SERIALIZATION", "audit record was not written");
      seq += 1;
      prev = lineHash(written);
    },

    addSecrets(secrets: readonly string[]): void {
      scanner.addSecrets(secrets);
    },

    async flush(): Promise<void> {
      if (failure !== undefined) throw new AuditLogError("AUDIT_WRITE_FAILED", "audit log write failed earlier", { cause: failure });
      if (sonic !== undefined && !sonic.destroyed) {
        sonic.flushSync();
        if (options.file !== undefined) fsyncSync(sonic.fd);
      } else if (options.stream?.writableNeedDrain) {
        await once(options.stream, "drain");
      }
    },

    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      if (sonic === undefined || sonic.destroyed) return;
      if (options.file === undefined) {
        sonic.flushSync();
        return;
      }
      const done = once(sonic, "close");
      sonic.end();
      await done;
    },
  };
}

/** True when `line` parses to exactly the hashed record plus the expected hash. */
function matches(line: string, expected: { canonical: string; hash: string }): boolean {
  try {
    const parsed = JSON.parse(line) as Record<string, unknown>;
    const { hash, ...rest } = parsed;
    return hash === expected.hash && canonicalJson(rest) === expected.canonical;
  } catch {
    return false;
  }
}
