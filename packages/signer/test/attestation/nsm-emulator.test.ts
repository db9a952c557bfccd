// NSM emulator: its documents verify with core's verifier when pinned to the emulator root and
// only then; they have the real NSM's structure byte by byte; the chain rotates with the clock.
import { createHash, verify as cryptoVerify, X509Certificate } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  AttestationError,
  decodeStrictCbor,
  encodeCbor,
  encodeSignature1,
  readCertConstraints,
  verifyAttestationDocument,
  type CborMap,
  type CborValue,
  type VerifyAttestationOptions,
} from "@airlock/core/attestation";
import { AttestationSourceError } from "../../src/attestation/attestation-source.js";
import { EMULATOR_ORGANIZATION, PKI_LIFETIME_MS, createEmulatorRoot, issueBelow } from "../../src/attestation/test-pki.js";
import { LEAF_RENEW_BEFORE_MS, createNsmEmulator, signCoseSign1Es384, type NsmEmulatorOptions } from "../../src/attestation/nsm-emulator.js";

const HOUR = 3_600_000;
const MIN = 60_000;
const T0 = Date.parse("2026-03-01T12:00:00.250Z");
const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
const sha384 = (s: string): string => createHash("sha384").update(s).digest("hex");

const realDoc = new URL("../../../../../shared/conformance/nitro/anjuna_sample_prod_doc.bin", import.meta.url);
const realPresent = existsSync(realDoc);
if (!realPresent) console.warn(`SKIPPED: real AWS document not found at ${realDoc.pathname}`);

function setup(extra: Partial<NsmEmulatorOptions> = {}) {
  const clock = { t: T0 };
  const emu = createNsmEmulator({ production: false, now: () => clock.t, ...extra });
  const opts = (o: Partial<VerifyAttestationOptions> = {}): VerifyAttestationOptions => ({
    now: new Date(clock.t),
    rootFingerprintSha256: emu.rootFingerprintSha256,
    ...o,
  });
  return { clock, emu, opts };
}

function outcome(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof AttestationError) return e.code;
    throw e;
  }
  return "ACCEPTED";
}

async function sourceError(p: Promise<unknown> | (() => unknown)): Promise<AttestationSourceError> {
  try {
    await (typeof p === "function" ? p() : p);
  } catch (e) {
    expect(e).toBeInstanceOf(AttestationSourceError);
    return e as AttestationSourceError;
  }
  throw new Error("expected an AttestationSourceError");
}

function parts(doc: Uint8Array): { env: CborValue[]; payload: CborMap; payloadBytes: Uint8Array } {
  const env = decodeStrictCbor(doc) as CborValue[];
  const payloadBytes = env[2] as Uint8Array;
  return { env, payload: decodeStrictCbor(payloadBytes) as CborMap, payloadBytes };
}

/** A type-level description of a payload, to compare an emulated document with a real one. */
function shape(p: CborMap): Record<string, string> {
  const d = (v: CborValue): string =>
    v === null
      ? "null"
      : v instanceof Uint8Array
        ? "bstr"
        : typeof v === "string"
          ? "tstr"
          : typeof v === "number"
            ? "uint"
            : Array.isArray(v)
              ? `array[${v.length}] of ${[...new Set(v.map(d))].join()}`
              : v instanceof Map
                ? `map[${v.size}] ${[...v].map(([k, x]) => `${String(k)}:${x instanceof Uint8Array ? x.length : d(x)}`).join(",")}`
                : typeof v;
  return Object.fromEntries([...p].map(([k, v]) => [String(k), k === "digest" ? String(v) : d(v)]));
}

