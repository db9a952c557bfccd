import { describe, expect, it } from "vitest";
import { AttestationError, decodeStrictCbor, encodeCbor, encodeSignature1, MAX_CBOR_BYTES } from "@airlock/core/attestation";

const h = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s/g, ""), "hex"));
const malformed = (s: string | Uint8Array): void => {
  const bytes = typeof s === "string" ? h(s) : s;
  let err: unknown;
  try {
    decodeStrictCbor(bytes);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(AttestationError);
  expect((err as AttestationError).code).toBe("MALFORMED");
};

describe("strict CBOR decoder", () => {
  it("decodes the value kinds attestation documents use", () => {
    expect(decodeStrictCbor(h("00"))).toBe(0);
    expect(decodeStrictCbor(h("17"))).toBe(23);
    expect(decodeStrictCbor(h("1818"))).toBe(24);
    expect(decodeStrictCbor(h("3822"))).toBe(-35);
    expect(decodeStrictCbor(h("1b0000018ab8ef1d29"))).toBe(0x18ab8ef1d29);
    expect(decodeStrictCbor(h("1bffffffffffffffff"))).toBe(0xffffffffffffffffn);
    expect(decodeStrictCbor(h("3bffffffffffffffff"))).toBe(-0x10000000000000000n);
    expect(decodeStrictCbor(h("43010203"))).toEqual(Uint8Array.of(1, 2, 3));
    expect(decodeStrictCbor(h("6161"))).toBe("a");
    expect(decodeStrictCbor(h("83f4f5f6"))).toEqual([false, true, null]);
    expect(decodeStrictCbor(h("a20102616103"))).toEqual(new Map<number | string, number>([[1, 2], ["a", 3]]));
  });

  it("round-trips through the test encoder", () => {
    const v = new Map<string | number, unknown>([["k", [1, -2, h("00ff"), "t", null]], [7, 300]]);
    const enc = encodeCbor(v as never);
    expect(decodeStrictCbor(enc)).toEqual(v);
  });

  it("rejects hostile input", () => {
    malformed(""); // empty
    malformed("5f4101ff"); // indefinite byte string
    malformed("9fff"); // indefinite array
    malformed("bfff"); // indefinite map
    malformed("7f6161ff"); // indefinite text
    malformed("c24101"); // tag 2 (bignum)
    malformed("d28440a040 40"); // tag 18 (tagged COSE_Sign1)
    malformed("f93c00"); // half float
    malformed("fa3f800000"); // float32
    malformed("fb3ff0000000000000"); // float64
    malformed("f7"); // undefined
    malformed("e0"); // simple value 0
    malformed("f820"); // simple value 32
    malformed("1c"); // reserved additional info
    malformed("0000"); // trailing byte
    malformed("1817"); // non-shortest 23
    malformed("1900ff"); // non-shortest 255
    malformed("1a0000ffff"); // non-shortest 65535
    malformed("1b00000000ffffffff"); // non-shortest 2^32-1
    malformed("5900 03 010203"); // non-shortest byte string length
    malformed("a2010201 03"); // duplicate integer key
    malformed("a2616101616102"); // duplicate text key
    malformed("a1 41 00 01"); // byte-string key
    malformed("a1 80 01"); // array key
    malformed("5b ffffffffffffffff 00"); // length beyond input
    malformed("9b 00000001 00000000"); // 2^32 elements claimed
    malformed("9a 7fffffff"); // huge array, no content
    malformed("45 0102"); // truncated bytes
    malformed("1b 0000"); // truncated integer
    malformed("62 c328"); // invalid UTF-8
    malformed("81"); // truncated array
    malformed(Uint8Array.of(...new Array(17).fill(0x81), 0x00)); // 17 levels deep
    expect(decodeStrictCbor(Uint8Array.of(...new Array(16).fill(0x81), 0x00))).toBeInstanceOf(Array); // 16 is fine
    malformed(new Uint8Array(MAX_CBOR_BYTES + 1)); // over the bound
  });

  it("encodes the COSE Sig_structure as the reference bytes", () => {
    const payload = new Uint8Array(0x1144);
    const tbs = encodeSignature1(h("a1013822"), payload);
    expect(Buffer.from(tbs.subarray(0, 24)).toString("hex")).toBe("846a5369676e61747572653144a101382240591144".padEnd(48, "0"));
    expect(tbs.length).toBe(21 + 0x1144);
  });
});
