// Admin signatures over KMS-sealed blobs: the exact signed bytes (the envelope scheme with its
// own domain tag), tampering of every field, another key, no cross-use with the envelope
// signature, canonical parsing, and the upload schema's bounds.
import { createHash, generateKeyPairSync, randomBytes, sign } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  ENVELOPE_SIGNATURE_DOMAIN,
  KMS_BLOB_SIGNATURE_DOMAIN,
  KmsUnsealUpload,
  ProvisioningError,
  SignedKmsBlob,
  adminSigningBytes,
  kmsBlobSha256,
  kmsBlobSigningBytes,
  parseKmsSealedBlob,
  signKmsBlob,
  verifyKmsBlobSignature,
  type KmsSealedBlob,
} from "@airlock/core/provisioning";

const b64 = (n: number): string => randomBytes(n).toString("base64");
const blob: KmsSealedBlob = {
  v: 1,
  keyId: "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
  encryptedDataKey: b64(184),
  iv: b64(12),
  ciphertext: b64(300),
};
const admin = generateKeyPairSync("ed25519");
const other = generateKeyPairSync("ed25519");

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof ProvisioningError) return err.code;
    throw err;
  }
  return undefined;
}

describe("blob signing bytes", () => {
  it("are the blob domain tag, a newline and the fields as a JSON array in a fixed order", () => {
    expect(KMS_BLOB_SIGNATURE_DOMAIN).toBe("airlock/kms-sealed-blob-admin-signature/v1");
    const expected = `${KMS_BLOB_SIGNATURE_DOMAIN}\n[1,"${blob.keyId}","${blob.encryptedDataKey}","${blob.iv}","${blob.ciphertext}"]`;
    expect(kmsBlobSigningBytes(blob).toString("utf8")).toBe(expected);
    expect(adminSigningBytes(KMS_BLOB_SIGNATURE_DOMAIN, [1, blob.keyId, blob.encryptedDataKey, blob.iv, blob.ciphertext]).toString("utf8")).toBe(expected);
    const reordered = { ciphertext: blob.ciphertext, iv: blob.iv, encryptedDataKey: blob.encryptedDataKey, keyId: blob.keyId, v: 1 } as KmsSealedBlob;
    expect(kmsBlobSigningBytes(reordered).toString("utf8")).toBe(expected);
    expect(kmsBlobSha256(blob)).toBe(createHash("sha256").update(expected).digest("hex"));
  });

  it("a signature made with node:crypto over those bytes verifies, and signKmsBlob's is that signature", () => {
    const bytes = Buffer.from(`${KMS_BLOB_SIGNATURE_DOMAIN}\n${JSON.stringify([1, blob.keyId, blob.encryptedDataKey, blob.iv, blob.ciphertext])}`);
    const independent = sign(null, bytes, admin.privateKey).toString("base64url");
    expect(() => verifyKmsBlobSignature(blob, independent, admin.publicKey)).not.toThrow();
    // Ed25519 is deterministic: the same key and bytes give the same signature.
    expect(signKmsBlob(blob, admin.privateKey)).toBe(independent);
  });
});

