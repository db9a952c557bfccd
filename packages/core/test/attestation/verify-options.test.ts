// Verifier policy options allowedPcrs (0/1/2/8) and maxAgeMs, on the real AWS documents with the
// clock pinned inside each document's window, plus validation of the option values themselves.
import { describe, expect, it } from "vitest";
import {
  AttestationError,
  MAX_FUTURE_SKEW_MS,
  verifyAttestationDocument,
  type VerifyAttestationOptions,
} from "@airlock/core/attestation";

import { documentBytes, documentNames as names, documentsPresent as present, expectedDocuments as expected, type ExpectedDocument as Expected } from "./nitro-documents.js";

const pcr = (e: Expected, i: number): string => String(e[`PCR${i}`]);
const other = "ab".repeat(48);

function outcome(doc: Uint8Array, opts: VerifyAttestationOptions): string {
  try {
    verifyAttestationDocument(doc, opts);
  } catch (e) {
    if (e instanceof AttestationError) return e.code;
    throw e;
  }
  return "ACCEPTED";
}

/** Adds colons every byte and uppercases: the same value as a human would paste it. */
const spelled = (h: string): string => (h.toUpperCase().match(/../g) as string[]).join(":");

describe.skipIf(!present)("allowedPcrs and maxAgeMs on the real AWS documents", () => {
  for (const name of names) {
    const e = expected[name] as Expected;
    const doc = documentBytes(name);
    const from = Date.parse(e.chain_valid_from);
    const to = Date.parse(e.chain_valid_to);
    const ts = e.timestamp_ms;
    const base = (extra: Partial<VerifyAttestationOptions> = {}): VerifyAttestationOptions => ({
      now: new Date(ts + 1000),
      allowDebugPcrs: /^0+$/.test(pcr(e, 0)),
      ...extra,
    });

    describe(name, () => {
      it("accepts the document's own PCR0, PCR1, PCR2 and PCR8, however spelled", () => {
        expect(outcome(doc, base({ allowedPcrs: { 0: [other, spelled(pcr(e, 0))] } }))).toBe("ACCEPTED");
        expect(outcome(doc, base({ allowedPcrs: { 1: [pcr(e, 1)], 2: [` ${pcr(e, 2)} `] } }))).toBe("ACCEPTED");
        expect(outcome(doc, base({ allowedPcrs: { 0: [pcr(e, 0)], 1: [pcr(e, 1)], 2: [pcr(e, 2)], 8: [pcr(e, 8)] } }))).toBe("ACCEPTED");
      });

      it("refuses when any one listed PCR differs, and compares the whole value", () => {
        for (const i of [0, 1, 2, 8] as const) {
          const lists = { 0: [pcr(e, 0)], 1: [pcr(e, 1)], 2: [pcr(e, 2)], 8: [pcr(e, 8)] };
          expect(outcome(doc, base({ allowedPcrs: { ...lists, [i]: [other] } }))).toBe("PCR_NOT_ALLOWED");
          expect(outcome(doc, base({ allowedPcrs: { [i]: [] } }))).toBe("PCR_NOT_ALLOWED");
        }
        // A 32-byte prefix of the real 48-byte PCR0 is well-formed but never equal.
        expect(outcome(doc, base({ allowedPcrs: { 0: [pcr(e, 0).slice(0, 64)] } }))).toBe("PCR_NOT_ALLOWED");
        expect(outcome(doc, base({ allowedPcrs: { 0: [pcr(e, 0) + "00".repeat(16)] } }))).toBe("PCR_NOT_ALLOWED");
      });

      it("keeps allowedPcr0 working and requires both when both are given", () => {
        expect(outcome(doc, base({ allowedPcr0: [pcr(e, 0)] }))).toBe("ACCEPTED");
        expect(outcome(doc, base({ allowedPcr0: [pcr(e, 0)], allowedPcrs: { 0: [pcr(e, 0)] } }))).toBe("ACCEPTED");
        expect(outcome(doc, base({ allowedPcr0: [pcr(e, 0)], allowedPcrs: { 0: [other] } }))).toBe("PCR_NOT_ALLOWED");
        expect(outcome(doc, base({ allowedPcr0: [other], allowedPcrs: { 0: [pcr(e, 0)] } }))).toBe("PCR_NOT_ALLOWED");
        expect(outcome(doc, base({ allowedPcr0: [pcr(e, 0)], allowedPcrs: { 1: [other] } }))).toBe("PCR_NOT_ALLOWED");
      });

      it("applies maxAgeMs to the document timestamp", () => {
        expect(outcome(doc, base({ now: new Date(ts + 1000), maxAgeMs: 1000 }))).toBe("ACCEPTED");
        expect(outcome(doc, base({ now: new Date(ts + 1000), maxAgeMs: 999 }))).toBe("STALE");
        expect(outcome(doc, base({ now: new Date(ts), maxAgeMs: 1 }))).toBe("ACCEPTED");
        // Without maxAgeMs an old document is accepted as long as the chain is valid.
        expect(outcome(doc, base({ now: new Date(to) }))).toBe("ACCEPTED");
        expect(outcome(doc, base({ now: new Date(to), maxAgeMs: 60_000 }))).toBe("STALE");
        expect(outcome(doc, base({ now: new Date(to), maxAgeMs: to - ts }))).toBe("ACCEPTED");
        // A future timestamp is tolerated up to the skew bound, when the chain window allows it.
        const skewed = ts - MAX_FUTURE_SKEW_MS;
        if (skewed >= from) {
          expect(outcome(doc, base({ now: new Date(skewed), maxAgeMs: 1000 }))).toBe("ACCEPTED");
          expect(outcome(doc, base({ now: new Date(skewed - 1), maxAgeMs: 1000 }))).toBe("STALE");
        } else {
          expect(outcome(doc, base({ now: new Date(skewed - 1), maxAgeMs: 1000 }))).toBe("EXPIRED"); // chain checked first
        }
      });
    });
  }

  it("exercises the future-skew bound on at least one real document", () => {
    expect(names.some((n) => (expected[n] as Expected).timestamp_ms - MAX_FUTURE_SKEW_MS >= Date.parse((expected[n] as Expected).chain_valid_from))).toBe(true);
  });
});

