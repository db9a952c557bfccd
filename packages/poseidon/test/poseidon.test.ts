import { randomBytes, randomInt } from "node:crypto";
import * as scure from "@scure/starknet";
import { describe, expect, it } from "vitest";
import {
  STARK_PRIME as P,
  jsPoseidon,
  poseidonBackend,
  poseidonFallbackReason,
  poseidonHash,
  poseidonHashMany,
  poseidonHashSingle,
  poseidonPermute,
  wasmPoseidon,
  type PoseidonImpl,
} from "../src/index.js";

type State = [bigint, bigint, bigint];

const R = 1n << 261n; // the wasm Montgomery radix
const pow = (b: bigint, e: bigint): bigint => {
  let r = 1n;
  for (b %= P; e > 0n; e >>= 1n, b = (b * b) % P) if (e & 1n) r = (r * b) % P;
  return r;
};
const R_INV = pow(R, P - 2n);

/** Values at the edges of the representations involved: words, 29-bit limbs, p, Montgomery form. */
const EDGES: bigint[] = [
  ...[0n, 1n, 2n, 3n, P - 1n, P - 2n, P - 3n, P >> 1n, (P >> 1n) + 1n],
  ...[2n ** 251n - 1n, 2n ** 251n, 17n * 2n ** 192n, 2n ** 251n + 17n * 2n ** 192n - 1n],
  ...[64n, 128n, 192n].flatMap((b) => [2n ** b - 1n, 2n ** b, 2n ** b + 1n]),
  ...[1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n].flatMap((k) => [2n ** (29n * k) - 1n, 2n ** (29n * k)]),
  P - 2n ** 192n, // p - 2^192: limbs 0..5 (almost) all ones
  R % P, // Montgomery form of 1
  (R * R) % P,
  R_INV, // whose Montgomery form is 1
  ((P - 1n) * R_INV) % P, // whose Montgomery form is p - 1
  ((P - 2n) * R_INV) % P,
  (2n ** 251n * R_INV) % P,
];

/** Uniform in [0, p), or (half the time) with a random bit length, to cover small values too. */
function randomFelt(): bigint {
  const v = BigInt("0x" + randomBytes(32).toString("hex")) % P;
  return randomInt(2) === 0 ? v : v >> BigInt(randomInt(252));
}

const scurePermute = (s: readonly bigint[]): bigint[] => scure.poseidonSmall([...s]);

/**
 * The inverse of the Hades permutation (x -> x^3 is a bijection as gcd(3, p - 1) = 1), so tests
 * can choose outputs such as 0 and p - 1, which exercise the final canonical reduction.
 */
function inversePermute(out: State): State {
  const mod = (v: bigint): bigint => ((v % P) + P) % P;
  const cubeRoot = (v: bigint): bigint => pow(v, pow3Inv);
  const pow3Inv = (() => {
    // 3^-1 mod (p - 1), by the extended Euclidean algorithm
    let [a, b, x0, x1] = [3n, P - 1n, 1n, 0n];
    while (b !== 0n) {
      const q = a / b;
      [a, b, x0, x1] = [b, a - q * b, x1, x0 - q * x1];
    }
    return ((x0 % (P - 1n)) + (P - 1n)) % (P - 1n);
  })();
  // MDS^-1 = adj(M) / det(M) for M = [[3,1,1],[1,-1,1],[1,1,-2]]: det = 8.
  const inv8 = pow(8n, P - 2n);
  const adj = [
    [1n, 3n, 2n],
    [3n, -7n, -2n],
    [2n, -2n, -4n],
  ];
  const rc = scure.poseidonSmall.roundConstants;
  let s: bigint[] = [...out];
  for (let r = 90; r >= 0; r--) {
    s = adj.map((row) => mod(row.reduce((acc, m, j) => acc + m * s[j]!, 0n) * inv8));
    const full = r < 4 || r >= 87;
    s = s.map((v, j) => (full || j === 2 ? cubeRoot(v) : v));
    s = s.map((v, j) => mod(v - rc[r]![j]!));
  }
  return s as State;
}
const hex = (v: bigint): string => "0x" + v.toString(16);

describe("backend selection", () => {
  it("uses the wasm module built from asm/poseidon.ts", () => {
    // Fails if the module is missing, does not instantiate or fails its self-test.
    expect(poseidonFallbackReason).toBeUndefined();
    expect(poseidonBackend).toBe("wasm");
    expect(wasmPoseidon).toBeDefined();
    expect(wasmPoseidon!.name).toBe("wasm");
    expect(jsPoseidon.name).toBe("js");
  });
});

const impls: Array<[string, () => PoseidonImpl]> = [
  ["wasm", () => wasmPoseidon!],
  ["js", () => jsPoseidon],
];

