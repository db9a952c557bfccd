import { parseTraceparent } from "../audit/traceparent.js";
import { randomIdHex } from "./random-ids.js";

/** W3C trace context of one request: the caller's trace id (or a new one) and our span id. */
export interface TraceContext {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  flags: string;
  /** The traceparent to send onwards and back: our span as the parent. */
  traceparent: string;
}

/** Continues a valid caller `traceparent`, otherwise starts a new trace. */
export function traceContextFrom(header: string | string[] | undefined): TraceContext {
  const caller = typeof header === "string" ? parseTraceparent(header) : undefined;
  const spanId = randomIdHex(8);
  if (caller) {
    return { traceId: caller.traceId, spanId, parentSpanId: caller.spanId, flags: caller.flags, traceparent: `00-${caller.traceId}-${spanId}-${caller.flags}` };
  }
  const traceId = randomIdHex(16);
  return { traceId, spanId, flags: "00", traceparent: `00-${traceId}-${spanId}-00` };
}
