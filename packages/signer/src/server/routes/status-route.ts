import type { SignerStatus } from "@airlock/core";
import { feltHex } from "@airlock/core/starknet";
import type { AuthClient } from "../../config/config-types.js";
import { describePolicy } from "../../policy/index.js";
import { VERSION } from "../../version.js";
import { HttpError } from "../http-error.js";
import type { RequestContext } from "../request-context.js";
import type { RouteResult, SessionRouteDeps } from "./session-routes.js";

/**
 * GET /v1/status: the keys this client may use, with their session public keys, and a summary
 * of the policy that applies to it. Keys the client is not allowed to use are not listed.
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
  };
  return { status: 200, body, headers: {} };
}