describe.each(impls)("%s implementation", (_name, get) => {
  it("matches pinned known answers", () => {
    const impl = get();
    expect(impl.permute([0n, 0n, 0n]).map(hex)).toEqual([
      "0x79e8d1e78258000a28fc9d49e233bc6852357968577b1e386550ed6a9086133",
      "0x3840d003d0f3f96dbb796ff6aa6a63be5b5404b91ccaabca256154cbb6fb984",
      "0x1eb39da3f7d3b04142d0ac83d9da00c9325a61fb2ef326e50b70eaa8a3c7cc7",
    ]);
    expect(impl.permute([1n, 2n, 3n]).map(hex)).toEqual([
      "0xfa8c9b6742b6176139365833d001e30e932a9bf7456d009b1b174f36d558c5",
      "0x4f04deca4cb7f9f2bd16b1d25b817ca2d16fba2151e4252a2e2111cde08bfe6",
      "0x58dde0a2a785b395ee2dc7b60b79e9472ab826e9bb5383a8018b59772964892",
    ]);
    expect(hex(impl.hash(1n, 2n))).toBe("0x5d44a3decb2b2e0cc71071f7b802f45dd792d064f0fc7316c46514f70f9891a");
    expect(hex(impl.hash(P - 1n, P - 1n))).toBe("0x8240c823e0ce7f8300da42d6a28931c23f7e2eec7dd8d7e4caae97f1fd28cf");
    expect(hex(impl.hashSingle(42n))).toBe("0x2568401936f056c7ebbaebb44bf9b3b8a80abf66b89c735ff94f0efa44791e");
    expect(hex(impl.hashMany([]))).toBe("0x2272be0f580fd156823304800919530eaa97430e972d7213ee13f4fbf7a5dbc");
    expect(hex(impl.hashMany([1n, 2n, 3n]))).toBe("0x2f0d8840bcf3bc629598d8a6cc80cb7c0d9e52d93dab244bbf9cd0dca0ad082");
    expect(hex(impl.hashMany([1n, 2n, 3n, 4n, 5n]))).toBe(
      "0x159f4ab3b9bdc95a6a4a9ffb36456ad33290ea1fa809e0445bc449b0ad62da4",
    );
  });

  it("permutes like @scure/starknet on edge values", () => {
    const impl = get();
    for (const e of EDGES) {
      for (const s of [[e, e, e], [e, 0n, P - 1n], [0n, e, 1n], [P - 1n, 1n, e]] as State[]) {
        expect(impl.permute(s)).toEqual(scurePermute(s));
      }
    }
  });

  it("produces edge outputs (0, 1, p - 1) correctly", () => {
    const impl = get();
    for (const target of [[0n, 0n, 0n], [P - 1n, P - 1n, P - 1n], [0n, 1n, P - 1n], [1n, P - 1n, 0n]] as State[]) {
      const input = inversePermute(target);
      expect(scurePermute(input)).toEqual(target); // the inverse itself is right
      expect(impl.permute(input)).toEqual(target);
    }
  });

  it("hashes like @scure/starknet on pairs of edge values", () => {
    const impl = get();
    for (const x of EDGES) {
      expect(impl.hashSingle(x)).toBe(scure.poseidonHashSingle(x));
      for (const y of EDGES) expect(impl.hash(x, y)).toBe(scure.poseidonHash(x, y));
    }
  });

  it("hashMany matches @scure/starknet for lengths 0..20", () => {
    const impl = get();
    for (let n = 0; n <= 20; n++) {
      for (const values of [
        Array.from({ length: n }, randomFelt),
        Array.from({ length: n }, (_, i) => EDGES[(i * 7 + n) % EDGES.length]!),
      ]) {
        const input = [...values];
        expect(impl.hashMany(values)).toBe(scure.poseidonHashMany(values));
        expect(values).toEqual(input); // not mutated
      }
    }
  });
});

describe("wasm against @scure/starknet on random inputs", () => {
  it("permute: 2000 random states", () => {
    for (let i = 0; i < 2000; i++) {
      const s: State = [randomFelt(), randomFelt(), randomFelt()];
      expect(wasmPoseidon!.permute(s)).toEqual(scurePermute(s));
    }
  });

  it("hash, hashSingle and hashMany: 300 random inputs each", () => {
    for (let i = 0; i < 300; i++) {
      const x = randomFelt();
      const y = randomFelt();
      expect(wasmPoseidon!.hash(x, y)).toBe(scure.poseidonHash(x, y));
      expect(wasmPoseidon!.hashSingle(x)).toBe(scure.poseidonHashSingle(x));
      const values = Array.from({ length: randomInt(1, 16) }, randomFelt);
      expect(wasmPoseidon!.hashMany(values)).toBe(scure.poseidonHashMany(values));
    }
  });

  it("hashMany of long inputs, fed to the wasm sponge in chunks of 512", () => {
    for (const n of [511, 512, 513, 1023, 1024, 1025, 2049]) {
      const values = Array.from({ length: n }, randomFelt);
      expect(wasmPoseidon!.hashMany(values)).toBe(scure.poseidonHashMany(values));
    }
    expect(wasmPoseidon!.hashMany([1n, 2n, 3n])).toBe(scure.poseidonHashMany([1n, 2n, 3n]));
    expect(wasmPoseidon!.hash(1n, 2n)).toBe(scure.poseidonHash(1n, 2n));
  });

  it("top-level functions use the live backend", () => {
    const s: State = [randomFelt(), randomFelt(), randomFelt()];
    expect(poseidonPermute(s)).toEqual(scurePermute(s));
    expect(poseidonHash(s[0], s[1])).toBe(scure.poseidonHash(s[0], s[1]));
    expect(poseidonHashSingle(s[2])).toBe(scure.poseidonHashSingle(s[2]));
    expect(poseidonHashMany(s)).toBe(scure.poseidonHashMany(s));
  });
});