// --- tiny DER reader for comparing certificate extension layouts ---
interface Tlv {
  tag: number;
  start: number;
  end: number;
}
function readTlv(b: Uint8Array, p: number): Tlv {
  let len = b[p + 1] as number;
  let start = p + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + (b[start + i] as number);
    start += n;
  }
  return { tag: b[p] as number, start, end: start + len };
}
function kids(b: Uint8Array, t: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let p = t.start; p < t.end; p = (out[out.length - 1] as Tlv).end) out.push(readTlv(b, p));
  return out;
}
/** [extension OID hex, critical, value hex] in certificate order. */
function extensions(der: Uint8Array): [string, boolean, string][] {
  const tbs = kids(der, readTlv(der, 0))[0] as Tlv;
  const wrapper = kids(der, tbs).find((k) => k.tag === 0xa3) as Tlv;
  return kids(der, kids(der, wrapper)[0] as Tlv).map((ext) => {
    const [o, a, b] = kids(der, ext) as [Tlv, Tlv, Tlv | undefined];
    const critical = a.tag === 0x01 && der[a.start] === 0xff;
    const value = b ?? a;
    return [hex(der.subarray(o.start, o.end)), critical, hex(der.subarray(value.start, value.end))];
  });
}
const OID_HEX = { bc: "551d13", ku: "551d0f", ski: "551d0e", aki: "551d23", crlDp: "551d1f" };

describe("NSM emulator: verification", () => {
  it("produces documents core's verifier accepts when pinned to the emulator root", async () => {
    const { emu, opts, clock } = setup();
    const nonce = Uint8Array.from({ length: 32 }, (_, i) => i);
    const doc = await emu.attest({ nonce, userData: Uint8Array.of(1, 2, 3), publicKey: Uint8Array.of(4, 5) });
    const v = verifyAttestationDocument(doc, opts({ expectedNonce: nonce }));
    expect(v.timestamp).toBe(clock.t);
    expect(v.moduleId).toMatch(/^emulator-[0-9a-f]{16}-enc[0-9a-f]{16}$/);
    expect(v.pcrs.size).toBe(16);
    for (let i = 0; i < 3; i++) expect(v.pcrs.get(i)).toBe(sha384(`airlock-nsm-emulator PCR${i}`));
    for (let i = 3; i < 16; i++) expect(v.pcrs.get(i)).toBe("00".repeat(48));
    expect(v.certificateChain).toHaveLength(5);
    expect(v.certificateChain[4]?.fingerprint256.replace(/:/g, "")).toBe(emu.rootFingerprintSha256);
    expect(emu.rootFingerprintSha256).toMatch(/^[0-9A-F]{64}$/);
    expect(emu.rootFingerprintSha256).toBe(createHash("sha256").update(emu.rootCertificateDer).digest("hex").toUpperCase());
    expect(new X509Certificate(emu.rootCertificatePem).raw).toEqual(Buffer.from(emu.rootCertificateDer));
    expect(emu.kind).toBe("emulator");
  });

  it("is refused with the default AWS root pin and with any other pin", async () => {
    const { emu, opts } = setup();
    const doc = await emu.attest({});
    const { rootFingerprintSha256: _pin, ...aws } = opts();
    expect(outcome(() => verifyAttestationDocument(doc, aws))).toBe("UNTRUSTED_ROOT");
    expect(outcome(() => verifyAttestationDocument(doc, opts({ rootFingerprintSha256: setup().emu.rootFingerprintSha256 })))).toBe("UNTRUSTED_ROOT");
  });

  it("hands out copies of the root DER", () => {
    const { emu } = setup();
    const a = emu.rootCertificateDer;
    a[0] = 0;
    expect(emu.rootCertificateDer[0]).toBe(0x30);
  });

  it("rejects every flipped byte (every 23rd position and the whole signature)", async () => {
    const { emu, opts } = setup();
    const doc = await emu.attest({ nonce: Uint8Array.of(9), userData: Uint8Array.of(8), publicKey: Uint8Array.of(7) });
    expect(outcome(() => verifyAttestationDocument(doc, opts()))).toBe("ACCEPTED");
    const positions = new Set<number>();
    for (let p = 0; p < doc.length; p += 23) positions.add(p);
    for (let p = doc.length - 96; p < doc.length; p++) positions.add(p);
    const accepted: number[] = [];
    for (const p of positions) {
      const copy = doc.slice();
      copy[p] = (copy[p] as number) ^ 0x01;
      if (outcome(() => verifyAttestationDocument(copy, opts())) === "ACCEPTED") accepted.push(p);
    }
    expect(positions.size).toBeGreaterThan(250);
    expect(accepted).toEqual([]);
  });
});

