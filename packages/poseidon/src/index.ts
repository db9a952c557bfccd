/**
 * Starknet Poseidon (Hades permutation over the Stark field, width 3) for the signing hot path.
 * The WebAssembly implementation (built from asm/poseidon.ts) is loaded synchronously at import;
 * if it cannot load, or AIRLOCK_POSEIDON=js is set, the @scure/starknet implementation is used.
 * Both give identical results; inputs must be field elements in [0, p) or the call throws.
 */
import { jsPoseidon } from "./js-poseidon.js";
import type { PoseidonImpl } from "./types.js";
import { loadWasmPoseidon } from "./wasm-poseidon.js";

export type { PoseidonImpl } from "./types.js";
export { jsPoseidon } from "./js-poseidon.js";
export { P as STARK_PRIME } from "./field.js";

function select(): { wasm: PoseidonImpl | undefined; reason: string | undefined } {
  if (process.env["AIRLOCK_POSEIDON"] === "js") {
    return { wasm: undefined, reason: "AIRLOCK_POSEIDON=js forces the JavaScript implementation" };
  }
  try {
    return { wasm: loadWasmPoseidon(), reason: undefined };
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    return { wasm: undefined, reason: `WebAssembly Poseidon unavailable (${why}); using JavaScript` };
  }
}

const selected = select();
const active: PoseidonImpl = selected.wasm ?? jsPoseidon;

/** The WebAssembly implementation; undefined when it could not load or AIRLOCK_POSEIDON=js. */
export const wasmPoseidon: PoseidonImpl | undefined = selected.wasm;

/** Which implementation is live: "wasm" normally, "js" when the module could not load or AIRLOCK_POSEIDON=js. */
export const poseidonBackend: "wasm" | "js" = active.name;

/** Why the fallback is in use (undefined on wasm). A short message, suitable for a startup log line. */
export const poseidonFallbackReason: string | undefined = selected.reason;

/** Poseidon sponge hash of any number of felts (== @scure/starknet poseidonHashMany). */
export function poseidonHashMany(values: readonly bigint[]): bigint {
  return active.hashMany(values);
}

/** permute([x, y, 2])[0] (== @scure/starknet poseidonHash). */
export function poseidonHash(x: bigint, y: bigint): bigint {
  return active.hash(x, y);
}

/** permute([x, 0, 1])[0] (== @scure/starknet poseidonHashSingle). */
export function poseidonHashSingle(x: bigint): bigint {
  return active.hashSingle(x);
}

/** The Hades permutation of a width-3 state (== @scure/starknet poseidonSmall). */
export function poseidonPermute(state: readonly [bigint, bigint, bigint]): [bigint, bigint, bigint] {
  return active.permute(state);
}
