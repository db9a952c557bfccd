// What a client trusts about a Nitro signer, and the check of one attestation document against
// it: the AWS procedure (verify-attestation.ts) with the caller's nonce and PCR allowlists,
// then the Airlock enclave claims (receipt key, policy hash, provisioning key), then the
// on-chain registry when one is configured. Shared by the attestation-gated client and the
// operator's `airlock-signer provision`.
import { createHash } from "node:crypto";
import { AttestationError } from "../attestation/attestation-error.js";
import { decodeEnclaveClaims } from "../attestation/enclave-claims.js";
import { AWS_NITRO_ROOT_G1_SHA256, verifyAttestationDocument } from "../attestation/verify-attestation.js";
import { ReceiptError, receiptKeyFromSpki, type ReceiptKey } from "../receipts/receipt.js";
import type { RegistryStatus } from "../registry/index.js";
import { ConfigError, UntrustedSignerError } from "./errors.js";

/** PCR indexes a client may pin. */
export type PinnedPcr = "0" | "1" | "2" | "8";

/** Trust settings of the Nitro backend (the `nitro` client option, or a provisioning trust file). */
export interface NitroTrustOptions {
  /** Allowed measurements (hex) by PCR index; PCR0 is required, 1/2/8 optional. Several values allow a rollout. */
  allowedPcrs: { readonly "0": readonly string[] } & { readonly [K in Exclude<PinnedPcr, "0">]?: readonly string[] };
  /** SHA-256 (hex) of the trust anchor's DER; defaults to the AWS Nitro Enclaves Root CA G1. The NSM emulator's root only in development. */
  rootFingerprintSha256?: string;
  /** Accept debug-mode enclaves (PCR0..2 all zero). Never with real funds. */
  allowDebugPcrs?: boolean;
  /** Re-attest once the last verification is older than this (default 10 minutes, 10 s .. 24 h). */
  maxAttestationAgeMs?: number;
  /** When set, the enclave must attest exactly this policy hash (64 hex). */
  expectedPolicyHash?: string;
  /** The on-chain PCR0 registry: the measurement must be active there and owned by `owner`. */
  registry?: { rpcUrl: string; address: string; owner: string; chainId?: number; cacheTtlMs?: number; timeoutMs?: number };
}

/** Confirms a PCR0 on chain or throws UntrustedSignerError("registry"). */
export interface RegistryCheck {
  check(pcr0Hex: string): Promise<RegistryStatus>;
}

/**
 * The registry check, loaded on first use: ethers (its RPC client) then only costs clients
 * that configure a registry. Option errors surface at the first attestation (or verifySigner()).
 */
function lazyRegistryCheck(options: NonNullable<NitroTrustOptions["registry"]>): RegistryCheck {
  let loaded: Promise<{ check: RegistryCheck["check"]; isRegistryError: (e: unknown) => e is Error & { code: string } }> | undefined;
  return {
    async check(pcr0Hex) {
      loaded ??= import("../registry/index.js").then((m) => ({
        check: m.createPcr0RegistryCheck(options).check,
        isRegistryError: (e: unknown): e is Error & { code: string } => e instanceof m.RegistryError,
      }));
      let registry;
      try {
        registry = await loaded;
        return await registry.check(pcr0Hex);
      } catch (err) {
        if (registry === undefined) loaded = undefined;
        const code = (err as { code?: unknown } | null)?.code;
        if (registry?.isRegistryError(err) || (registry === undefined && typeof code === "string")) throw new UntrustedSignerError("registry", (err as Error).message, code as string);
        throw new UntrustedSignerError("registry", "the registry check failed", "RPC_UNAVAILABLE", { cause: err });
      }
    },
  };
}

export interface ResolvedNitroTrust {
  readonly allowedPcrs: Readonly<Partial<Record<0 | 1 | 2 | 8, readonly string[]>>>;
  readonly rootFingerprintSha256: string;
  readonly allowDebugPcrs: boolean;
  readonly maxAttestationAgeMs: number;
  readonly expectedPolicyHash?: string;
  readonly registry?: RegistryCheck;
}

const TRUST_KEYS = new Set(["allowedPcrs", "rootFingerprintSha256", "allowDebugPcrs", "maxAttestationAgeMs", "expectedPolicyHash", "registry"]);
const PCR_HEX = /^[0-9a-f]{96}$/;

