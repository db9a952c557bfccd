import { createHash, generateKeyPairSync, sign } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  decodeReceiptHeader,
  encodeReceiptHeader,
  MAX_RECEIPT_HEADER_CHARS,
  receiptKeyFromSpki,
  receiptSigningBytes,
  signedVenueRequestHash,
  verifyReceipt,
  type Receipt,
  type UnsignedReceipt,
} from "@airlock/core/receipts";

const h = (s: string) => createHash("sha256").update(s).digest("hex");

function keyPair() {
  const { publicKey, privateKey } = generateKeyPairSync("ed25519");
  const spki = publicKey.export({ format: "der", type: "spki" });
  return { privateKey, spki, key: receiptKeyFromSpki(spki) };
}

function signed(k: ReturnType<typeof keyPair>, over: Partial<UnsignedReceipt> = {}): Receipt {
  const unsigned: UnsignedReceipt = {
    v: 1,
    alg: "Ed25519",
    receiptKeyId: k.key.receiptKeyId,
    requestId: "3b8f6d1e-0c7a-4d0e-9a51-2f1f3e3c9d10",
    route: "sign.session_transaction",
    clientId: "agent",
    keyId: "default",
    requestHash: h("request"),
    policyHash: h("policy"),
    signedHash: "0x1234abcd",
    responseHash: h("response"),
    status: 200,
    issuedAt: 1_795_000_000_000,
    ...over,
  };
  return { ...unsigned, sig: sign(null, receiptSigningBytes(unsigned), k.privateKey).toString("base64url") };
}

const expected = { requestHash: h("request"), responseHash: h("response"), status: 200, policyHash: h("policy") };

describe("receipts", () => {
  it("signs a domain tag and the fields as one JSON array, in a fixed order", () => {
    const k = keyPair();
    const r = signed(k);
    const { sig: _sig, ...unsigned } = r;
    const text =
      `airlock-receipt-v1\n[1,"Ed25519","${k.key.receiptKeyId}","3b8f6d1e-0c7a-4d0e-9a51-2f1f3e3c9d10","sign.session_transaction","agent","default",` +
      `"${h("request")}","${h("policy")}","0x1234abcd","${h("response")}",200,1795000000000]`;
    expect(receiptSigningBytes(unsigned).toString("utf8")).toBe(text);
    // The key id is the SHA-256 of the SPKI DER.
    expect(k.key.receiptKeyId).toBe(createHash("sha256").update(k.spki).digest("hex"));
  });

  it("verifies a good receipt through its header form", () => {
    const k = keyPair();
    const r = decodeReceiptHeader(encodeReceiptHeader(signed(k)));
    expect(() => verifyReceipt(r, k.key, { ...expected, signedHash: "0x00001234ABCD".toLowerCase() })).not.toThrow();
  });

  it("refuses a receipt whose any field was changed after signing", () => {
    const k = keyPair();
    const r = signed(k);
    const changes: Partial<Receipt>[] = [
      { requestId: "other" },
      { route: "status" },
      { clientId: null },
      { keyId: "other" },
      { policyHash: h("other") },
      { signedHash: null },
      { status: 201 },
      { issuedAt: r.issuedAt + 1 },
    ];
    for (const change of changes) expect(() => verifyReceipt({ ...r, ...change }, k.key, { ...expected, policyHash: change.policyHash ?? expected.policyHash, status: change.status ?? 200 })).toThrow(expect.objectContaining({ code: "BAD_SIGNATURE" }));
    // A flipped signature byte.
    const sig = Buffer.from(r.sig, "base64url");
    sig[10]! ^= 1;
    expect(() => verifyReceipt({ ...r, sig: sig.toString("base64url") }, k.key, expected)).toThrow(expect.objectContaining({ code: "BAD_SIGNATURE" }));
  });

  it("names another key as UNKNOWN_KEY and disagreements as MISMATCH", () => {
    const a = keyPair();
    const b = keyPair();
    expect(() => verifyReceipt(signed(a), b.key, expected)).toThrow(expect.objectContaining({ code: "UNKNOWN_KEY" }));
    // A receipt signed by b but claiming a's key id fails the signature.
    expect(() => verifyReceipt(signed(b, { receiptKeyId: a.key.receiptKeyId }), a.key, expected)).toThrow(expect.objectContaining({ code: "BAD_SIGNATURE" }));
    const r = signed(a);
    expect(() => verifyReceipt(r, a.key, { ...expected, requestHash: h("x") })).toThrow(expect.objectContaining({ code: "MISMATCH" }));
    expect(() => verifyReceipt(r, a.key, { ...expected, responseHash: h("x") })).toThrow(expect.objectContaining({ code: "MISMATCH" }));
    expect(() => verifyReceipt(r, a.key, { ...expected, status: 422 })).toThrow(expect.objectContaining({ code: "MISMATCH" }));
    expect(() => verifyReceipt(r, a.key, { ...expected, policyHash: h("x") })).toThrow(expect.objectContaining({ code: "MISMATCH" }));
    expect(() => verifyReceipt(r, a.key, { ...expected, signedHash: "0x1234abce" })).toThrow(expect.objectContaining({ code: "MISMATCH" }));
  });

  it("parses headers strictly", () => {
    const k = keyPair();
    const good = signed(k);
    const enc = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
    expect(() => decodeReceiptHeader(undefined)).toThrow(expect.objectContaining({ code: "MISSING" }));
    for (const bad of [
      "",
      "a".repeat(MAX_RECEIPT_HEADER_CHARS + 1),
      "not base64!",
      enc({ ...good, extra: 1 }),
      enc({ ...good, v: 2 }),
      enc({ ...good, status: "200" }),
      enc({ ...good, requestHash: good.requestHash.toUpperCase() }),
      enc({ ...good, sig: good.sig.slice(1) }),
      Buffer.from("{not json").toString("base64url"),
    ]) {
      expect(() => decodeReceiptHeader(bad)).toThrow(expect.objectContaining({ code: "MALFORMED" }));
    }
    expect(() => decodeReceiptHeader([encodeReceiptHeader(good), encodeReceiptHeader(good)])).toThrow(expect.objectContaining({ code: "MALFORMED" }));
  });

  it("accepts only Ed25519 SPKI keys", () => {
    const ec = generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey.export({ format: "der", type: "spki" });
    expect(() => receiptKeyFromSpki(ec)).toThrow(expect.objectContaining({ code: "MALFORMED" }));
    expect(() => receiptKeyFromSpki(new Uint8Array([1, 2, 3]))).toThrow(expect.objectContaining({ code: "MALFORMED" }));
  });

  it("hashes a signed venue request with its headers sorted by name", () => {
    const a = signedVenueRequestHash({ method: "POST", url: "https://x.test/o", headers: { b: "2", a: "1" }, body: "q=1" });
    const b = signedVenueRequestHash({ method: "POST", url: "https://x.test/o", headers: { a: "1", b: "2" }, body: "q=1" });
    expect(a).toBe(b);
    expect(a).toBe(h('POST\nhttps://x.test/o\n[["a","1"],["b","2"]]\nq=1'));
    expect(signedVenueRequestHash({ method: "GET", url: "https://x.test/o", headers: {} })).toBe(h("GET\nhttps://x.test/o\n[]\n"));
  });
});
