import { ExchangeRequest } from "@airlock/core";
import type { AuthClient } from "../../config/config-types.js";
import { evaluateExchangePolicy, type ExchangeAllowed } from "../../policy/index.js";
import type { OrderCounters } from "../../stores/order-counters.js";
import { HttpError } from "../http-error.js";
import type { RequestContext } from "../request-context.js";
import { rateLimitStep, scanInbound } from "./admission-steps.js";
import { PolicyRefusal, type AdmissionDeps } from "./session-admission.js";

export interface ExchangeRouteDeps extends AdmissionDeps {
  /** The trading policy's order counters (ordersPerMinute, ordersPerDay). */
  readonly orderCounters: OrderCounters;
}

/** An exchange request that passed validation, the leak scanner, the rate limit and the trading policy. */
export interface AdmittedExchangeRequest {
  readonly request: ExchangeRequest;
  readonly decision: ExchangeAllowed;
  /** Rate-limit headers to send with the answer. */
  readonly headers: Record<string, string>;
}

/** What the audit record of an exchange request says about it: venue, account, operation, symbol; requester and tool when given. */
export function exchangeAuditDetails(request: ExchangeRequest): Record<string, unknown> {
  const op = request.operation;
  return {
    venue: request.venue,
    account: request.account,
    operation: op.type,
    ...(op.symbol === undefined ? {} : { symbol: op.symbol }),
    ...(request.context?.requester === undefined ? {} : { requester: request.context.requester }),
    ...(request.context?.tool === undefined ? {} : { tool: request.context.tool }),
  };
}

/**
 * Everything between authentication and the venue signer, shared by the signing route and the
 * policy dry run, in the session route's order: schema, inbound leak scan, the client rate limit
 * (key `${client}|exchange|${account}`), then the trading policy. The dry run peeks at the rate
 * limit instead of counting. Order counters come later (after the venue signer accepted the
 * operation), see exchange-routes.ts.
 */
export async function admitExchangeRequest(
  ctx: RequestContext,
  client: AuthClient,
  body: unknown,
  deps: ExchangeRouteDeps,
  nowMs: number,
  dryRun: boolean,
): Promise<AdmittedExchangeRequest> {
  const result = ExchangeRequest.safeParse(body);
  if (!result.success) throw new HttpError("INVALID_PAYLOAD", undefined, { details: result.error.flatten() });
  const request = result.data;
  ctx.auditDetails = exchangeAuditDetails(request);

  scanInbound(ctx, body, deps);
  const headers = await rateLimitStep(deps.rateLimiter, `${client.clientId}|exchange|${request.account}`, nowMs, dryRun);

  const decision = evaluateExchangePolicy({ clientId: client.clientId, request }, deps.config.exchange);
  if (!decision.allowed) throw new PolicyRefusal(decision.ruleId, decision.message);
  return { request, decision, headers };
}
