import { readFileSync } from "node:fs";
import { parseFelt, starkKeyOf } from "@airlock/core/starknet";
import { createSignerProvider, type SignerProviderHooks, type SignerProviderSpec } from "../custody/create-provider.js";
import type { LocalKey } from "../custody/local-provider.js";
import { policyHashOf } from "../policy/policy-hash.js";
import { readBackend } from "./backend-env.js";
import { readAuthClients } from "./auth-clients.js";
import { ConfigError } from "./config-error.js";
import type { AuthClient, SignerConfig } from "./config-types.js";
import { readDfnsEnv, type DfnsEnv } from "./dfns-env.js";
import { EnvReader } from "./env-reader.js";
import { deepFreeze, frozenMap } from "./immutable.js";
import { exampleValuesIn } from "./example-values.js";
import { EXCHANGE_ACCOUNTS_VARIABLE, readExchangeAccounts } from "./exchange-accounts.js";
import { buildExchangeRules } from "./exchange-policy-file.js";
import { readLocalKeys } from "./local-keys.js";
import { buildPolicyConfig, parsePolicyFile, type PolicyFile } from "./policy-file.js";
import { Problems } from "./problems.js";
import { readKmsEnv } from "./kms-env.js";
import { readProvisioningEnv } from "./provisioning-env.js";
import { ProvisionedKeyring } from "../provisioning/provisioned-keyring.js";
import { secretList } from "./secret-holders.js";
import { applySecretFiles } from "./secret-files.js";
import { readStores } from "./stores-env.js";
import { readTransport } from "./transport-env.js";

export { ConfigError } from "./config-error.js";

/** Seams for loadConfig: file reading (tests) and provider event hooks (audit). */
export interface LoadConfigOptions {
  /**
   * Reads KEYRING_POLICY_FILE, the keystore and its passphrase file (default: fs.readFileSync as
   * UTF-8) and the `*_FILE` secret variables (default: secret-files.ts's bounded reader).
   */
  readonly readFile?: (path: string) => string;
  /** Hooks passed to the signer provider (e.g. to audit-log DFNS → local fallbacks). */
  readonly signerHooks?: SignerProviderHooks;
}

const LOG_LEVELS = ["debug", "info", "warn", "error", "silent"] as const;
const MAX_CHAIN_IDS = 64;

function readChainIds(env: EnvReader, problems: Problems): bigint[] {
  const raw = env.optional("KEYRING_ALLOWED_CHAIN_IDS");
  if (raw === undefined) return [];
  const entries = raw.split(",").map((v) => v.trim()).filter((v) => v.length > 0);
  if (entries.length > MAX_CHAIN_IDS) problems.add(`KEYRING_ALLOWED_CHAIN_IDS lists more than ${MAX_CHAIN_IDS} chain ids`);
  const ids: bigint[] = [];
  entries.slice(0, MAX_CHAIN_IDS).forEach((entry, i) => {
    const felt = parseFelt(entry);
    if (felt === undefined) problems.add(`KEYRING_ALLOWED_CHAIN_IDS entry ${i + 1} is not a felt (0x hex or decimal, e.g. 0x534e5f5345504f4c4941)`);
    else ids.push(felt);
  });
  return [...new Set(ids)];
}

function readPolicyFile(env: EnvReader, problems: Problems, readFile: (path: string) => string): PolicyFile | undefined {
  const path = env.optional("KEYRING_POLICY_FILE");
  if (path === undefined) return undefined;
  let text: string;
  try {
    text = readFile(path);
  } catch (err) {
    const code = (err as { code?: unknown } | null)?.code;
    problems.add(`KEYRING_POLICY_FILE could not be read (${typeof code === "string" && /^[A-Z0-9_]{1,32}$/.test(code) ? code : "read failed"})`);
    return undefined;
  }
  return parsePolicyFile(path, text, problems);
}

/**
 * Builds the sidecar's configuration from SISNA's environment variables (same names, defaults
 * and startup rules), Airlock's additions (policy file, keystore, spend store, audit file,
 * metrics) and a few stricter rules, each marked "beyond SISNA" below. Collects every problem
 * and throws one ConfigError listing them all; never quotes a secret. The result is deeply
 * frozen and holds the signer provider, built last, only when everything is valid.
 */