describe("NSM emulator: structure", () => {
  it("has the NSM envelope byte for byte: untagged COSE_Sign1, ES384, 96-byte r||s", async () => {
    const { emu } = setup();
    const doc = await emu.attest({});
    expect(hex(doc.subarray(0, 8))).toBe("8444a1013822a059");
    const len = ((doc[8] as number) << 8) | (doc[9] as number);
    const payloadBytes = doc.subarray(10, 10 + len);
    expect(hex(doc.subarray(10 + len, 12 + len))).toBe("5860"); // bstr of 96 bytes
    expect(doc.length).toBe(12 + len + 96);
    const { env } = parts(doc);
    const leaf = new X509Certificate((decodeStrictCbor(payloadBytes) as CborMap).get("certificate") as Uint8Array);
    const tbs = encodeSignature1(Uint8Array.of(0xa1, 0x01, 0x38, 0x22), payloadBytes);
    expect(cryptoVerify("sha384", tbs, { key: leaf.publicKey, dsaEncoding: "ieee-p1363" }, env[3] as Uint8Array)).toBe(true);
    // The whole document is canonical CBOR: re-encoding the decoded value reproduces it.
    expect(encodeCbor(env)).toEqual(doc);
  });

  it("has the payload layout of the NSM: key order, 8-byte timestamp, 16 PCRs of 48 bytes, nulls", async () => {
    const { emu, clock } = setup();
    const doc = await emu.attest({});
    const { payload, payloadBytes } = parts(doc);
    expect(payloadBytes[0]).toBe(0xa9);
    expect([...payload.keys()]).toEqual(["module_id", "digest", "timestamp", "pcrs", "certificate", "cabundle", "public_key", "user_data", "nonce"]);
    const ts = Buffer.from(payloadBytes).indexOf(Buffer.from("6974696d657374616d70", "hex")); // "timestamp"
    expect(hex(payloadBytes.subarray(ts + 10, ts + 19))).toBe("1b" + clock.t.toString(16).padStart(16, "0"));
    const pcrs = payload.get("pcrs") as CborMap;
    expect([...pcrs.keys()]).toEqual(Array.from({ length: 16 }, (_, i) => i));
    for (const v of pcrs.values()) expect((v as Uint8Array).length).toBe(48);
    expect(hex(payloadBytes.subarray(payloadBytes.length - 30))).toBe(
      "6a" + hex(Buffer.from("public_key")) + "f6" + "69" + hex(Buffer.from("user_data")) + "f6" + "65" + hex(Buffer.from("nonce")) + "f6",
    );
    const cabundle = payload.get("cabundle") as Uint8Array[];
    expect(cabundle).toHaveLength(4);
    expect(cabundle[0]).toEqual(emu.rootCertificateDer);
  });

  it.skipIf(!realPresent)("has the same payload shape as a real AWS document", async () => {
    const { emu } = setup();
    const emulated = shape(parts(await emu.attest({})).payload);
    const real = shape(parts(new Uint8Array(readFileSync(realDoc))).payload);
    expect(emulated).toEqual(real);
  });

  it("builds the AWS chain: constraints, key usage, 3 h leaf, P-384 / ecdsa-with-SHA384", async () => {
    const { emu, clock } = setup();
    const { payload } = parts(await emu.attest({}));
    const [root, regional, zonal, instance] = (payload.get("cabundle") as Uint8Array[]).map(readCertConstraints);
    const leafDer = payload.get("certificate") as Uint8Array;
    expect(root?.basicConstraints).toEqual({ critical: true, ca: true });
    expect(root?.keyUsage).toEqual({ critical: true, digitalSignature: true, keyCertSign: true });
    expect(regional?.basicConstraints).toEqual({ critical: true, ca: true, pathLen: 2 });
    expect(zonal?.basicConstraints).toEqual({ critical: true, ca: true, pathLen: 1 });
    expect(instance?.basicConstraints).toEqual({ critical: true, ca: true, pathLen: 0 });
    expect(instance?.keyUsage).toEqual({ critical: true, digitalSignature: false, keyCertSign: true });
    const leaf = readCertConstraints(leafDer);
    expect(leaf.basicConstraints).toEqual({ critical: true, ca: false });
    expect(leaf.keyUsage).toEqual({ critical: false, digitalSignature: true, keyCertSign: false });
    const leafCert = new X509Certificate(leafDer);
    expect(Date.parse(leafCert.validTo) - Date.parse(leafCert.validFrom)).toBe(3 * HOUR);
    expect(Date.parse(leafCert.validFrom)).toBe(Math.floor(clock.t / 1000) * 1000);
    for (const der of [...(payload.get("cabundle") as Uint8Array[]), leafDer]) {
      const c = new X509Certificate(der);
      expect(c.publicKey.asymmetricKeyDetails?.namedCurve).toBe("secp384r1");
      expect(c.subject).toContain(`O=${EMULATOR_ORGANIZATION}`);
      expect(c.subject).not.toContain("Amazon");
      expect(hex(der)).toContain("06082a8648ce3d040303"); // ecdsa-with-SHA384
    }
    expect(leafCert.subject).toContain(`CN=${String(payload.get("module_id"))}.emulator`);
  });

  it.skipIf(!realPresent)("lays out certificate extensions as the real AWS certificates do", async () => {
    const { emu } = setup();
    const emuP = parts(await emu.attest({})).payload;
    const realP = parts(new Uint8Array(readFileSync(realDoc))).payload;
    const chainOf = (p: CborMap): Uint8Array[] => [...(p.get("cabundle") as Uint8Array[]), p.get("certificate") as Uint8Array];
    const emuChain = chainOf(emuP).map(extensions);
    const realChain = chainOf(realP).map(extensions);
    for (let i = 0; i < 5; i++) {
      // Same extensions, same order, same criticality; the CRL distribution points are left out
      // on purpose (AWS's procedure disables CRL checking).
      const layout = (exts: [string, boolean, string][]): [string, boolean][] => exts.filter(([o]) => o !== OID_HEX.crlDp).map(([o, c]) => [o, c]);
      expect(layout(emuChain[i] as [string, boolean, string][])).toEqual(layout(realChain[i] as [string, boolean, string][]));
      // BasicConstraints and KeyUsage values are byte-identical.
      for (const which of [OID_HEX.bc, OID_HEX.ku]) {
        const value = (exts: [string, boolean, string][]): string | undefined => exts.find(([o]) => o === which)?.[2];
        expect(value(emuChain[i] as [string, boolean, string][])).toBe(value(realChain[i] as [string, boolean, string][]));
      }
    }
    // Key identifiers chain like AWS's: each AKI names the issuer's SKI (20-byte SHA-1).
    const ski = (exts: [string, boolean, string][]): string => (exts.find(([o]) => o === OID_HEX.ski) as [string, boolean, string])[2].slice(4);
    const aki = (exts: [string, boolean, string][]): string => (exts.find(([o]) => o === OID_HEX.aki) as [string, boolean, string])[2].slice(8);
    for (const chain of [emuChain, realChain]) {
      const [root, regional, zonal] = chain as [string, boolean, string][][];
      expect(aki(regional as [string, boolean, string][])).toBe(ski(root as [string, boolean, string][]));
      expect(aki(zonal as [string, boolean, string][])).toBe(ski(regional as [string, boolean, string][]));
      expect(ski(root as [string, boolean, string][])).toMatch(/^[0-9a-f]{40}$/);
    }
  });
});

