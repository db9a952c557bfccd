import { SessionTransactionRequest } from "@airlock/core";
import { normalizeFelt, outsideExecutionHashes, parseSessionRequest, type ParsedSessionRequest, type SessionHashes } from "@airlock/core/starknet";
import type { AuthClient, SignerConfig } from "../../config/config-types.js";
import type { SessionSignerProvider } from "../../custody/provider-types.js";
import { evaluateSessionPolicy, type PolicySpendCharge } from "../../policy/index.js";
import type { LeakScanner } from "../../scan/leak-scanner.js";
import type { RateLimiter } from "../../stores/store-types.js";
import { HttpError } from "../http-error.js";
import type { RequestContext } from "../request-context.js";
import { rateLimitStep, scanInbound } from "./admission-steps.js";

/** A request that passed validation, the leak scanner, the rate limit and the policy. */
export interface AdmittedSessionRequest {
  readonly request: SessionTransactionRequest;
  readonly parsed: ParsedSessionRequest;
  readonly keyId: string;
  readonly hashes: SessionHashes;
  readonly charges: readonly PolicySpendCharge[];
  /** Rate-limit headers to send with the answer. */
  readonly headers: Record<string, string>;
}

export interface AdmissionDeps {
  readonly config: SignerConfig;
  readonly provider: SessionSignerProvider;
  readonly rateLimiter: RateLimiter | undefined;
  readonly scanner: LeakScanner | undefined;
  /** Warn-mode scanner hits and other non-fatal findings go to the audit log. */
  readonly onScanWarning: (ctx: RequestContext, direction: "inbound" | "outbound", patterns: string[]) => void;
  readonly knownKeyIds: ReadonlySet<string>;
}

/** A policy denial, with SISNA's message and our rule id. */
export class PolicyRefusal extends HttpError {
  constructor(
    readonly ruleId: string,
    message: string,
  ) {
    super("POLICY_DENIED", message, { ruleId });
  }
}

/**
 * Everything between authentication and the signature, shared by the signing route and the
 * policy dry run (`dryRun`), in SISNA's order: schema, inbound leak scan, rate limit, then
 * policy. `body` is the strictly parsed JSON body (parseJsonBody). The dry run peeks at the
 * rate limit instead of counting, so it burns no slot.
 */
export async function admitSessionRequest(
  ctx: RequestContext,
  client: AuthClient,
  body: unknown,
  deps: AdmissionDeps,
  nowMs: number,
  dryRun: boolean,
): Promise<AdmittedSessionRequest> {
  const result = SessionTransactionRequest.safeParse(body);
  if (!result.success) {
    throw new HttpError("INVALID_PAYLOAD", undefined, { details: result.error.flatten() });
  }
  const request = result.data;
  const keyId = request.keyId ?? deps.config.signer.defaultKeyId;
  ctx.keyId = keyId;

  scanInbound(ctx, body, deps);
  // Felt-normalised account, so 0x0111 and 0x111 share one bucket (a SISNA gap).
  const headers = await rateLimitStep(deps.rateLimiter, `${client.clientId}|${normalizeFelt(request.accountAddress)}|${keyId}`, nowMs, dryRun);

  const parsed = parseSessionRequest(request);
  const decision = evaluateSessionPolicy(
    {
      clientId: client.clientId,
      authClient: client,
      keyId,
      knownKeyIds: deps.knownKeyIds,
      request,
      parsed,
      nowSec: Math.floor(nowMs / 1000),
    },
    deps.config.policy,
  );
  if (!decision.allowed) throw new PolicyRefusal(decision.ruleId, decision.message);
  const hashes = outsideExecutionHashes(parsed.account, parsed.chainId, parsed.execution);
  return { request, parsed, keyId, hashes, charges: decision.charges, headers };
}
