import { STARK_ORDER } from "@airlock/core/starknet";

/**
 * Parsing of Stark private keys as operators write them. Accepted spellings, chosen so that no
 * string can be read two ways:
 * - `0x` followed by 1..64 hex digits (either case);
 * - exactly 64 hex digits without a prefix (the usual unprefixed export);
 * - 1..78 decimal digits, when the string is not 64 characters long.
 * Anything else (e.g. unprefixed hex of another length) is refused rather than guessed at.
 * The value must satisfy 1 <= k < n (the Stark curve order).
 */
export function parsePrivateKey(text: string): bigint | undefined {
  let k: bigint;
  if (/^0x[0-9a-fA-F]{1,64}$/.test(text)) k = BigInt(text);
  else if (/^[0-9a-fA-F]{64}$/.test(text)) k = BigInt(`0x${text}`);
  else if (/^[0-9]{1,78}$/.test(text)) k = BigInt(text);
  else return undefined;
  return k >= 1n && k < STARK_ORDER ? k : undefined;
}

/** Why parsePrivateKey refused `text`, phrased without repeating any of it. */
export const PRIVATE_KEY_RULE =
  "must be 0x-prefixed hex, 64 unprefixed hex digits or decimal, with 1 <= key < Stark curve order";
