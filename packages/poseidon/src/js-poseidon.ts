import { poseidonHash, poseidonHashMany, poseidonHashSingle, poseidonSmall } from "@scure/starknet";
import { assertFelt, assertFelts, assertState } from "./field.js";
import type { PoseidonImpl } from "./types.js";

/**
 * Pure-JavaScript Poseidon: @scure/starknet (audited BigInt code, ~10x slower than wasm)
 * behind the same input checks as the wasm implementation. @scure reduces inputs mod p
 * silently, hence the checks.
 */
export const jsPoseidon: PoseidonImpl = Object.freeze({
  name: "js",
  hashMany(values: readonly bigint[]): bigint {
    assertFelts(values, "values");
    return poseidonHashMany(values as bigint[]); // @scure copies the array before padding it
  },
  hash(x: bigint, y: bigint): bigint {
    assertFelt(x, "x");
    assertFelt(y, "y");
    return poseidonHash(x, y);
  },
  hashSingle(x: bigint): bigint {
    assertFelt(x, "x");
    return poseidonHashSingle(x);
  },
  permute(state: readonly [bigint, bigint, bigint]): [bigint, bigint, bigint] {
    assertState(state);
    const [a, b, c] = poseidonSmall([state[0], state[1], state[2]]);
    return [a!, b!, c!];
  },
});
