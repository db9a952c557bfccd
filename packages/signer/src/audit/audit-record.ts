import { ReceiptSchema, type Receipt } from "@airlock/core/receipts";
import { SPAN_ID_PATTERN, TRACE_ID_PATTERN } from "./traceparent.js";
import { sanitizeDetails, wellFormed, type JsonValue, type Scrubber } from "./redact.js";

/** What a decision came to. */
export type AuditOutcome = "allowed" | "denied" | "error";

/** pino level each outcome is written at (the `level` field of the record). */
export const LEVEL_OF_OUTCOME: Readonly<Record<AuditOutcome, "info" | "warn" | "error">> = Object.freeze({
  allowed: "info",
  denied: "warn",
  error: "error",
});

/** One decision, as the server reports it. Never pass a request or response body. */
export interface AuditEntry {
  /** What happened, e.g. `sign.session_transaction.success`, `auth.invalid_signature`. */
  readonly event: string;
  readonly requestId: string;
  readonly outcome: AuditOutcome;
  readonly clientId?: string | undefined;
  readonly keyId?: string | undefined;
  /** Policy rule that decided a denial. */
  readonly ruleId?: string | undefined;
  /** Hash that was (or would have been) signed: 0x hex or a bigint. */
  readonly messageHash?: string | bigint | undefined;
  /** From the request's traceparent (see parseTraceparent). */
  readonly traceId?: string | undefined;
  /** The sidecar's own span for the request (the parent-id of the traceparent it returns). */
  readonly spanId?: string | undefined;
  /** A small object of extra facts; secret-named fields are dropped, see redact.ts. */
  readonly details?: Readonly<Record<string, unknown>> | undefined;
  /** The signed receipt the answer carried (the same object the client verifies). */
  readonly receipt?: Receipt | undefined;
}

/** The fields of a written record except `level` (added by pino) and `hash`, in line order. */
export interface AuditRecordFields {
  ts: string;
  seq: number;
  prev: string;
  event: string;
  outcome: AuditOutcome;
  requestId: string;
  clientId?: string;
  keyId?: string;
  ruleId?: string;
  messageHash?: string;
  traceId?: string;
  spanId?: string;
  details?: { [key: string]: JsonValue };
  receipt?: Receipt;
}

export type AuditLogErrorCode =
  /** The entry is malformed (a programming error in the caller); nothing was written. */
  | "AUDIT_INVALID_ENTRY"
  /** The existing file does not end in a complete, self-consistent record; refusing to append. */
  | "AUDIT_TAIL_CORRUPT"
  /** A write failed; the log refuses further records (the chain may be cut at that point). */
  | "AUDIT_WRITE_FAILED"
  /** The serialised line would not verify; nothing was written. */
  | "AUDIT_SERIALIZATION"
  | "AUDIT_CLOSED"
  | "AUDIT_BAD_OPTIONS";

/** Every failure of the audit log. Messages name fields and files, never values. */
export class AuditLogError extends Error {
  override readonly name = "AuditLogError";
  constructor(
    readonly code: AuditLogErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const EVENT = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;
const MESSAGE_HASH = /^0x[0-9a-fA-F]{1,64}$/;
/** Identifiers may come from request headers: bounded, never refused (the decision must be recorded). */
const MAX_ID_CHARS = 256;

function invalid(field: string): AuditLogError {
  return new AuditLogError("AUDIT_INVALID_ENTRY", `audit entry field "${field}" is missing or invalid`);
}

/**
 * Validates `entry` and returns the record fields in line order. Programming errors (unknown
 * outcome, malformed event, hash or trace ids) throw AUDIT_INVALID_ENTRY; free-text ids are
 * bounded and scrubbed instead, so an odd header never costs the record.
 */
export function buildRecordFields(entry: AuditEntry, chain: { ts: string; seq: number; prev: string }, scrub: Scrubber): AuditRecordFields {
  if (typeof entry !== "object" || entry === null) throw invalid("entry");
  if (typeof entry.event !== "string" || !EVENT.test(entry.event)) throw invalid("event");
  if (entry.outcome !== "allowed" && entry.outcome !== "denied" && entry.outcome !== "error") throw invalid("outcome");
  if (typeof entry.requestId !== "string") throw invalid("requestId");

  const id = (field: string, v: unknown): string | undefined => {
    if (v === undefined) return undefined;
    if (typeof v !== "string") throw invalid(field);
    return scrub(v) ? "[redacted]" : wellFormed(v, MAX_ID_CHARS);
  };

  const fields: AuditRecordFields = {
    ts: chain.ts,
    seq: chain.seq,
    prev: chain.prev,
    event: entry.event,
    outcome: entry.outcome,
    requestId: id("requestId", entry.requestId) as string,
  };
  const clientId = id("clientId", entry.clientId);
  if (clientId !== undefined) fields.clientId = clientId;
  const keyId = id("keyId", entry.keyId);
  if (keyId !== undefined) fields.keyId = keyId;
  const ruleId = id("ruleId", entry.ruleId);
  if (ruleId !== undefined) fields.ruleId = ruleId;

  const mh = entry.messageHash;
  if (mh !== undefined) {
    if (typeof mh === "bigint" && mh >= 0n && mh < 1n << 256n) fields.messageHash = `0x${mh.toString(16)}`;
    else if (typeof mh === "string" && MESSAGE_HASH.test(mh)) fields.messageHash = mh.toLowerCase();
    else throw invalid("messageHash");
  }
  if (entry.traceId !== undefined) {
    if (typeof entry.traceId !== "string" || !TRACE_ID_PATTERN.test(entry.traceId)) throw invalid("traceId");
    fields.traceId = entry.traceId;
  }
  if (entry.spanId !== undefined) {
    if (typeof entry.spanId !== "string" || !SPAN_ID_PATTERN.test(entry.spanId)) throw invalid("spanId");
    fields.spanId = entry.spanId;
  }
  if (entry.details !== undefined) {
    const d = entry.details;
    if (typeof d !== "object" || d === null || Array.isArray(d)) throw invalid("details");
    fields.details = sanitizeDetails(d, scrub);
  }
  if (entry.receipt !== undefined) {
    // Hashes, ids and a signature only: checked against the schema instead of scrubbed.
    const parsed = ReceiptSchema.safeParse(entry.receipt);
    if (!parsed.success) throw invalid("receipt");
    fields.receipt = parsed.data;
  }
  return fields;
}
