import type { Receipt } from "@airlock/core/receipts";
import type { HttpError } from "./http-error.js";
import type { RequestContext } from "./request-context.js";
import type { RouteResult } from "./routes/session-routes.js";

/**
 * What the request pipeline reports, in its own terms; the implementation turns it into audit
 * records, metrics and operational log lines. Keeping this seam narrow keeps the routes free
 * of logging concerns and lets tests observe decisions.
 */
export interface ServerObserver {
  /** An authenticated route answered (signed, or evaluated a policy question). */
  decided(ctx: RequestContext, result: RouteResult, receipt: Receipt | undefined): void;
  /** A request was refused or failed; `authReason` is set for authentication failures. */
  refused(ctx: RequestContext, err: HttpError, authReason: string | undefined, receipt?: Receipt): void;
  /** The leak scanner matched in warn mode. */
  scanWarning(ctx: RequestContext, direction: "inbound" | "outbound", patterns: string[]): void;
  /** An unexpected exception (a bug): logged without request data. */
  internalError(ctx: RequestContext, err: unknown): void;
  renderMetrics(): string;
  /** False once the audit log failed: no decision may be made that cannot be recorded. */
  auditHealthy(): boolean;
}
