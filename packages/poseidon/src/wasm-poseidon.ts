import { readFileSync } from "node:fs";
import { poseidonHashMany, poseidonSmall } from "@scure/starknet";
import { P, assertFelt, assertFelts, assertState } from "./field.js";
import type { PoseidonImpl } from "./types.js";

/** build/ sits next to src/ and dist/, so this resolves from either. */
const WASM_URL = new URL("../build/poseidon.wasm", import.meta.url);

/** Exports of asm/poseidon.ts (see there for the memory layout). */
interface PoseidonExports {
  memory: { buffer: ArrayBuffer; grow(pages: number): number };
  io(): number;
  constantCount(): number;
  loadConstants(n: number): number;
  permute(outputs: number): void;
  hashMany(n: number, first: boolean, last: boolean): void;
}

// The repo compiles without the DOM lib, which is where TypeScript declares WebAssembly.
const { Module, Instance } = (globalThis as unknown as {
  WebAssembly: {
    Module: new (bytes: Uint8Array) => object;
    Instance: new (module: object, imports: object) => { exports: unknown };
  };
}).WebAssembly;

/** Montgomery radix of the wasm arithmetic (9 limbs of 29 bits). */
const R = 1n << 261n;
const PAGE = 65536;
/** hashMany feeds the sponge this many values per call (even), so memory never grows with input size. */
const CHUNK = 512;

/**
 * Loads build/poseidon.wasm synchronously, feeds it the round constants and checks it against
 * @scure/starknet once. Throws (with the cause in the message) if any step fails.
 */
export function loadWasmPoseidon(): PoseidonImpl {
  const ex = new Instance(new Module(readFileSync(WASM_URL)), {}).exports as PoseidonExports;
  // Room for the I/O area, once: the constant table or one chunk of hashMany input.
  const ioValues = Math.max(ex.constantCount(), CHUNK);
  const missing = ex.io() + 32 * ioValues - ex.memory.buffer.byteLength;
  if (missing > 0) ex.memory.grow(Math.ceil(missing / PAGE));
  const words = new BigUint64Array(ex.memory.buffer, ex.io(), 4 * ioValues);

  // Values cross as 4 little-endian u64 words. Typed-array stores truncate to 64 bits, so
  // three shifts suffice; measured ~35 ns per value in and ~70 ns out (hex strings: 120/165).
  const put = (i: number, v: bigint): void => {
    const k = 4 * i;
    words[k] = v;
    words[k + 1] = v >> 64n;
    words[k + 2] = v >> 128n;
    words[k + 3] = v >> 192n;
  };
  const get = (i: number): bigint => {
    const k = 4 * i;
    return (words[k + 3]! << 192n) | (words[k + 2]! << 128n) | (words[k + 1]! << 64n) | words[k]!;
  };
  // Constants: R^2 mod p and R mod p, then every round constant in Montgomery form.
  const rounds = poseidonSmall.roundConstants;
  const constants = [(R * R) % P, R % P, ...rounds.flat().map((c) => (c * R) % P)];
  if (rounds.length !== 91 || constants.length !== ex.constantCount()) {
    throw new Error(`unexpected round-constant table (${rounds.length} rounds)`);
  }
  constants.forEach((c, i) => put(i, c));
  if (!ex.loadConstants(constants.length)) throw new Error("loadConstants rejected the table");

  const impl: PoseidonImpl = Object.freeze({
    name: "wasm",
    hashMany(values: readonly bigint[]): bigint {
      assertFelts(values, "values");
      let done = 0;
      do {
        const count = Math.min(CHUNK, values.length - done);
        for (let i = 0; i < count; i++) put(i, values[done + i]!);
        ex.hashMany(count, done === 0, done + count === values.length);
        done += count;
      } while (done < values.length);
      return get(0);
    },
    hash(x: bigint, y: bigint): bigint {
      assertFelt(x, "x");
      assertFelt(y, "y");
      put(0, x);
      put(1, y);
      put(2, 2n);
      ex.permute(1);
      return get(0);
    },
    hashSingle(x: bigint): bigint {
      assertFelt(x, "x");
      put(0, x);
      put(1, 0n);
      put(2, 1n);
      ex.permute(1);
      return get(0);
    },
    permute(state: readonly [bigint, bigint, bigint]): [bigint, bigint, bigint] {
      assertState(state);
      put(0, state[0]);
      put(1, state[1]);
      put(2, state[2]);
      ex.permute(3);
      return [get(0), get(1), get(2)];
    },
  });

  // A stale or mis-built module must not sign anything: compare with @scure once (~0.5 ms).
  const probe: [bigint, bigint, bigint] = [1n, 2n, P - 1n];
  const want = [...poseidonSmall([...probe]), poseidonHashMany([...probe])];
  const got = [...impl.permute(probe), impl.hashMany(probe)];
  if (got.some((v, i) => v !== want[i])) throw new Error("self-test against @scure/starknet failed");
  return impl;
}
