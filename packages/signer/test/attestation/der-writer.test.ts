// DER writer: known encodings (X.690 examples and bytes seen in the real AWS certificates).
import { X509Certificate, generateKeyPairSync, sign } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  bitString,
  boolean,
  explicitTag,
  generalizedTime,
  implicitPrimitive,
  integer,
  namedBits,
  octetString,
  oid,
  printableString,
  sequence,
  setOf,
  tlv,
  utcTime,
  utf8String,
  x509Time,
} from "../../src/attestation/der-writer.js";

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

describe("DER writer", () => {
  it("encodes lengths in the shortest definite form", () => {
    expect(hex(tlv(0x04, new Uint8Array(0)))).toBe("0400");
    expect(hex(tlv(0x04, new Uint8Array(127))).slice(0, 4)).toBe("047f");
    expect(hex(tlv(0x04, new Uint8Array(128))).slice(0, 6)).toBe("048180");
    expect(hex(tlv(0x04, new Uint8Array(255))).slice(0, 6)).toBe("0481ff");
    expect(hex(tlv(0x04, new Uint8Array(256))).slice(0, 8)).toBe("04820100");
    expect(hex(tlv(0x04, new Uint8Array(70000))).slice(0, 10)).toBe("0483011170");
    expect(() => tlv(0x1f, new Uint8Array(0))).toThrow(RangeError); // multi-byte tag form
    expect(() => tlv(0x100, new Uint8Array(0))).toThrow(RangeError);
  });

  it("encodes INTEGER in minimal two's complement", () => {
    const cases: [bigint, string][] = [
      [0n, "020100"],
      [1n, "020101"],
      [2n, "020102"],
      [127n, "02017f"],
      [128n, "02020080"],
      [255n, "020200ff"],
      [256n, "02020100"],
      [-1n, "0201ff"],
      [-128n, "020180"],
      [-129n, "0202ff7f"],
      [-256n, "0202ff00"],
      [1n << 64n, "0209010000000000000000"],
    ];
    for (const [v, want] of cases) expect(hex(integer(v))).toBe(want);
    // From unsigned magnitude bytes (certificate serials): leading zeros dropped, sign byte added.
    expect(hex(integer(Uint8Array.of(0x00, 0x00, 0x7f)))).toBe("02017f");
    expect(hex(integer(Uint8Array.of(0xf9, 0x31)))).toBe("020300f931");
    expect(hex(integer(Uint8Array.of(0, 0)))).toBe("020100");
    expect(hex(integer(new Uint8Array(0)))).toBe("020100");
  });

  it("encodes OIDs, including multi-byte arcs", () => {
    expect(hex(oid("1.2.840.10045.4.3.3"))).toBe("06082a8648ce3d040303"); // ecdsa-with-SHA384
    expect(hex(oid("1.2.840.10045.2.1"))).toBe("06072a8648ce3d0201"); // id-ecPublicKey
    expect(hex(oid("1.3.132.0.34"))).toBe("06052b81040022"); // secp384r1
    expect(hex(oid("2.5.29.19"))).toBe("0603551d13"); // basicConstraints
    expect(hex(oid("2.999.3"))).toBe("0603883703"); // X.690 8.19.5 example
    for (const bad of ["", "1", "3.1", "1.40", "1.2.", "1.02", "a.b"]) expect(() => oid(bad)).toThrow(RangeError);
  });

  it("encodes KeyUsage named bits as in the AWS certificates", () => {
    expect(hex(namedBits([0, 5, 6]))).toBe("03020186"); // digitalSignature|keyCertSign|cRLSign
    expect(hex(namedBits([5]))).toBe("03020204"); // keyCertSign
    expect(hex(namedBits([0, 1]))).toBe("030206c0"); // digitalSignature|nonRepudiation
    expect(hex(namedBits([8]))).toBe("0303070080"); // decipherOnly: a second byte, 7 unused bits
    expect(hex(namedBits([]))).toBe("030100");
    expect(() => namedBits([-1])).toThrow(RangeError);
  });

  it("encodes the other primitives", () => {
    expect(hex(boolean(true))).toBe("0101ff");
    expect(hex(boolean(false))).toBe("010100");
    expect(hex(bitString(Uint8Array.of(0xab)))).toBe("030200ab");
    expect(hex(octetString(Uint8Array.of(1, 2)))).toBe("04020102");
    expect(hex(utf8String("Amazon"))).toBe("0c06416d617a6f6e");
    expect(hex(utf8String("é"))).toBe("0c02c3a9");
    expect(() => utf8String("\ud800")).toThrow(RangeError);
    expect(hex(printableString("US"))).toBe("13025553");
    expect(() => printableString("a@b")).toThrow(RangeError);
    expect(() => printableString("é")).toThrow(RangeError);
    expect(hex(sequence())).toBe("3000");
    expect(hex(sequence(boolean(true), integer(2n)))).toBe("30060101ff020102"); // BC CA pathLen 2
    expect(hex(explicitTag(0, integer(2n)))).toBe("a003020102"); // X.509 version v3
    expect(hex(implicitPrimitive(0, Uint8Array.of(0x90, 0x25)))).toBe("80029025"); // AKI keyIdentifier
    expect(() => explicitTag(31, sequence())).toThrow(RangeError);
  });

  it("sorts SET OF elements by encoding", () => {
    expect(hex(setOf(integer(2n), integer(1n), utf8String("a")))).toBe("3109020101020102" + "0c0161");
  });

  it("follows RFC 5280 for certificate times", () => {
    expect(new TextDecoder().decode(utcTime(new Date("2019-10-28T13:28:05Z")).subarray(2))).toBe("191028132805Z");
    expect(new TextDecoder().decode(utcTime(new Date("1950-01-01T00:00:00Z")).subarray(2))).toBe("500101000000Z");
    expect(new TextDecoder().decode(generalizedTime(new Date("2050-01-01T00:00:00Z")).subarray(2))).toBe("20500101000000Z");
    expect(x509Time(new Date("2049-12-31T23:59:59Z"))[0]).toBe(0x17);
    expect(x509Time(new Date("2050-01-01T00:00:00Z"))[0]).toBe(0x18);
    expect(() => utcTime(new Date("2050-01-01T00:00:00Z"))).toThrow(RangeError);
    expect(() => x509Time(new Date("2024-01-01T00:00:00.500Z"))).toThrow(/whole seconds/);
    expect(() => x509Time(new Date(Number.NaN))).toThrow(RangeError);
    expect(() => x509Time(new Date("1949-12-31T23:59:59Z"))).toThrow(RangeError);
  });

  it("produces certificates node:crypto parses and verifies (both time encodings)", () => {
    const { publicKey, privateKey } = generateKeyPairSync("ec", { namedCurve: "P-384" });
    const alg = sequence(oid("1.2.840.10045.4.3.3"));
    const name = sequence(setOf(sequence(oid("2.5.4.3"), utf8String("der-writer test"))));
    const tbs = sequence(
      explicitTag(0, integer(2n)),
      integer(Uint8Array.of(0x81, 0x02)),
      alg,
      name,
      sequence(x509Time(new Date("2024-01-01T00:00:00Z")), x509Time(new Date("2054-01-01T00:00:00Z"))),
      name,
      new Uint8Array(publicKey.export({ type: "spki", format: "der" })),
    );
    const sig = sign("sha384", tbs, { key: privateKey, dsaEncoding: "der" });
    const cert = new X509Certificate(sequence(tbs, alg, bitString(new Uint8Array(sig))));
    expect(cert.verify(publicKey)).toBe(true);
    expect(cert.serialNumber).toBe("8102"); // node shows the magnitude; the DER carries 00 81 02
    expect(Date.parse(cert.validFrom)).toBe(Date.parse("2024-01-01T00:00:00Z"));
    expect(Date.parse(cert.validTo)).toBe(Date.parse("2054-01-01T00:00:00Z"));
    expect(cert.subject).toBe("CN=der-writer test");
  });
});
