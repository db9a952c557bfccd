// Admin signatures over sealed envelopes: the exact signed bytes, tampering of every field, the
// wrong key, key parsing (PEM and base64 DER, Ed25519 only) and the upload/answer schemas.
import { createHash, generateKeyPairSync, sign, verify } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  ENVELOPE_SIGNATURE_DOMAIN,
  PROVISION_ROUTE,
  ProvisionAnswer,
  ProvisionUpload,
  ProvisioningError,
  adminKeyIdOf,
  envelopeSigningBytes,
  parseAdminPrivateKey,
  parseAdminPublicKey,
  sealForEnclave,
  signEnvelope,
  verifyEnvelopeSignature,
  type SealedEnvelope,
} from "@airlock/core/provisioning";

const DOC_HASH = createHash("sha256").update("document").digest("hex");
const enclaveKey = new Uint8Array(Buffer.from(generateKeyPairSync("x25519").publicKey.export({ format: "jwk" }).x as string, "base64url"));
const envelope = sealForEnclave({ plaintext: Buffer.from("secret material"), enclavePublicKey: enclaveKey, documentSha256: DOC_HASH });
const admin = generateKeyPairSync("ed25519");

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof ProvisioningError) return err.code;
    throw err;
  }
  return undefined;
}

describe("envelope signing bytes", () => {
  it("are the domain tag, a newline and the fields as a JSON array in a fixed order", () => {
    const expected = `airlock/provisioning-admin-signature/v1\n[1,"${envelope.documentSha256}","${envelope.ephemeralPublicKey}","${envelope.iv}","${envelope.ciphertext}"]`;
    expect(ENVELOPE_SIGNATURE_DOMAIN).toBe("airlock/provisioning-admin-signature/v1");
    expect(envelopeSigningBytes(envelope).toString("utf8")).toBe(expected);
    // Key order of the object does not matter; the serialisation is fixed.
    const reordered = { ciphertext: envelope.ciphertext, iv: envelope.iv, ephemeralPublicKey: envelope.ephemeralPublicKey, documentSha256: envelope.documentSha256, v: 1 } as SealedEnvelope;
    expect(envelopeSigningBytes(reordered).toString("utf8")).toBe(expected);
  });

  it("a signature made independently with node:crypto over those bytes verifies", () => {
    const bytes = Buffer.from(`${ENVELOPE_SIGNATURE_DOMAIN}\n${JSON.stringify([1, envelope.documentSha256, envelope.ephemeralPublicKey, envelope.iv, envelope.ciphertext])}`);
    const sig = sign(null, bytes, admin.privateKey).toString("base64url");
    expect(() => verifyEnvelopeSignature(envelope, sig, admin.publicKey)).not.toThrow();
    // And signEnvelope's output verifies with node:crypto directly.
    expect(verify(null, bytes, admin.publicKey, Buffer.from(signEnvelope(envelope, admin.privateKey), "base64url"))).toBe(true);
  });
});

describe("verifyEnvelopeSignature", () => {
  const signature = signEnvelope(envelope, admin.privateKey);

  it("accepts the admin's signature", () => {
    expect(signature).toMatch(/^[A-Za-z0-9_-]{86}$/);
    expect(() => verifyEnvelopeSignature(envelope, signature, admin.publicKey)).not.toThrow();
  });

  it("refuses every tampered field", () => {
    const other = sealForEnclave({ plaintext: Buffer.from("secret material"), enclavePublicKey: enclaveKey, documentSha256: DOC_HASH });
    const variants: SealedEnvelope[] = [
      { ...envelope, documentSha256: createHash("sha256").update("other").digest("hex") },
      { ...envelope, ephemeralPublicKey: other.ephemeralPublicKey },
      { ...envelope, iv: other.iv },
      { ...envelope, ciphertext: other.ciphertext },
    ];
    for (const v of variants) expect(codeOf(() => verifyEnvelopeSignature(v, signature, admin.publicKey))).toBe("BAD_SIGNATURE");
    expect(codeOf(() => verifyEnvelopeSignature({ ...envelope, v: 2 } as unknown as SealedEnvelope, signature, admin.publicKey))).toBe("MALFORMED_ENVELOPE");
  });

  it("refuses another admin key and malformed signatures", () => {
    const intruder = generateKeyPairSync("ed25519");
    expect(codeOf(() => verifyEnvelopeSignature(envelope, signEnvelope(envelope, intruder.privateKey), admin.publicKey))).toBe("BAD_SIGNATURE");
    expect(codeOf(() => verifyEnvelopeSignature(envelope, signature, intruder.publicKey))).toBe("BAD_SIGNATURE");
    const flipped = (signature[0] === "A" ? "B" : "A") + signature.slice(1);
    for (const bad of [flipped, signature.slice(1), `${signature}A`, signature.replace(/^./, "+"), ""]) {
      expect(codeOf(() => verifyEnvelopeSignature(envelope, bad, admin.publicKey))).toBe("BAD_SIGNATURE");
    }
    // Non-canonical: the last character of 86 carries 4 padding bits.
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const sloppy = signature.slice(0, -1) + alphabet[alphabet.indexOf(signature.at(-1)!) | 1];
    if (sloppy !== signature) expect(codeOf(() => verifyEnvelopeSignature(envelope, sloppy, admin.publicKey))).toBe("BAD_SIGNATURE");
  });

  it("refuses keys of the wrong kind", () => {
    const ec = generateKeyPairSync("ec", { namedCurve: "P-256" });
    expect(codeOf(() => signEnvelope(envelope, admin.publicKey))).toBe("INVALID_ADMIN_KEY");
    expect(codeOf(() => signEnvelope(envelope, ec.privateKey))).toBe("INVALID_ADMIN_KEY");
    expect(codeOf(() => verifyEnvelopeSignature(envelope, signature, admin.privateKey))).toBe("INVALID_ADMIN_KEY");
    expect(codeOf(() => verifyEnvelopeSignature(envelope, signature, ec.publicKey))).toBe("INVALID_ADMIN_KEY");
  });
});

