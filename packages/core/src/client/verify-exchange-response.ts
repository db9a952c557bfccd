import { SignedExchangeRequest, type ExchangeRequest, type Venue } from "../wire/exchange-schemas.js";
import { InvalidResponseError, type InvalidResponseReason } from "./errors.js";
import { expectedMethod, missingRequestedValue } from "./exchange-request-match.js";
import { carriesSecret, sendabilityProblem } from "./signed-request-checks.js";
import type { ResponseContext } from "./verify-session-response.js";

/**
 * Checks the sidecar's answer to an exchange signing request against the request the client
 * sent, before anyone can send it: the wire schema (which bounds every field's size), venue and
 * account echoed unchanged, an allowed origin for that venue, safe headers, the venue's method
 * for the operation, the requested symbol / side / quantity / order id present (see
 * exchange-request-match.ts for how light that check is), and the client's own HMAC secret
 * nowhere in it. Throws InvalidResponseError with the failing check as `reason`.
 */
export function verifySignedExchangeRequest(
  request: ExchangeRequest,
  body: unknown,
  allowedOrigins: ReadonlyMap<Venue, ReadonlySet<string>>,
  hmacSecret: string,
  ctx: ResponseContext,
): SignedExchangeRequest {
  const parsed = SignedExchangeRequest.safeParse(body);
  if (!parsed.success) fail("schema", "not a signed exchange request", ctx);
  const signed = parsed.data;
  const where = { ...ctx, requestId: signed.requestId };

  if (signed.venue !== request.venue) fail("venue_mismatch", `venue ${signed.venue} is not the requested ${request.venue}`, where);
  if (signed.account !== request.account) fail("account_mismatch", "account differs from the requested one", where);
  if (carriesSecret(signed, hmacSecret)) fail("unsafe_request", "the signed request contains the client's HMAC secret", where);
  const problem = sendabilityProblem(signed, allowedOrigins);
  if (problem !== undefined) fail(problem.reason, problem.message, where);

  const method = expectedMethod(request.venue, request.operation.type);
  if (signed.method !== method) fail("method_mismatch", `${request.operation.type} on ${request.venue} is a ${method}, not a ${signed.method}`, where);
  const missing = missingRequestedValue(request.venue, request.operation, signed);
  if (missing !== undefined) fail("request_mismatch", `the signed request does not carry the requested ${missing}`, where);
  return signed;
}

function fail(reason: InvalidResponseReason, message: string, ctx: ResponseContext): never {
  throw new InvalidResponseError(reason, message, { status: ctx.status, requestId: ctx.requestId });
}
