/**
 * W3C Trace Context `traceparent` (https://www.w3.org/TR/trace-context/#traceparent-header):
 * `version-traceid-parentid-flags`, lowercase hex. Version 00 is exactly those four fields;
 * a later version may append more after a "-", which are ignored. Version ff, an all-zero
 * trace id or an all-zero parent id make the header invalid.
 */

export interface TraceContext {
  /** 32 lowercase hex. */
  readonly traceId: string;
  /** 16 lowercase hex: the caller's span, the parent of ours. */
  readonly spanId: string;
  /** 2 lowercase hex: trace flags (sampled, ...). */
  readonly flags: string;
}

export const TRACE_ID_PATTERN = /^(?!0{32})[0-9a-f]{32}$/;
export const SPAN_ID_PATTERN = /^(?!0{16})[0-9a-f]{16}$/;

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/** The ids of a valid traceparent header, or undefined (absent, malformed, or invalid). */
export function parseTraceparent(header: string | undefined): TraceContext | undefined {
  if (header === undefined || header.length > 512) return undefined;
  const m = TRACEPARENT.exec(header.trim());
  if (!m) return undefined;
  const [, version, traceId, spanId, flags, rest] = m;
  if (version === "ff" || (version === "00" && rest !== undefined)) return undefined;
  if (traceId === undefined || spanId === undefined || !TRACE_ID_PATTERN.test(traceId) || !SPAN_ID_PATTERN.test(spanId)) return undefined;
  return { traceId, spanId, flags: flags ?? "00" };
}
