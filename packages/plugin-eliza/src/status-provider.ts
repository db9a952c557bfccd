import type { Provider } from "@elizaos/core";
import { airlockServiceOf } from "./airlock-service.js";

export const AIRLOCK_SIGNER_PROVIDER = "AIRLOCK_SIGNER";

/**
 * AIRLOCK_SIGNER: puts the signer's status into the agent's context, so the model knows whether
 * it can sign, with which session keys and under which policy, before it picks an action.
 * Built from runSignerStatus through the service's cache (30 s; failures 5 s). With the Nitro
 * trust settings, a signer that failed verification is reported as not trusted, and a verified
 * one with its attested PCR0 and receipt key.
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
      const untrusted = outcome.error === "untrusted_signer";
      return {
        text: `# Airlock signer\n${untrusted ? "Not trusted: do not sign through it" : "Not reachable right now"}: ${outcome.summary}`,
        values: { airlockSignerReachable: false },
        data: { airlock: outcome },
      };
    }
    const keys = (outcome.data as { keys?: { keyId: string; sessionPublicKey: string }[] }).keys ?? [];
    // Set only when the client attested the signer (the status call itself required it).
    const attested = service.client.attestedSigner;
    const attestation = attested === undefined ? "" : `\nAttested Nitro Enclave: PCR0 ${attested.pcrs["0"]}, receipt key ${attested.receiptKey.receiptKeyId}.`;
    return {
      text: `# Airlock signer\n${outcome.summary}${attestation}`,
      values: {
        airlockSignerReachable: true,
        airlockSessionPublicKeys: Object.fromEntries(keys.map((k) => [k.keyId, k.sessionPublicKey])),
        ...(attested === undefined ? {} : { airlockSignerAttestedPcr0: attested.pcrs["0"] }),
      },
      data: { airlock: outcome },
    };
  },
};
