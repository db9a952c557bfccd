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
import { createAttestationSource } from "../enclave/attestation-backend.js";
import { createEnclaveIdentity } from "../enclave/enclave-identity.js";
import { IssuedAttestations } from "../enclave/issued-attestations.js";
import { createReceiptIssuer } from "./receipts.js";
import { TokenBucket } from "./routes/attestation-route.js";
import { createKmsUnsealRoute } from "./routes/kms-unseal-route.js";
import { createApp } from "./app.js";
import { listen } from "./listen.js";
import { createObserver, type OperationalLog } from "./observer-impl.js";

/**
 * Each admin route (sealed upload, KMS unseal) takes this many attempts at once, then this many
 * per second: plenty for an operator (one success per process), little for a flood (every
 * attempt costs a signature check and an audit record; an unseal, a KMS call).
 */
const ADMIN_BURST = 20;
const ADMIN_PER_SECOND = 1;

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
  /** SHA-256 (hex) of this run's receipt public key (SPKI DER). */
  readonly receiptKeyId: string;
  readonly policyHash: string;
  /** Nitro backend with the emulator: the root a development client pins. */
  readonly emulatorRootFingerprintSha256?: string;
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

  const now = opts.now ?? Date.now;
  // Fresh at every start and never written anywhere: a restart shows clients a new receipt key.
  const identity = createEnclaveIdentity();
  const attestation = createAttestationSource(config, log);
  // Shared by the attestation route (which records what it issues) and the provisioning route
  // (which accepts an upload only for one of them, once).
  const issued = new IssuedAttestations();
  // Secrets learned after boot (a sealed upload or a KMS unseal) join the leak scanner's and the
  // audit log's lists.
  const learnSecrets = (secrets: readonly string[]): void => {
    const ignored = scanner?.addSecrets(secrets) ?? 0;
    audit.addSecrets(secrets);
    const keyring = config.provisioning!.keyring;
    log("info", "provisioning.installed", { keyIds: keyring.declaredKeyIds, clients: keyring.declaredClients, exchangeAccounts: keyring.declaredAccounts });
    if (ignored > 0) log("warn", "leak_scanner.short_secrets", { count: ignored, note: "provisioned secrets under 16 significant characters are not searched for" });
  };
  const provisioning =
    config.provisioning === undefined || attestation === undefined
      ? undefined
      : { provisioning: config.provisioning, identity, issued, policyHash: config.policyHash, learnSecrets, throttle: new TokenBucket(ADMIN_BURST, ADMIN_PER_SECOND) };
  const kmsUnseal =
    config.provisioning?.kms === undefined || attestation === undefined
      ? undefined
      : createKmsUnsealRoute({
          provisioning: config.provisioning,
          kms: config.provisioning.kms,
          attestation: attestation.source,
          policyHash: config.policyHash,
          learnSecrets,
          throttle: new TokenBucket(ADMIN_BURST, ADMIN_PER_SECOND),
        });
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
    receipts: config.backend.receipts ? createReceiptIssuer(identity, config.policyHash, now) : undefined,
    attestation:
      attestation === undefined
        ? undefined
        : {
            source: attestation.source,
            identity,
            policyHash: config.policyHash,
            issued,
            throttle: new TokenBucket(20, 10),
            now,
            onSourceError: (code) => log("error", "attestation.source_failed", { code }),
          },
    provisioning,
    kmsUnseal,
    now,
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
    backend: config.backend.kind,
    ...(attestation === undefined ? {} : { attestationSource: attestation.source.kind }),
    receiptKeyId: identity.receiptKeyId,
    policyHash: config.policyHash,
    exchangeAccounts: [...config.exchange.accounts.values()].map((a) => `${a.account} (${a.venue} ${a.environment})`),
  });
  if (config.provisioning !== undefined) {
    log("warn", "provisioning.waiting", {
      adminKeyId: config.provisioning.adminKeyId,
      keyIds: config.provisioning.keyring.declaredKeyIds,
      clients: config.provisioning.keyring.declaredClients,
      exchangeAccounts: config.provisioning.keyring.declaredAccounts,
      note:
        config.provisioning.kms === undefined
          ? "nothing is signed until `airlock-signer provision` uploads the sealed keys"
          : "nothing is signed until `airlock-signer provision` uploads the sealed keys or `airlock-signer kms-unseal` has them unsealed with KMS",
      ...(config.provisioning.kms === undefined ? {} : { kmsKeyId: config.provisioning.kms.keyArn, kmsEndpoint: config.provisioning.kms.endpoint }),
    });
  }
  return {
    url: listening.url,
    receiptKeyId: identity.receiptKeyId,
    policyHash: config.policyHash,
    ...(attestation?.emulatorRootFingerprintSha256 === undefined ? {} : { emulatorRootFingerprintSha256: attestation.emulatorRootFingerprintSha256 }),
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