export function loadConfig(env: Readonly<Record<string, string | undefined>>, opts: LoadConfigOptions = {}): SignerConfig {
  const problems = new Problems();
  // The `*_FILE` secret variables become their plain variables before anything reads them.
  const r = new EnvReader(applySecretFiles(env, problems, opts.readFile), problems);
  const readFile = opts.readFile ?? ((path: string) => readFileSync(path, "utf8"));

  // Runtime and transport.
  const nodeEnv = (r.optional("NODE_ENV") ?? "development").toLowerCase();
  const production = nodeEnv === "production";
  const port = r.int("PORT", 8545, 0, 65535);
  const host = r.string("HOST", "127.0.0.1");
  const logLevel = r.oneOf("LOG_LEVEL", LOG_LEVELS, "info");
  const { transport, mtlsRequired, tls } = readTransport(r, problems);

  // Authentication.
  const defaultClientId = r.id("KEYRING_DEFAULT_AUTH_CLIENT_ID", "default");
  // The backend and sealed provisioning come first: with provisioning, clients declare no secret.
  const backend = readBackend(r, problems, production);
  const provisioning = readProvisioningEnv(r, problems, backend);
  // Asked for, even if misconfigured: then "no signing key" and key references are not reported on top.
  const provisioningAsked = r.has("AIRLOCK_ADMIN_PUBLIC_KEY") || r.has("AIRLOCK_PROVISIONED_KEY_IDS");
  const kms = readKmsEnv(r, problems, { provisioningAsked, production });
  // Also when misconfigured (a problem is reported then), so clients and accounts are read as declarations.
  const keyring = provisioningAsked ? new ProvisionedKeyring(provisioning?.keyIds ?? []) : undefined;
  const auth = readAuthClients(r, problems, defaultClientId, keyring);
  const maxSkewMs = r.int("KEYRING_MAX_SKEW_MS", 30_000, 1, 3_600_000);
  const nonceTtlMs = r.int("KEYRING_NONCE_TTL_MS", 120_000, 1, 86_400_000);
  // Beyond SISNA: a nonce must be remembered for as long as its timestamp can still be accepted
  // (ts up to maxSkew in the future, accepted until maxSkew in the past), or it can be replayed.
  if (nonceTtlMs < 2 * maxSkewMs) problems.add("KEYRING_NONCE_TTL_MS must be at least twice KEYRING_MAX_SKEW_MS");

  // Env policy.
  const maxValidityWindowSec = r.int("KEYRING_MAX_VALIDITY_WINDOW_SEC", 86_400, 1, 315_360_000);
  const allowedChainIds = readChainIds(r, problems);

  const { stores, usesRedis } = readStores(r, problems);

  // Leak scanner, audit, metrics.
  const scannerEnabled = r.bool("KEYRING_LEAK_SCANNER_ENABLED", false);
  const scannerAction = r.oneOf("KEYRING_LEAK_SCANNER_ACTION", ["block", "warn"] as const, "block");
  const auditFile = r.optional("KEYRING_AUDIT_LOG_FILE");
  const metricsEnabled = r.bool("KEYRING_METRICS_ENABLED", true);

  // Signer.
  const allowInsecureKeys = r.bool("KEYRING_ALLOW_INSECURE_IN_PROCESS_KEYS_IN_PRODUCTION", false);
  const securityProfile = r.oneOf("KEYRING_SECURITY_PROFILE", ["flex", "secure"] as const, "flex");
  const providerName = r.oneOf("KEYRING_SIGNER_PROVIDER", ["local", "dfns"] as const, "local");
  const fallback = r.oneOf("KEYRING_SIGNER_FALLBACK_PROVIDER", ["none", "local"] as const, "none");
  r.oneOf("KEYRING_SESSION_SIGNATURE_MODE", ["v2_snip12"] as const, "v2_snip12");
  const defaultKeyId = r.id("KEYRING_DEFAULT_KEY_ID", "default");
  const local = readLocalKeys(r, problems, defaultKeyId, readFile);
  const dfns: DfnsEnv | undefined = providerName === "dfns" ? readDfnsEnv(r, problems, production) : undefined;
  const localSigning = providerName === "local" || fallback === "local";
  const keySourceGiven = ["SESSION_PRIVATE_KEY", "KEYRING_SIGNING_KEYS_JSON", "KEYRING_KEYSTORE_PATH", "KEYRING_KEYSTORE_PASSPHRASE_FILE"].some(
    (name) => r.has(name),
  );

  if (fallback !== "none" && providerName !== "dfns") {
    problems.add("KEYRING_SIGNER_FALLBACK_PROVIDER=local requires KEYRING_SIGNER_PROVIDER=dfns");
  }
  if (securityProfile === "secure") {
    if (providerName !== "dfns") problems.add("KEYRING_SECURITY_PROFILE=secure requires KEYRING_SIGNER_PROVIDER=dfns");
    if (fallback !== "none") problems.add("KEYRING_SECURITY_PROFILE=secure requires KEYRING_SIGNER_FALLBACK_PROVIDER=none");
    // Beyond SISNA: the secure profile keeps no signing key in this process at all.
    if (keySourceGiven) {
      problems.add("KEYRING_SECURITY_PROFILE=secure forbids in-process keys (SESSION_PRIVATE_KEY, KEYRING_SIGNING_KEYS_JSON, KEYRING_KEYSTORE_PATH)");
    }
    // Exchange credentials are in-process secrets too.
    if (r.has(EXCHANGE_ACCOUNTS_VARIABLE)) problems.add(`KEYRING_SECURITY_PROFILE=secure forbids in-process exchange credentials (${EXCHANGE_ACCOUNTS_VARIABLE})`);
  }
  if (provisioning) {
    // Sealed provisioning: the keys arrive after boot, sealed to the attested enclave, and are
    // held in its memory; nothing in the configuration may carry a key.
    if (providerName !== "local" || fallback !== "none") {
      problems.add("AIRLOCK_PROVISIONED_KEY_IDS needs KEYRING_SIGNER_PROVIDER=local (the default) without a fallback: provisioned keys are held in enclave memory");
    }
    if (keySourceGiven) {
      problems.add("AIRLOCK_PROVISIONED_KEY_IDS: signing keys arrive sealed; remove SESSION_PRIVATE_KEY, KEYRING_SIGNING_KEYS_JSON and the keystore");
    }
  } else if (localSigning && !keySourceGiven && !provisioningAsked) {
    problems.add("No signing key configured. Set SESSION_PRIVATE_KEY, KEYRING_SIGNING_KEYS_JSON or KEYRING_KEYSTORE_PATH.");
  }

  // The key ids requests may name: the local keys, or the pinned DFNS keys (undefined when
  // that part of the configuration is itself broken, so references are not reported twice).
  let keyIds: ReadonlySet<string> | undefined;
  if (providerName === "local") {
    if (provisioning) keyIds = new Set(provisioning.keyIds);
    else keyIds = local.named.size > 0 && !provisioningAsked ? local.named : undefined;
    if (keyIds && !keyIds.has(defaultKeyId)) {
      problems.add(`KEYRING_DEFAULT_KEY_ID (${defaultKeyId}) not present in signing keys`);
    }
  } else if (dfns) {
    const pins = dfns.options.pinnedPublicKeys;
    keyIds = new Set(pins.keys());
    if (!pins.has(defaultKeyId)) problems.add(`KEYRING_DFNS_PINNED_PUBKEYS_JSON has no pin for KEYRING_DEFAULT_KEY_ID (${defaultKeyId})`);
    // With in-process keys present (the fallback's), every pinned key id must be one of them.
    if (local.named.size > 0) {
      for (const keyId of pins.keys()) {
        if (!local.named.has(keyId)) problems.add(`KEYRING_DFNS_PINNED_PUBKEYS_JSON pins unknown keyId: ${keyId}`);
      }
    }
    // Beyond SISNA: a fallback must sign with the very key DFNS is pinned to, or clients (which
    // pin the session key per key id) and the session account would see the key change.
    if (fallback === "local") {
      for (const key of local.keys) {
        const pin = pins.get(key.keyId);
        if (pin !== undefined && starkKeyOf(key.privateKey) !== pin) {
          problems.add(`local fallback key ${key.keyId} does not match its KEYRING_DFNS_PINNED_PUBKEYS_JSON pin`);
        }
      }
    }
  }
  for (const client of auth.clients) {
    for (const keyId of client.allowedKeyIds ?? []) {
      if (keyIds && !keyIds.has(keyId)) problems.add(`Client ${client.clientId} references unknown keyId: ${keyId}`);
    }
  }

  if (production) {
    for (const name of exampleValuesIn(auth.clients.map((c) => c.hmacSecret), local.keys.map((k) => starkKeyOf(k.privateKey)))) {
      problems.add(`NODE_ENV=production refuses ${name} from .env.example: it is public`);
    }
    if (backend.kind === "nitro") {
      // Inside an enclave the listener is loopback behind the vsock bridge: a TLS key would be a
      // secret in the published image, and HMAC plus receipts already keep the host from forging
      // requests or answers (docs/nitro.md says what it can still read). What the host must not
      // hold is state or secrets: Redis there could reset nonces and budgets, and secrets in the
      // measured configuration would be readable by anyone with the image.
      if (!provisioning) problems.add("NODE_ENV=production with AIRLOCK_BACKEND=nitro requires sealed provisioning (AIRLOCK_ADMIN_PUBLIC_KEY): no secret may be part of the image");
      if (usesRedis) problems.add("NODE_ENV=production with AIRLOCK_BACKEND=nitro refuses Redis stores: Redis would run on the untrusted host, which could reset nonces, budgets and order counters");
    } else {
      if (transport !== "https") problems.add("NODE_ENV=production requires KEYRING_TRANSPORT=https");
      if (!mtlsRequired) problems.add("NODE_ENV=production requires KEYRING_MTLS_REQUIRED=true");
      if (usesRedis && stores.redis !== undefined && !stores.redis.url.startsWith("rediss://")) {
        problems.add("NODE_ENV=production requires KEYRING_REDIS_URL to use rediss://");
      }
    }
    // Sealed provisioning keeps keys out of the host entirely (Nitro, and production refuses the emulator).
    if (localSigning && !allowInsecureKeys && !provisioning) {
      problems.add(
        "NODE_ENV=production requires explicit KEYRING_ALLOW_INSECURE_IN_PROCESS_KEYS_IN_PRODUCTION=true to sign with in-process keys (use KEYRING_SIGNER_PROVIDER=dfns)",
      );
    }
  }

  const clients = frozenMap<string, AuthClient>(auth.clients.map((c) => [c.clientId, c] as const));
  const clientIds: ReadonlySet<string> = new Set(clients.keys());
  const exchange = readExchangeAccounts(r, problems, { keystoreEntries: local.keystoreExchangeAccounts, clientIds, production, provisioned: keyring });
  const policyFile = readPolicyFile(r, problems, readFile);
  const policy = buildPolicyConfig(policyFile, { maxValidityWindowSec, allowedChainIds, clients, keyIds }, problems);
  const exchangeRules = buildExchangeRules(policyFile?.exchange, { clientIds, accounts: exchange.accounts, namedAccounts: exchange.named }, problems);

  if (problems.count > 0) throw new ConfigError(problems.lines());

  const spec = keyring ? undefined : providerSpec(providerName, fallback, local.keys, dfns);
  return deepFreeze<SignerConfig>({
    nodeEnv,
    production,
    host,
    port,
    logLevel,
    ...(tls ? { tls } : {}),
    auth: { clients, defaultClientId, maxSkewMs, nonceTtlMs },
    stores,
    leakScanner: { enabled: scannerEnabled, action: scannerAction },
    policy,
    exchange: { accounts: exchange.accounts, rules: exchangeRules },
    signer: {
      provider: spec === undefined ? keyring!.sessionProvider : createSignerProvider(spec, opts.signerHooks),
      defaultKeyId,
      securityProfile,
      preflightOnStartup: dfns?.preflightOnStartup ?? false,
      secretsForScanner: secretList([...new Set([...auth.secrets, ...local.secrets, ...(dfns?.secrets ?? []), ...exchange.secrets])]),
    },
    audit: auditFile !== undefined ? { file: auditFile } : {},
    metricsEnabled,
    backend,
    policyHash: policyHashOf({ policy, auth: { clients }, exchange: { accounts: exchange.accounts, rules: exchangeRules } }),
    ...(provisioning && keyring ? { provisioning: { adminPublicKey: provisioning.adminPublicKey, adminKeyId: provisioning.adminKeyId, keyring, ...(kms === undefined ? {} : { kms }) } } : {}),
  });
}

function providerSpec(
  provider: "local" | "dfns",
  fallback: "none" | "local",
  keys: readonly LocalKey[],
  dfns: DfnsEnv | undefined,
): SignerProviderSpec {
  if (provider === "local") return { kind: "local", keys };
  if (!dfns) throw new Error("unreachable: dfns configuration was validated");
  if (fallback === "none") return { kind: "dfns", dfns: dfns.options };
  const pinned = dfns.options.pinnedPublicKeys;
  return { kind: "dfns", dfns: dfns.options, fallbackKeys: keys.filter((k) => pinned.has(k.keyId)) };
}
