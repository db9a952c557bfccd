// The CiphertextForRecipient reader: a real KMS answer (known answer), the fake KMS's output in
// both encodings, and hand-built malformed variants (OIDs, versions, truncation, trailing bytes,
// BER rule violations, padding, wrong RSA key).
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, type KeyObject } from "node:crypto";
import { describe, expect, it } from "vitest";
import { openEnvelopedData, parseEnvelopedData, CmsError } from "../../src/enclave/kms/cms-enveloped-data.js";
import { buildCiphertextForRecipient, indefinite, OIDS, oid, tlv, type CmsBuildOptions } from "../../../../test/support/fake-kms.js";
import { ENCLAVER_CIPHERTEXT_FOR_RECIPIENT_B64, ENCLAVER_PLAINTEXT_HEX, ENCLAVER_TEST_RSA_KEY_PEM } from "./fixtures/enclaver-kms-sample.js";

const SAMPLE = Buffer.from(ENCLAVER_CIPHERTEXT_FOR_RECIPIENT_B64, "base64");
const SAMPLE_KEY = createPrivateKey(ENCLAVER_TEST_RSA_KEY_PEM);
const SAMPLE_SPKI = new Uint8Array(createPublicKey(SAMPLE_KEY).export({ type: "spki", format: "der" }));

function rsa(): { privateKey: KeyObject; spki: Uint8Array } {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return { privateKey, spki: new Uint8Array(publicKey.export({ type: "spki", format: "der" })) };
}
const ME = rsa();
const OTHER = rsa();
const DATA_KEY = randomBytes(32);

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof CmsError) return err.code;
    return `not a CmsError: ${String(err)}`;
  }
  return "accepted";
}

const open = (bytes: Uint8Array, who = ME): Buffer => openEnvelopedData(bytes, { privateKey: who.privateKey, recipientSpki: who.spki });
const build = (opts: CmsBuildOptions = {}, content: Uint8Array = DATA_KEY, to = ME.spki): Buffer => buildCiphertextForRecipient(content, to, opts);

describe("CiphertextForRecipient: a real KMS answer (edgebitio/enclaver test vector)", () => {
  it("parses KMS's BER layout and recovers the published data key", () => {
    const parts = parseEnvelopedData(SAMPLE);
    // rid is SHA-256 of the recipient SPKI: this is how KMS addresses the enclave key.
    expect(Buffer.from(parts.recipientKeyId).equals(createHash("sha256").update(SAMPLE_SPKI).digest())).toBe(true);
    expect(Buffer.from(parts.iv).toString("hex")).toBe("432bffaba264af82ce07c9bebeb52531");
    expect(parts.encryptedKey).toHaveLength(256);
    expect(parts.encryptedContent).toHaveLength(48);
    expect(openEnvelopedData(SAMPLE, { privateKey: SAMPLE_KEY, recipientSpki: SAMPLE_SPKI }).toString("hex")).toBe(ENCLAVER_PLAINTEXT_HEX);
  });

  it("the fake KMS reproduces KMS's layout byte for byte (same key, IV and wrapped key)", () => {
    const parts = parseEnvelopedData(SAMPLE);
    // The content key, recovered once from the sample, lets the fake rebuild it exactly.
    const cek = Buffer.from("e869358cd1b64ae7fc55a777845fb536360f6be78f8f3fc445497ee8c01a9ab7", "hex");
    const rebuilt = buildCiphertextForRecipient(Buffer.from(ENCLAVER_PLAINTEXT_HEX, "hex"), SAMPLE_SPKI, { cek, iv: parts.iv });
    const at = rebuilt.indexOf(Buffer.from("04820100", "hex")) + 4;
    Buffer.from(parts.encryptedKey).copy(rebuilt, at); // RSA-OAEP is randomised: splice in the sample's
    expect(rebuilt.toString("hex")).toBe(SAMPLE.toString("hex"));
  });

  it("no single-byte change yields the original content silently", () => {
    const original = Buffer.from(ENCLAVER_PLAINTEXT_HEX, "hex");
    for (let i = 0; i < SAMPLE.length; i++) {
      const flipped = Buffer.from(SAMPLE);
      flipped[i] = (flipped[i] as number) ^ 0x01;
      let out: Buffer | undefined;
      try {
        out = openEnvelopedData(flipped, { privateKey: SAMPLE_KEY, recipientSpki: SAMPLE_SPKI });
      } catch (err) {
        expect(err, `byte ${i}`).toBeInstanceOf(CmsError);
      }
      // CBC has no integrity: a flip in the IV or ciphertext may decrypt to other bytes; the
      // sealed blob's GCM tag catches that one layer up. It must never decrypt to the original.
      if (out !== undefined) expect(out.equals(original), `byte ${i}`).toBe(false);
    }
  });
});

