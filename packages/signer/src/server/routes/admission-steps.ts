import { HEADER } from "@airlock/core";
import type { SignerConfig } from "../../config/config-types.js";
import type { LeakScanner } from "../../scan/leak-scanner.js";
import { StoreUnavailableError, type RateLimiter } from "../../stores/store-types.js";
import { HttpError } from "../http-error.js";
import type { RequestContext } from "../request-context.js";
import { parseStrictJson } from "../strict-json.js";

/**
 * Steps every signing route runs in the same way, between authentication and its own policy:
 * the JSON body, the inbound leak scan and the client rate limit.
 */

/** The body as strict JSON (no repeated keys), after the content-type check. */
export function parseJsonBody(raw: Buffer, contentType: string | undefined): unknown {
  if (!contentType || !/^application\/json\s*(;|$)/i.test(contentType)) throw new HttpError("UNSUPPORTED_MEDIA_TYPE");
  return parseStrictJson(raw.toString("utf8"));
}

/** The inbound leak scan: blocks (422) or reports a warning, as configured. */
export function scanInbound(
  ctx: RequestContext,
  body: unknown,
  deps: { readonly config: SignerConfig; readonly scanner: LeakScanner | undefined; readonly onScanWarning: (ctx: RequestContext, direction: "inbound" | "outbound", patterns: string[]) => void },
): void {
  if (!deps.scanner) return;
  const patterns = deps.scanner.scanValue(body);
  if (patterns.length === 0) return;
  if (deps.config.leakScanner.action === "block") throw new HttpError("LEAK_DETECTED", undefined, { patterns });
  deps.onScanWarning(ctx, "inbound", patterns);
}

/**
 * The client rate limit on `key` (when enabled): counts the request, or only peeks in a dry
 * run. Returns the rate-limit headers for the answer; throws RATE_LIMITED (429) when refused and
 * RATE_LIMIT_UNAVAILABLE (503) when the store fails.
 */
export async function rateLimitStep(rateLimiter: RateLimiter | undefined, key: string, nowMs: number, dryRun: boolean): Promise<Record<string, string>> {
  const headers: Record<string, string> = {};
  if (!rateLimiter) return headers;
  let decision;
  try {
    decision = dryRun ? await rateLimiter.peek(key, nowMs) : await rateLimiter.hit(key, nowMs);
  } catch (err) {
    if (err instanceof StoreUnavailableError) throw new HttpError("RATE_LIMIT_UNAVAILABLE");
    throw err;
  }
  headers[HEADER.rateLimitRemaining] = String(decision.remaining);
  headers[HEADER.rateLimitReset] = String(decision.resetAtMs);
  if (!decision.allowed) {
    headers[HEADER.retryAfter] = String(Math.max(1, Math.ceil(decision.retryAfterMs / 1000)));
    throw new HttpError("RATE_LIMITED", undefined, { retryAfterMs: decision.retryAfterMs }, headers);
  }
  return headers;
}
