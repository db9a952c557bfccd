/**
 * One implementation of Starknet Poseidon. Every method validates its inputs: each must be a
 * bigint field element in [0, p) (a TypeError for non-bigints, a RangeError otherwise; values
 * are never silently reduced mod p).
 */
export interface PoseidonImpl {
  readonly name: "wasm" | "js";
  /** Sponge hash of any number of felts; equals @scure/starknet `poseidonHashMany`. */
  hashMany(values: readonly bigint[]): bigint;
  /** permute([x, y, 2])[0]; equals @scure/starknet `poseidonHash`. */
  hash(x: bigint, y: bigint): bigint;
  /** permute([x, 0, 1])[0]; equals @scure/starknet `poseidonHashSingle`. */
  hashSingle(x: bigint): bigint;
  /** The Hades permutation of a width-3 state; equals @scure/starknet `poseidonSmall`. */
  permute(state: readonly [bigint, bigint, bigint]): [bigint, bigint, bigint];
}
