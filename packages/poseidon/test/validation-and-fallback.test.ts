import * as scure from "@scure/starknet";
import { afterEach, describe, expect, it, vi } from "vitest";
import * as poseidon from "../src/index.js";
import type { PoseidonImpl } from "../src/index.js";

const P = poseidon.STARK_PRIME;

describe("input validation", () => {
  const impls: Array<[string, PoseidonImpl]> = [
    ["wasm", poseidon.wasmPoseidon!],
    ["js", poseidon.jsPoseidon],
  ];

  it("the modulus is 2^251 + 17·2^192 + 1", () => {
    expect(P).toBe(2n ** 251n + 17n * 2n ** 192n + 1n);
    expect(P).toBe(scure.Fp251.ORDER);
  });

  it.each(impls)("%s rejects values outside [0, p) with a RangeError naming the argument", (_n, impl) => {
    for (const bad of [-1n, P, P + 1n, 2n ** 256n, 2n ** 256n + 5n]) {
      expect(() => impl.hash(bad, 1n)).toThrow(RangeError);
      expect(() => impl.hash(1n, bad)).toThrow(/poseidon: y is not a field element/);
      expect(() => impl.hashSingle(bad)).toThrow(/poseidon: x is not a field element/);
      expect(() => impl.permute([0n, 0n, bad])).toThrow(/state\[2\]/);
      expect(() => impl.hashMany([1n, 2n, 3n, bad])).toThrow(/values\[3\] is not a field element/);
    }
    expect(() => impl.hashSingle(-5n)).toThrow(/negative/);
    expect(() => impl.hashSingle(P)).toThrow(/>= p/);
  });

  it.each(impls)("%s rejects non-bigints with a TypeError", (_n, impl) => {
    for (const bad of [1, "1", "0x1", null, undefined, 1.5, {}, [1n]] as unknown[]) {
      expect(() => impl.hash(bad as bigint, 1n)).toThrow(TypeError);
      expect(() => impl.hashSingle(bad as bigint)).toThrow(/x must be a bigint/);
      expect(() => impl.hashMany([0n, bad as bigint])).toThrow(/values\[1\] must be a bigint/);
      expect(() => impl.permute([bad as bigint, 0n, 0n])).toThrow(TypeError);
    }
    expect(() => impl.hashMany("123" as unknown as bigint[])).toThrow(TypeError);
    expect(() => impl.permute([0n, 0n] as unknown as [bigint, bigint, bigint])).toThrow(/exactly 3/);
    expect(() => impl.permute([0n, 0n, 0n, 0n] as unknown as [bigint, bigint, bigint])).toThrow(/exactly 3/);
  });

  it("a rejected call leaves the wasm instance usable", () => {
    expect(() => poseidon.wasmPoseidon!.hashMany([1n, 2n, P])).toThrow(RangeError);
    expect(poseidon.wasmPoseidon!.hashMany([1n, 2n])).toBe(scure.poseidonHashMany([1n, 2n]));
  });
});

describe("fallback to JavaScript", () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.doUnmock("node:fs");
    vi.resetModules();
  });

  async function freshImport(): Promise<typeof poseidon> {
    vi.resetModules();
    return (await import("../src/index.js")) as typeof poseidon;
  }

  function expectWorkingJs(mod: typeof poseidon): void {
    expect(mod.poseidonBackend).toBe("js");
    expect(mod.wasmPoseidon).toBeUndefined();
    expect(mod.poseidonHash(1n, 2n)).toBe(scure.poseidonHash(1n, 2n));
    expect(mod.poseidonHashSingle(7n)).toBe(scure.poseidonHashSingle(7n));
    expect(mod.poseidonHashMany([1n, 2n, 3n])).toBe(scure.poseidonHashMany([1n, 2n, 3n]));
    expect(mod.poseidonPermute([1n, 2n, 3n])).toEqual(scure.poseidonSmall([1n, 2n, 3n]));
    expect(() => mod.poseidonHash(P, 0n)).toThrow(RangeError);
  }

  it("AIRLOCK_POSEIDON=js forces the JavaScript implementation", async () => {
    vi.stubEnv("AIRLOCK_POSEIDON", "js");
    const mod = await freshImport();
    expect(mod.poseidonFallbackReason).toMatch(/AIRLOCK_POSEIDON=js/);
    expectWorkingJs(mod);
  });

  it("falls back when build/poseidon.wasm is missing", async () => {
    vi.doMock("node:fs", async (orig) => {
      const fs = await orig<typeof import("node:fs")>();
      const readFileSync = ((path: unknown, ...rest: unknown[]) => {
        if (String(path).endsWith("poseidon.wasm")) {
          throw Object.assign(new Error("ENOENT: no such file or directory, open 'poseidon.wasm'"), { code: "ENOENT" });
        }
        return (fs.readFileSync as (...a: unknown[]) => unknown)(path, ...rest);
      }) as typeof fs.readFileSync;
      return { ...fs, default: { ...fs, readFileSync }, readFileSync };
    });
    const mod = await freshImport();
    expect(mod.poseidonFallbackReason).toMatch(/WebAssembly Poseidon unavailable \(ENOENT/);
    expectWorkingJs(mod);
  });

  it("falls back when the module is not valid WebAssembly", async () => {
    vi.doMock("node:fs", async (orig) => {
      const fs = await orig<typeof import("node:fs")>();
      const readFileSync = ((path: unknown, ...rest: unknown[]) =>
        String(path).endsWith("poseidon.wasm")
          ? Buffer.from("not wasm")
          : (fs.readFileSync as (...a: unknown[]) => unknown)(path, ...rest)) as typeof fs.readFileSync;
      return { ...fs, default: { ...fs, readFileSync }, readFileSync };
    });
    const mod = await freshImport();
    expect(mod.poseidonFallbackReason).toMatch(/WebAssembly Poseidon unavailable/);
    expectWorkingJs(mod);
  });

  it("other AIRLOCK_POSEIDON values keep wasm", async () => {
    vi.stubEnv("AIRLOCK_POSEIDON", "wasm");
    const mod = await freshImport();
    expect(mod.poseidonBackend).toBe("wasm");
    expect(mod.poseidonFallbackReason).toBeUndefined();
  });
});
