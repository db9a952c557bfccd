import { z } from "zod";
import { ERROR_CODES, type ErrorCode } from "./error-codes.js";
import { Venue } from "./exchange-schemas.js";

/** Every sidecar error is this JSON body, whatever the route and whatever went wrong. */
export const ErrorBody = z.object({
  error: z.string().max(1024),
  code: z.enum(Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]]),
  requestId: z.string().max(128),
  /** Policy denials: the rule that refused. */
  ruleId: z.string().max(128).optional(),
  /** Rate limits: how long to wait. */
  retryAfterMs: z.number().int().nonnegative().optional(),
  /** Leak scanner: ids of the patterns that matched (never the matched text). */
  patterns: z.array(z.string().max(64)).max(32).optional(),
  /** Invalid payloads: zod's flattened field errors. */
  details: z.unknown().optional(),
});
export type ErrorBody = z.infer<typeof ErrorBody>;

/** Answer of POST /v1/policy/evaluate: would this request be signed, and if not, why not. */
export const PolicyEvaluation = z.object({
  requestId: z.string().min(1).max(128),
  allowed: z.boolean(),
  ruleId: z.string().max(128).optional(),
  reason: z.string().max(1024).optional(),
  domainHash: z.string().max(66).optional(),
  messageHash: z.string().max(66).optional(),
});
export type PolicyEvaluation = z.infer<typeof PolicyEvaluation>;

export const HealthResponse = z.object({ ok: z.literal(true) });

export const ReadyResponse = z.object({
  ready: z.boolean(),
  checks: z.record(z.string(), z.object({ ok: z.boolean(), error: z.string().max(256).optional() })),
});
export type ReadyResponse = z.infer<typeof ReadyResponse>;

/**
 * GET /v1/attestation?nonce=HEX (Nitro backend): a fresh attestation document (base64 of the
 * untagged COSE_Sign1) with the caller's nonce, the receipt key as public_key and the enclave
 * claims (policy hash, provisioning key) as user_data. Nothing else is trusted: a client takes
 * every fact from the verified document.
 */
export const AttestationResponse = z.strictObject({
  requestId: z.string().max(128),
  source: z.enum(["nsm", "emulator"]),
  document: z.string().min(1).max(32_768).regex(/^[A-Za-z0-9+/]+={0,2}$/),
});
export type AttestationResponse = z.infer<typeof AttestationResponse>;

export const DfnsPreflightResponse = z.object({
  ok: z.boolean(),
  reachable: z.boolean(),
  endpointUrl: z.string(),
  statusCode: z.number().int().optional(),
  error: z.string().optional(),
});

const AllowlistSize = z.union([z.literal("any"), z.number().int().nonnegative()]);

/** What applies to the calling client, as GET /v1/status reports it (counts, not contents). */
export const PolicySummary = z.object({
  clientId: z.string().max(128),
  clientPolicy: z.boolean(),
  maxValidityWindowSec: z.number().int().nonnegative(),
  chainIds: z.union([z.literal("any"), z.array(z.string().max(66)).max(256)]),
  deniedSelectors: z.number().int().nonnegative(),
  allowedKeyIds: AllowlistSize,
  allowedAccounts: AllowlistSize,
  allowedContracts: AllowlistSize,
  allowedSelectors: AllowlistSize,
  spendingLimits: z
    .array(
      z.object({
        keyId: z.string().max(64),
        token: z.string().max(66),
        maxPerCall: z.string().max(80).optional(),
        maxPerWindow: z.string().max(80).optional(),
        windowMs: z.number().int().positive(),
        allowedRecipients: AllowlistSize,
      }),
    )
    .max(256),
});
export type PolicySummary = z.infer<typeof PolicySummary>;

/** An exchange account the calling client may use, with the operations its trading policy allows (never a credential). */
export const ExchangeAccountStatus = z.object({
  account: z.string().max(64),
  venue: Venue,
  environment: z.enum(["testnet", "live"]),
  operations: z
    .array(z.enum(["place_order", "cancel_order", "cancel_all", "get_account", "get_balances", "get_positions", "get_open_orders"]))
    .max(16),
});
export type ExchangeAccountStatus = z.infer<typeof ExchangeAccountStatus>;

/** Answer of GET /v1/status: the keys this client may use, the policy that applies to it and its exchange accounts. */
export const SignerStatus = z.object({
  requestId: z.string().min(1).max(128),
  version: z.string().max(64),
  signerProvider: z.enum(["local", "dfns"]),
  defaultKeyId: z.string().max(64),
  keys: z.array(z.object({ keyId: z.string().max(64), sessionPublicKey: z.string().regex(/^0x[0-9a-f]{1,64}$/) })).max(256),
  policy: PolicySummary,
  /** Exchange accounts that list this client (absent from sidecars without exchange signing). */
  exchangeAccounts: z.array(ExchangeAccountStatus).max(256).optional(),
});
export type SignerStatus = z.infer<typeof SignerStatus>;
