import type { SessionTransactionRequest } from "@airlock/core";
import type { SessionHashes } from "@airlock/core/starknet";

/** What a provider returns for one session signature; checked again by the caller. */
export interface SessionSignature {
  /** Which provider produced it (a DFNS provider with a local fallback may answer "local"). */
  readonly provider: "local" | "dfns";
  /** Stark key (x coordinate) of the key that signed. */
  readonly publicKey: bigint;
  readonly r: bigint;
  readonly s: bigint;
}

export interface SessionSignInput {
  readonly keyId: string;
  readonly clientId: string;
  readonly request: SessionTransactionRequest;
  /** Hashes computed locally; a provider must sign exactly messageHash. */
  readonly hashes: SessionHashes;
}

/** A policy-level refusal from a remote provider (DFNS 400/422): reported as 422, never retried. */
export class ProviderPolicyError extends Error {
  override readonly name = "ProviderPolicyError";
}

/** The provider could not sign (remote down, bad answer): reported as 503. */
export class SignerUnavailableError extends Error {
  override readonly name = "SignerUnavailableError";
}

/**
 * Something that produces session signatures: local keys held in memory, or DFNS. The caller
 * has already run every authorisation and policy check; the provider only signs, and the
 * caller verifies what it returns before answering.
 */
export interface SessionSignerProvider {
  readonly kind: "local" | "dfns";
  /** Configured key ids. */
  keyIds(): readonly string[];
  /** Stark key of `keyId` (the local key's, or the pinned one for DFNS); undefined when unknown. */
  publicKey(keyId: string): bigint | undefined;
  sign(input: SessionSignInput): Promise<SessionSignature>;
  /** Liveness of the provider for /ready (local: always ok). */
  check(): Promise<{ ok: boolean; error?: string }>;
  /** DFNS preflight as SISNA does it; undefined for providers that have none. */
  preflight?(): Promise<{ ok: boolean; reachable: boolean; endpointUrl: string; statusCode?: number; error?: string }>;
}
