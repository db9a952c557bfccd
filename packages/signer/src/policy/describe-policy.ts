import { feltHex } from "@airlock/core/starknet";
import type { PolicyConfig } from "../config/config-types.js";
import { effectiveValidityWindowSec } from "./validity-rules.js";

/** "any" when a list does not restrict, else how many entries it has. */
export type AllowlistSize = "any" | number;

/** One spending limit as the status endpoint shows it: amounts in decimal base units. */
export interface SpendingLimitSummary {
  keyId: string;
  token: string;
  maxPerCall?: string;
  maxPerWindow?: string;
  windowMs: number;
  allowedRecipients: AllowlistSize;
}

/**
 * What applies to one client, as plain JSON (no bigints, no secrets: HMAC secrets live in
 * AuthClient, which this never sees). Lists that restrict by value are given as counts, except
 * chain ids, which are public.
 */
export interface PolicySummary {
  clientId: string;
  /** Whether the policy file has a section for this client. */
  clientPolicy: boolean;
  /** The effective window: the smaller of the global and the client's. */
  maxValidityWindowSec: number;
  /** Effective chain allowlist (global ∩ client), as sorted unpadded hex, or "any". */
  chainIds: "any" | string[];
  /** Distinct denied selectors, global and the client's extra ones together. */
  deniedSelectors: number;
  /** The policy file's lists for this client (the environment's key and account lists are not part of PolicyConfig). */
  allowedKeyIds: AllowlistSize;
  allowedAccounts: AllowlistSize;
  allowedContracts: AllowlistSize;
  allowedSelectors: AllowlistSize;
  /** Limits that can apply to this client's keys: "*" ones and those of keys it may use. */
  spendingLimits: SpendingLimitSummary[];
}

const sizeOf = (set: ReadonlySet<unknown> | undefined): AllowlistSize => (set === undefined ? "any" : set.size);

function sortedHex(values: Iterable<bigint>): string[] {
  return [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).map(feltHex);
}

/** A small JSON-safe summary of the policy that applies to `clientId`. */
export function describePolicy(policy: PolicyConfig, clientId: string): PolicySummary {
  const own = policy.clients.get(clientId);
  const global = policy.allowedChainIds;
  const ownChains = own?.allowedChainIds;
  let chainIds: "any" | string[];
  if (ownChains === undefined) chainIds = global.size === 0 ? "any" : sortedHex(global);
  else chainIds = sortedHex(global.size === 0 ? ownChains : [...ownChains].filter((c) => global.has(c)));

  let deniedSelectors = policy.deniedSelectors.size;
  for (const s of own?.deniedSelectors ?? []) if (!policy.deniedSelectors.has(s)) deniedSelectors++;

  const keys = own?.allowedKeyIds;
  const spendingLimits = policy.spendingLimits
    .filter((l) => l.keyId === "*" || keys === undefined || keys.has(l.keyId))
    .map((l): SpendingLimitSummary => ({
      keyId: l.keyId,
      token: feltHex(l.token),
      ...(l.maxPerCall === undefined ? {} : { maxPerCall: l.maxPerCall.toString() }),
      ...(l.maxPerWindow === undefined ? {} : { maxPerWindow: l.maxPerWindow.toString() }),
      windowMs: l.windowMs,
      allowedRecipients: sizeOf(l.allowedRecipients),
    }));

  return {
    clientId,
    clientPolicy: own !== undefined,
    maxValidityWindowSec: effectiveValidityWindowSec(policy, own),
    chainIds,
    deniedSelectors,
    allowedKeyIds: sizeOf(keys),
    allowedAccounts: sizeOf(own?.allowedAccounts),
    allowedContracts: sizeOf(own?.allowedContracts),
    allowedSelectors: sizeOf(own?.allowedSelectors),
    spendingLimits,
  };
}
