import { Eip712Hasher, ZERO_ADDRESS, stringWord } from "./eip712-digest.js";
import type { EvmKey } from "./evm-key.js";

/**
 * Asterdex Pro API v3 request signature: EIP-712 `Message(string msg)` in the domain
 * {name "AsterSignTransaction", version "1", chainId, verifyingContract 0x0}, where msg is the
 * URL-encoded parameter string (with `nonce`, `signer` and, when set, `user`) and the chain id
 * is 1666 on mainnet, 714 on testnet. The signature is sent as 0x || r || s || v (65 bytes hex).
 */

export const ASTER_CHAIN_ID = { live: 1666, testnet: 714 } as const;

export const ASTER_MESSAGE_TYPES = { Message: [{ name: "msg", type: "string" }] } as const;

export function asterDomain(chainId: number) {
  return { name: "AsterSignTransaction", version: "1", chainId, verifyingContract: ZERO_ADDRESS } as const;
}

const HASHERS = {
  live: new Eip712Hasher(asterDomain(ASTER_CHAIN_ID.live), ASTER_MESSAGE_TYPES, "Message"),
  testnet: new Eip712Hasher(asterDomain(ASTER_CHAIN_ID.testnet), ASTER_MESSAGE_TYPES, "Message"),
} as const;

/** The domain separator used for `environment` (exposed for known-answer tests). */
export function asterDomainSeparator(environment: "live" | "testnet"): Uint8Array {
  return HASHERS[environment].domainSeparator;
}

/** Signs `msg` and returns the 65-byte signature as 0x hex (r || s || v, v = 27 or 28). */
export function signAsterMessage(key: EvmKey, msg: string, environment: "live" | "testnet"): string {
  const { r, s, v } = key.signDigest(HASHERS[environment].digest([stringWord(msg)]));
  return `${r}${s.slice(2)}${v.toString(16)}`;
}
