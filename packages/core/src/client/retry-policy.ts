import { AirlockError, ConfigError, isAirlockError } from "./errors.js";
import { PIN_MISMATCH_CODE } from "./tls-connect.js";

/**
 * Which failures may be retried. A signing request may only be sent again when it provably
 * never reached the sidecar: signing twice could spend a budget twice. Only failures of the
 * connect phase (no socket, so no byte sent) qualify, plus 503 answers, which the sidecar gives
 * before it signs. Resets, timeouts after sending, 4xx and 429 are never retried.
 */

/** Connect-phase error codes: the TCP connection (or DNS lookup) failed, so nothing was sent. */
const UNSENT_CODES: ReadonlySet<string> = new Set([
  "ECONNREFUSED", // nothing listens on the port
  "UND_ERR_CONNECT_TIMEOUT", // undici's connect timeout
  "ENOTFOUND", // DNS: no such name
  "EAI_AGAIN", // DNS: temporary failure
  "EHOSTUNREACH",
  "ENETUNREACH",
]);

const TIMEOUT_CODES: ReadonlySet<string> = new Set(["UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT"]);
const CLOSED_CODES: ReadonlySet<string> = new Set(["UND_ERR_CLOSED", "UND_ERR_DESTROYED"]);

/** A transport failure turned into what the caller sees, and whether sending again is safe. */
export interface ClassifiedFailure {
  error: AirlockError;
  retryable: boolean;
}

/**
 * Classifies an error thrown while sending or reading. `deadlineMs` is set when the attempt's
 * own deadline fired (a timeout after the request may have been sent: never retried).
 */
export function classifyTransportError(err: unknown, deadlineMs: number | undefined): ClassifiedFailure {
  if (isAirlockError(err)) return { error: err, retryable: false };
  if (deadlineMs !== undefined) {
    return { error: new AirlockError("TIMEOUT", `no complete response within ${deadlineMs} ms; the request may have been processed`, { cause: err }), retryable: false };
  }
  const codes = errorCodes(err);
  const first = codes[0];
  if (codes.length > 0 && codes.every((c) => UNSENT_CODES.has(c))) {
    return { error: new AirlockError("NETWORK", `could not connect to the sidecar (${first})`, { cause: err }), retryable: true };
  }
  if (codes.includes(PIN_MISMATCH_CODE)) {
    return { error: new AirlockError("NETWORK", "refused the sidecar: its TLS public key matches no pinned key", { cause: err }), retryable: false };
  }
  if (codes.some((c) => TIMEOUT_CODES.has(c))) {
    return { error: new AirlockError("TIMEOUT", `sidecar did not answer in time (${first}); the request may have been processed`, { cause: err }), retryable: false };
  }
  if (codes.some((c) => CLOSED_CODES.has(c))) return { error: new ConfigError("the client is closed", undefined, { cause: err }), retryable: false };
  const what = first === undefined ? "" : ` (${first})`;
  return {
    error: new AirlockError("NETWORK", `connection to the sidecar failed${what}; the request may have been processed`, { cause: err }),
    retryable: false,
  };
}

/** Codes of an error, its causes and (for AggregateError) its parts, depth-bounded. */
function errorCodes(err: unknown, depth = 0, out: string[] = []): string[] {
  if (depth > 4 || typeof err !== "object" || err === null) return out;
  const e = err as { code?: unknown; cause?: unknown; errors?: unknown };
  if (Array.isArray(e.errors) && e.errors.length > 0) {
    for (const part of e.errors.slice(0, 8)) errorCodes(part, depth + 1, out);
    return out;
  }
  if (typeof e.code === "string") out.push(e.code);
  else if (e.cause !== undefined) errorCodes(e.cause, depth + 1, out);
  return out;
}

/** Full-jitter exponential backoff: uniform in [0, min(max, base·2^retry)). */
export function backoffDelayMs(retry: number, baseDelayMs: number, maxDelayMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** Math.min(retry, 30));
  return Math.floor(random() * ceiling);
}

/** Waits `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
