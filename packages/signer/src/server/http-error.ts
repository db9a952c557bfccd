import { ERROR_CODES, type ErrorCode } from "@airlock/core";

/** Extra fields an error body may carry besides {error, code, requestId}. */
export interface ErrorExtras {
  ruleId?: string;
  retryAfterMs?: number;
  patterns?: string[];
  details?: unknown;
}

/**
 * A refusal with a stable wire code. Its status and default message come from the one
 * registry in @airlock/core; `message` overrides the text (policy denials carry SISNA's).
 */
export class HttpError extends Error {
  override readonly name = "HttpError";
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message?: string,
    readonly extras: ErrorExtras = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message ?? ERROR_CODES[code].message);
    this.status = ERROR_CODES[code].status;
  }
}