describe("admin key parsing", () => {
  const pem = admin.publicKey.export({ format: "pem", type: "spki" }) as string;
  const der = (admin.publicKey.export({ format: "der", type: "spki" }) as Buffer).toString("base64");

  it("reads SPKI PEM and base64 DER to the same key", () => {
    const a = parseAdminPublicKey(pem);
    const b = parseAdminPublicKey(der);
    const c = parseAdminPublicKey(`  ${der}\n`);
    expect(adminKeyIdOf(a)).toBe(adminKeyIdOf(b));
    expect(adminKeyIdOf(c)).toBe(adminKeyIdOf(b));
    expect(adminKeyIdOf(a)).toBe(createHash("sha256").update(admin.publicKey.export({ format: "der", type: "spki" })).digest("hex"));
  });

  it("refuses private keys, other algorithms and garbage, without quoting them", () => {
    const privatePem = admin.privateKey.export({ format: "pem", type: "pkcs8" }) as string;
    const rsa = generateKeyPairSync("rsa", { modulusLength: 1024 }).publicKey.export({ format: "pem", type: "spki" }) as string;
    const x25519 = (generateKeyPairSync("x25519").publicKey.export({ format: "der", type: "spki" }) as Buffer).toString("base64");
    for (const bad of [privatePem, rsa, x25519, "", "not a key", `${der}=`, der.replace(/.$/, "*"), "A".repeat(5000)]) {
      try {
        parseAdminPublicKey(bad);
        expect.unreachable("accepted a bad admin public key");
      } catch (err) {
        expect(err).toBeInstanceOf(ProvisioningError);
        expect((err as ProvisioningError).code).toBe("INVALID_ADMIN_KEY");
        if (bad.length > 8) expect((err as Error).message).not.toContain(bad.slice(0, 40));
      }
    }
  });

  it("reads a PKCS#8 PEM private key and refuses anything else", () => {
    const privatePem = admin.privateKey.export({ format: "pem", type: "pkcs8" }) as string;
    const key = parseAdminPrivateKey(privatePem);
    expect(() => verifyEnvelopeSignature(envelope, signEnvelope(envelope, key), admin.publicKey)).not.toThrow();
    const ecPem = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ format: "pem", type: "pkcs8" }) as string;
    for (const bad of [pem, ecPem, "", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"]) {
      expect(codeOf(() => parseAdminPrivateKey(bad))).toBe("INVALID_ADMIN_KEY");
    }
  });
});

describe("provision wire schemas", () => {
  it("the upload is strict", () => {
    const upload = { v: 1, envelope, adminSignature: signEnvelope(envelope, admin.privateKey) };
    expect(ProvisionUpload.safeParse(upload).success).toBe(true);
    expect(ProvisionUpload.safeParse({ ...upload, extra: true }).success).toBe(false);
    expect(ProvisionUpload.safeParse({ ...upload, envelope: { ...envelope, extra: 1 } }).success).toBe(false);
    expect(ProvisionUpload.safeParse({ ...upload, adminSignature: "abc" }).success).toBe(false);
    expect(PROVISION_ROUTE).toBe("/v1/admin/provision");
  });

  it("the answer names ids and public keys only, strictly", () => {
    const answer = {
      requestId: "r1",
      documentSha256: DOC_HASH,
      policyHash: DOC_HASH,
      adminKeyId: DOC_HASH,
      keys: [{ keyId: "default", sessionPublicKey: "0x1234" }],
      clients: ["agent"],
      exchangeAccounts: [{ account: "binance-main", venue: "binance", environment: "testnet" }],
    };
    expect(ProvisionAnswer.safeParse(answer).success).toBe(true);
    expect(ProvisionAnswer.safeParse({ ...answer, keys: [{ keyId: "default", sessionPublicKey: "0x1234", privateKey: "0x1" }] }).success).toBe(false);
    expect(ProvisionAnswer.safeParse({ ...answer, secrets: [] }).success).toBe(false);
    expect(ProvisionAnswer.safeParse({ ...answer, clients: [{ clientId: "agent", hmacSecret: "x".repeat(32) }] }).success).toBe(false);
  });
});
