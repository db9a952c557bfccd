// The policy hash: SHA-256 of one canonical JSON form of everything that decides whether a
// request is signed (session policy, per-client key and account allowlists, exchange accounts'
// trading switches and the trading rules). Receipts name it and an enclave attests it, so a
// client can pin the policy it expects as well as the code.
import { createHash } from "node:crypto";
import { canonicalJson } from "../audit/canonical-json.js";
import type { SignerConfig } from "../config/config-types.js";

/** Plain JSON for canonicalJson: Map → object (sorted by key), Set → sorted array, bigint → 0x hex. */
function plain(value: unknown): unknown {
  if (typeof value === "bigint") return `0x${value.toString(16)}`;
  if (value instanceof Map) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of value) out[typeof k === "bigint" ? `0x${k.toString(16)}` : String(k)] = plain(v);
    return out;
  }
  if (value instanceof Set) return [...value].map(plain).sort((a, b) => (canonicalJson(a) < canonicalJson(b) ? -1 : 1));
  if (Array.isArray(value)) return value.map(plain);
  if (typeof value === "object" && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = plain(v);
    return out;
  }
  if (typeof value === "function" || typeof value === "symbol") throw new TypeError("policy values must be data");
  return value;
}

/** The policy as hashed: secrets and signer objects are left out by construction. */
type PolicyInputs = { readonly policy: SignerConfig["policy"]; readonly auth: Pick<SignerConfig["auth"], "clients">; readonly exchange: SignerConfig["exchange"] };

export function policyDocument(config: PolicyInputs): unknown {
  return plain({
    v: 1,
    session: config.policy,
    clients: [...config.auth.clients.values()].map((c) => ({ clientId: c.clientId, allowedKeyIds: c.allowedKeyIds, allowedAccounts: c.allowedAccounts })),
    exchangeAccounts: [...config.exchange.accounts.values()].map((a) => ({
      account: a.account,
      venue: a.venue,
      environment: a.environment,
      baseUrl: a.baseUrl,
      clients: a.clients,
      liveTradingEnabled: a.liveTradingEnabled,
      vaultAddress: a.vaultAddress,
    })),
    exchangeRules: config.exchange.rules,
  });
}

/** SHA-256 (lowercase hex) of the canonical policy document. */
export function policyHashOf(config: PolicyInputs): string {
  return createHash("sha256").update(canonicalJson(policyDocument(config))).digest("hex");
}
