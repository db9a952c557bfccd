import type { SessionCall } from "@airlock/core";
import { feltHex, type OutsideCall } from "@airlock/core/starknet";
import type { ClientPolicy, PolicyConfig } from "../config/config-types.js";
import { deny, type PolicyDenial } from "./policy-decision.js";

/**
 * The rules on one call, in this order: self-call, denylist, contract allowlist, entrypoint
 * allowlist. They compare felt values only, and `call.selector` is the selector the hash signs
 * (selectorOf: a 0x entrypoint is a raw selector, a name is hashed), so the policy judges
 * exactly what gets signed, however it is spelled (leading zeros, case, decimal).
 * `sent` is the same call as the client wrote it, used only for the text of messages (canonical
 * hex stands in when it is missing, which parseSessionRequest never causes).
 */
export function checkCall(
  call: OutsideCall,
  sent: SessionCall | undefined,
  index: number,
  account: bigint,
  policy: PolicyConfig,
  clientPolicy: ClientPolicy | undefined,
): PolicyDenial | undefined {
  if (call.to === account) return deny("call.self_call", "self-call is denied for session signing", index);

  if (policy.deniedSelectors.has(call.selector) || clientPolicy?.deniedSelectors?.has(call.selector) === true) {
    return deny("call.denied_selector", `denied selector: ${sent?.entrypoint ?? feltHex(call.selector)}`, index);
  }

  const contracts = clientPolicy?.allowedContracts;
  if (contracts !== undefined && !contracts.has(call.to)) {
    return deny("call.contract_not_allowed", `contract ${sent?.contractAddress ?? feltHex(call.to)} is not allowed`, index);
  }

  const selectors = clientPolicy?.allowedSelectors;
  if (selectors !== undefined && !selectors.has(call.selector)) {
    return deny("call.entrypoint_not_allowed", `entrypoint ${sent?.entrypoint ?? feltHex(call.selector)} is not allowed`, index);
  }
  return undefined;
}
