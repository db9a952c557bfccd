import { SessionTransactionRequest } from "@airlock/core";
import { parseSessionRequest, selectorOf } from "@airlock/core/starknet";
import type { AuthClient, ClientPolicy, PolicyConfig, SpendingLimit } from "../../src/config/config-types.js";
import type { PolicyDecision } from "../../src/policy/policy-decision.js";
import { evaluateSessionPolicy } from "../../src/policy/session-policy.js";

/** Shared builders for the policy tests: requests go through the real schema and parser. */

export const NOW = 1_750_000_000;
export const ACCOUNT = 0x1234abcdn;
export const ACCOUNT_HEX = "0x1234abcd";
export const SEPOLIA = 0x534e5f5345504f4c4941n; // "SN_SEPOLIA"
export const MAINNET = 0x534e5f4d41494en; // "SN_MAIN"
export const TOKEN = 0x49d36570d4e46f48e99674bd3fcc84644ddd6b96f7c741b1562b82f9e004dc7n;
export const TOKEN_HEX = "0x49d36570d4e46f48e99674bd3fcc84644ddd6b96f7c741b1562b82f9e004dc7";
export const OTHER_TOKEN = 0x53c91253bc9682c04929ca02ed00b3e423f6710d2ee7e0d5ebb06f3ecf368a8n;
export const DEX = 0x4270219d365d6b017231b52e92b3fb5d7c8378b05e9abc97724537a80e93b0fn;
export const DEX_HEX = "0x4270219d365d6b017231b52e92b3fb5d7c8378b05e9abc97724537a80e93b0f";
export const ALICE = 0xa11cen;
export const BOB = 0xb0bn;
export const U128 = 1n << 128n;

/** SISNA's admin denylist (src/signer/policy.ts). */
export const SISNA_DENIED = [
  "upgrade",
  "add_or_update_session_key",
  "revoke_session_key",
  "__execute__",
  "set_public_key",
  "setPublicKey",
  "execute_from_outside_v2",
  "set_spending_policy",
  "remove_spending_policy",
  "set_agent_id",
  "register_interfaces",
  "compute_session_message_hash",
  "__validate__",
  "__validate_declare__",
  "__validate_deploy__",
] as const;

export const sel = (name: string): bigint => selectorOf(name);
export const hex = (n: bigint): string => `0x${n.toString(16)}`;
/** Zero-padded to 64 hex digits. */
export const hex64 = (n: bigint): string => `0x${n.toString(16).padStart(64, "0")}`;

export function makePolicy(overrides: Partial<PolicyConfig> = {}): PolicyConfig {
  return {
    maxValidityWindowSec: 86_400,
    allowedChainIds: new Set<bigint>(),
    deniedSelectors: new Set(SISNA_DENIED.map(sel)),
    clients: new Map<string, ClientPolicy>(),
    spendingLimits: [],
    ...overrides,
  };
}

export function withClient(client: ClientPolicy, base: Partial<PolicyConfig> = {}, clientId = "agent"): PolicyConfig {
  return makePolicy({ ...base, clients: new Map([[clientId, client]]) });
}

export function makeAuthClient(overrides: Partial<AuthClient> = {}): AuthClient {
  return { clientId: "agent", hmacSecret: "not-a-real-secret-0123456789", ...overrides };
}

export interface CallSpec {
  contractAddress?: string;
  entrypoint?: string;
  calldata?: (string | bigint)[];
}

export function call(spec: CallSpec = {}): CallSpec {
  return spec;
}

export function transfer(to: bigint, amount: bigint, token: string = TOKEN_HEX, entrypoint = "transfer"): CallSpec {
  return { contractAddress: token, entrypoint, calldata: [to, amount % U128, amount / U128] };
}

/** A schema-valid request (zod parse); `calls` and any top-level field can be overridden. */
export function makeRequest(overrides: Record<string, unknown> & { calls?: CallSpec[] } = {}): SessionTransactionRequest {
  const { calls, ...rest } = overrides;
  const specs = calls ?? [call()];
  return SessionTransactionRequest.parse({
    accountAddress: ACCOUNT_HEX,
    chainId: hex(SEPOLIA),
    nonce: "0x1",
    validUntil: NOW + 600,
    calls: specs.map((c) => ({
      contractAddress: c.contractAddress ?? DEX_HEX,
      entrypoint: c.entrypoint ?? "swap",
      calldata: (c.calldata ?? ["0x1"]).map((d) => (typeof d === "bigint" ? hex(d) : d)),
    })),
    ...rest,
  });
}

export interface EvalOptions {
  request?: SessionTransactionRequest;
  policy?: PolicyConfig;
  authClient?: AuthClient;
  clientId?: string;
  keyId?: string;
  knownKeyIds?: ReadonlySet<string>;
  nowSec?: number;
}

export const KNOWN_KEYS: ReadonlySet<string> = new Set(["default", "ops", "treasury"]);

/** Runs the engine with sensible defaults for everything not given. */
export function evaluate(opts: EvalOptions = {}): PolicyDecision {
  const request = opts.request ?? makeRequest();
  const clientId = opts.clientId ?? "agent";
  return evaluateSessionPolicy(
    {
      clientId,
      authClient: opts.authClient ?? makeAuthClient({ clientId }),
      keyId: opts.keyId ?? "default",
      knownKeyIds: opts.knownKeyIds ?? KNOWN_KEYS,
      request,
      parsed: parseSessionRequest(request),
      nowSec: opts.nowSec ?? NOW,
    },
    opts.policy ?? makePolicy(),
  );
}

export function limit(overrides: Partial<SpendingLimit> = {}): SpendingLimit {
  return { keyId: "*", token: TOKEN, windowMs: 86_400_000, ...overrides };
}

/** The denial as a plain object, for exact comparisons. */
export function denial(ruleId: string, message: string, callIndex?: number): Record<string, unknown> {
  return callIndex === undefined ? { allowed: false, ruleId, message } : { allowed: false, ruleId, message, callIndex };
}
