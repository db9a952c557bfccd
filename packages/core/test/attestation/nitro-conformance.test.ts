// Conformance: the five real AWS Nitro attestation documents in ../shared/conformance/nitro.
import { performance } from "node:perf_hooks";
import { describe, expect, it } from "vitest";
import {
  AttestationError,
  decodeStrictCbor,
  verifyAttestationDocument,
  type CborMap,
  type CborValue,
  type VerifyAttestationOptions,
} from "@airlock/core/attestation";
import { encodeCbor } from "@airlock/core/attestation";
import { documentBytes, documentNames as names, documentsPresent as present, expectedDocuments as expected, type ExpectedDocument as Expected } from "./nitro-documents.js";

const docs = new Map(names.map((n) => [n, documentBytes(n)]));
const hex = (b: Uint8Array | undefined): string | null => (b === undefined ? null : Buffer.from(b).toString("hex"));
const isDebug = (e: Expected): boolean => /^0+$/.test(String(e["PCR0"]));

/** A time inside the document's chain window (midpoint). */
const inside = (e: Expected): Date => new Date((Date.parse(e.chain_valid_from) + Date.parse(e.chain_valid_to)) / 2);
const optsFor = (e: Expected, extra: Partial<VerifyAttestationOptions> = {}): VerifyAttestationOptions => ({
  now: inside(e),
  allowDebugPcrs: isDebug(e),
  ...extra,
});

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof AttestationError) return e.code;
    throw e; // anything but a typed refusal is a bug
  }
  return "ACCEPTED";
}

/** Decodes the envelope and payload, applies `edit` to the payload, re-encodes (signature kept). */
function tamperPayload(doc: Uint8Array, edit: (p: CborMap) => void): Uint8Array {
  const env = decodeStrictCbor(doc) as CborValue[];
  const payload = decodeStrictCbor(env[2] as Uint8Array) as CborMap;
  edit(payload);
  return encodeCbor([env[0] as CborValue, env[1] as CborValue, encodeCbor(payload), env[3] as CborValue]);
}

