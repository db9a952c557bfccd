import type { ReadyResponse } from "@airlock/core";
import type { SessionSignerProvider } from "../../custody/provider-types.js";
import type { Pingable } from "../../stores/store-types.js";
import { HttpError } from "../http-error.js";
import type { RouteResult } from "./session-routes.js";

const CHECK_TIMEOUT_MS = 2_000;

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** GET /ready: 200 only while every dependency the boundary needs answers. */
export async function readiness(
  requestId: string,
  stores: ReadonlyMap<string, Pingable>,
  provider: SessionSignerProvider,
  auditHealthy: boolean,
): Promise<RouteResult> {
  const checks: ReadyResponse["checks"] = { audit: auditHealthy ? { ok: true } : { ok: false, error: "audit log write failed" } };
  const probes = [...stores].map(async ([name, store]) => {
    try {
      await withTimeout(store.ping(), CHECK_TIMEOUT_MS);
      checks[name] = { ok: true };
    } catch {
      checks[name] = { ok: false, error: `${name} did not answer` };
    }
  });
  probes.push(
    (async () => {
      try {
        const r = await withTimeout(provider.check(), CHECK_TIMEOUT_MS);
        checks.signer = r.ok ? { ok: true } : { ok: false, error: r.error ?? "signer provider not ready" };
      } catch {
        checks.signer = { ok: false, error: "signer provider did not answer" };
      }
    })(),
  );
  await Promise.all(probes);
  const ready = Object.values(checks).every((c) => c.ok);
  return { status: ready ? 200 : 503, body: { ready, checks, requestId }, headers: {} };
}

/** GET /health/dfns-preflight, as SISNA: 404 unless the provider is DFNS, else 200/503. */
export async function dfnsPreflight(provider: SessionSignerProvider): Promise<RouteResult> {
  if (!provider.preflight) throw new HttpError("DFNS_NOT_ENABLED");
  const result = await provider.preflight();
  return { status: result.ok ? 200 : 503, body: result, headers: {} };
}
