import { feltHex } from "@airlock/core/starknet";
import type { SpendingLimit } from "../config/config-types.js";

/** One rolling-window budget of a token for a key: the smallest maxPerWindow among its limits. */
export interface TokenBudget {
  readonly windowMs: number;
  readonly max: bigint;
}

/** Every limit on one token that applies to one key, merged. */
export interface TokenRule {
  readonly tokenHex: string;
  /** The smallest maxPerCall among the limits (undefined: none sets one). */
  readonly maxPerCall: bigint | undefined;
  /** Each limit's recipient allowlist; a counterparty must be on every one. */
  readonly recipientSets: readonly ReadonlySet<bigint>[];
  /** One budget per distinct windowMs. */
  readonly budgets: readonly TokenBudget[];
}

interface TokenRules {
  /** Rules for keys that have limits of their own on this token (their "*" limits merged in). */
  readonly byKey: ReadonlyMap<string, TokenRule>;
  /** The rule from "*" limits alone, for every other key. */
  readonly anyKey: TokenRule | undefined;
}

/** Spending limits indexed by token, built once per limits array. */
export type SpendingIndex = ReadonlyMap<bigint, TokenRules>;

/**
 * Why limits are merged per (token, key, windowMs): a budget key is `${keyId}:${token}:${windowMs}`,
 * so a key's own limit and a "*" limit with the same window share one budget in the store. One
 * charge per call against the stricter maximum counts each amount once; a charge per limit would
 * count it twice.
 */
function mergeRule(token: bigint, limits: readonly SpendingLimit[]): TokenRule {
  let maxPerCall: bigint | undefined;
  const recipientSets: ReadonlySet<bigint>[] = [];
  const budgets = new Map<number, bigint>();
  for (const limit of limits) {
    if (limit.maxPerCall !== undefined && (maxPerCall === undefined || limit.maxPerCall < maxPerCall)) maxPerCall = limit.maxPerCall;
    if (limit.allowedRecipients !== undefined) recipientSets.push(limit.allowedRecipients);
    if (limit.maxPerWindow !== undefined) {
      const seen = budgets.get(limit.windowMs);
      if (seen === undefined || limit.maxPerWindow < seen) budgets.set(limit.windowMs, limit.maxPerWindow);
    }
  }
  return Object.freeze({
    tokenHex: feltHex(token),
    maxPerCall,
    recipientSets: Object.freeze(recipientSets),
    budgets: Object.freeze([...budgets].map(([windowMs, max]) => Object.freeze({ windowMs, max }))),
  });
}

function buildIndex(limits: readonly SpendingLimit[]): SpendingIndex {
  const byToken = new Map<bigint, SpendingLimit[]>();
  for (const limit of limits) {
    const list = byToken.get(limit.token);
    if (list === undefined) byToken.set(limit.token, [limit]);
    else list.push(limit);
  }
  const index = new Map<bigint, TokenRules>();
  for (const [token, list] of byToken) {
    const wildcard = list.filter((l) => l.keyId === "*");
    const byKey = new Map<string, TokenRule>();
    for (const keyId of new Set(list.filter((l) => l.keyId !== "*").map((l) => l.keyId))) {
      byKey.set(keyId, mergeRule(token, list.filter((l) => l.keyId === keyId || l.keyId === "*")));
    }
    index.set(token, { byKey, anyKey: wildcard.length > 0 ? mergeRule(token, wildcard) : undefined });
  }
  return index;
}

// The config is built once and never changes, so the index is built on first use and kept for
// as long as the limits array lives.
const cache = new WeakMap<readonly SpendingLimit[], SpendingIndex>();

/** The index of `limits` (built once per array). */
export function spendingIndexOf(limits: readonly SpendingLimit[]): SpendingIndex {
  let index = cache.get(limits);
  if (index === undefined) {
    index = buildIndex(limits);
    cache.set(limits, index);
  }
  return index;
}

/** The merged limits of `token` that apply to `keyId`, or undefined when none does. */
export function tokenRuleFor(index: SpendingIndex, token: bigint, keyId: string): TokenRule | undefined {
  const rules = index.get(token);
  if (rules === undefined) return undefined;
  return rules.byKey.get(keyId) ?? rules.anyKey;
}
