import type { AuthClient, ClientPolicy } from "../config/config-types.js";
import { deny, type PolicyDenial } from "./policy-decision.js";

/**
 * Which keys and accounts a client may use. Two sources restrict a client: its AuthClient
 * entry (SISNA's AUTH_CLIENTS_JSON) and its ClientPolicy (the policy file). When both set a
 * list, a value must be on each; an absent list restricts nothing, an empty one allows nothing.
 */

/** `key.unknown`: the key must be one the signer provider holds (SISNA's text). */
export function checkKeyKnown(keyId: string, knownKeyIds: ReadonlySet<string>): PolicyDenial | undefined {
  return knownKeyIds.has(keyId) ? undefined : deny("key.unknown", `Unknown keyId: ${keyId}`);
}

/** `key.not_allowed`: the client may use the key (SISNA's text). */
export function checkKeyAllowed(
  clientId: string,
  keyId: string,
  authClient: AuthClient,
  clientPolicy: ClientPolicy | undefined,
): PolicyDenial | undefined {
  const fromEnv = authClient.allowedKeyIds;
  const fromPolicy = clientPolicy?.allowedKeyIds;
  if ((fromEnv === undefined || fromEnv.has(keyId)) && (fromPolicy === undefined || fromPolicy.has(keyId))) return undefined;
  return deny("key.not_allowed", `client ${clientId} is not allowed to use keyId ${keyId}`);
}

/**
 * `account.not_allowed`: the client may sign for the account. Sets hold felt values, so any
 * spelling of the same address matches; the message repeats the address as sent (SISNA's text).
 */
export function checkAccountAllowed(
  clientId: string,
  account: bigint,
  accountText: string,
  authClient: AuthClient,
  clientPolicy: ClientPolicy | undefined,
): PolicyDenial | undefined {
  const fromEnv = authClient.allowedAccounts;
  const fromPolicy = clientPolicy?.allowedAccounts;
  if ((fromEnv === undefined || fromEnv.has(account)) && (fromPolicy === undefined || fromPolicy.has(account))) return undefined;
  return deny("account.not_allowed", `client ${clientId} is not allowed to sign for account ${accountText}`);
}
