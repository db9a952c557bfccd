import { HEADER, MAX_BODY_BYTES, ROUTE } from "@airlock/core";
import { RECEIPT_HEADER, encodeReceiptHeader } from "@airlock/core/receipts";
import { KMS_UNSEAL_ROUTE, MAX_KMS_UNSEAL_BODY_BYTES, MAX_PROVISION_BODY_BYTES, PROVISION_ROUTE } from "@airlock/core/provisioning";
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { authenticate, AuthFailure } from "../auth/request-auth.js";
import type { SignerConfig } from "../config/config-types.js";
import type { SessionSignerProvider } from "../custody/provider-types.js";
import type { LeakScanner } from "../scan/leak-scanner.js";
import type { OrderCounters } from "../stores/order-counters.js";
import type { NonceStore, Pingable, RateLimiter, SpendStore } from "../stores/store-types.js";
import { HttpError } from "./http-error.js";
import { readBody } from "./read-body.js";
import type { RequestContext } from "./request-context.js";
import type { ReceiptIssuer } from "./receipts.js";
import { errorPayload, sendError, sendJson, sendPayload, sendText } from "./respond.js";
import { attestationAnswer, type AttestationRouteDeps } from "./routes/attestation-route.js";
import { dfnsPreflight, readiness } from "./routes/health-routes.js";
import { evaluatePolicyRequest } from "./routes/evaluate-route.js";
import { KMS_UNSEAL_ROUTE_LABEL, type KmsUnsealRoute } from "./routes/kms-unseal-route.js";
import { PROVISION_ROUTE_LABEL, provisionKeys, uploadHash, type ProvisionRouteDeps } from "./routes/provision-route.js";
import type { ExchangeRouteDeps } from "./routes/exchange-admission.js";
import { signExchangeRequest } from "./routes/exchange-routes.js";
import { signSessionTransaction, type RouteResult, type SessionRouteDeps } from "./routes/session-routes.js";
import { signerStatus } from "./routes/status-route.js";
import { traceContextFrom } from "./trace-context.js";
import type { ServerObserver } from "./observer.js";

export interface AppDeps {
  readonly config: SignerConfig;
  readonly provider: SessionSignerProvider;
  readonly nonces: NonceStore;
  readonly rateLimiter: RateLimiter | undefined;
  readonly spend: SpendStore;
  /** The trading policy's order counters. */
  readonly orderCounters: OrderCounters;
  /** Dependencies /ready pings, by name ("redis"). */
  readonly pingables: ReadonlyMap<string, Pingable>;
  readonly scanner: LeakScanner | undefined;
  readonly observer: ServerObserver;
  /**
   * Signs the receipt every answer to an authenticated request carries: always with the Nitro
   * backend, with the keyring backend only when AIRLOCK_RECEIPTS=on (nobody can verify its key).
   */
  readonly receipts: ReceiptIssuer | undefined;
  /** The Nitro backend's attestation route; absent with the keyring backend (404). */
  readonly attestation?: AttestationRouteDeps | undefined;
  /** Sealed key provisioning (POST /v1/admin/provision); absent unless configured (PROVISIONING_NOT_ENABLED). */
  readonly provisioning?: ProvisionRouteDeps | undefined;
  /** Restarts with AWS KMS (POST /v1/admin/kms-unseal); absent unless configured (KMS_UNSEAL_NOT_ENABLED). */
  readonly kmsUnseal?: KmsUnsealRoute | undefined;
  /** Clock in epoch ms (tests freeze it). */
  readonly now: () => number;
}

/** What every authenticated route may use. */
type RouteDeps = SessionRouteDeps & ExchangeRouteDeps;

type AuthedHandler = (ctx: RequestContext, client: Parameters<typeof signSessionTransaction>[1], raw: Buffer, contentType: string | undefined, deps: RouteDeps, nowMs: number) => Promise<RouteResult>;

/** Authenticated routes: path → method, handler and the label used in metrics and audit. */
const AUTHED_ROUTES: ReadonlyMap<string, { method: string; label: string; handler: AuthedHandler }> = new Map([
  [ROUTE.signSessionTransaction, { method: "POST", label: "sign.session_transaction", handler: signSessionTransaction }],
  [ROUTE.signExchangeRequest, { method: "POST", label: "sign.exchange_request", handler: signExchangeRequest }],
  [ROUTE.policyEvaluate, { method: "POST", label: "policy.evaluate", handler: evaluatePolicyRequest }],
  [ROUTE.status, { method: "GET", label: "status", handler: signerStatus }],
]);

