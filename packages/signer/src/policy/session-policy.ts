import type { PolicyConfig } from "../config/config-types.js";
import { checkAccountAllowed, checkKeyAllowed, checkKeyKnown } from "./authorization-rules.js";
import { checkCall } from "./call-rules.js";
import { checkChain } from "./chain-rules.js";
import type { PolicyDecision, SessionPolicyInput } from "./policy-decision.js";
import { evaluateSpending } from "./spending-rules.js";
import { checkValidity, effectiveValidityWindowSec } from "./validity-rules.js";

/**
 * Judges one session-signing request against the policy, as a whole: the first denial wins and
 * then nothing is charged. Order: key known → the client may use the key → the client may sign
 * for the account → validity window → chain → per call (self-call, denylist, contract
 * allowlist, entrypoint allowlist) → spending limits over all calls.
 *
 * Pure and synchronous: no I/O, no clock (nowSec comes in), no throwing on any schema-valid
 * request whose `parsed` is parseSessionRequest(request). An allowed decision carries the spend
 * charges the route must reserve atomically in the SpendStore before signing.
 */
export function evaluateSessionPolicy(input: SessionPolicyInput, policy: PolicyConfig): PolicyDecision {
  const { clientId, authClient, keyId, request, parsed } = input;
  const clientPolicy = policy.clients.get(clientId);

  const early =
    checkKeyKnown(keyId, input.knownKeyIds) ??
    checkKeyAllowed(clientId, keyId, authClient, clientPolicy) ??
    checkAccountAllowed(clientId, parsed.account, request.accountAddress, authClient, clientPolicy) ??
    checkValidity(request.validUntil, input.nowSec, effectiveValidityWindowSec(policy, clientPolicy)) ??
    checkChain(parsed.chainId, request.chainId, policy, clientPolicy);
  if (early !== undefined) return early;

  const calls = parsed.execution.calls;
  for (let i = 0; i < calls.length; i++) {
    const denial = checkCall(calls[i]!, request.calls[i], i, parsed.account, policy, clientPolicy);
    if (denial !== undefined) return denial;
  }

  return evaluateSpending(calls, keyId, policy.spendingLimits);
}