describe("CiphertextForRecipient: the fake KMS's output", () => {
  it.each(["kms-ber", "der"] as const)("opens %s", (encoding) => {
    expect(open(build({ encoding })).equals(DATA_KEY)).toBe(true);
  });

  it("opens chunked encryptedContent and content of several blocks", () => {
    const content = randomBytes(100);
    expect(open(build({ chunkSize: 16 }, content)).equals(content)).toBe(true);
    expect(open(build({ chunkSize: 5 }, content)).equals(content)).toBe(true);
    expect(open(build({ encoding: "der" }, Buffer.alloc(16, 7))).equals(Buffer.alloc(16, 7))).toBe(true);
  });
});

describe("CiphertextForRecipient: malformed variants are refused", () => {
  it.each([
    ["contentType", { contentType: OIDS.data }],
    ["EncryptedContentInfo contentType", { dataType: OIDS.envelopedData }],
    ["keyEncryptionAlgorithm (rsaEncryption, PKCS#1 v1.5)", { keyEncryption: "1.2.840.113549.1.1.1" }],
    ["OAEP hash SHA-1", { oaepHash: OIDS.sha1 }],
    ["mask generation function", { mgf: "1.2.840.113549.1.1.9" }],
    ["MGF1 hash SHA-1", { mgfHash: OIDS.sha1 }],
    ["content cipher AES-128-CBC", { contentEncryption: OIDS.aes128Cbc }],
  ])("wrong OID: %s", (_what, oids) => {
    for (const encoding of ["kms-ber", "der"] as const) expect(codeOf(() => open(build({ encoding, oids })))).toBe("CMS_MALFORMED");
  });

  it.each([
    ["EnvelopedData version 0", { envelopedVersion: 0 }],
    ["EnvelopedData version 3", { envelopedVersion: 3 }],
    ["KeyTransRecipientInfo version 0", { recipientVersion: 0 }],
  ])("wrong version: %s", (_what, opts) => {
    expect(codeOf(() => open(build(opts)))).toBe("CMS_MALFORMED");
  });

  it("refuses every truncation", () => {
    for (const encoding of ["kms-ber", "der"] as const) {
      const full = build({ encoding });
      for (let n = 0; n < full.length; n++) expect(codeOf(() => open(full.subarray(0, n))), `${encoding} cut at ${n}`).toBe("CMS_MALFORMED");
    }
  });

  it("refuses trailing bytes", () => {
    for (const tail of [Buffer.of(0), Buffer.of(0, 0), Buffer.of(0x30, 0x00), randomBytes(7)]) {
      expect(codeOf(() => open(Buffer.concat([build(), tail])))).toBe("CMS_MALFORMED");
      expect(codeOf(() => open(Buffer.concat([build({ encoding: "der" }), tail])))).toBe("CMS_MALFORMED");
    }
    expect(codeOf(() => open(Buffer.concat([SAMPLE, Buffer.of(0, 0)])))).toBe("CMS_MALFORMED");
  });

  it("refuses an IV that is not 16 bytes and a rid of absurd length", () => {
    for (const n of [0, 8, 12, 15, 17, 32]) {
      const p = pieces(n);
      expect(codeOf(() => open(p.envelope([p.version, p.recipients, p.eci])))).toBe("CMS_MALFORMED");
    }
    expect(codeOf(() => open(build({ rid: new Uint8Array(0) })))).toBe("CMS_MALFORMED");
    expect(codeOf(() => open(build({ rid: new Uint8Array(65) })))).toBe("CMS_MALFORMED");
  });

  it("refuses extra or missing structure", () => {
    const der = pieces();
    // unprotectedAttrs [1] appended to EnvelopedData; originatorInfo [0] prepended; two recipients.
    expect(codeOf(() => open(der.envelope([der.version, der.recipients, der.eci, tlv(0xa1, tlv(0x30))])))).toBe("CMS_MALFORMED");
    expect(codeOf(() => open(der.envelope([der.version, tlv(0xa0, tlv(0x30)), der.recipients, der.eci])))).toBe("CMS_MALFORMED");
    expect(codeOf(() => open(der.envelope([der.version, tlv(0x31, der.ktri, der.ktri), der.eci])))).toBe("CMS_MALFORMED");
    expect(codeOf(() => open(der.envelope([der.version, der.recipients])))).toBe("CMS_MALFORMED");
  });

  it("refuses BER the reader does not allow, for the stated reason", () => {
    const cases: [Buffer, RegExp][] = [
      [Buffer.concat([Buffer.of(0x30, 0x81, 0x04), oid("1.2.3")]), /non-minimal length/],
      [Buffer.concat([Buffer.of(0x30, 0x82, 0x00, 0x04), oid("1.2.3")]), /non-minimal length/],
      [Buffer.of(0x30, 0x80, 0x04, 0x80, 0x00, 0x00, 0x00, 0x00), /indefinite length on a primitive/],
      [Buffer.of(0x1f, 0x81, 0x00, 0x00), /multi-byte tags/],
      [Buffer.of(0x30, 0x02, 0x00, 0x00), /unexpected end-of-contents/],
      [Buffer.of(0x30, 0x80, 0x00, 0x01), /malformed end-of-contents/],
      [Buffer.of(0x30, 0x85, 0x01, 0x00, 0x00, 0x00, 0x00), /length too large/],
      [Buffer.of(0x30, 0xff), /reserved length octet/],
      [Buffer.concat([Buffer.from("3080".repeat(20), "hex"), Buffer.alloc(40, 0)]), /nesting too deep/],
      [Buffer.concat([Buffer.of(0x04, 0x83, 0x01, 0x00, 0x00), Buffer.alloc(65536)]), /input exceeds/],
      [Buffer.concat([Buffer.of(0x30, 0x80), Buffer.from("0500".repeat(200), "hex"), Buffer.of(0, 0)]), /too many elements/],
      [Buffer.of(0x30, 0x03, 0x04, 0x02, 0x00), /content shorter than its length/],
    ];
    for (const [bad, why] of cases) {
      let err: unknown;
      try {
        parseEnvelopedData(bad);
      } catch (e) {
        err = e;
      }
      expect(err, bad.toString("hex").slice(0, 40)).toBeInstanceOf(CmsError);
      expect((err as CmsError).code).toBe("CMS_MALFORMED");
      expect((err as CmsError).message).toMatch(why);
    }
    // A chunk that is itself constructed (an OCTET STRING 24 80 .. 00 00 inside the [0]) is
    // well-formed BER but not KMS's shape; the extra 00 00 closes the added level.
    const original = build().toString("hex");
    const nested = `${original.replace(/a0800430/, "a08024800430")}0000`;
    expect(nested.length).toBe(original.length + 8);
    expect(() => parseEnvelopedData(Buffer.from(nested, "hex"))).toThrow(/encryptedContent chunk has the wrong type/);
  });

  it("refuses bad PKCS#7 padding", () => {
    const zeros = (c: Uint8Array): Uint8Array => Buffer.concat([c, Buffer.alloc(16 - (c.length % 16))]);
    const seventeen = (c: Uint8Array): Uint8Array => Buffer.concat([c, Buffer.alloc(16, 17)]);
    const mixed = (c: Uint8Array): Uint8Array => Buffer.concat([c, Buffer.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 16, 16)]);
    const noPad = (c: Uint8Array): Uint8Array => c; // 32 bytes of key: last byte is whatever it is
    for (const pad of [zeros, seventeen, mixed]) expect(codeOf(() => open(build({ pad })))).toBe("CMS_DECRYPT_FAILED");
    const key = Buffer.concat([randomBytes(31), Buffer.of(0)]);
    expect(codeOf(() => open(build({ pad: noPad }, key)))).toBe("CMS_DECRYPT_FAILED");
  });

  it("refuses content for another RSA key", () => {
    // Addressed to OTHER (rid = its SPKI hash): refused before any RSA operation.
    expect(codeOf(() => open(build({}, DATA_KEY, OTHER.spki)))).toBe("CMS_WRONG_RECIPIENT");
    // Our rid, but the content key wrapped to OTHER: OAEP fails.
    expect(codeOf(() => open(build({ wrapTo: createPublicKey({ key: Buffer.from(OTHER.spki), format: "der", type: "spki" }) })))).toBe("CMS_UNWRAP_FAILED");
    // Our key, but a 16-byte content key: not AES-256.
    expect(codeOf(() => open(build({ cek: randomBytes(16) })))).toBe("CMS_UNWRAP_FAILED");
  });

  it("error messages carry no key or content bytes", () => {
    const hex = DATA_KEY.toString("hex");
    for (const bad of [build({ pad: (c) => c }), build({}, DATA_KEY, OTHER.spki), build().subarray(0, 100)]) {
      try {
        open(bad);
      } catch (err) {
        expect((err as Error).message).not.toContain(hex);
        expect((err as Error).message).not.toContain(DATA_KEY.toString("base64"));
      }
    }
  });
});