describe("NSM emulator: requests", () => {
  it("round-trips nonce, user_data and public_key, up to the limits", async () => {
    const { emu, opts } = setup();
    const nonce = new Uint8Array(512).fill(1);
    const userData = new Uint8Array(512).fill(2);
    const publicKey = new Uint8Array(1024).fill(3);
    const v = verifyAttestationDocument(await emu.attest({ nonce, userData, publicKey }), opts({ expectedNonce: nonce }));
    expect(v.nonce).toEqual(nonce);
    expect(v.userData).toEqual(userData);
    expect(v.publicKey).toEqual(publicKey);
    const empty = verifyAttestationDocument(await emu.attest({ nonce: new Uint8Array(0) }), opts());
    expect(empty.nonce).toEqual(new Uint8Array(0));
    expect(empty.userData).toBeUndefined();
    expect(empty.publicKey).toBeUndefined();
  });

  it("refuses requests beyond the verifier's limits or of the wrong shape (REQUEST_INVALID)", async () => {
    const { emu } = setup();
    const bad: unknown[] = [
      { nonce: new Uint8Array(513) },
      { userData: new Uint8Array(513) },
      { publicKey: new Uint8Array(1025) },
      { publicKey: new Uint8Array(0) },
      { nonce: "abc" },
      { nonce: [1, 2] },
      { userData: new Uint16Array(2) },
      { extra: Uint8Array.of(1) },
      { toString: Uint8Array.of(1) }, // inherited names are not fields either
      null,
      [Uint8Array.of(1)],
    ];
    for (const req of bad) expect((await sourceError(emu.attest(req as never))).code).toBe("REQUEST_INVALID");
  });

  it("is not affected by later changes to the caller's buffers", async () => {
    const { emu, opts } = setup();
    const nonce = Uint8Array.of(1, 2, 3);
    const doc = await emu.attest({ nonce });
    nonce[0] = 9;
    expect(verifyAttestationDocument(doc, opts()).nonce).toEqual(Uint8Array.of(1, 2, 3));
  });
});