describe("verifyKmsBlobSignature", () => {
  const signature = signKmsBlob(blob, admin.privateKey);

  it("refuses every altered field, another key, and a non-canonical or foreign signature", () => {
    const flip = (s: string): string => {
      const bytes = Buffer.from(s, "base64");
      bytes[0] = (bytes[0] as number) ^ 1;
      return bytes.toString("base64");
    };
    for (const altered of [
      { ...blob, keyId: `${blob.keyId.slice(0, -1)}c` },
      { ...blob, encryptedDataKey: flip(blob.encryptedDataKey) },
      { ...blob, iv: flip(blob.iv) },
      { ...blob, ciphertext: flip(blob.ciphertext) },
    ]) {
      expect(codeOf(() => verifyKmsBlobSignature(altered, signature, admin.publicKey))).toBe("BAD_SIGNATURE");
    }
    expect(codeOf(() => verifyKmsBlobSignature(blob, signKmsBlob(blob, other.privateKey), admin.publicKey))).toBe("BAD_SIGNATURE");
    expect(codeOf(() => verifyKmsBlobSignature(blob, `${signature.slice(0, -1)}${signature.endsWith("A") ? "B" : "A"}`, admin.publicKey))).toBe("BAD_SIGNATURE");
    expect(codeOf(() => verifyKmsBlobSignature(blob, "", admin.publicKey))).toBe("BAD_SIGNATURE");
    // The same fields signed under the envelope's domain tag are not a blob signature.
    const envelopeDomain = sign(null, adminSigningBytes(ENVELOPE_SIGNATURE_DOMAIN, [1, blob.keyId, blob.encryptedDataKey, blob.iv, blob.ciphertext]), admin.privateKey).toString("base64url");
    expect(codeOf(() => verifyKmsBlobSignature(blob, envelopeDomain, admin.publicKey))).toBe("BAD_SIGNATURE");
    expect(codeOf(() => verifyKmsBlobSignature(blob, signature, admin.publicKey))).toBeUndefined();
  });

  it("needs Ed25519 keys of the right kind", () => {
    expect(codeOf(() => verifyKmsBlobSignature(blob, signature, admin.privateKey))).toBe("INVALID_ADMIN_KEY");
    expect(codeOf(() => signKmsBlob(blob, admin.publicKey))).toBe("INVALID_ADMIN_KEY");
    expect(codeOf(() => signKmsBlob(blob, generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey))).toBe("INVALID_ADMIN_KEY");
  });
});

describe("parseKmsSealedBlob and the wire schemas", () => {
  it("refuses anything out of shape or not canonical", () => {
    const variants: unknown[] = [
      { ...blob, v: 2 },
      { ...blob, extra: 1 },
      { ...blob, keyId: "" },
      { ...blob, keyId: "has space" },
      { ...blob, iv: b64(16) },
      { ...blob, iv: "AAAAAAAAAAAAAAA=" }, // 16 characters, 11 bytes
      { ...blob, iv: "AAAAAAAAAAAAAAB=" }, // and spare bits set
      { ...blob, encryptedDataKey: `${blob.encryptedDataKey.slice(0, -4)}` + "AB==" },
      { ...blob, ciphertext: b64(16) }, // a tag and no plaintext
      { ...blob, ciphertext: b64(64 * 1024 + 17) }, // more than a sealed upload may carry
      { ...blob, ciphertext: blob.ciphertext.replace(/=+$/, "") + "A" },
      Object.fromEntries(Object.entries(blob).filter(([k]) => k !== "iv")),
      null,
      [],
    ];
    for (const v of variants) expect(codeOf(() => parseKmsSealedBlob(v)), JSON.stringify(v)?.slice(0, 80)).toBe("MALFORMED_BLOB");
    expect(parseKmsSealedBlob(blob)).toEqual(blob);
    expect(parseKmsSealedBlob({ ...blob, ciphertext: b64(64 * 1024 + 16) }).v).toBe(1);
  });

  it("the signed-blob file and the upload are closed objects; credentials follow the SigV4 rules", () => {
    const signed = { blob, adminSignature: signKmsBlob(blob, admin.privateKey) };
    expect(SignedKmsBlob.safeParse(signed).success).toBe(true);
    expect(SignedKmsBlob.safeParse({ ...signed, note: "x" }).success).toBe(false);
    const creds = { accessKeyId: "AKIAEXAMPLE", secretAccessKey: "secret/with+chars=", sessionToken: "FwoG" };
    expect(KmsUnsealUpload.safeParse({ ...signed, awsCredentials: creds }).success).toBe(true);
    expect(KmsUnsealUpload.safeParse({ ...signed, awsCredentials: { ...creds, sessionToken: undefined } }).success).toBe(true);
    for (const bad of [{ ...creds, accessKeyId: "AKIA EXAMPLE" }, { ...creds, secretAccessKey: "" }, { ...creds, sessionToken: "a\nb" }, { ...creds, region: "us-east-1" }]) {
      const result = KmsUnsealUpload.safeParse({ ...signed, awsCredentials: bad });
      expect(result.success).toBe(false);
      // zod's problems name fields and rules, never a value.
      expect(JSON.stringify(result.error?.flatten())).not.toContain(creds.secretAccessKey);
    }
    expect(KmsUnsealUpload.safeParse(signed).success).toBe(false);
  });
});
