import type { SignerStatus } from "@airlock/core";
import { feltHex } from "@airlock/core/starknet";
import type { AuthClient, ExchangeConfig } from "../../config/config-types.js";
import { EXCHANGE_OPERATION_TYPES } from "../../config/exchange-policy-schema.js";
import { describePolicy, exchangeRuleFor } from "../../policy/index.js";
import { VERSION } from "../../version.js";
import { HttpError } from "../http-error.js";
import type { RequestContext } from "../request-context.js";
import type { RouteResult, SessionRouteDeps } from "./session-routes.js";

/**
 * The exchange accounts that list this client, each with the operations its trading policy
 * allows it there (none on a live account without liveTradingEnabled, none without a policy
 * entry). Ids, venues and operation names only: never a credential.
 */
function exchangeAccountsFor(exchange: ExchangeConfig, clientId: string): NonNullable<SignerStatus["exchangeAccounts"]> {
  const out: NonNullable<SignerStatus["exchangeAccounts"]> = [];
  for (const account of exchange.accounts.values()) {
    if (!account.clients.has(clientId)) continue;
    const rule = exchangeRuleFor(exchange, clientId, account.account);
    const tradable = account.environment === "testnet" || account.liveTradingEnabled;
    const operations = rule && tradable ? EXCHANGE_OPERATION_TYPES.filter((op) => rule.operations.has(op)) : [];
    out.push({ account: account.account, venue: account.venue, environment: account.environment, operations });
  }
  return out;
}

/**
 * GET /v1/status: the keys this client may use (with their session public keys), a summary of
 * the policy that applies to it, and the exchange accounts it may use. Keys the client is not
 * allowed to use are not listed.
 */
export async function signerStatus(
  ctx: RequestContext,
  client: AuthClient,
  raw: Buffer,
  _contentType: string | undefined,
  deps: SessionRouteDeps,
): Promise<RouteResult> {
  if (raw.length > 0) throw new HttpError("INVALID_PAYLOAD", "a GET request must have an empty body");
  const policyKeys = deps.config.policy.clients.get(client.clientId)?.allowedKeyIds;
  const keys: SignerStatus["keys"] = [];
  for (const keyId of deps.provider.keyIds()) {
    if (client.allowedKeyIds && !client.allowedKeyIds.has(keyId)) continue;
    if (policyKeys && !policyKeys.has(keyId)) continue;
    const key = deps.provider.publicKey(keyId);
    if (key !== undefined) keys.push({ keyId, sessionPublicKey: feltHex(key) });
  }
  const body: SignerStatus = {
    requestId: ctx.requestId,
    version: VERSION,
    signerProvider: deps.provider.kind,
    defaultKeyId: deps.config.signer.defaultKeyId,
    keys,
    policy: describePolicy(deps.config.policy, client.clientId),
    exchangeAccounts: exchangeAccountsFor(deps.config.exchange, client.clientId),
  };
  return { status: 200, body, headers: {} };
}