describe("NSM emulator: clock and rotation", () => {
  it("reuses the leaf until it has under 10 minutes left, then re-issues only what is needed", async () => {
    const { emu, opts, clock } = setup();
    const chainAt = async (): Promise<{ doc: Uint8Array; certs: string[] }> => {
      const doc = await emu.attest({});
      expect(outcome(() => verifyAttestationDocument(doc, opts()))).toBe("ACCEPTED");
      const p = parts(doc).payload;
      return { doc, certs: [...(p.get("cabundle") as Uint8Array[]), p.get("certificate") as Uint8Array].map(hex) };
    };
    const first = await chainAt();
    const leafEnd = Math.floor(T0 / 1000) * 1000 + PKI_LIFETIME_MS.leaf;

    clock.t = leafEnd - LEAF_RENEW_BEFORE_MS; // exactly 10 minutes left: still used
    const same = await chainAt();
    expect(same.certs).toEqual(first.certs);

    clock.t = leafEnd - LEAF_RENEW_BEFORE_MS + 1; // under 10 minutes left: new leaf, same CAs
    const renewed = await chainAt();
    expect(renewed.certs.slice(0, 4)).toEqual(first.certs.slice(0, 4));
    expect(renewed.certs[4]).not.toBe(first.certs[4]);
    expect(outcome(() => verifyAttestationDocument(first.doc, opts()))).toBe("ACCEPTED"); // old leaf still valid

    clock.t = T0 + 23 * HOUR; // the instance CA (1 day) cannot cover a new 3 h leaf: re-issued
    const nextDay = await chainAt();
    expect(nextDay.certs.slice(0, 3)).toEqual(first.certs.slice(0, 3));
    expect(nextDay.certs[3]).not.toBe(first.certs[3]);
    expect(outcome(() => verifyAttestationDocument(first.doc, opts()))).toBe("EXPIRED");

    clock.t = T0 + 7 * 24 * HOUR; // zonal CA (6 days) expired: zonal and instance re-issued
    const week = await chainAt();
    expect(week.certs.slice(0, 2)).toEqual(first.certs.slice(0, 2));
    expect(week.certs[2]).not.toBe(first.certs[2]);

    clock.t = T0 + 30 * 24 * HOUR; // regional CA (20 days) expired: everything but the root
    const month = await chainAt();
    expect(month.certs[0]).toBe(first.certs[0]);
    expect(month.certs[1]).not.toBe(first.certs[1]);

    clock.t = T0 - 12 * HOUR; // the clock stepped back before every CA: re-issued from there
    const back = await chainAt();
    expect(back.certs[0]).toBe(first.certs[0]);
    expect(back.certs[4]).not.toBe(month.certs[4]);
  });

  it("lets a reused leaf sign documents whose freshness the verifier then judges", async () => {
    const { emu, opts, clock } = setup();
    await emu.attest({}); // leaf issued at T0
    clock.t = T0 + 30 * MIN;
    const doc = await emu.attest({});
    const at = (t: number, maxAgeMs: number): string => outcome(() => verifyAttestationDocument(doc, opts({ now: new Date(t), maxAgeMs })));
    expect(at(clock.t + 5 * MIN, 5 * MIN)).toBe("ACCEPTED");
    expect(at(clock.t + 5 * MIN + 1, 5 * MIN)).toBe("STALE");
    expect(at(clock.t - 60_000, 5 * MIN)).toBe("ACCEPTED"); // verifier clock a minute behind
    expect(at(clock.t - 60_001, 5 * MIN)).toBe("STALE");
    expect(at(T0 - 1000, 5 * MIN)).toBe("EXPIRED"); // before the leaf: the chain fails first
  });

  it("fails with EMULATOR_CONFIG_INVALID when the clock leaves the root's validity", async () => {
    const { emu, clock } = setup();
    clock.t = T0 + PKI_LIFETIME_MS.root;
    expect((await sourceError(emu.attest({}))).code).toBe("EMULATOR_CONFIG_INVALID");
    clock.t = T0 - 2 * 24 * HOUR;
    expect((await sourceError(emu.attest({}))).code).toBe("EMULATOR_CONFIG_INVALID");
    clock.t = T0 + HOUR;
    expect(await emu.attest({})).toBeInstanceOf(Uint8Array);
  });
});

