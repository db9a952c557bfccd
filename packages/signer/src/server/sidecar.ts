import { poseidonBackend, poseidonFallbackReason } from "@airlock/poseidon";
import type { Writable } from "node:stream";
import { createAuditLog } from "../audit/audit-log.js";
import type { SignerConfig } from "../config/config-types.js";
import { exampleValuesIn } from "../config/example-values.js";
import { createSignerMetrics } from "../metrics/metrics.js";
import { orderLimitsOf } from "../policy/index.js";
import { createLeakScanner } from "../scan/leak-scanner.js";
import { createStores } from "../stores/create-stores.js";
import { waitForRedisReady } from "../stores/redis-connection.js";
import type { Pingable } from "../stores/store-types.js";
import { VERSION } from "../version.js";
import { createApp } from "./app.js";
import { listen } from "./listen.js";
import { createObserver, type OperationalLog } from "./observer-impl.js";

export interface SidecarOptions {
  /** Audit records go here instead of config.audit.file (tests). */
  readonly auditStream?: Writable;
  /** Operational log lines (startup, Redis trouble, bugs); JSON lines on stderr by default. */
  readonly log?: OperationalLog;
  /** Clock override (tests). */
  readonly now?: () => number;
}

export interface Sidecar {
  readonly url: string;
  close(): Promise<void>;
}

/** Builds every part of the boundary from a validated config and starts serving. */
export async function startSidecar(config: SignerConfig, opts: SidecarOptions = {}): Promise<Sidecar> {
  const log = opts.log ?? stderrLog(config.logLevel);
  const stores = createStores(config.stores, {
    onRedisError: (msg) => log("warn", "redis.client_error", { error: msg }),
    orderWindows: [...config.exchange.rules.values()].flatMap(orderLimitsOf),
  });
  const audit = createAuditLog({
    ...(opts.auditStream ? { stream: opts.auditStream } : { file: config.audit.file }),
    secrets: config.signer.secretsForScanner,
  });
  const metrics = createSignerMetrics({ version: VERSION, poseidon: poseidonBackend });
  const scanner = config.leakScanner.enabled ? createLeakScanner({ secrets: config.signer.secretsForScanner }) : undefined;
  if (scanner && scanner.ignoredSecrets > 0) {
    log("warn", "leak_scanner.short_secrets", { count: scanner.ignoredSecrets, note: "secrets under 16 significant characters are not searched for" });
  }
  const pingables = new Map<string, Pingable>();
  // The spend store lives in Redis whenever Redis is configured, so its ping is Redis's.
  if (config.stores.spend === "redis") pingables.set("redis", stores.spend);
  const observer = createObserver({ audit, metrics, log });
  const provider = config.signer.provider;
  const publicKeys = provider.keyIds().map((id) => provider.publicKey(id)).filter((k): k is bigint => k !== undefined);
  for (const name of exampleValuesIn([...config.auth.clients.values()].map((c) => c.hmacSecret), publicKeys)) {
    log("warn", "config.example_value", { note: `${name} from .env.example is public: replace it before this sidecar guards anything` });
  }

  // Until Redis answers, the Redis stores refuse (503); give it a moment so the first requests succeed.
  if (stores.redis && !(await waitForRedisReady(stores.redis, 3_000))) {
    log("warn", "redis.not_ready", { note: "requests that need Redis get 503 until it answers" });
  }

  const handler = createApp({
    config,
    provider,
    nonces: stores.nonces,
    rateLimiter: stores.rateLimiter,
    spend: stores.spend,
    orderCounters: stores.orderCounters,
    pingables,
    scanner,
    observer,
    now: opts.now ?? Date.now,
  });
  const listening = await listen(handler, { host: config.host, port: config.port, tls: config.tls });
  if (poseidonFallbackReason) log("warn", "poseidon.fallback", { reason: poseidonFallbackReason });
  log("info", "server.started", {
    url: listening.url,
    version: VERSION,
    signerProvider: provider.kind,
    keyIds: provider.keyIds(),
    replayStore: config.stores.replay,
    rateLimit: config.stores.rateLimit.enabled ? config.stores.rateLimit.backend : "off",
    spendStore: config.stores.spend,
    leakScanner: config.leakScanner.enabled ? config.leakScanner.action : "off",
    poseidon: poseidonBackend,
    exchangeAccounts: [...config.exchange.accounts.values()].map((a) => `${a.account} (${a.venue} ${a.environment})`),
  });
  return {
    url: listening.url,
    close: async () => {
      await listening.close();
      await stores.close();
      await audit.close();
    },
  };
}

const LEVELS = ["debug", "info", "warn", "error"] as const;

/** JSON lines on stderr, filtered by LOG_LEVEL; callers never pass secrets in fields. */
function stderrLog(level: string): OperationalLog {
  const min = Math.max(0, LEVELS.indexOf(level as (typeof LEVELS)[number]));
  return (lvl, event, fields) => {
    if (LEVELS.indexOf(lvl) < min) return;
    process.stderr.write(`${JSON.stringify({ level: lvl, ts: new Date().toISOString(), event, ...fields })}\n`);
  };
}
