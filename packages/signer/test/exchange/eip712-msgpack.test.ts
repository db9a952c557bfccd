import { encode } from "@msgpack/msgpack";
import { describe, expect, it } from "vitest";
import { encodeMsgpack, type MsgpackValue } from "../../src/exchange/venues/msgpack.js";

/** Our encoder against @msgpack/msgpack (what Hyperliquid's TypeScript SDKs use), byte for byte. */
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const same = (v: MsgpackValue) => expect(hex(encodeMsgpack(v))).toBe(hex(encode(v)));

describe("msgpack encoder", () => {
  it("encodes every integer width at its boundaries like @msgpack/msgpack", () => {
    const ints = [
      0, 1, 127, 128, 255, 256, 65_535, 65_536, 4_294_967_295, 4_294_967_296, 1_700_000_000_000, Number.MAX_SAFE_INTEGER,
      -1, -31, -32, -33, -127, -128, -129, -32_767, -32_768, -32_769, -2_147_483_647, -2_147_483_648, -2_147_483_649, -1_700_000_000_000, Number.MIN_SAFE_INTEGER,
    ];
    for (const n of ints) same(n);
    same(-0);
  });

  it("pins the smallest encodings explicitly", () => {
    expect(hex(encodeMsgpack(127))).toBe("7f");
    expect(hex(encodeMsgpack(128))).toBe("cc80");
    expect(hex(encodeMsgpack(256))).toBe("cd0100");
    expect(hex(encodeMsgpack(65_536))).toBe("ce00010000");
    expect(hex(encodeMsgpack(4_294_967_296))).toBe("cf0000000100000000");
    expect(hex(encodeMsgpack(-1))).toBe("ff");
    expect(hex(encodeMsgpack(-32))).toBe("e0");
    expect(hex(encodeMsgpack(-33))).toBe("d0df");
    expect(hex(encodeMsgpack(-129))).toBe("d1ff7f");
    expect(hex(encodeMsgpack(-32_769))).toBe("d2ffff7fff");
    expect(hex(encodeMsgpack(-2_147_483_649))).toBe("d3ffffffff7fffffff");
  });

  it("encodes strings of every length class, including multi-byte UTF-8", () => {
    for (const n of [0, 1, 31, 32, 255, 256, 65_535, 65_536]) same("x".repeat(n));
    same("é");
    same("日本語の注文");
    same("🚀🌕 BTC");
    same("é".repeat(16)); // 32 UTF-8 bytes: str8, although 16 characters
    expect(hex(encodeMsgpack("é".repeat(16))).slice(0, 4)).toBe("d920");
  });

  it("keeps map keys in insertion order (never sorted)", () => {
    const v = { type: "order", b: true, a: 0 };
    same(v);
    expect(hex(encodeMsgpack(v))).toBe(hex(encode(v)));
    expect(hex(encodeMsgpack({ b: 1, a: 2 }))).not.toBe(hex(encodeMsgpack({ a: 2, b: 1 })));
    expect(hex(encodeMsgpack({ b: 1, a: 2 }))).toBe("82a16201a16102");
  });

  it("encodes maps and arrays of every size class, booleans, null and nesting", () => {
    const map = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i]));
    for (const n of [0, 15, 16, 65_535, 65_536]) same(map(n));
    for (const n of [0, 15, 16, 65_535, 65_536]) same(Array.from({ length: n }, (_, i) => i % 3 === 0));
    same([null, true, false, "", 0, [], {}]);
    same({ a: { b: { c: [{ d: [-5, "ü", null] }] } } });
    same(Object.assign(Object.create(null) as Record<string, MsgpackValue>, { z: 1, y: "2" }));
  });

  it("refuses floats, unsafe integers and values Hyperliquid actions never hold", () => {
    for (const v of [1.5, 0.1, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      expect(() => encodeMsgpack(v)).toThrow(TypeError);
      expect(() => encodeMsgpack({ p: v })).toThrow(TypeError);
    }
    expect(() => encodeMsgpack(2 ** 53)).toThrow(RangeError);
    expect(() => encodeMsgpack(-(2 ** 53))).toThrow(RangeError);
    const bad: unknown[] = [undefined, 10n, new Uint8Array(2), new Date(0), new Map(), () => 1, Symbol("s"), { a: undefined }];
    for (const v of bad) expect(() => encodeMsgpack(v as MsgpackValue)).toThrow(TypeError);
  });

  it("refuses lone surrogates (not valid UTF-8) and unbounded nesting", () => {
    expect(() => encodeMsgpack("a\uD800b")).toThrow(TypeError);
    expect(() => encodeMsgpack("\uDC00")).toThrow(TypeError);
    expect(hex(encodeMsgpack("\uD83D\uDE80"))).toBe(hex(encode("🚀")));
    let deep: MsgpackValue = 1;
    for (let i = 0; i < 40; i++) deep = [deep];
    expect(() => encodeMsgpack(deep)).toThrow(RangeError);
  });
});
