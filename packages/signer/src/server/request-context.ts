import type { TraceContext } from "./trace-context.js";

/** What the server knows about one request as it moves through the pipeline. */
export interface RequestContext {
  readonly requestId: string;
  readonly trace: TraceContext;
  /** Route label for metrics and audit (a fixed string, never the raw URL). */
  route: string;
  clientId?: string;
  keyId?: string;
  /** Small facts about the request (never a body or a secret), added to its audit record, refusals included. */
  auditDetails?: Record<string, unknown>;
  /** Set once the HMAC verified: SHA-256 of the canonical string (receipts name it). */
  requestHash?: string;
  /** process.hrtime.bigint() at arrival. */
  readonly startedAt: bigint;
}
