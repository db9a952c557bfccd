import type { PolicyEvaluation } from "@airlock/core";
import type { AuthClient } from "../../config/config-types.js";
import { HttpError } from "../http-error.js";
import type { RequestContext } from "../request-context.js";
import { parseJsonBody } from "./admission-steps.js";
import type { ExchangeRouteDeps } from "./exchange-admission.js";
import { evaluateExchangeRequest } from "./exchange-routes.js";
import { PolicyRefusal } from "./session-admission.js";
import { evaluateSessionRequest, type RouteResult, type SessionRouteDeps } from "./session-routes.js";

/**
 * Whether a body is an exchange request: an object with `venue` and `operation`, fields a
 * session request never has (its schema refuses unknown fields), so the shape decides
 * unambiguously and each schema still judges its body in full.
 */
export function isExchangeRequestShape(body: unknown): boolean {
  return (
    body !== null &&
    typeof body === "object" &&
    !Array.isArray(body) &&
    Object.prototype.hasOwnProperty.call(body, "venue") &&
    Object.prototype.hasOwnProperty.call(body, "operation")
  );
}

/**
 * POST /v1/policy/evaluate: would this request be signed? Session requests and exchange
 * requests share the route, told apart by shape. A refusal (a policy rule, the rate limit, an
 * order counter) is an answer: 200 with allowed: false and the ruleId, not an error. Nothing is
 * signed, no budget is spent and no counter counts.
 */
export async function evaluatePolicyRequest(
  ctx: RequestContext,
  client: AuthClient,
  raw: Buffer,
  contentType: string | undefined,
  deps: SessionRouteDeps & ExchangeRouteDeps,
  nowMs: number,
): Promise<RouteResult> {
  const body = parseJsonBody(raw, contentType);
  try {
    return isExchangeRequestShape(body)
      ? await evaluateExchangeRequest(ctx, client, body, deps, nowMs)
      : await evaluateSessionRequest(ctx, client, body, deps, nowMs);
  } catch (err) {
    if (err instanceof PolicyRefusal || (err instanceof HttpError && err.code === "RATE_LIMITED")) {
      const ruleId = err instanceof PolicyRefusal ? err.ruleId : "rate_limit.exceeded";
      const answer: PolicyEvaluation = { requestId: ctx.requestId, allowed: false, ruleId, reason: err.message };
      return { status: 200, body: answer, headers: err.headers, ruleId, ...(ctx.auditDetails ? { auditDetails: ctx.auditDetails } : {}) };
    }
    throw err;
  }
}
