// Canonical CBOR encoder: known bytes, exact inverse of the strict decoder, refusals, and
// byte-identical re-encoding of the real AWS documents in ../shared/conformance/nitro.
import { describe, expect, it } from "vitest";
import { decodeStrictCbor, encodeCbor, type CborMap, type CborValue } from "@airlock/core/attestation";

import { documentBytes, documentNames as names, documentsPresent as present } from "./nitro-documents.js";

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
const h = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s/g, ""), "hex"));

function typeErrorOf(v: unknown): string {
  try {
    encodeCbor(v as CborValue);
  } catch (e) {
    expect(e).toBeInstanceOf(TypeError);
    return (e as Error).message;
  }
  return "ENCODED";
}

describe("encodeCbor", () => {
  it("emits the shortest head for every width boundary", () => {
    const cases: [CborValue, string][] = [
      [0, "00"],
      [23, "17"],
      [24, "1818"],
      [255, "18ff"],
      [256, "190100"],
      [65535, "19ffff"],
      [65536, "1a00010000"],
      [0xffffffff, "1affffffff"],
      [0x100000000, "1b0000000100000000"],
      [Number.MAX_SAFE_INTEGER, "1b001fffffffffffff"],
      [(1n << 64n) - 1n, "1bffffffffffffffff"],
      [5n, "05"], // a small bigint is the same CBOR integer as the number
      [-1, "20"],
      [-24, "37"],
      [-25, "3818"],
      [-35, "3822"],
      [Number.MIN_SAFE_INTEGER, "3b001ffffffffffffe"],
      [-(1n << 64n), "3bffffffffffffffff"],
      [-0, "00"],
      ["", "60"],
      ["a", "6161"],
      ["é", "62c3a9"],
      ["😀", "64f09f9880"],
      [new Uint8Array(0), "40"],
      [Uint8Array.of(1, 2, 3), "43010203"],
      [new Uint8Array(24), "5818" + "00".repeat(24)],
      [new Uint8Array(256), "590100" + "00".repeat(256)],
      [new Uint8Array(70000), "5a00011170" + "00".repeat(70000)], // beyond what the decoder accepts, still encodable
      [[], "80"],
      [new Map(), "a0"],
      [null, "f6"],
      [false, "f4"],
      [true, "f5"],
      [[false, true, null], "83f4f5f6"],
    ];
    for (const [v, want] of cases) expect(hex(encodeCbor(v))).toBe(want);
  });

  it("keeps map insertion order instead of sorting keys", () => {
    const m: CborMap = new Map<string | number, CborValue>([["b", 1], [1, 2], ["a", 3]]);
    expect(hex(encodeCbor(m))).toBe("a36162010102616103");
    expect(hex(encodeCbor(new Map([[1, -35]])))).toBe("a1013822"); // the COSE ES384 protected header
  });

  it("is the exact inverse of decodeStrictCbor", () => {
    const values: CborValue[] = [
      new Map<string | number | bigint, CborValue>([
        ["k", [1, -2, h("00ff"), "t", null, true, false]],
        [7, 300],
        [-3, new Map([["nested", [[[]]]]])],
        [(1n << 64n) - 1n, -(1n << 64n)],
      ]),
      Array.from({ length: 300 }, (_, i) => i * 1000),
      new Uint8Array(60000).fill(7), // 2-byte length head, within the decoder's 64 KiB bound
      "x".repeat(1000),
    ];
    for (const v of values) {
      const enc = encodeCbor(v);
      expect(decodeStrictCbor(enc)).toEqual(v);
      expect(encodeCbor(decodeStrictCbor(enc))).toEqual(enc);
    }
    const deepest: CborValue = Array.from({ length: 16 }).reduce<CborValue>((inner) => [inner], 0);
    expect(decodeStrictCbor(encodeCbor(deepest))).toEqual(deepest);
  });

  it("copies byte strings, so later edits of the input do not leak into the output", () => {
    const b = Uint8Array.of(1, 2);
    const enc = encodeCbor([b]);
    b[0] = 9;
    expect(hex(enc)).toBe("81420102");
  });

  it("refuses what the strict decoder could not read back, naming the problem", () => {
    expect(typeErrorOf(1.5)).toMatch(/not an integer/);
    expect(typeErrorOf(Number.NaN)).toMatch(/not an integer/);
    expect(typeErrorOf(Number.POSITIVE_INFINITY)).toMatch(/not an integer/);
    expect(typeErrorOf(2 ** 53)).toMatch(/MAX_SAFE_INTEGER/);
    expect(typeErrorOf(-(2 ** 53))).toMatch(/MAX_SAFE_INTEGER/);
    expect(typeErrorOf(1n << 64n)).toMatch(/above 2\^64-1/);
    expect(typeErrorOf(-(1n << 64n) - 1n)).toMatch(/below -2\^64/);
    expect(typeErrorOf(undefined)).toMatch(/undefined/);
    expect(typeErrorOf([1, undefined])).toMatch(/undefined/);
    expect(typeErrorOf({ a: 1 })).toMatch(/plain objects/);
    expect(typeErrorOf(new Uint16Array(2))).toMatch(/Uint8Array/);
    expect(typeErrorOf(new ArrayBuffer(2))).toMatch(/Uint8Array/);
    expect(typeErrorOf(new DataView(new ArrayBuffer(2)))).toMatch(/Uint8Array/);
    expect(typeErrorOf(Symbol("s"))).toMatch(/symbol/);
    expect(typeErrorOf(() => 1)).toMatch(/function/);
    expect(typeErrorOf(new Date(0))).toMatch(/plain objects/);
    expect(typeErrorOf("\ud800")).toMatch(/surrogate/);
    expect(typeErrorOf("a\udc00b")).toMatch(/surrogate/);
    expect(typeErrorOf(new Map([[Uint8Array.of(1), 1]]))).toMatch(/map key/);
    expect(typeErrorOf(new Map([[true, 1]]))).toMatch(/map key/);
    expect(typeErrorOf(new Map([[1.5, 1]]))).toMatch(/not an integer/);
    expect(typeErrorOf(new Map<number | bigint, number>([[5, 1], [5n, 2]]))).toMatch(/same CBOR key/);
    const tooDeep: CborValue = Array.from({ length: 17 }).reduce<CborValue>((inner) => [inner], 0);
    expect(typeErrorOf(tooDeep)).toMatch(/nesting/);
    const cycle: CborValue[] = [];
    cycle.push(cycle);
    expect(typeErrorOf(cycle)).toMatch(/cycle/);
  });
});

describe.skipIf(!present)("encodeCbor on the real AWS documents", () => {
  for (const name of names) {
    it(`re-encodes ${name} byte for byte (envelope, protected header and payload)`, () => {
      const doc = documentBytes(name);
      const env = decodeStrictCbor(doc) as CborValue[];
      expect(encodeCbor(env)).toEqual(doc);
      const [prot, , payloadBytes] = env as [Uint8Array, CborMap, Uint8Array, Uint8Array];
      expect(encodeCbor(decodeStrictCbor(prot))).toEqual(prot);
      const payload = decodeStrictCbor(payloadBytes) as CborMap;
      // The NSM's key order (module_id, digest, timestamp, pcrs, ...) survives the round trip.
      expect([...payload.keys()]).toEqual(["module_id", "digest", "timestamp", "pcrs", "certificate", "cabundle", "public_key", "user_data", "nonce"]);
      expect(encodeCbor(payload)).toEqual(payloadBytes);
      // The 8-byte timestamp head comes out as 1b, as the NSM writes it.
      const ts = encodeCbor(payload.get("timestamp") as number);
      expect(ts[0]).toBe(0x1b);
    });
  }
});
