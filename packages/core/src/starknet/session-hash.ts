import { poseidonHashMany } from "@airlock/poseidon";
import { keccak } from "@scure/starknet";
import { HEX_FELT_PATTERN } from "./felt.js";
import { encodeShortString } from "./short-string.js";

/**
 * SNIP-12 revision 1 (Poseidon) hashes of a SNIP-9 v2 outside execution, as session accounts
 * verify them. Written from the SNIP-12 rules and proven equal to starknet.js and to the
 * known-answer vectors by tests. Everything that never changes (type hashes, the domain hash
 * per chain, selectors of entrypoint names) is computed once and cached, because the Poseidon
 * permutations are the cost of a signature request.
 */

const utf8 = new TextEncoder();
const starknetKeccak = (text: string): bigint => keccak(utf8.encode(text));

const CALL_TYPE = `"Call"("To":"ContractAddress","Selector":"selector","Calldata":"felt*")`;
const DOMAIN_TYPE_HASH = starknetKeccak(
  `"StarknetDomain"("name":"shortstring","version":"shortstring","chainId":"shortstring","revision":"shortstring")`,
);
const OUTSIDE_EXECUTION_TYPE_HASH = starknetKeccak(
  `"OutsideExecution"("Caller":"ContractAddress","Nonce":"felt","Execute After":"u128","Execute Before":"u128","Calls":"Call*")${CALL_TYPE}`,
);
const CALL_TYPE_HASH = starknetKeccak(CALL_TYPE);
const DOMAIN_NAME = encodeShortString("Account.execute_from_outside");
const DOMAIN_VERSION = 2n; // the shortstring "2" encodes as the number 2 (starknet.js getHex)
const DOMAIN_REVISION = 1n;
const MESSAGE_PREFIX = encodeShortString("StarkNet Message");

/** `ANY_CALLER`: the caller value that lets anyone submit the outside execution. */
export const ANY_CALLER = 0x414e595f43414c4c4552n;

/** One call, already parsed to felts. `selector` is final: see selectorOf. */
export interface OutsideCall {
  to: bigint;
  selector: bigint;
  calldata: readonly bigint[];
}

export interface OutsideExecution {
  caller: bigint;
  nonce: bigint;
  executeAfter: bigint;
  executeBefore: bigint;
  calls: readonly OutsideCall[];
}

const MAX_CACHED = 1024;
const domainCache = new Map<bigint, bigint>();
const selectorCache = new Map<string, bigint>();

function remember<K, V>(cache: Map<K, V>, key: K, value: V): V {
  if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value as K);
  cache.set(key, value);
  return value;
}

/**
 * The selector a call's entrypoint stands for: a 0x-hex entrypoint is a raw selector, used
 * as is (by the policy and by the hash alike); any other string is a function name, hashed
 * with starknet_keccak.
 */
export function selectorOf(entrypoint: string): bigint {
  if (HEX_FELT_PATTERN.test(entrypoint)) return BigInt(entrypoint);
  const cached = selectorCache.get(entrypoint);
  return cached ?? remember(selectorCache, entrypoint, starknetKeccak(entrypoint));
}

/** Struct hash of the StarknetDomain of SNIP-9 v2 outside executions on `chainId`. */
export function outsideExecutionDomainHash(chainId: bigint): bigint {
  const cached = domainCache.get(chainId);
  if (cached !== undefined) return cached;
  const hash = poseidonHashMany([DOMAIN_TYPE_HASH, DOMAIN_NAME, DOMAIN_VERSION, chainId, DOMAIN_REVISION]);
  return remember(domainCache, chainId, hash);
}

function callHash(call: OutsideCall): bigint {
  return poseidonHashMany([CALL_TYPE_HASH, call.to, call.selector, poseidonHashMany(call.calldata as bigint[])]);
}

/** Struct hash of the OutsideExecution message. */
export function outsideExecutionStructHash(oe: OutsideExecution): bigint {
  const calls = poseidonHashMany(oe.calls.map(callHash));
  return poseidonHashMany([OUTSIDE_EXECUTION_TYPE_HASH, oe.caller, oe.nonce, oe.executeAfter, oe.executeBefore, calls]);
}

export interface SessionHashes {
  domainHash: bigint;
  messageHash: bigint;
}

/** The domain hash and the SNIP-12 message hash that the session key signs. */
export function outsideExecutionHashes(account: bigint, chainId: bigint, oe: OutsideExecution): SessionHashes {
  const domainHash = outsideExecutionDomainHash(chainId);
  const messageHash = poseidonHashMany([MESSAGE_PREFIX, domainHash, account, outsideExecutionStructHash(oe)]);
  return { domainHash, messageHash };
}

