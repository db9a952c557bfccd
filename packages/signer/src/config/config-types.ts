import type { SessionSignerProvider } from "../custody/provider-types.js";

/**
 * The validated, frozen configuration of one sidecar. Built once at startup from the
 * environment (SISNA's variable names) and the optional policy file; nothing reads
 * process.env after that. Secrets live only in the objects that use them (AuthClient secrets,
 * the signer provider) and are never part of anything that gets logged.
 */

export interface AuthClient {
  readonly clientId: string;
  /** HMAC key; never logged, never returned. */
  readonly hmacSecret: string;
  /** SISNA's allowedKeyIds (undefined: any configured key). */
  readonly allowedKeyIds?: ReadonlySet<string>;
  /** SISNA's allowedAccountAddresses, felt-normalised (undefined: any account). */
  readonly allowedAccounts?: ReadonlySet<bigint>;
}

/** Per-client rules from the policy file; every field narrows, none widens the defaults. */
export interface ClientPolicy {
  readonly allowedKeyIds?: ReadonlySet<string>;
  readonly allowedAccounts?: ReadonlySet<bigint>;
  /** Contract addresses a call may target (undefined: any). */
  readonly allowedContracts?: ReadonlySet<bigint>;
  /** Selectors a call may invoke (names already hashed; undefined: any not denied). */
  readonly allowedSelectors?: ReadonlySet<bigint>;
  /** Extra denied selectors, on top of the global denylist. */
  readonly deniedSelectors?: ReadonlySet<bigint>;
  /** Chain ids for this client (intersected with the global allowlist). */
  readonly allowedChainIds?: ReadonlySet<bigint>;
  readonly maxValidityWindowSec?: number;
}

/** A spending limit on one token for one key (or every key, keyId "*"). */
export interface SpendingLimit {
  readonly keyId: string;
  readonly token: bigint;
  /** Largest amount one call may move (base units). */
  readonly maxPerCall?: bigint;
  /** Largest total within any rolling window of windowMs. */
  readonly maxPerWindow?: bigint;
  readonly windowMs: number;
  /** Recipients/spenders allowed for this token (undefined: any). */
  readonly allowedRecipients?: ReadonlySet<bigint>;
}

export interface PolicyConfig {
  readonly maxValidityWindowSec: number;
  /** Global chain allowlist (empty: any chain). */
  readonly allowedChainIds: ReadonlySet<bigint>;
  /** SISNA's admin denylist plus any extra ones, as selectors. */
  readonly deniedSelectors: ReadonlySet<bigint>;
  readonly clients: ReadonlyMap<string, ClientPolicy>;
  readonly spendingLimits: readonly SpendingLimit[];
}

export interface RedisConfig {
  readonly url: string;
  readonly noncePrefix: string;
  readonly rateLimitPrefix: string;
  readonly spendPrefix: string;
}

export interface TlsConfig {
  readonly certPath: string;
  readonly keyPath: string;
  readonly caPath?: string;
  readonly mtlsRequired: boolean;
}

export interface SignerConfig {
  readonly nodeEnv: string;
  readonly production: boolean;
  readonly host: string;
  readonly port: number;
  readonly logLevel: string;
  readonly tls?: TlsConfig;

  readonly auth: {
    readonly clients: ReadonlyMap<string, AuthClient>;
    readonly defaultClientId: string;
    readonly maxSkewMs: number;
    readonly nonceTtlMs: number;
  };

  readonly stores: {
    /** Where nonces live. */
    readonly replay: "memory" | "redis";
    /** Set whenever any store uses Redis. */
    readonly redis?: RedisConfig;
    readonly rateLimit: {
      readonly enabled: boolean;
      readonly backend: "memory" | "redis";
      readonly windowMs: number;
      readonly maxRequests: number;
    };
    /** Where spending budgets live: Redis whenever Redis is configured. */
    readonly spend: "memory" | "redis";
  };

  readonly leakScanner: { readonly enabled: boolean; readonly action: "block" | "warn" };

  readonly policy: PolicyConfig;

  readonly signer: {
    readonly provider: SessionSignerProvider;
    readonly defaultKeyId: string;
    readonly securityProfile: "flex" | "secure";
    /** KEYRING_DFNS_PREFLIGHT_ON_STARTUP: refuse to start when the DFNS preflight fails. */
    readonly preflightOnStartup?: boolean;
    /** Values the leak scanner must never let through: keys and HMAC secrets. */
    readonly secretsForScanner: readonly string[];
  };

  readonly audit: {
    /** Append-only JSONL file for the hash-chained audit records (stdout when undefined). */
    readonly file?: string;
  };

  readonly metricsEnabled: boolean;
}
