// BasicConstraints / KeyUsage extraction, checked against the real AWS chains when present.
import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { AttestationError, decodeStrictCbor, readCertConstraints, type CborMap, type CborValue } from "@airlock/core/attestation";

const dir = new URL("../../../../../shared/conformance/nitro/", import.meta.url);
const docPath = new URL("anjuna_sample_prod_doc.bin", dir);
const present = existsSync(docPath);
if (!present) console.warn(`SKIPPED: Nitro conformance documents not found at ${dir.pathname}`);

describe("readCertConstraints", () => {
  it.skipIf(!present)("reads the AWS chain's constraints: root no pathLen, then 2, 1, 0, leaf no CA", () => {
    const env = decodeStrictCbor(new Uint8Array(readFileSync(docPath))) as CborValue[];
    const p = decodeStrictCbor(env[2] as Uint8Array) as CborMap;
    const [root, regional, zonal, instance] = (p.get("cabundle") as Uint8Array[]).map(readCertConstraints);
    expect(root?.basicConstraints).toEqual({ critical: true, ca: true });
    expect(root?.keyUsage).toMatchObject({ critical: true, keyCertSign: true, digitalSignature: true });
    expect(regional?.basicConstraints).toEqual({ critical: true, ca: true, pathLen: 2 });
    expect(zonal?.basicConstraints).toEqual({ critical: true, ca: true, pathLen: 1 });
    expect(instance?.basicConstraints).toEqual({ critical: true, ca: true, pathLen: 0 });
    expect(instance?.keyUsage?.keyCertSign).toBe(true);
    const leaf = readCertConstraints(p.get("certificate") as Uint8Array);
    expect(leaf.basicConstraints?.ca ?? false).toBe(false);
    expect(leaf.keyUsage?.digitalSignature).toBe(true);
  });

  it("rejects broken DER with a typed error", () => {
    const hostile = [
      Uint8Array.of(),
      Uint8Array.of(0x30),
      Uint8Array.of(0x30, 0x05, 0x30, 0x00),
      Uint8Array.of(0x30, 0x81, 0x02, 0x30, 0x00), // non-shortest length
      Uint8Array.of(0x30, 0x84, 0xff, 0xff, 0xff, 0xff), // oversized length form
      Uint8Array.of(0x30, 0x02, 0x30, 0x00, 0x00), // trailing byte
      Uint8Array.of(0x30, 0x02, 0x02, 0x00), // tbs not a sequence
    ];
    for (const der of hostile) expect(() => readCertConstraints(der)).toThrow(AttestationError);
  });
});
