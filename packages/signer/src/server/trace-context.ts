import { randomBytes } from "node:crypto";

/** W3C trace context of one request: the caller's trace id (or a new one) and our span id. */
export interface TraceContext {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  flags: string;
  /** The traceparent to send onwards and back: our span as the parent. */
  traceparent: string;
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const ZERO_TRACE = "0".repeat(32);
const ZERO_SPAN = "0".repeat(16);

/** Accepts a valid version-00 `traceparent`, otherwise starts a new trace. */
export function traceContextFrom(header: string | string[] | undefined): TraceContext {
  const m = typeof header === "string" ? TRACEPARENT.exec(header) : null;
  const spanId = randomBytes(8).toString("hex");
  if (m && m[1] !== ZERO_TRACE && m[2] !== ZERO_SPAN) {
    const [, traceId, parentSpanId, flags] = m as unknown as [string, string, string, string];
    return { traceId, spanId, parentSpanId, flags, traceparent: `00-${traceId}-${spanId}-${flags}` };
  }
  const traceId = randomBytes(16).toString("hex");
  return { traceId, spanId, flags: "00", traceparent: `00-${traceId}-${spanId}-00` };
}
