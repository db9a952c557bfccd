import type { SessionTransactionRequest } from "@airlock/core";
import type { ParsedSessionRequest } from "@airlock/core/starknet";
import type { AuthClient } from "../config/config-types.js";
import type { SpendCharge } from "../stores/store-types.js";
import type { PolicyRuleId } from "./rule-ids.js";

/**
 * Everything the policy engine judges one request by. The caller has already authenticated
 * the client and validated the body.
 */
export interface SessionPolicyInput {
  /** The authenticated client; must equal authClient.clientId. */
  readonly clientId: string;
  readonly authClient: AuthClient;
  /** The key the request asks for: its keyId, or the default key when it names none. */
  readonly keyId: string;
  /** Key ids the signer provider holds. */
  readonly knownKeyIds: ReadonlySet<string>;
  /** The schema-valid body, used for the text of messages (values as the client sent them). */
  readonly request: SessionTransactionRequest;
  /** parseSessionRequest(request): every felt as a number, every entrypoint as the selector the hash signs. */
  readonly parsed: ParsedSessionRequest;
  /** Current unix time in whole seconds. */
  readonly nowSec: number;
}

/**
 * A spend charge, plus where it came from: the token (for messages) and the index of the call
 * that spends. Assignable to SpendCharge; stores read only the SpendCharge fields.
 */
export interface PolicySpendCharge extends SpendCharge {
  readonly token: bigint;
  readonly callIndex: number;
}

/** A refusal: the rule that refused, SISNA-compatible text, and the offending call if any. */
export interface PolicyDenial {
  readonly allowed: false;
  readonly ruleId: PolicyRuleId;
  /** Safe to return to the client and to log: built only from schema-checked request text and config numbers. */
  readonly message: string;
  readonly callIndex?: number;
}

/** Allowed with the spend charges the route must reserve atomically, or denied. */
export type PolicyDecision = { readonly allowed: true; readonly charges: PolicySpendCharge[] } | PolicyDenial;

/** Builds a denial. */
export function deny(ruleId: PolicyRuleId, message: string, callIndex?: number): PolicyDenial {
  return callIndex === undefined ? { allowed: false, ruleId, message } : { allowed: false, ruleId, message, callIndex };
}