describe.skipIf(!present)("Nitro conformance: real AWS documents", () => {
  it("has the five documents", () => {
    expect(names.length).toBe(5);
  });

  for (const name of names) {
    const e = expected[name] as Expected;
    const doc = docs.get(name) as Uint8Array;

    describe(name, () => {
      it("is accepted inside its window with exactly the expected content", () => {
        const t0 = performance.now();
        const v = verifyAttestationDocument(doc, optsFor(e));
        console.log(`cold verification ${name}: ${(performance.now() - t0).toFixed(2)} ms`);
        expect(v.moduleId).toBe(e.module_id);
        expect(v.timestamp).toBe(e.timestamp_ms);
        expect(v.digest).toBe("SHA384");
        expect(v.pcrs.size).toBe(16);
        for (let i = 0; i < 16; i++) {
          const want = e[`PCR${i}`];
          if (typeof want === "string") expect(v.pcrs.get(i)).toBe(want);
          else expect(v.pcrs.get(i)).toMatch(/^[0-9a-f]{96}$/);
        }
        expect(hex(v.publicKey)).toBe(e.public_key);
        expect(hex(v.userData)).toBe(e.user_data);
        expect(hex(v.nonce)).toBe(e.nonce);
        expect(v.certificateChain.length).toBe(5);
        expect(v.certificateChain[4]?.fingerprint256.replace(/:/g, "")).toBe("641A0321A3E244EFE456463195D606317ED7CDCC3C1756E09893F3C68F79BB5B");
        // Warm timing, informative only.
        const t1 = performance.now();
        for (let i = 0; i < 20; i++) verifyAttestationDocument(doc, optsFor(e));
        console.log(`warm verification ${name}: ${((performance.now() - t1) / 20).toFixed(2)} ms`);
      });

      it("is rejected at today's date and just outside its window", () => {
        expect(codeOf(() => verifyAttestationDocument(doc, optsFor(e, { now: new Date() })))).toBe("EXPIRED");
        expect(codeOf(() => verifyAttestationDocument(doc, optsFor(e, { now: new Date(Date.parse(e.chain_valid_to) + 1001) })))).toBe("EXPIRED");
        expect(codeOf(() => verifyAttestationDocument(doc, optsFor(e, { now: new Date(Date.parse(e.chain_valid_from) - 1) })))).toBe("EXPIRED");
      });

      it("applies the debug-PCR, PCR0 allowlist and nonce policies", () => {
        if (isDebug(e)) expect(codeOf(() => verifyAttestationDocument(doc, optsFor(e, { allowDebugPcrs: false })))).toBe("DEBUG_PCRS");
        else expect(codeOf(() => verifyAttestationDocument(doc, optsFor(e, { allowDebugPcrs: false })))).toBe("ACCEPTED");
        expect(codeOf(() => verifyAttestationDocument(doc, optsFor(e, { allowedPcr0: [String(e["PCR0"]).toUpperCase()] })))).toBe("ACCEPTED");
        expect(codeOf(() => verifyAttestationDocument(doc, optsFor(e, { allowedPcr0: ["ab".repeat(48)] })))).toBe("PCR_NOT_ALLOWED");
        expect(codeOf(() => verifyAttestationDocument(doc, optsFor(e, { allowedPcr0: [] })))).toBe("PCR_NOT_ALLOWED");
        const wrongNonce = Uint8Array.of(1, 2, 3);
        expect(codeOf(() => verifyAttestationDocument(doc, optsFor(e, { expectedNonce: wrongNonce })))).toBe("NONCE_MISMATCH");
        const sent = e.nonce;
        if (sent !== null)
          expect(codeOf(() => verifyAttestationDocument(doc, optsFor(e, { expectedNonce: Buffer.from(sent, "hex") })))).toBe("ACCEPTED");
      });

      it("rejects a wrong root pin", () => {
        expect(codeOf(() => verifyAttestationDocument(doc, optsFor(e, { rootFingerprintSha256: "00".repeat(32) })))).toBe("UNTRUSTED_ROOT");
        expect(codeOf(() => verifyAttestationDocument(doc, optsFor(e, { rootFingerprintSha256: "not hex" })))).toBe("UNTRUSTED_ROOT");
      });

      it("rejects every single flipped byte (every 37th position and the last bytes)", () => {
        const positions = new Set<number>();
        for (let p = 0; p < doc.length; p += 37) positions.add(p);
        for (let p = Math.max(0, doc.length - 100); p < doc.length; p++) positions.add(p); // the COSE signature
        const accepted: number[] = [];
        for (const p of positions) {
          const copy = doc.slice();
          copy[p] = (copy[p] as number) ^ 0x01;
          if (codeOf(() => verifyAttestationDocument(copy, optsFor(e))) === "ACCEPTED") accepted.push(p);
        }
        expect(positions.size).toBeGreaterThan(100);
        expect(accepted).toEqual([]);
      });

      it("rejects an appended trailing byte and a truncated document", () => {
        expect(codeOf(() => verifyAttestationDocument(Uint8Array.of(...doc, 0), optsFor(e)))).toBe("MALFORMED");
        expect(codeOf(() => verifyAttestationDocument(doc.subarray(0, doc.length - 1), optsFor(e)))).toBe("MALFORMED");
      });

      it("rejects envelope changes and an invalid clock", () => {
        const env = decodeStrictCbor(doc) as CborValue[];
        expect(codeOf(() => verifyAttestationDocument(Uint8Array.of(0xd2, ...doc), optsFor(e)))).toBe("MALFORMED"); // tag 18
        const es256 = encodeCbor([Uint8Array.of(0xa1, 0x01, 0x26), env[1] as CborValue, env[2] as CborValue, env[3] as CborValue]);
        expect(codeOf(() => verifyAttestationDocument(es256, optsFor(e)))).toBe("MALFORMED");
        const withUnprotected = encodeCbor([env[0] as CborValue, new Map([[4, Uint8Array.of(1)]]), env[2] as CborValue, env[3] as CborValue]);
        expect(codeOf(() => verifyAttestationDocument(withUnprotected, optsFor(e)))).toBe("MALFORMED");
        const shortSig = encodeCbor([env[0] as CborValue, env[1] as CborValue, env[2] as CborValue, (env[3] as Uint8Array).subarray(0, 95)]);
        expect(codeOf(() => verifyAttestationDocument(shortSig, optsFor(e)))).toBe("MALFORMED");
        expect(codeOf(() => verifyAttestationDocument(doc, optsFor(e, { now: new Date(Number.NaN) })))).toBe("FIELD_INVALID");
      });

      it("rejects reordered cabundles and a swapped leaf", () => {
        const reordered = tamperPayload(doc, (p) => {
          const b = p.get("cabundle") as Uint8Array[];
          p.set("cabundle", [b[0] as Uint8Array, b[2] as Uint8Array, b[1] as Uint8Array, b[3] as Uint8Array]);
        });
        expect(codeOf(() => verifyAttestationDocument(reordered, optsFor(e)))).not.toBe("ACCEPTED");
        const rootLast = tamperPayload(doc, (p) => p.set("cabundle", (p.get("cabundle") as Uint8Array[]).slice().reverse()));
        expect(codeOf(() => verifyAttestationDocument(rootLast, optsFor(e)))).toBe("UNTRUSTED_ROOT");
        const other = names.find((n) => n !== name) as string;
        const otherLeaf = (decodeStrictCbor((decodeStrictCbor(docs.get(other) as Uint8Array) as CborValue[])[2] as Uint8Array) as CborMap).get("certificate");
        const swapped = tamperPayload(doc, (p) => p.set("certificate", otherLeaf as CborValue));
        expect(codeOf(() => verifyAttestationDocument(swapped, optsFor(e)))).not.toBe("ACCEPTED");
        // Re-encoding an untouched payload must still verify: the tamper helper itself is faithful.
        expect(codeOf(() => verifyAttestationDocument(tamperPayload(doc, () => undefined), optsFor(e)))).toBe("ACCEPTED");
      });

      it("rejects field tampering even before the signature check", () => {
        const cases: [string, (p: CborMap) => void][] = [
          ["digest", (p) => p.set("digest", "SHA256")],
          ["module_id", (p) => p.set("module_id", "")],
          ["pcr size", (p) => (p.get("pcrs") as CborMap).set(3, new Uint8Array(47))],
          ["no pcrs", (p) => p.set("pcrs", new Map())],
          ["user_data size", (p) => p.set("user_data", new Uint8Array(513))],
          ["nonce missing", (p) => p.delete("nonce")],
          ["extra key", (p) => p.set("extra", null)],
          ["empty cabundle", (p) => p.set("cabundle", [])],
        ];
        for (const [, edit] of cases) expect(codeOf(() => verifyAttestationDocument(tamperPayload(doc, edit), optsFor(e)))).toBe("FIELD_INVALID");
      });
    });
  }
});
