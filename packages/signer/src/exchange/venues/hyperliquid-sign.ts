import { getBytes } from "ethers";
import { Eip712Hasher, ZERO_ADDRESS, stringWord } from "./eip712-digest.js";
import type { EvmKey, EvmSignature } from "./evm-key.js";
import { actionHash, type ActionHashInput } from "./hyperliquid-action.js";

/**
 * Hyperliquid's L1-action signature: the "phantom agent" EIP-712 struct
 * `Agent(string source, bytes32 connectionId)` in the domain
 * {name "Exchange", version "1", chainId 1337, verifyingContract 0x0} (the same domain on
 * mainnet and testnet), where connectionId is the action hash and source is "a" on mainnet,
 * "b" on testnet.
 */

export const HYPERLIQUID_AGENT_DOMAIN = { name: "Exchange", version: "1", chainId: 1337, verifyingContract: ZERO_ADDRESS } as const;

export const HYPERLIQUID_AGENT_TYPES = {
  Agent: [
    { name: "source", type: "string" },
    { name: "connectionId", type: "bytes32" },
  ],
} as const;

const AGENT = new Eip712Hasher(HYPERLIQUID_AGENT_DOMAIN, HYPERLIQUID_AGENT_TYPES, "Agent");
const SOURCE_WORD = { a: stringWord("a"), b: stringWord("b") } as const;

export interface SignedL1Action {
  readonly msgpack: Uint8Array;
  readonly connectionId: string;
  readonly signature: EvmSignature;
}

/** Signs one L1 action for mainnet (source "a") or testnet (source "b"). */
export function signL1Action(key: EvmKey, input: ActionHashInput & { readonly mainnet: boolean }): SignedL1Action {
  const { msgpack, connectionId } = actionHash(input);
  const digest = AGENT.digest([input.mainnet ? SOURCE_WORD.a : SOURCE_WORD.b, getBytes(connectionId)]);
  return { msgpack, connectionId, signature: key.signDigest(digest) };
}