/** Validates trust options strictly (unknown keys, malformed values: ConfigError naming the option). */
export function resolveNitroTrust(value: unknown, option = "nitro"): ResolvedNitroTrust {
  const bad = (what: string, message: string): never => {
    throw new ConfigError(`${option}.${what} ${message}`, `${option}.${what}`);
  };
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new ConfigError(`${option} must be an object`, option);
  const o = value as Record<string, unknown>;
  for (const key of Object.keys(o)) if (!TRUST_KEYS.has(key)) bad(key, "is not a trust option");

  const pcrs = o["allowedPcrs"];
  if (typeof pcrs !== "object" || pcrs === null || Array.isArray(pcrs)) return bad("allowedPcrs", 'must be an object like {"0": ["<96 hex>"]}');
  const allowedPcrs: Partial<Record<0 | 1 | 2 | 8, readonly string[]>> = {};
  for (const [index, list] of Object.entries(pcrs)) {
    if (!["0", "1", "2", "8"].includes(index)) bad(`allowedPcrs.${index}`, "is not a pinnable PCR (0, 1, 2, 8)");
    if (!Array.isArray(list) || list.length === 0 || list.length > 16) return bad(`allowedPcrs.${index}`, "must be a list of 1 to 16 measurements");
    const values = list.map((v: unknown) => (typeof v === "string" ? v.replace(/[:\s]/g, "").toLowerCase() : ""));
    if (!values.every((v) => PCR_HEX.test(v))) bad(`allowedPcrs.${index}`, "must hold 48-byte measurements as hex");
    allowedPcrs[Number(index) as 0 | 1 | 2 | 8] = Object.freeze(values);
  }
  if (allowedPcrs[0] === undefined) bad("allowedPcrs.0", "is required: the image measurement is what attestation proves");

  const root = o["rootFingerprintSha256"] ?? AWS_NITRO_ROOT_G1_SHA256;
  if (typeof root !== "string" || !/^[0-9a-f]{64}$/i.test(root.replace(/[:\s]/g, ""))) bad("rootFingerprintSha256", "must be a SHA-256 hex fingerprint");
  const debug = o["allowDebugPcrs"] ?? false;
  if (typeof debug !== "boolean") bad("allowDebugPcrs", "must be a boolean");
  const age = o["maxAttestationAgeMs"] ?? 600_000;
  if (typeof age !== "number" || !Number.isInteger(age) || age < 10_000 || age > 86_400_000) bad("maxAttestationAgeMs", "must be an integer from 10000 to 86400000");
  const policy = o["expectedPolicyHash"];
  if (policy !== undefined && (typeof policy !== "string" || !/^[0-9a-f]{64}$/.test(policy))) bad("expectedPolicyHash", "must be 64 lowercase hex characters");

  const registryOption = o["registry"];
  if (registryOption !== undefined && (typeof registryOption !== "object" || registryOption === null || Array.isArray(registryOption))) bad("registry", "must be an object {rpcUrl, address, owner}");
  const registry = registryOption === undefined ? undefined : lazyRegistryCheck(registryOption as NonNullable<NitroTrustOptions["registry"]>);
  return Object.freeze({
    allowedPcrs: Object.freeze(allowedPcrs),
    rootFingerprintSha256: (root as string).replace(/[:\s]/g, "").toUpperCase(),
    allowDebugPcrs: debug as boolean,
    maxAttestationAgeMs: age as number,
    ...(policy === undefined ? {} : { expectedPolicyHash: policy as string }),
    ...(registry === undefined ? {} : { registry }),
  });
}

/** A signer the client verified: every field comes from the verified document (and the registry). */
export interface VerifiedSigner {
  /** Local clock (epoch ms) when verification passed. */
  readonly verifiedAt: number;
  /** The NSM's timestamp of the document. */
  readonly documentTimestamp: number;
  readonly moduleId: string;
  /** Every PCR of the document, lowercase hex by index. */
  readonly pcrs: Readonly<Record<string, string>>;
  readonly receiptKey: ReceiptKey;
  /** SPKI DER of the receipt key, base64. */
  readonly receiptPublicKey: string;
  readonly policyHash: string;
  /** Raw X25519 key sealed key material is encrypted to. */
  readonly provisioningPublicKey: Uint8Array;
  /** SHA-256 (hex) of the document bytes: sealed uploads are bound to it. */
  readonly documentSha256: string;
  /** Set when a registry is configured. */
  readonly registry?: RegistryStatus;
}

/** Highest accepted distance between the NSM's clock and ours when reading a fresh document. */
const DOCUMENT_MAX_AGE_MS = 5 * 60_000;

/**
 * Verifies one attestation document fetched with `nonce`. Throws UntrustedSignerError (reason
 * attestation_invalid, claims_invalid or registry) with the verifier's code.
 */
export async function verifySignerDocument(document: Uint8Array, nonce: Uint8Array, trust: ResolvedNitroTrust, nowMs: number = Date.now()): Promise<VerifiedSigner> {
  let verified;
  try {
    verified = verifyAttestationDocument(document, {
      now: new Date(nowMs),
      expectedNonce: nonce,
      rootFingerprintSha256: trust.rootFingerprintSha256,
      allowedPcrs: trust.allowedPcrs,
      allowDebugPcrs: trust.allowDebugPcrs,
      maxAgeMs: DOCUMENT_MAX_AGE_MS,
    });
  } catch (err) {
    if (err instanceof AttestationError) throw new UntrustedSignerError("attestation_invalid", err.message, err.code);
    throw err;
  }
  let receiptKey: ReceiptKey;
  let claims;
  try {
    if (verified.publicKey === undefined) throw new ReceiptError("MALFORMED", "the document names no receipt key");
    receiptKey = receiptKeyFromSpki(verified.publicKey);
    claims = decodeEnclaveClaims(verified.userData);
  } catch (err) {
    if (err instanceof ReceiptError || err instanceof AttestationError) throw new UntrustedSignerError("claims_invalid", err.message, err.code);
    throw err;
  }
  if (trust.expectedPolicyHash !== undefined && claims.policyHash !== trust.expectedPolicyHash) {
    throw new UntrustedSignerError("claims_invalid", "the enclave attests another policy than the expected one", "POLICY_MISMATCH");
  }
  const pcrs: Record<string, string> = {};
  for (const [index, hex] of verified.pcrs) pcrs[String(index)] = hex;
  let registry: RegistryStatus | undefined;
  if (trust.registry !== undefined) registry = await trust.registry.check(verified.pcrs.get(0) as string);
  return Object.freeze({
    verifiedAt: nowMs,
    documentTimestamp: verified.timestamp,
    moduleId: verified.moduleId,
    pcrs: Object.freeze(pcrs),
    receiptKey,
    receiptPublicKey: Buffer.from(verified.publicKey as Uint8Array).toString("base64"),
    policyHash: claims.policyHash,
    provisioningPublicKey: claims.provisioningPublicKey,
    documentSha256: createHash("sha256").update(document).digest("hex"),
    ...(registry === undefined ? {} : { registry }),
  });
}
