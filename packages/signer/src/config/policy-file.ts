/**
 * The policy file (KEYRING_POLICY_FILE): per-client rules and spending limits on top of
 * SISNA's env policy. JSON when the name ends in .json, YAML for .yaml/.yml (any other name is
 * refused). Every object is closed (unknown fields are errors) and every list is bounded.
 * Felts, addresses and amounts must be strings (quote them in YAML: unquoted 0x… is a number).
 *
 * ```yaml
 * version: 1                      # required, the only version
 * defaults:                       # optional; each field replaces the env value when present
 *   maxValidityWindowSec: 3600    # replaces KEYRING_MAX_VALIDITY_WINDOW_SEC
 *   allowedChainIds: ["0x534e5f5345504f4c4941"]   # replaces KEYRING_ALLOWED_CHAIN_IDS
 *   deniedEntrypoints: [some_admin_fn, "0x1234"]  # added to BUILTIN_DENIED_ENTRYPOINTS
 * clients:                        # keys are auth client ids (must exist)
 *   agent-1:
 *     allowedKeyIds: [default]    # must exist; within the client's env allowedKeyIds if any
 *     allowedAccounts: ["0x…"]    # within the client's env allowedAccountAddresses if any
 *     allowedContracts: ["0x049d…"]
 *     allowedEntrypoints: [transfer, approve, "0xabc"]  # names or raw 0x selectors
 *     deniedEntrypoints: [...]
 *     allowedChainIds: [...]      # intersected with the global allowlist (must overlap)
 *     maxValidityWindowSec: 600   # at most the global window
 * spendingLimits:
 *   - keyId: default              # or "*" for every key
 *     token: "0x049d…"            # token contract
 *     maxPerCall: "1000000000000000000"      # decimal or 0x hex, u256
 *     maxPerWindow: "5000000000000000000"    # needs windowSeconds
 *     windowSeconds: 86400
 *     allowedRecipients: ["0x…"]
 * exchange:                       # trading policy, see exchange-policy-file.ts
 *   - { client: agent-1, account: binance-main, operations: [get_balances] }
 * ```
 *
 * Every client rule narrows what the env allows; none widens it. Allowlists may not be empty
 * (omit the field to allow any). Entrypoint names become selectors with selectorOf.
 */
import { parse as parseYaml } from "yaml";
import { selectorOf } from "@airlock/core/starknet";
import type { AuthClient, ClientPolicy, PolicyConfig, SpendingLimit } from "./config-types.js";
import { frozenMap, frozenSet } from "./immutable.js";
import { PolicyFile, type ClientPolicyFile } from "./policy-schema.js";
import { addZodProblems, type Problems } from "./problems.js";

export { PolicyFile } from "./policy-schema.js";

/** SISNA's built-in denylist: admin and account-internal entrypoints a session key must never call. */
export const BUILTIN_DENIED_ENTRYPOINTS: readonly string[] = Object.freeze([
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
]);

const MAX_POLICY_FILE_CHARS = 1024 * 1024;

/**
 * Parses the text of a policy file. Returns undefined (problems added) when the name, the
 * syntax or the schema is wrong. Policy files hold no secrets, so parser messages are kept.
 */
export function parsePolicyFile(path: string, text: string, problems: Problems): PolicyFile | undefined {
  const where = "KEYRING_POLICY_FILE";
  if (text.length > MAX_POLICY_FILE_CHARS) {
    problems.add(`${where} is larger than ${MAX_POLICY_FILE_CHARS} characters`);
    return undefined;
  }
  let data: unknown;
  const lower = path.toLowerCase();
  try {
    if (lower.endsWith(".json")) data = JSON.parse(text);
    else if (lower.endsWith(".yaml") || lower.endsWith(".yml")) {
      data = parseYaml(text, { uniqueKeys: true, maxAliasCount: 100, prettyErrors: true, merge: false });
    } else {
      problems.add(`${where} must end in .json, .yaml or .yml`);
      return undefined;
    }
  } catch (err) {
    const detail = err instanceof Error ? err.message.split("\n")[0]?.slice(0, 200) : "parse failed";
    problems.add(`${where} is not valid ${lower.endsWith(".json") ? "JSON" : "YAML"}: ${detail}`);
    return undefined;
  }
  const parsed = PolicyFile.safeParse(data);
  if (!parsed.success) {
    addZodProblems(problems, where, parsed.error);
    return undefined;
  }
  return parsed.data;
}

/** What the policy is built on: the env's values and the auth clients and keys it may name. */
export interface PolicyContext {
  readonly maxValidityWindowSec: number;
  readonly allowedChainIds: readonly bigint[];
  readonly clients: ReadonlyMap<string, AuthClient>;
  /** Key ids requests may name; undefined when unknown (key configuration broken): not checked then. */
  readonly keyIds: ReadonlySet<string> | undefined;
}

const felts = (values: readonly string[]): bigint[] => values.map((v) => BigInt(v));