describe("option validation", () => {
  const junk = Uint8Array.of(0x00); // options are refused before the document is read
  const refused = (opts: Partial<VerifyAttestationOptions> | Record<string, unknown>): void => {
    let err: unknown;
    try {
      verifyAttestationDocument(junk, { now: new Date(), ...opts } as VerifyAttestationOptions);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AttestationError);
    expect((err as AttestationError).code).toBe("FIELD_INVALID");
    expect((err as AttestationError).message).toMatch(/^invalid option: /);
  };

  it("refuses a bad maxAgeMs", () => {
    for (const maxAgeMs of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53, "1000", null]) refused({ maxAgeMs });
  });

  it("refuses malformed PCR allowlists", () => {
    const good = "00".repeat(48);
    refused({ allowedPcrs: null });
    refused({ allowedPcrs: [[good]] });
    refused({ allowedPcrs: new Map([[0, [good]]]) }); // would otherwise enforce nothing
    refused({ allowedPcrs: Object.create({ 0: [good] }) });
    refused({ allowedPcrs: "00" });
    refused({ allowedPcrs: { 3: [good] } });
    refused({ allowedPcrs: { pcr0: [good] } });
    refused({ allowedPcrs: { 0: good } });
    refused({ allowedPcrs: { 0: [1234] } });
    refused({ allowedPcrs: { 1: ["zz".repeat(48)] } });
    refused({ allowedPcrs: { 2: ["0".repeat(95)] } });
    refused({ allowedPcrs: { 8: ["00".repeat(20)] } });
    refused({ allowedPcrs: { 8: ["0x" + good] } });
    refused({ allowedPcr0: ["not hex"] });
    refused({ allowedPcr0: good });
  });

  it("refuses a missing or invalid clock", () => {
    refused({ now: new Date(Number.NaN) });
    refused({ now: Date.now() });
    refused({ now: undefined });
  });

  it("lets well-formed options through to the document checks", () => {
    let err: unknown;
    try {
      verifyAttestationDocument(junk, {
        now: new Date(),
        maxAgeMs: 300_000,
        allowedPcr0: ["00".repeat(32)],
        allowedPcrs: { 0: ["AA:".repeat(47) + "AA"], 1: [], 2: ["00".repeat(64)], 8: ["11".repeat(48)] },
      });
    } catch (e) {
      err = e;
    }
    expect((err as AttestationError).code).toBe("MALFORMED");
  });
});
