import type { Provider } from "@elizaos/core";
import { airlockServiceOf } from "./airlock-service.js";

export const AIRLOCK_SIGNER_PROVIDER = "AIRLOCK_SIGNER";

/**
 * AIRLOCK_SIGNER: puts the signer's status into the agent's context, so the model knows whether
 * it can sign, with which session keys and under which policy, before it picks an action.
 * Built from runSignerStatus through the service's cache (30 s; failures 5 s).
 */
export const airlockSignerProvider: Provider = {
  name: AIRLOCK_SIGNER_PROVIDER,
  description: "Airlock signer status: reachable or not, the session public keys this agent may use, and a summary of the signing policy.",
  get: async (runtime) => {
    const service = airlockServiceOf(runtime);
    if (service === undefined) {
      return {
        text: "# Airlock signer\nNot configured for this agent: it cannot sign transactions.",
        values: { airlockSignerReachable: false },
        data: { airlock: { ok: false, error: "not_configured" } },
      };
    }
    const outcome = await service.signerStatus();
    if (!outcome.ok) {
      return {
        text: `# Airlock signer\nNot reachable right now: ${outcome.summary}`,
        values: { airlockSignerReachable: false },
        data: { airlock: outcome },
      };
    }
    const keys = (outcome.data as { keys?: { keyId: string; sessionPublicKey: string }[] }).keys ?? [];
    return {
      text: `# Airlock signer\n${outcome.summary}`,
      values: {
        airlockSignerReachable: true,
        airlockSessionPublicKeys: Object.fromEntries(keys.map((k) => [k.keyId, k.sessionPublicKey])),
      },
      data: { airlock: outcome },
    };
  },
};
