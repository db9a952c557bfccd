// The stored blob format and its AES-256-GCM layer, without KMS.
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { KmsSealError, kmsSeal } from "../../src/enclave/kms/index.js";
import { MAX_SEALED_PLAINTEXT_BYTES, openWithDataKey, parseSealedBlob, sealWithDataKey, serializeSealedBlob } from "../../src/enclave/kms/sealed-blob.js";

const KEY = randomBytes(32);
const ARN = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const WRAPPED = randomBytes(184);
const SECRET = randomBytes(100);

const codeOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    return err instanceof KmsSealError ? err.code : `other: ${String(err)}`;
  }
  return "accepted";
};

describe("sealed blob", () => {
  it("round-trips through JSON and opens with its data key", () => {
    const blob = sealWithDataKey(KEY, ARN, WRAPPED, SECRET);
    const text = serializeSealedBlob(blob);
    expect(Object.keys(JSON.parse(text) as object)).toEqual(["v", "keyId", "encryptedDataKey", "iv", "ciphertext"]);
    expect(text).not.toContain(SECRET.toString("base64"));
    expect(openWithDataKey(KEY, parseSealedBlob(text)).equals(SECRET)).toBe(true);
    expect(openWithDataKey(KEY, parseSealedBlob(Buffer.from(text))).equals(SECRET)).toBe(true);
  });

  it("uses a fresh IV per seal", () => {
    expect(Buffer.from(sealWithDataKey(KEY, ARN, WRAPPED, SECRET).iv).equals(Buffer.from(sealWithDataKey(KEY, ARN, WRAPPED, SECRET).iv))).toBe(false);
  });

  it("binds the key ARN and the wrapped data key (GCM additional data)", () => {
    const blob = sealWithDataKey(KEY, ARN, WRAPPED, SECRET);
    expect(codeOf(() => openWithDataKey(KEY, { ...blob, keyId: `${ARN}x` }))).toBe("SEALED_BLOB_AUTH_FAILED");
    const other = Buffer.from(WRAPPED);
    other[0] = (other[0] as number) ^ 1;
    expect(codeOf(() => openWithDataKey(KEY, { ...blob, encryptedDataKey: other }))).toBe("SEALED_BLOB_AUTH_FAILED");
    expect(codeOf(() => openWithDataKey(randomBytes(32), blob))).toBe("SEALED_BLOB_AUTH_FAILED");
    expect(codeOf(() => openWithDataKey(randomBytes(16), blob))).toBe("DATA_KEY_INVALID");
  });

  it("refuses every member out of shape", () => {
    const good = JSON.parse(serializeSealedBlob(sealWithDataKey(KEY, ARN, WRAPPED, SECRET))) as Record<string, unknown>;
    const variants: Record<string, unknown>[] = [
      { ...good, v: "1" },
      { ...good, v: 2 },
      { ...good, keyId: "" },
      { ...good, keyId: "has space" },
      { ...good, keyId: 5 },
      { ...good, iv: Buffer.alloc(16).toString("base64") },
      { ...good, iv: `${(good["iv"] as string).slice(0, 8)}\n${(good["iv"] as string).slice(8)}` },
      { ...good, ciphertext: "AAAAAAAAAAAAAAAAAAAAAB==" }, // 16 bytes, but non-zero spare bits
      { ...good, encryptedDataKey: "" },
      { ...good, encryptedDataKey: Buffer.alloc(6145).toString("base64") },
      { ...good, ciphertext: Buffer.alloc(15).toString("base64") },
      { ...good, ciphertext: `${good["ciphertext"] as string} ` },
      { ...good, extra: true },
      Object.fromEntries(Object.entries(good).filter(([k]) => k !== "iv")),
    ];
    for (const v of variants) expect(codeOf(() => parseSealedBlob(JSON.stringify(v))), JSON.stringify(v).slice(0, 60)).toBe("SEALED_BLOB_INVALID");
    for (const raw of ["", "null", "[]", "{", Buffer.of(0xff, 0xfe)]) expect(codeOf(() => parseSealedBlob(raw))).toBe("SEALED_BLOB_INVALID");
  });

  it("kmsSeal refuses empty and oversized plaintext before contacting KMS", async () => {
    const kms = { endpoint: "http://127.0.0.1:9", region: "us-east-1", credentials: { accessKeyId: "AKIAFAKE", secretAccessKey: "fake-secret" } };
    for (const plaintext of [new Uint8Array(0), new Uint8Array(MAX_SEALED_PLAINTEXT_BYTES + 1)]) {
      await expect(kmsSeal({ kms, keyId: ARN, plaintext })).rejects.toMatchObject({ code: "OPTIONS_INVALID" });
    }
  });
});