describe("NSM emulator: options", () => {
  it("refuses production mode", async () => {
    const e = await sourceError(() => createNsmEmulator({ production: true }));
    expect(e.code).toBe("EMULATOR_IN_PRODUCTION");
    expect(e.message).toMatch(/AIRLOCK_ATTESTATION_SOURCE=nsm/);
    expect((await sourceError(() => createNsmEmulator({} as NsmEmulatorOptions))).code).toBe("EMULATOR_IN_PRODUCTION");
    expect((await sourceError(() => createNsmEmulator({ production: "false" } as unknown as NsmEmulatorOptions))).code).toBe("EMULATOR_IN_PRODUCTION");
  });

  it("applies PCR overrides by index and the verifier's allowlists see them", async () => {
    const pcr0 = new Uint8Array(48).fill(0xa0);
    const pcr8 = new Uint8Array(48).fill(0x08);
    const { emu, opts } = setup({ pcrs: new Map([[0, pcr0], [8, pcr8]]), moduleId: "i-0123456789abcdef0-enc0123456789abcdef" });
    const doc = await emu.attest({});
    const v = verifyAttestationDocument(doc, opts({ allowedPcrs: { 0: [hex(pcr0)], 8: [hex(pcr8)] } }));
    expect(v.pcrs.get(1)).toBe(sha384("airlock-nsm-emulator PCR1"));
    expect(v.moduleId).toBe("i-0123456789abcdef0-enc0123456789abcdef");
    expect(outcome(() => verifyAttestationDocument(doc, opts({ allowedPcrs: { 8: ["00".repeat(48)] } })))).toBe("PCR_NOT_ALLOWED");
    expect(outcome(() => verifyAttestationDocument(doc, opts({ allowedPcr0: [hex(pcr0)], allowedPcrs: { 1: [hex(pcr0)] } })))).toBe("PCR_NOT_ALLOWED");
  });

  it("can emulate a debug enclave (PCR0..2 zero), which the verifier refuses by default", async () => {
    const zero = new Uint8Array(48);
    const { emu, opts } = setup({ pcrs: new Map([[0, zero], [1, zero], [2, zero]]) });
    const doc = await emu.attest({});
    expect(outcome(() => verifyAttestationDocument(doc, opts()))).toBe("DEBUG_PCRS");
    expect(outcome(() => verifyAttestationDocument(doc, opts({ allowDebugPcrs: true })))).toBe("ACCEPTED");
  });

  it("refuses bad options with EMULATOR_CONFIG_INVALID", async () => {
    const bad: Partial<NsmEmulatorOptions>[] = [
      { pcrs: new Map([[16, new Uint8Array(48)]]) },
      { pcrs: new Map([[-1, new Uint8Array(48)]]) },
      { pcrs: new Map([[1.5, new Uint8Array(48)]]) },
      { pcrs: new Map([["0" as unknown as number, new Uint8Array(48)]]) },
      { pcrs: new Map([[0, new Uint8Array(32)]]) },
      { pcrs: { 0: new Uint8Array(48) } as unknown as ReadonlyMap<number, Uint8Array> },
      { moduleId: "" },
      { moduleId: "has space" },
      { moduleId: "x".repeat(49) },
      { now: () => Number.NaN },
      { now: () => 1.5 },
      { now: () => -1 },
      { now: "soon" as unknown as () => number },
    ];
    for (const o of bad) expect((await sourceError(() => createNsmEmulator({ production: false, ...o }))).code).toBe("EMULATOR_CONFIG_INVALID");
    let t: unknown = T0;
    const emu = createNsmEmulator({ production: false, now: () => t as number });
    t = "later";
    expect((await sourceError(emu.attest({}))).code).toBe("EMULATOR_CONFIG_INVALID");
  });
});

