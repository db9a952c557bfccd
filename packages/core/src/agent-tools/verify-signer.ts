import type { AirlockClient } from "../client/airlock-client.js";
import { isAirlockError, type UntrustedSignerError } from "../client/errors.js";
import type { VerifiedSigner } from "../client/nitro-trust.js";
import { outcomeOfError, type ToolFailure, type ToolOutcome } from "./tool-outcome.js";
import { untrustedSignerFields, untrustedSignerWhy } from "./untrusted-signer-outcome.js";

/**
 * airlock_verify_signer: attests the signer now (a fresh nonce; see AirlockClient.verifySigner)
 * and reports what was verified, for a model to relay: the measurements, the enclave module,
 * the receipt key, the attested policy, and the registry's answer. Everything comes from the
 * verified document and the registry; the trust settings themselves (the registry's RPC URL
 * above all, which may embed an API key) never appear.
 */

/** The PCRs a client can pin, in the order they are reported. */
const REPORTED_PCRS = ["0", "1", "2", "8"] as const;
const ZERO = /^0+$/;

/**
 * PCR0, PCR1 and PCR2 as attested, and PCR8 when the image is signed (an unsigned image
 * reports it as all zeros, which says nothing).
 */
function reportedPcrs(pcrs: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const index of REPORTED_PCRS) {
    const value = pcrs[index];
    if (value === undefined || (index === "8" && ZERO.test(value))) continue;
    out[index] = value;
  }
  return out;
}

function iso(ms: number): string {
  return Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : "unknown";
}

/** The success outcome for a verified signer. */
export function outcomeOfVerifiedSigner(signer: VerifiedSigner): ToolOutcome {
  const pcrs = reportedPcrs(signer.pcrs);
  const registry = signer.registry;
  const pcrText = Object.entries(pcrs)
    .map(([i, v]) => `PCR${i} ${v}`)
    .join(", ");
  const registryText =
    registry === undefined
      ? "No on-chain registry check is configured."
      : `The on-chain registry ${registry.registry} lists PCR0 as active, registered by the pinned owner ${registry.owner} (checked ${iso(registry.checkedAt)}).`;
  return {
    ok: true,
    summary:
      `The signer is verified: its Nitro Enclave attestation (fresh nonce, certificate chain to the pinned root, measurements in the allowlists) shows module ${signer.moduleId} ` +
      `with ${pcrText}. Document time ${iso(signer.documentTimestamp)}. Receipt key ${signer.receiptKey.receiptKeyId}: every answer of the signer must carry a receipt signed by it. ` +
      `Attested policy hash ${signer.policyHash}. ${registryText}`,
    data: {
      verified: true,
      moduleId: signer.moduleId,
      pcrs,
      receiptKeyId: signer.receiptKey.receiptKeyId,
      receiptPublicKey: signer.receiptPublicKey,
      policyHash: signer.policyHash,
      documentTimestamp: signer.documentTimestamp,
      documentTime: iso(signer.documentTimestamp),
      documentSha256: signer.documentSha256,
      verifiedAt: iso(signer.verifiedAt),
      ...(registry === undefined ? {} : { registry: { address: registry.registry, owner: registry.owner, active: registry.active, checkedAt: iso(registry.checkedAt) } }),
    },
  };
}

/** A refusal of verifySigner, told plainly: no Nitro settings (keyring backend), or the failed check. */
export function outcomeOfVerifyFailure(err: unknown): ToolFailure {
  if (isAirlockError(err, "CONFIG") && (err as { option?: unknown }).option === "nitro") {
    return {
      ok: false,
      error: "not_configured",
      summary:
        "This agent's signer client has no Nitro trust settings: with the keyring backend there is no attestation, so there is no enclave to verify " +
        "(the signer's keys are then protected by its host, not by an enclave). Ask the operator to configure the expected enclave measurements if the signer runs in a Nitro Enclave. Nothing was signed.",
    };
  }
  if (isAirlockError(err, "UNTRUSTED_SIGNER")) {
    const e = err as UntrustedSignerError;
    return {
      ok: false,
      error: "untrusted_signer",
      summary: `The signer is NOT verified: ${untrustedSignerWhy(e)}. Do not rely on it: nothing should be signed through it until the operator fixes this. Nothing was signed.`,
      ...untrustedSignerFields(e),
    };
  }
  return outcomeOfError(err);
}

/** airlock_verify_signer */
export async function runVerifySigner(client: AirlockClient): Promise<ToolOutcome> {
  let signer: VerifiedSigner;
  try {
    signer = await client.verifySigner();
  } catch (err) {
    return outcomeOfVerifyFailure(err);
  }
  return outcomeOfVerifiedSigner(signer);
}
