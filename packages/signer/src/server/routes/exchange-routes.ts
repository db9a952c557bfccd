import { signedVenueRequestHash } from "@airlock/core/receipts";
import { SignedExchangeRequest, type ExchangeOperation, type PolicyEvaluation } from "@airlock/core";
import type { AuthClient, ExchangeAccount } from "../../config/config-types.js";
import { UnsupportedOperationError, type SignedVenueRequest } from "../../exchange/venue-types.js";
import { VenueRequestError } from "../../exchange/venues/eip712-errors.js";
import { HmacRequestError } from "../../exchange/venues/hmac-errors.js";
import type { OrderLimit } from "../../policy/index.js";
import { StoreUnavailableError } from "../../stores/store-types.js";
import type { OrderCounters } from "../../stores/order-counters.js";
import { HttpError } from "../http-error.js";
import type { RequestContext } from "../request-context.js";
import { parseJsonBody } from "./admission-steps.js";
import { admitExchangeRequest, type ExchangeRouteDeps } from "./exchange-admission.js";
import { PolicyRefusal } from "./session-admission.js";
import type { RouteResult } from "./session-routes.js";

const WINDOW_NAMES: Readonly<Record<OrderLimit["ruleId"], string>> = {
  "exchange.orders_per_minute_exceeded": "per minute",
  "exchange.orders_per_day_exceeded": "per UTC day",
};

/**
 * The order counters of an allowed place_order, keyed `${client}|${account}`: counted (hit) when
 * signing, only looked at (peek) in a dry run. The first counter that refuses names its rule.
 * Counters that already counted are not refunded (a refused order over-counts: the safe side).
 */
async function orderCountersStep(
  counters: OrderCounters,
  limits: readonly OrderLimit[],
  clientId: string,
  account: string,
  nowMs: number,
  dryRun: boolean,
): Promise<void> {
  const key = `${clientId}|${account}`;
  for (const limit of limits) {
    const counter = counters.counter(limit.windowMs, limit.max);
    // Startup builds a counter for every (window, max) pair of the policy.
    if (counter === undefined) throw new Error("order counter missing for a configured limit");
    let decision;
    try {
      decision = dryRun ? await counter.peek(key, nowMs) : await counter.hit(key, nowMs);
    } catch (err) {
      if (err instanceof StoreUnavailableError) throw new HttpError("RATE_LIMIT_UNAVAILABLE");
      throw err;
    }
    if (!decision.allowed) {
      const retry = Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
      throw new PolicyRefusal(
        limit.ruleId,
        `client ${clientId} reached ${limit.max} orders ${WINDOW_NAMES[limit.ruleId]} on exchange account ${account}; retry in ${retry} s`,
      );
    }
  }
}

/** A venue signer's refusal of a request it cannot express, either family (its messages name the rule, never a secret). */
function isVenueRequestError(err: unknown): err is VenueRequestError | HmacRequestError {
  return err instanceof VenueRequestError || err instanceof HmacRequestError;
}

/**
 * Signs with the account's venue signer, mapping its refusals to rule ids:
 * `exchange.unsupported_operation` and `exchange.invalid_venue_request`. Anything else it throws
 * is a bug (500, logged by name only).
 */
function signWithVenue(account: ExchangeAccount, op: ExchangeOperation, nowMs: number): SignedVenueRequest {
  let signed: SignedVenueRequest;
  try {
    signed = account.signer.sign(op, nowMs);
  } catch (err) {
    if (err instanceof UnsupportedOperationError) {
      // The signer's own reason ("no FOK time in force") tells the agent what to change.
      throw new PolicyRefusal("exchange.unsupported_operation", `${account.venue}: ${err.message.slice(0, 300)}`);
    }
    if (isVenueRequestError(err)) throw new PolicyRefusal("exchange.invalid_venue_request", `${account.venue}: ${err.message.slice(0, 300)}`);
    throw err;
  }
  // The signed request must go to the account's own origin, nowhere else.
  let origin: string | undefined;
  try {
    origin = new URL(signed.url).origin;
  } catch {
    origin = undefined;
  }
  if (origin !== account.baseUrl) throw new Error("venue signer produced a URL outside the account's origin");
  return signed;
}

/**
 * POST /v1/sign/exchange-request: admit (schema, leak scan, rate limit, trading policy), sign
 * with the account's venue signer, pass the order counters, scan the answer, and return exactly
 * what to send to the venue. The venue timestamp is the sidecar's clock, not the caller's.
 */
export async function signExchangeRequest(
  ctx: RequestContext,
  client: AuthClient,
  raw: Buffer,
  contentType: string | undefined,
  deps: ExchangeRouteDeps,
  nowMs: number,
): Promise<RouteResult> {
  const admitted = await admitExchangeRequest(ctx, client, parseJsonBody(raw, contentType), deps, nowMs, false);
  const { request, decision } = admitted;
  const account = decision.account;
  // The account's credentials are the key that signs: receipts and audit name it.
  ctx.keyId = account.account;
  // Signed before the order counters count, so an operation the venue does not have burns no
  // order slot; the signature is discarded unless every counter admits the order.
  const signed = signWithVenue(account, request.operation, nowMs);
  await orderCountersStep(deps.orderCounters, decision.orderLimits, client.clientId, account.account, nowMs, false);

  const answer: SignedExchangeRequest = {
    requestId: ctx.requestId,
    venue: account.venue,
    account: account.account,
    environment: account.environment,
    method: signed.method,
    url: signed.url,
    headers: { ...signed.headers },
    ...(signed.body === undefined ? {} : { body: signed.body }),
    expiresAtMs: signed.expiresAtMs,
  };
  // The contract's bounds (URL, header and body sizes) hold for whatever a venue signer built.
  const checked = SignedExchangeRequest.safeParse(answer);
  if (!checked.success) throw new Error("venue signer output outside the SignedExchangeRequest contract");
  const body = checked.data;
  if (deps.scanner) {
    const patterns = deps.scanner.scanValue(body);
    if (patterns.length > 0) {
      if (deps.config.leakScanner.action === "block") throw new HttpError("OUTBOUND_LEAK_BLOCKED");
      deps.onScanWarning(ctx, "outbound", patterns);
    }
  }
  return { status: 200, body, headers: admitted.headers, signedHash: signedVenueRequestHash(body), auditDetails: ctx.auditDetails ?? {} };
}

/**
 * POST /v1/policy/evaluate for an exchange request: every check of the signing route except
 * the venue signer itself (nothing is signed, so `exchange.unsupported_operation` and
 * `exchange.invalid_venue_request` are only decided when signing). Rate limit and order
 * counters are looked at, not counted.
 */
export async function evaluateExchangeRequest(
  ctx: RequestContext,
  client: AuthClient,
  body: unknown,
  deps: ExchangeRouteDeps,
  nowMs: number,
): Promise<RouteResult> {
  const admitted = await admitExchangeRequest(ctx, client, body, deps, nowMs, true);
  const { decision } = admitted;
  await orderCountersStep(deps.orderCounters, decision.orderLimits, client.clientId, decision.account.account, nowMs, true);
  const evaluation: PolicyEvaluation = { requestId: ctx.requestId, allowed: true };
  return { status: 200, body: evaluation, headers: admitted.headers, auditDetails: ctx.auditDetails ?? {} };
}
