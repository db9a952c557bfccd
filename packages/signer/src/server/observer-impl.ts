import type { AuditLog } from "../audit/audit-log.js";
import type { AuditEntry } from "../audit/audit-record.js";
import type { SignerMetrics } from "../metrics/metrics.js";
import type { HttpError } from "./http-error.js";
import type { ServerObserver } from "./observer.js";
import type { RequestContext } from "./request-context.js";
import { PolicyRefusal } from "./routes/session-admission.js";
import type { RouteResult } from "./routes/session-routes.js";

/** Operational log: startup, infrastructure trouble, bugs. Fields never hold secrets or bodies. */
export type OperationalLog = (level: "debug" | "info" | "warn" | "error", event: string, fields: Record<string, unknown>) => void;

/** Wire codes that mean a store (Redis) failed, by store label. */
const STORE_OF_CODE: Partial<Record<HttpError["code"], string>> = {
  REPLAY_STORE_UNAVAILABLE: "nonce",
  RATE_LIMIT_UNAVAILABLE: "rate-limit",
  SPEND_STORE_UNAVAILABLE: "spend",
};

function traceFields(ctx: RequestContext): Pick<AuditEntry, "traceId" | "spanId"> {
  return { traceId: ctx.trace.traceId, spanId: ctx.trace.spanId };
}

function seconds(ctx: RequestContext): number {
  return Number(process.hrtime.bigint() - ctx.startedAt) / 1e9;
}

/**
 * Turns pipeline events into one audit record per decision on an authenticated route, the
 * Prometheus series, and operational log lines. Audit writes are synchronous and throw when the
 * log is unusable; the server then refuses (a decision it cannot record is not made).
 */
export function createObserver(deps: { audit: AuditLog; metrics: SignerMetrics; log: OperationalLog }): ServerObserver {
  const { audit, metrics, log } = deps;
  let auditFailed = false;
  /** Writes one record; a failure marks the log broken (the caller's request then fails). */
  const record: AuditLog["record"] = (entry) => {
    try {
      audit.record(entry);
    } catch (err) {
      if (!auditFailed) log("error", "audit.write_failed", { error: (err as { code?: string }).code ?? "unknown" });
      auditFailed = true;
      throw err;
    }
  };
  return {
    decided(ctx, result: RouteResult, receipt) {
      const denied = result.ruleId !== undefined;
      record({
        event: denied ? `${ctx.route}.denied` : `${ctx.route}.${ctx.route === "policy.evaluate" ? "allowed" : "success"}`,
        requestId: ctx.requestId,
        outcome: denied ? "denied" : "allowed",
        clientId: ctx.clientId,
        keyId: ctx.keyId,
        ruleId: result.ruleId,
        messageHash: result.messageHash,
        ...traceFields(ctx),
        ...(result.auditDetails === undefined ? {} : { details: result.auditDetails }),
        receipt,
      });
      metrics.countRequest(ctx.route, denied ? "denied" : "ok");
      if (denied) metrics.countPolicyDenial(result.ruleId!);
      if (ctx.route.startsWith("sign.")) metrics.observeSignDuration(ctx.route, seconds(ctx));
    },

    refused(ctx, err, authReason, receipt) {
      metrics.countRequest(ctx.route, err.code);
      const store = STORE_OF_CODE[err.code];
      if (store) {
        metrics.countStoreError(store);
        log("error", "store.unavailable", { store, requestId: ctx.requestId });
      }
      if (err.code === "AUTH_REPLAYED_NONCE") metrics.countReplayRejection();
      if (authReason) metrics.countAuthFailure(authReason);
      if (err instanceof PolicyRefusal) metrics.countPolicyDenial(err.ruleId);
      // Public routes make no decisions; everything else is audited, refusals included. Not
      // audited: broken HTTP framing (like the parser errors Node answers before any route) and
      // a broken audit log, which cannot record that it is broken (the operational log has it).
      if (ctx.route.startsWith("/") || err.code === "AUDIT_UNAVAILABLE" || err.code === "MALFORMED_REQUEST") return;
      record({
        event: authReason ? `auth.${authReason}` : `${ctx.route}.${err instanceof PolicyRefusal ? "policy_denied" : err.code.toLowerCase()}`,
        requestId: ctx.requestId,
        outcome: err.status >= 500 ? "error" : "denied",
        clientId: ctx.clientId,
        keyId: ctx.keyId,
        ruleId: err instanceof PolicyRefusal ? err.ruleId : undefined,
        ...traceFields(ctx),
        details: { ...ctx.auditDetails, code: err.code, status: err.status },
        receipt,
      });
    },

    scanWarning(ctx, direction, patterns) {
      record({
        event: "security.leak_pattern_detected",
        requestId: ctx.requestId,
        outcome: "allowed",
        clientId: ctx.clientId,
        keyId: ctx.keyId,
        ...traceFields(ctx),
        details: { direction, action: "warn", patternIds: patterns },
      });
    },

    internalError(ctx, err) {
      // Name and code only: an exception message could quote input.
      const e = err as { name?: unknown; code?: unknown };
      log("error", "server.internal_error", {
        requestId: ctx.requestId,
        route: ctx.route,
        error: typeof e?.name === "string" ? e.name : typeof err,
        ...(typeof e?.code === "string" ? { code: e.code } : {}),
      });
    },

    renderMetrics: () => metrics.render(),
    auditHealthy: () => !auditFailed,
  };
}
