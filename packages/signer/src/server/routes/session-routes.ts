import type { PolicyEvaluation, SessionTransactionResponse } from "@airlock/core";
import { feltHex } from "@airlock/core/starknet";
import type { AuthClient } from "../../config/config-types.js";
import { ProviderPolicyError, SignerUnavailableError } from "../../custody/provider-types.js";
import { spendWindowExceeded, type PolicySpendCharge } from "../../policy/index.js";
import { StoreUnavailableError, type SpendStore } from "../../stores/store-types.js";
import { HttpError } from "../http-error.js";
import type { RequestContext } from "../request-context.js";
import { parseJsonBody } from "./admission-steps.js";
import { admitSessionRequest, PolicyRefusal, type AdmissionDeps, type AdmittedSessionRequest } from "./session-admission.js";

export interface SessionRouteDeps extends AdmissionDeps {
  readonly spend: SpendStore;
}

/** The outcome a route hands back to the server: a body to send and what to audit. */
export interface RouteResult {
  status: number;
  body: unknown;
  headers: Record<string, string>;
  messageHash?: string;
  /** What was signed (a message hash, or the hash of a signed venue request): receipts name it. */
  signedHash?: string;
  /** Set when the answer itself is a refusal (policy dry run), for audit and metrics. */
  ruleId?: string;
  /** Small facts for the audit record (never a body). */
  auditDetails?: Record<string, unknown>;
}

/** Who asked and through which tool (SISNA logs requester and tool too); the reason stays out. */
function contextDetails(admitted: AdmittedSessionRequest): Record<string, unknown> {
  const { context, calls } = admitted.request;
  return {
    calls: calls.length,
    ...(context?.requester === undefined ? {} : { requester: context.requester }),
    ...(context?.tool === undefined ? {} : { tool: context.tool }),
  };
}

async function spendStep(
  spend: SpendStore,
  charges: readonly PolicySpendCharge[],
  nowMs: number,
  reservationId: string | undefined,
): Promise<void> {
  if (charges.length === 0) return;
  let result;
  try {
    result = reservationId === undefined ? await spend.check(charges, nowMs) : await spend.reserve(charges, nowMs, reservationId);
  } catch (err) {
    if (err instanceof StoreUnavailableError) {
      // A reserve that timed out may still land when a stalled Redis resumes: queue a refund
      // behind it on the same connection (best effort; a lost refund over-counts, the safe side).
      if (reservationId !== undefined) void spend.release(charges, reservationId).catch(() => undefined);
      throw new HttpError("SPEND_STORE_UNAVAILABLE");
    }
    throw err;
  }
  if (!result.ok) {
    const denial = spendWindowExceeded(charges[result.index]!, result.spent);
    throw new PolicyRefusal(denial.ruleId, denial.message);
  }
}

async function release(spend: SpendStore, admitted: AdmittedSessionRequest, reservationId: string): Promise<void> {
  if (admitted.charges.length === 0) return;
  // A refund that fails leaves the budget over-counted, which errs on the safe side.
  await spend.release(admitted.charges, reservationId).catch(() => undefined);
}

/** POST /v1/sign/session-transaction: admit, reserve spending budget, sign, answer. */
export async function signSessionTransaction(
  ctx: RequestContext,
  client: AuthClient,
  raw: Buffer,
  contentType: string | undefined,
  deps: SessionRouteDeps,
  nowMs: number,
): Promise<RouteResult> {
  const admitted = await admitSessionRequest(ctx, client, parseJsonBody(raw, contentType), deps, nowMs, false);
  const { keyId, hashes, request } = admitted;
  await spendStep(deps.spend, admitted.charges, nowMs, ctx.requestId);

  let signature;
  try {
    signature = await deps.provider.sign({ keyId, clientId: client.clientId, request, hashes });
  } catch (err) {
    await release(deps.spend, admitted, ctx.requestId);
    if (err instanceof ProviderPolicyError) throw new PolicyRefusal("provider.denied", err.message);
    if (err instanceof SignerUnavailableError) throw new HttpError("SIGNER_UNAVAILABLE");
    throw err;
  }
  const expectedKey = deps.provider.publicKey(keyId);
  if (expectedKey === undefined || signature.publicKey !== expectedKey) {
    await release(deps.spend, admitted, ctx.requestId);
    throw new HttpError("SIGNER_UNAVAILABLE");
  }

  const sessionPublicKey = feltHex(signature.publicKey);
  const body: SessionTransactionResponse = {
    requestId: ctx.requestId,
    signatureMode: "v2_snip12",
    signatureKind: "Snip12",
    domainHash: feltHex(hashes.domainHash),
    messageHash: feltHex(hashes.messageHash),
    signerProvider: signature.provider,
    sessionPublicKey,
    signature: [sessionPublicKey, feltHex(signature.r), feltHex(signature.s), feltHex(BigInt(request.validUntil))],
  };
  if (deps.scanner) {
    const patterns = deps.scanner.scanValue(body);
    if (patterns.length > 0) {
      if (deps.config.leakScanner.action === "block") {
        await release(deps.spend, admitted, ctx.requestId);
        throw new HttpError("OUTBOUND_LEAK_BLOCKED");
      }
      deps.onScanWarning(ctx, "outbound", patterns);
    }
  }
  return { status: 200, body, headers: admitted.headers, messageHash: body.messageHash, signedHash: body.messageHash, auditDetails: contextDetails(admitted) };
}

/**
 * POST /v1/policy/evaluate for a session request (the dispatcher in evaluate-route.ts parsed the
 * body and turns refusals into answers): runs every check the signing route runs, without
 * signing, without consuming spending budget and without counting a rate-limit slot.
 */
export async function evaluateSessionRequest(
  ctx: RequestContext,
  client: AuthClient,
  body: unknown,
  deps: SessionRouteDeps,
  nowMs: number,
): Promise<RouteResult> {
  const admitted = await admitSessionRequest(ctx, client, body, deps, nowMs, true);
  await spendStep(deps.spend, admitted.charges, nowMs, undefined);
  const messageHash = feltHex(admitted.hashes.messageHash);
  const evaluation: PolicyEvaluation = {
    requestId: ctx.requestId,
    allowed: true,
    domainHash: feltHex(admitted.hashes.domainHash),
    messageHash,
  };
  return { status: 200, body: evaluation, headers: admitted.headers, messageHash, auditDetails: contextDetails(admitted) };
}