function buildClient(
  clientId: string,
  rule: ClientPolicyFile,
  ctx: PolicyContext & { globalChains: ReadonlySet<bigint>; globalWindow: number; globalDenied: ReadonlySet<bigint> },
  problems: Problems,
): ClientPolicy {
  const at = `KEYRING_POLICY_FILE clients.${clientId}`;
  const auth = ctx.clients.get(clientId);
  if (!auth) problems.add(`${at}: no auth client with this id (KEYRING_AUTH_CLIENTS_JSON / KEYRING_DEFAULT_AUTH_CLIENT_ID)`);

  for (const keyId of rule.allowedKeyIds ?? []) {
    if (ctx.keyIds && !ctx.keyIds.has(keyId)) problems.add(`${at}.allowedKeyIds: unknown keyId ${keyId}`);
    else if (auth?.allowedKeyIds && !auth.allowedKeyIds.has(keyId)) {
      problems.add(`${at}.allowedKeyIds: keyId ${keyId} is not allowed for this client by KEYRING_AUTH_CLIENTS_JSON (policy can only narrow)`);
    }
  }
  const accounts = rule.allowedAccounts ? felts(rule.allowedAccounts) : undefined;
  accounts?.forEach((account, i) => {
    if (auth?.allowedAccounts && !auth.allowedAccounts.has(account)) {
      problems.add(`${at}.allowedAccounts[${i}]: not among the client's allowedAccountAddresses (policy can only narrow)`);
    }
  });

  const denied = rule.deniedEntrypoints ? rule.deniedEntrypoints.map(selectorOf) : undefined;
  const allowed = rule.allowedEntrypoints ? rule.allowedEntrypoints.map(selectorOf) : undefined;
  allowed?.forEach((selector, i) => {
    if (ctx.globalDenied.has(selector) || denied?.includes(selector)) {
      problems.add(`${at}.allowedEntrypoints[${i}]: ${rule.allowedEntrypoints?.[i] ?? ""} is also denied`);
    }
  });

  let chains: bigint[] | undefined;
  if (rule.allowedChainIds) {
    chains = felts(rule.allowedChainIds);
    if (ctx.globalChains.size > 0) chains = chains.filter((c) => ctx.globalChains.has(c));
    if (chains.length === 0) problems.add(`${at}.allowedChainIds: no chain id in common with the global allowlist`);
  }
  if (rule.maxValidityWindowSec !== undefined && rule.maxValidityWindowSec > ctx.globalWindow) {
    problems.add(`${at}.maxValidityWindowSec: larger than the global ${ctx.globalWindow} (policy can only narrow)`);
  }

  return {
    ...(rule.allowedKeyIds ? { allowedKeyIds: frozenSet(rule.allowedKeyIds) } : {}),
    ...(accounts ? { allowedAccounts: frozenSet(accounts) } : {}),
    ...(rule.allowedContracts ? { allowedContracts: frozenSet(felts(rule.allowedContracts)) } : {}),
    ...(allowed ? { allowedSelectors: frozenSet(allowed) } : {}),
    ...(denied ? { deniedSelectors: frozenSet(denied) } : {}),
    ...(chains ? { allowedChainIds: frozenSet(chains) } : {}),
    ...(rule.maxValidityWindowSec !== undefined ? { maxValidityWindowSec: rule.maxValidityWindowSec } : {}),
  };
}

function buildSpendingLimits(file: PolicyFile, ctx: PolicyContext, problems: Problems): SpendingLimit[] {
  const seen = new Map<string, number>();
  return (file.spendingLimits ?? []).map((limit, i) => {
    const at = `KEYRING_POLICY_FILE spendingLimits[${i}]`;
    if (limit.keyId !== "*" && ctx.keyIds && !ctx.keyIds.has(limit.keyId)) problems.add(`${at}.keyId: unknown keyId ${limit.keyId}`);
    const token = BigInt(limit.token);
    const pair = `${limit.keyId}\u0000${token}`;
    const first = seen.get(pair);
    if (first !== undefined) problems.add(`${at}: same keyId and token as spendingLimits[${first}]`);
    else seen.set(pair, i);
    return {
      keyId: limit.keyId,
      token,
      ...(limit.maxPerCall !== undefined ? { maxPerCall: BigInt(limit.maxPerCall) } : {}),
      ...(limit.maxPerWindow !== undefined ? { maxPerWindow: BigInt(limit.maxPerWindow) } : {}),
      windowMs: (limit.windowSeconds ?? 86_400) * 1000,
      ...(limit.allowedRecipients ? { allowedRecipients: frozenSet(felts(limit.allowedRecipients)) } : {}),
    };
  });
}

/**
 * The effective policy: env values, replaced by the file's defaults where given, SISNA's
 * denylist plus the file's, and the per-client rules and spending limits, cross-checked
 * against the auth clients and key ids (problems added for anything unknown or widening).
 */
export function buildPolicyConfig(file: PolicyFile | undefined, ctx: PolicyContext, problems: Problems): PolicyConfig {
  const globalWindow = file?.defaults?.maxValidityWindowSec ?? ctx.maxValidityWindowSec;
  const globalChains = frozenSet(file?.defaults?.allowedChainIds ? felts(file.defaults.allowedChainIds) : ctx.allowedChainIds);
  const globalDenied = frozenSet([...BUILTIN_DENIED_ENTRYPOINTS, ...(file?.defaults?.deniedEntrypoints ?? [])].map(selectorOf));
  const full = { ...ctx, globalChains, globalWindow, globalDenied };
  const clients = Object.entries(file?.clients ?? {}).map(([id, rule]) => [id, buildClient(id, rule, full, problems)] as const);
  return {
    maxValidityWindowSec: globalWindow,
    allowedChainIds: globalChains,
    deniedSelectors: globalDenied,
    clients: frozenMap(clients),
    spendingLimits: file ? buildSpendingLimits(file, ctx, problems) : [],
  };
}
