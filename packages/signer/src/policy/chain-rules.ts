import type { ClientPolicy, PolicyConfig } from "../config/config-types.js";
import { deny, type PolicyDenial } from "./policy-decision.js";

/**
 * `chain.not_allowed` (SISNA's text, the chain id as sent): the chain must be on the global
 * allowlist (an empty one allows any chain, as SISNA's KEYRING_ALLOWED_CHAIN_IDS) and on the
 * client's list when it has one (the two intersect).
 */
export function checkChain(
  chainId: bigint,
  chainIdText: string,
  policy: PolicyConfig,
  clientPolicy: ClientPolicy | undefined,
): PolicyDenial | undefined {
  const global = policy.allowedChainIds;
  const own = clientPolicy?.allowedChainIds;
  if ((global.size === 0 || global.has(chainId)) && (own === undefined || own.has(chainId))) return undefined;
  return deny("chain.not_allowed", `chainId ${chainIdText} is not allowed`);
}
