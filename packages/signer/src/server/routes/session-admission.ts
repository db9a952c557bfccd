import { HEADER, SessionTransactionRequest } from "@airlock/core";
import { normalizeFelt, outsideExecutionHashes, parseSessionRequest, type ParsedSessionRequest, type SessionHashes } from "@airlock/core/starknet";
import type { AuthClient, SignerConfig } from "../../config/config-types.js";
import type { SessionSignerProvider } from "../../custody/provider-types.js";
import { evaluateSessionPolicy, type PolicySpendCharge } from "../../policy/index.js";
import type { LeakScanner } from "../../scan/leak-scanner.js";
import { StoreUnavailableError, type RateLimiter } from "../../stores/store-types.js";
import { HttpError } from "../http-error.js";
import { parseStrictJson } from "../strict-json.js";
import type { RequestContext } from "../request-context.js";

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

function parseBody(raw: Buffer, contentType: string | undefined): unknown {
  if (!contentType || !/^application\/json\s*(;|$)/i.test(contentType)) throw new HttpError("UNSUPPORTED_MEDIA_TYPE");
  return parseStrictJson(raw.toString("utf8"));
}

/**
 * Everything between authentication and the signature, shared by the signing route and the
 * policy dry run (`dryRun`), in SISNA's order: schema, inbound leak scan, rate limit, then
 * policy. The dry run peeks at the rate limit instead of counting, so it burns no slot.
 */
export async function admitSessionRequest(
  ctx: RequestContext,
  client: AuthClient,
  raw: Buffer,
  contentType: string | undefined,
  deps: AdmissionDeps,
  nowMs: number,
  dryRun: boolean,
): Promise<AdmittedSessionRequest> {
  const body = parseBody(raw, contentType);
  const result = SessionTransactionRequest.safeParse(body);
  if (!result.success) {
    throw new HttpError("INVALID_PAYLOAD", undefined, { details: result.error.flatten() });
  }
  const request = result.data;
  const keyId = request.keyId ?? deps.config.signer.defaultKeyId;
  ctx.keyId = keyId;

  if (deps.scanner) {
    const patterns = deps.scanner.scanValue(body);
    if (patterns.length > 0) {
      if (deps.config.leakScanner.action === "block") throw new HttpError("LEAK_DETECTED", undefined, { patterns });
      deps.onScanWarning(ctx, "inbound", patterns);
    }
  }

  const headers: Record<string, string> = {};
  if (deps.rateLimiter) {
    // Felt-normalised account, so 0x0111 and 0x111 share one bucket (a SISNA gap).
    const key = `${client.clientId}|${normalizeFelt(request.accountAddress)}|${keyId}`;
    let decision;
    try {
      decision = dryRun ? await deps.rateLimiter.peek(key, nowMs) : await deps.rateLimiter.hit(key, nowMs);
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
  }

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