const PUBLIC_PATHS = new Set<string>([ROUTE.health, ROUTE.dfnsPreflight, ROUTE.ready, ROUTE.metrics, ROUTE.attestation]);
const CALLER_REQUEST_ID = /^[\x21-\x7e]{1,128}$/;

/**
 * The sidecar's request handler. Order: request id and trace context, browser-origin refusal,
 * public routes (health, readiness, metrics), then for everything else: bounded body read,
 * HMAC authentication with one-time nonce, and the route. Every answer is JSON, every error
 * carries {error, code, requestId}, and every decision on an authenticated route is audited.
 */
export function createApp(deps: AppDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const knownKeyIds = new Set(deps.provider.keyIds());
  const routeDeps: RouteDeps = {
    config: deps.config,
    provider: deps.provider,
    rateLimiter: deps.rateLimiter,
    scanner: deps.scanner,
    spend: deps.spend,
    orderCounters: deps.orderCounters,
    knownKeyIds,
    onScanWarning: (ctx, direction, patterns) => deps.observer.scanWarning(ctx, direction, patterns),
  };

  async function handle(req: IncomingMessage, res: ServerResponse, ctx: RequestContext): Promise<void> {
    if (req.headers.origin !== undefined) throw new HttpError("ORIGIN_REJECTED");
    // HTTP/1.1 requires Host (RFC 9112 §3.2); Node is told not to enforce it so that the
    // refusal is our JSON error, not a bare 400.
    if (req.headers.host === undefined && req.httpVersionMajor === 1 && req.httpVersionMinor >= 1) {
      throw new HttpError("MALFORMED_REQUEST", "missing Host header");
    }
    const target = req.url ?? "/";
    const path = target.split("?", 1)[0]!;
    const method = req.method ?? "GET";

    // The admin routes (a sealed upload, a KMS unseal) authenticate by the admin's own signature
    // (no HMAC client is involved), are throttled, and are audited and answered with a receipt
    // like every authenticated route.
    if (path === PROVISION_ROUTE || path === KMS_UNSEAL_ROUTE) {
      const upload = path === PROVISION_ROUTE;
      ctx.route = upload ? PROVISION_ROUTE_LABEL : KMS_UNSEAL_ROUTE_LABEL;
      const throttle = upload ? deps.provisioning?.throttle : deps.kmsUnseal?.throttle;
      if (throttle === undefined) throw new HttpError(upload ? "PROVISIONING_NOT_ENABLED" : "KMS_UNSEAL_NOT_ENABLED");
      if (method !== "POST") throw new HttpError("METHOD_NOT_ALLOWED", undefined, {}, { allow: "POST" });
      if (!deps.observer.auditHealthy()) throw new HttpError("AUDIT_UNAVAILABLE");
      if (!throttle.take(deps.now())) throw new HttpError("RATE_LIMITED", undefined, { retryAfterMs: 1000 }, { "retry-after": "1" });
      const raw = await readBody(req, upload ? MAX_PROVISION_BODY_BYTES : MAX_KMS_UNSEAL_BODY_BYTES).catch((err: unknown) => {
        res.setHeader("connection", "close");
        throw err;
      });
      // The receipt's request hash is the SHA-256 of the exact upload (there is no HMAC string).
      ctx.requestHash = uploadHash(raw);
      const contentType = req.headers["content-type"];
      // A throttle exists exactly when the route's dependencies do (checked above).
      const result = upload ? provisionKeys(ctx, raw, contentType, deps.provisioning!, deps.now()) : await deps.kmsUnseal!.unseal(ctx, raw, contentType);
      return sendDecision(res, ctx, result);
    }

    if (PUBLIC_PATHS.has(path)) {
      ctx.route = path;
      if (method !== "GET" && method !== "HEAD") throw new HttpError("METHOD_NOT_ALLOWED", undefined, {}, { allow: "GET, HEAD" });
      if (path === ROUTE.health) return sendJson(res, 200, { ok: true });
      if (path === ROUTE.attestation) {
        if (deps.attestation === undefined) throw new HttpError("NOT_FOUND");
        const answer = await attestationAnswer(target, ctx.requestId, deps.attestation);
        return sendJson(res, answer.status, answer.body);
      }
      if (path === ROUTE.metrics) {
        if (!deps.config.metricsEnabled) throw new HttpError("NOT_FOUND");
        return sendText(res, 200, deps.observer.renderMetrics(), "text/plain; version=0.0.4; charset=utf-8");
      }
      const result = path === ROUTE.ready ? await readiness(ctx.requestId, deps.pingables, deps.provider, deps.observer.auditHealthy()) : await dfnsPreflight(deps.provider);
      return sendJson(res, result.status, result.body, result.headers);
    }

    const route = AUTHED_ROUTES.get(path);
    ctx.route = route?.label ?? "unknown";
    if (!deps.observer.auditHealthy()) throw new HttpError("AUDIT_UNAVAILABLE");
    if (route && method !== route.method) throw new HttpError("METHOD_NOT_ALLOWED", undefined, {}, { allow: route.method });
    const raw = await readBody(req, MAX_BODY_BYTES).catch((err: unknown) => {
      // An oversized or unreadable body is not drained: answer, then drop the connection.
      res.setHeader("connection", "close");
      throw err;
    });
    const nowMs = deps.now();
    const caller = await authenticate(req.headers, method, target, raw, deps.config.auth, deps.nonces, nowMs);
    ctx.clientId = caller.client.clientId;
    ctx.requestHash = caller.requestHash;
    // As SISNA: an unknown path is only answered once the caller has authenticated.
    if (!route) throw new HttpError("NOT_FOUND");
    // Sealed provisioning: nothing signs before the keys are installed. (Declared clients cannot
    // even authenticate before then; this holds whatever the authentication does.)
    if (route.label.startsWith("sign.") && deps.config.provisioning?.keyring.installed === false) throw new HttpError("KEYS_NOT_PROVISIONED");
    const result = await route.handler(ctx, caller.client, raw, req.headers["content-type"], routeDeps, nowMs);
    sendDecision(res, ctx, result);
  }

  /** Receipt, audit record, then the answer (a decision the audit log cannot take is not handed out). */
  function sendDecision(res: ServerResponse, ctx: RequestContext, result: RouteResult): void {
    const payload = JSON.stringify(result.body);
    const receipt = deps.receipts?.issue(ctx, result.status, payload, result.signedHash);
    // Recorded before it is sent: a decision the audit log cannot take is not handed out.
    try {
      deps.observer.decided(ctx, result, receipt);
    } catch {
      throw new HttpError("AUDIT_UNAVAILABLE");
    }
    sendPayload(res, result.status, payload, receipt === undefined ? result.headers : { ...result.headers, [RECEIPT_HEADER]: encodeReceiptHeader(receipt) });
  }

  return (req, res) => {
    const ctx: RequestContext = {
      requestId: randomUUID(),
      trace: traceContextFrom(req.headers[HEADER.traceparent]),
      route: "unknown",
      startedAt: process.hrtime.bigint(),
    };
    res.setHeader(HEADER.requestId, ctx.requestId);
    res.setHeader(HEADER.traceparent, ctx.trace.traceparent);
    const callerId = req.headers[HEADER.requestId];
    if (typeof callerId === "string" && CALLER_REQUEST_ID.test(callerId)) res.setHeader(HEADER.callerRequestId, callerId);

    handle(req, res, ctx).catch((err: unknown) => {
      const httpErr = err instanceof HttpError ? err : new HttpError("INTERNAL_ERROR");
      if (!(err instanceof HttpError)) deps.observer.internalError(ctx, err);
      // A known client that failed a later check (timestamp, MAC, nonce) is named in the audit.
      if (err instanceof AuthFailure && err.clientId !== undefined) ctx.clientId = err.clientId;
      // An authenticated request's refusal carries a receipt too: a host in the middle cannot
      // fake a refusal any more than a signature.
      const receipt = ctx.requestHash === undefined ? undefined : deps.receipts?.issue(ctx, httpErr.status, errorPayload(ctx.requestId, httpErr), undefined);
      // Recorded before the answer leaves, like every decision.
      try {
        deps.observer.refused(ctx, httpErr, err instanceof AuthFailure ? err.reason : undefined, receipt);
      } catch (auditErr) {
        // The audit log just failed: later requests get AUDIT_UNAVAILABLE; never crash here.
        deps.observer.internalError(ctx, auditErr);
      }
      sendError(res, ctx.requestId, httpErr, receipt === undefined ? undefined : { [RECEIPT_HEADER]: encodeReceiptHeader(receipt) });
    });
  };
}