describe("emulator PKI for hand-made documents", () => {
  it("lets a test sign a document the NSM would never send, e.g. without PCR8", () => {
    const root = createEmulatorRoot(T0);
    const regional = issueBelow(root, "regional", T0);
    const zonal = issueBelow(regional, "zonal", T0);
    const instance = issueBelow(zonal, "instance", T0);
    const leaf = issueBelow(instance, "leaf", T0, "handmade");
    const pcr = (i: number): Uint8Array => new Uint8Array(48).fill(i + 1);
    const payload: CborMap = new Map<string, CborValue>([
      ["module_id", "handmade"],
      ["digest", "SHA384"],
      ["timestamp", T0 + 1000],
      ["pcrs", new Map([0, 1, 2].map((i) => [i, pcr(i)]))],
      ["certificate", leaf.der],
      ["cabundle", [root.der, regional.der, zonal.der, instance.der]],
      ["public_key", null],
      ["user_data", null],
      ["nonce", null],
    ]);
    const doc = signCoseSign1Es384(encodeCbor(payload), leaf.privateKey);
    const pin = createHash("sha256").update(root.der).digest("hex");
    const o = (extra: Partial<VerifyAttestationOptions> = {}): VerifyAttestationOptions => ({ now: new Date(T0 + 2000), rootFingerprintSha256: pin, ...extra });
    expect(outcome(() => verifyAttestationDocument(doc, o({ allowedPcrs: { 0: [hex(pcr(0))], 2: [hex(pcr(2))] } })))).toBe("ACCEPTED");
    expect(outcome(() => verifyAttestationDocument(doc, o({ allowedPcrs: { 8: ["00".repeat(48)] } })))).toBe("PCR_NOT_ALLOWED");
    expect(outcome(() => verifyAttestationDocument(doc, o({ allowedPcrs: { 8: [] } })))).toBe("PCR_NOT_ALLOWED");
  });

  it("refuses to issue out of order", () => {
    const root = createEmulatorRoot(T0);
    expect(() => issueBelow(root, "zonal", T0)).toThrow(/issued by the regional CA/);
    expect(() => issueBelow(root, "leaf", T0)).toThrow(RangeError);
  });
});
