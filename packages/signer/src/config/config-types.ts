import type { ExchangeOperation, Venue } from "@airlock/core";
import type { KeyObject } from "node:crypto";
import type { SessionSignerProvider } from "../custody/provider-types.js";
import type { VenueSigner } from "../exchange/venue-types.js";
import type { ExactDecimal } from "../policy/exact-decimal.js";
import type { ProvisionedKeyring } from "../provisioning/provisioned-keyring.js";

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
  /**
   * Sealed provisioning: true while the client's secret has not arrived yet (the client cannot
   * authenticate; requests are answered KEYS_NOT_PROVISIONED). Absent for configured secrets.
   */
  readonly secretPending?: () => boolean;
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

/** One configured exchange account. Its credentials live only inside `signer`. */
export interface ExchangeAccount {
  readonly account: string;
  readonly venue: Venue;
  readonly environment: "testnet" | "live";
  /** The origin requests go to: the configured override or the venue's default. */
  readonly baseUrl: string;
  /** Auth clients that may use the account (none unless the account names them). */
  readonly clients: ReadonlySet<string>;
  /** A live account signs nothing unless this is true. */
  readonly liveTradingEnabled: boolean;
  /** Hyperliquid: the vault the orders are for, lowercase 0x hex. */
  readonly vaultAddress?: string;
  /** Where the credentials came from ("provisioned": a sealed upload, after boot). */
  readonly source: "environment" | "keystore" | "provisioned";
  /** Builds and signs this account's venue requests; holds its credentials privately. */
  readonly signer: VenueSigner;
}

/** An operation type of the exchange contract. */
export type ExchangeOperationType = ExchangeOperation["type"];

/** Caps on one symbol; an absent cap does not limit. */
export interface ExchangeSymbolLimits {
  readonly maxQuantity?: ExactDecimal;
  readonly maxNotional?: ExactDecimal;
}

/** What one client (or every client, "*") may do on one exchange account. */
export interface ExchangePolicyRule {
  readonly client: string;
  readonly account: string;
  readonly operations: ReadonlySet<ExchangeOperationType>;
  /** Symbols an operation may name; any other is refused. */
  readonly symbols: ReadonlyMap<string, ExchangeSymbolLimits>;
  readonly ordersPerMinute?: number;
  readonly ordersPerDay?: number;
  /** Hyperliquid vault addresses the account may trade for, lowercase. */
  readonly vaults?: ReadonlySet<string>;
}

export interface ExchangeConfig {
  readonly accounts: ReadonlyMap<string, ExchangeAccount>;
  /**
   * Trading policy by `${client}|${account}`, client "*" for the account's default entry. A
   * client's own entry replaces the "*" one; with neither, the client may do nothing.
   */
  readonly rules: ReadonlyMap<string, ExchangePolicyRule>;
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

/** Where the sidecar runs: beside the agent ("keyring") or in a Nitro Enclave ("nitro"). */
export interface BackendConfig {
  readonly kind: "keyring" | "nitro";
  /** Receipts on answers: always with "nitro"; with "keyring" only when AIRLOCK_RECEIPTS=on. */
  readonly receipts: boolean;
  /** Set for "nitro": where attestation documents come from. */
  readonly attestation?: {
    readonly source: "nsm" | "emulator";
    /** The NSM device path (the "nsm" source). */
    readonly nsmDevice: string;
    /** Emulator PCR overrides by index (96 lowercase hex characters each). */
    readonly emulatorPcrs?: ReadonlyMap<number, string>;
    /** Where the emulator writes its root certificate (PEM) at boot. */
    readonly emulatorRootFile?: string;
  };
}

/**
 * Sealed key provisioning (Nitro backend): key ids and exchange accounts are declared in the
 * configuration (and so in the attested policy hash); their secrets arrive in one sealed upload
 * signed by the admin key, after boot, and live in enclave memory only.
 */
export interface ProvisioningConfig {
  /** The Ed25519 key that must sign every upload (AIRLOCK_ADMIN_PUBLIC_KEY). */
  readonly adminPublicKey: KeyObject;
  /** SHA-256 (hex) of its SPKI DER. */
  readonly adminKeyId: string;
  /** Declared key ids and accounts; empty of secrets until the upload installs them. */
  readonly keyring: ProvisionedKeyring;
  /** Restarts with AWS KMS (POST /v1/admin/kms-unseal); absent unless AIRLOCK_KMS_KEY_ID is set. */
  readonly kms?: KmsUnsealConfig;
}

/**
 * Where the enclave asks KMS to release the data key of an admin-signed sealed blob. Not
 * secret: the AWS credentials arrive with each unseal request (from the parent's instance role).
 */
export interface KmsUnsealConfig {
  /** The one KMS key ARN a blob may name (AIRLOCK_KMS_KEY_ID). */
  readonly keyArn: string;
  /** Its region (AIRLOCK_KMS_REGION; the ARN's region). */
  readonly region: string;
  /** KMS origin the request is signed for and TLS verifies (AIRLOCK_KMS_ENDPOINT). */
  readonly endpoint: string;
  /** Loopback port of the forwarder to the parent's vsock-proxy (AIRLOCK_KMS_CONNECT_PORT). */
  readonly connectPort?: number;
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

  /** Exchange accounts and the trading policy (issue 4). */
  readonly exchange: ExchangeConfig;

  readonly signer: {
    readonly provider: SessionSignerProvider;
    readonly defaultKeyId: string;
    readonly securityProfile: "flex" | "secure";
    /** KEYRING_DFNS_PREFLIGHT_ON_STARTUP: refuse to start when the DFNS preflight fails. */
    readonly preflightOnStartup?: boolean;
    /** Values the leak scanner must never let through: keys, HMAC secrets, exchange API secrets. */
    readonly secretsForScanner: readonly string[];
  };

  readonly audit: {
    /** Append-only JSONL file for the hash-chained audit records (stdout when undefined). */
    readonly file?: string;
  };

  readonly metricsEnabled: boolean;

  readonly backend: BackendConfig;
  /** SHA-256 (hex) of the canonical policy (policy/policy-hash.ts): named by receipts, attested by enclaves. */
  readonly policyHash: string;
  /** Set when keys arrive by sealed provisioning (AIRLOCK_PROVISIONED_KEY_IDS). */
  readonly provisioning?: ProvisioningConfig;
}