/**
 * The pieces of a CMS addressed to ME, rebuilt with the fake's encoding helpers so that tests
 * can recombine them with extra or missing elements; `ivBytes` shortens or lengthens the IV.
 */
function pieces(ivBytes = 16) {
  const iv = randomBytes(16);
  const reference = parseEnvelopedData(buildCiphertextForRecipient(DATA_KEY, ME.spki, { encoding: "der", iv }));
  const sha = tlv(0x30, oid(OIDS.sha256), Buffer.of(5, 0));
  const alg = tlv(0x30, oid(OIDS.rsaesOaep), tlv(0x30, tlv(0xa0, sha), tlv(0xa1, tlv(0x30, oid(OIDS.mgf1), sha))));
  const ktri = tlv(0x30, tlv(0x02, Buffer.of(2)), tlv(0x80, reference.recipientKeyId), alg, tlv(0x04, reference.encryptedKey));
  const ivOut = Buffer.concat([iv, Buffer.alloc(16)]).subarray(0, ivBytes);
  const eci = tlv(0x30, oid(OIDS.data), tlv(0x30, oid(OIDS.aes256Cbc), tlv(0x04, ivOut)), tlv(0x80, reference.encryptedContent));
  const version = tlv(0x02, Buffer.of(2));
  const recipients = tlv(0x31, ktri);
  const envelope = (items: Buffer[]): Buffer => indefinite(0x30, oid(OIDS.envelopedData), indefinite(0xa0, indefinite(0x30, ...items)));
  // Sanity: recombined unchanged, the pieces open, so each refusal is due to the change alone.
  if (ivBytes === 16) expect(open(envelope([version, recipients, eci])).equals(DATA_KEY)).toBe(true);
  return { version, recipients, eci, ktri, envelope };
}
