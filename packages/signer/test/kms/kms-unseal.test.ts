// The whole KMS restart path, end to end: kmsSeal (operator) then kmsUnseal (enclave) against
// the fake KMS, with attestation documents from the NSM emulator checked by the real verifier.
import { createHash, createPublicKey, generateKeyPairSync, randomBytes } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { inspect } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyAttestationDocument } from "@airlock/core/attestation";
import { createNsmEmulator, type NsmEmulator } from "../../src/attestation/nsm-emulator.js";
import type { AttestationSource } from "../../src/attestation/attestation-source.js";
import { kmsSeal, kmsUnseal, KmsSealError, parseSealedBlob, serializeSealedBlob, type KmsClientOptions } from "../../src/enclave/kms/index.js";
import { buildCiphertextForRecipient, startFakeKms, type FakeKms } from "../../../../test/support/fake-kms.js";

// Throwaway credentials, for the fake only.
const CREDS = {
  accessKeyId: "AKIAFAKEKMSTEST00001",
  secretAccessKey: `fake/${randomBytes(24).toString("base64")}`,
  sessionToken: `FwoG${randomBytes(48).toString("base64")}`,
};
const pcr = (label: string): Uint8Array => new Uint8Array(createHash("sha384").update(label).digest());
const GOOD_PCR0 = pcr("airlock enclave image v1");
const OTHER_PCR0 = pcr("airlock enclave image v2");
const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
const OTHER_RSA_SPKI = new Uint8Array(generateKeyPairSync("rsa", { modulusLength: 2048 }).publicKey.export({ type: "spki", format: "der" }));

const emulatorWith = (pcr0: Uint8Array): NsmEmulator => createNsmEmulator({ production: false, pcrs: new Map([[0, pcr0]]) });
// Two enclave images on "the same hardware": the fake trusts both emulator roots, as KMS trusts
// the one AWS root every real enclave chains to.
const IMAGE_V1 = emulatorWith(GOOD_PCR0);
const IMAGE_V2 = emulatorWith(OTHER_PCR0);

interface World {
  fake: FakeKms;
  emulator: NsmEmulator;
  kms: KmsClientOptions;
}

async function world(encoding: "kms-ber" | "der", extra: Partial<Parameters<typeof startFakeKms>[0]> = {}): Promise<World> {
  const emulator = IMAGE_V1;
  const fake = await startFakeKms({
    ...CREDS,
    policy: { imageSha384: hex(GOOD_PCR0) },
    rootFingerprintSha256: [IMAGE_V1.rootFingerprintSha256, IMAGE_V2.rootFingerprintSha256],
    cmsEncoding: encoding,
    ...extra,
  });
  return { fake, emulator, kms: { endpoint: fake.url, region: "us-east-1", credentials: CREDS } };
}

async function failure(p: Promise<unknown>): Promise<KmsSealError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(KmsSealError);
    const e = err as KmsSealError;
    // No failure ever shows a credential, in its message or anywhere in its serialised form.
    const shown = `${e.message} ${inspect(e, { depth: 5 })} ${JSON.stringify(e)}`;
    expect(shown).not.toContain(CREDS.secretAccessKey);
    expect(shown).not.toContain(CREDS.sessionToken);
    return e;
  }
  throw new Error("expected a KmsSealError, but the call succeeded");
}

describe.each(["kms-ber", "der"] as const)("kmsSeal → kmsUnseal (fake KMS answering %s CMS)", (encoding) => {
  let w: World;
  const secret = randomBytes(200);
  beforeAll(async () => {
    w = await world(encoding);
  });
  afterAll(async () => {
    await w.fake.close();
  });

  it("restores the sealed key material in an enclave whose PCR0 the key policy names", async () => {
    const sealed = await kmsSeal({ kms: w.kms, keyId: w.fake.aliasName, plaintext: secret });
    const blob = parseSealedBlob(sealed);
    expect(blob.keyId).toBe(w.fake.keyArn);
    expect(sealed).not.toContain(secret.toString("base64"));

    const restored = await kmsUnseal({ sealed, kms: w.kms, attestation: w.emulator });
    expect(restored.equals(secret)).toBe(true);

    // What went to KMS: a signed Decrypt naming the key, with a Recipient whose document carries
    // an RSA-2048 SPKI and our PCR0; KMS answered a CiphertextForRecipient and no Plaintext.
    const decrypt = w.fake.calls.filter((c) => c.operation === "Decrypt").at(-1);
    expect(decrypt?.outcome).toBe("ok");
    const body = JSON.parse(decrypt?.body ?? "{}") as { KeyId: string; Recipient: { AttestationDocument: string; KeyEncryptionAlgorithm: string } };
    expect(body.KeyId).toBe(w.fake.keyArn);
    expect(body.Recipient.KeyEncryptionAlgorithm).toBe("RSAES_OAEP_SHA_256");
    const doc = verifyAttestationDocument(Buffer.from(body.Recipient.AttestationDocument, "base64"), { now: new Date(), rootFingerprintSha256: w.emulator.rootFingerprintSha256 });
    expect(doc.pcrs.get(0)).toBe(hex(GOOD_PCR0));
    const key = createPublicKey({ key: Buffer.from(doc.publicKey as Uint8Array), format: "der", type: "spki" });
    expect(key.asymmetricKeyType).toBe("rsa");
    expect(key.asymmetricKeyDetails?.modulusLength).toBe(2048);
    expect(decrypt?.headers["authorization"]).toMatch(/SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target,/);
    expect(decrypt?.body).not.toContain(CREDS.secretAccessKey);
  });

  it("uses a fresh recipient key for every restart", async () => {
    const sealed = await kmsSeal({ kms: w.kms, keyId: w.fake.keyArn, plaintext: secret });
    await kmsUnseal({ sealed, kms: w.kms, attestation: w.emulator });
    await kmsUnseal({ sealed, kms: w.kms, attestation: w.emulator });
    const keys = w.fake.calls
      .filter((c) => c.operation === "Decrypt" && c.outcome === "ok")
      .slice(-2)
      .map((c) => {
        const doc = Buffer.from((JSON.parse(c.body) as { Recipient: { AttestationDocument: string } }).Recipient.AttestationDocument, "base64");
        return hex(verifyAttestationDocument(doc, { now: new Date(), rootFingerprintSha256: w.emulator.rootFingerprintSha256 }).publicKey as Uint8Array);
      });
    expect(keys).toHaveLength(2);
    expect(keys[0]).not.toBe(keys[1]);
  });
});

describe("kmsUnseal fails closed", () => {
  let w: World;
  let sealed: string;
  const secret = randomBytes(64);
  beforeAll(async () => {
    w = await world("kms-ber");
    sealed = await kmsSeal({ kms: w.kms, keyId: w.fake.aliasName, plaintext: secret });
  });
  afterAll(async () => {
    await w.fake.close();
  });

  it("refuses an enclave whose PCR0 is not in the key policy", async () => {
    const e = await failure(kmsUnseal({ sealed, kms: w.kms, attestation: IMAGE_V2 }));
    expect(e.code).toBe("KMS_FAILED");
    expect(e.kmsCode).toBe("ACCESS_DENIED");
    expect(e.retryable).toBe(false);
    expect(w.fake.calls.at(-1)?.outcome).toBe("AccessDeniedException");
  });

  it("follows a PCR0 rotation of the key policy: the new image opens, the old one no longer does", async () => {
    try {
      w.fake.setPolicy({ imageSha384: hex(OTHER_PCR0).toUpperCase() });
      const restored = await kmsUnseal({ sealed, kms: w.kms, attestation: IMAGE_V2 });
      expect(restored.equals(secret)).toBe(true);
      expect((await failure(kmsUnseal({ sealed, kms: w.kms, attestation: w.emulator }))).kmsCode).toBe("ACCESS_DENIED");
    } finally {
      w.fake.setPolicy({ imageSha384: hex(GOOD_PCR0) });
    }
  });

  it("refuses a document KMS cannot verify (signed by another root)", async () => {
    const stranger = emulatorWith(GOOD_PCR0); // the right PCR0, but a root the fake does not trust
    const e = await failure(kmsUnseal({ sealed, kms: w.kms, attestation: stranger }));
    expect(e.code).toBe("KMS_FAILED");
    expect(e.kmsCode).toBe("REQUEST_REJECTED");
    expect(w.fake.calls.at(-1)?.outcome).toBe("ValidationException");
  });

  it("refuses a tampered blob", async () => {
    const blob = parseSealedBlob(sealed);
    const flip = (b: Uint8Array, i: number): Uint8Array => {
      const c = Uint8Array.from(b);
      c[i] = (c[i] as number) ^ 0x01;
      return c;
    };
    const other = parseSealedBlob(await kmsSeal({ kms: w.kms, keyId: w.fake.aliasName, plaintext: secret }));
    const cases: [string, string, string, string?][] = [
      ["ciphertext", serializeSealedBlob({ ...blob, ciphertext: flip(blob.ciphertext, 3) }), "SEALED_BLOB_AUTH_FAILED"],
      ["tag", serializeSealedBlob({ ...blob, ciphertext: flip(blob.ciphertext, blob.ciphertext.length - 1) }), "SEALED_BLOB_AUTH_FAILED"],
      ["iv", serializeSealedBlob({ ...blob, iv: flip(blob.iv, 0) }), "SEALED_BLOB_AUTH_FAILED"],
      ["data key of another seal", serializeSealedBlob({ ...blob, encryptedDataKey: other.encryptedDataKey }), "SEALED_BLOB_AUTH_FAILED"],
      ["encrypted data key", serializeSealedBlob({ ...blob, encryptedDataKey: flip(blob.encryptedDataKey, 40) }), "KMS_FAILED", "INVALID_CIPHERTEXT"],
      ["key id (unknown key)", serializeSealedBlob({ ...blob, keyId: `${blob.keyId}0` }), "KMS_FAILED", "NOT_FOUND"],
      ["key id (same key, other spelling)", serializeSealedBlob({ ...blob, keyId: w.fake.keyUuid }), "KMS_KEY_MISMATCH"],
      ["version", sealed.replace('"v":1', '"v":2'), "SEALED_BLOB_INVALID"],
      ["extra member", sealed.replace('"v":1', '"v":1,"x":0'), "SEALED_BLOB_INVALID"],
      ["non-canonical base64", sealed.replace(/"iv":"([^"]+)"/, '"iv":"$1\\n"'), "SEALED_BLOB_INVALID"],
      ["not JSON", sealed.slice(0, -1), "SEALED_BLOB_INVALID"],
    ];
    for (const [what, text, code, kmsCode] of cases) {
      const e = await failure(kmsUnseal({ sealed: text, kms: w.kms, attestation: w.emulator }));
      expect(e.code, what).toBe(code);
      if (kmsCode !== undefined) expect(e.kmsCode, what).toBe(kmsCode);
    }
    // Untampered, the same blob still opens (so each refusal above is the tampering's doing).
    expect((await kmsUnseal({ sealed: serializeSealedBlob(blob), kms: w.kms, attestation: w.emulator })).equals(secret)).toBe(true);
  });

  it("fails closed when KMS is unreachable", async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const e = await failure(kmsUnseal({ sealed, kms: { ...w.kms, endpoint: `http://127.0.0.1:${port}` }, attestation: w.emulator }));
    expect(e.code).toBe("KMS_FAILED");
    expect(e.kmsCode).toBe("UNREACHABLE");
    expect(e.retryable).toBe(true);
  });

  it("fails closed when KMS does not answer in time", async () => {
    const silent = createServer(() => undefined); // accepts, never answers
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    try {
      const port = (silent.address() as AddressInfo).port;
      const e = await failure(kmsUnseal({ sealed, kms: { ...w.kms, endpoint: `http://127.0.0.1:${port}`, timeoutMs: 200 }, attestation: w.emulator }));
      expect(e.kmsCode).toBe("UNREACHABLE");
    } finally {
      silent.closeAllConnections();
      await new Promise<void>((r) => silent.close(() => r()));
    }
  });

  it.each([
    ["a wrong secret key", { ...CREDS, secretAccessKey: `${CREDS.secretAccessKey}x` }, "InvalidSignatureException"],
    ["an unknown access key id", { ...CREDS, accessKeyId: "AKIAFAKEKMSTEST00002" }, "UnrecognizedClientException"],
    ["a wrong session token", { ...CREDS, sessionToken: `${CREDS.sessionToken}x` }, "UnrecognizedClientException"],
    ["no session token", { accessKeyId: CREDS.accessKeyId, secretAccessKey: CREDS.secretAccessKey }, "UnrecognizedClientException"],
  ])("refuses %s", async (_what, credentials, awsType) => {
    const e = await failure(kmsUnseal({ sealed, kms: { ...w.kms, credentials }, attestation: w.emulator }));
    expect(e.code).toBe("KMS_FAILED");
    expect(e.kmsCode).toBe("AUTH_FAILED");
    expect(w.fake.calls.at(-1)?.outcome).toBe(awsType);
    expect(e.message).toContain(awsType);
  });

  it("refuses a signing clock outside KMS's window", async () => {
    const skewed = { ...w.kms, clock: () => new Date(Date.now() - 10 * 60_000) };
    expect((await failure(kmsUnseal({ sealed, kms: skewed, attestation: w.emulator }))).kmsCode).toBe("AUTH_FAILED");
    expect(w.fake.calls.at(-1)?.outcome).toBe("InvalidSignatureException");
  });

  it("refuses when the attestation source fails, before asking KMS", async () => {
    const before = w.fake.calls.length;
    const broken: AttestationSource = { kind: "nsm", attest: () => Promise.reject(new Error("no /dev/nsm")) };
    expect((await failure(kmsUnseal({ sealed, kms: w.kms, attestation: broken }))).code).toBe("ATTESTATION_FAILED");
    const empty: AttestationSource = { kind: "nsm", attest: () => Promise.resolve(new Uint8Array(0)) };
    expect((await failure(kmsUnseal({ sealed, kms: w.kms, attestation: empty }))).code).toBe("ATTESTATION_FAILED");
    expect(w.fake.calls.length).toBe(before);
  });

  it("refuses bad options before any network call", async () => {
    const before = w.fake.calls.length;
    const bad: KmsClientOptions[] = [
      { ...w.kms, endpoint: "http://10.0.0.1:443" },
      { ...w.kms, endpoint: `${w.fake.url}/path` },
      { ...w.kms, credentials: { accessKeyId: "", secretAccessKey: CREDS.secretAccessKey } },
      { ...w.kms, region: "US East" },
    ];
    for (const kms of bad) expect((await failure(kmsUnseal({ sealed, kms, attestation: w.emulator }))).code).toBe("OPTIONS_INVALID");
    expect(w.fake.calls.length).toBe(before);
  });
});

describe("kmsUnseal refuses a hostile KMS answer", () => {
  const secret = randomBytes(32);
  it.each([
    ["a clear Plaintext next to the CiphertextForRecipient", (a: Record<string, unknown>) => ({ ...a, Plaintext: Buffer.alloc(32).toString("base64") }), "KMS_FAILED"],
    ["a KeyId of another key", (a: Record<string, unknown>) => ({ ...a, KeyId: "arn:aws:kms:us-east-1:111122223333:key/00000000-0000-0000-0000-000000000000" }), "KMS_KEY_MISMATCH"],
    ["content enveloped to a key the enclave does not hold", (a: Record<string, unknown>) => ({ ...a, CiphertextForRecipient: otherRecipientCms() }), "RECIPIENT_CIPHERTEXT_INVALID"],
    ["a truncated CiphertextForRecipient", (a: Record<string, unknown>) => ({ ...a, CiphertextForRecipient: Buffer.from(a["CiphertextForRecipient"] as string, "base64").subarray(0, 200).toString("base64") }), "RECIPIENT_CIPHERTEXT_INVALID"],
    ["no CiphertextForRecipient", (a: Record<string, unknown>) => ({ KeyId: a["KeyId"] }), "KMS_FAILED"],
  ])("%s", async (_what, tamper, code) => {
    const w = await world("kms-ber", { tamper: (op, answer) => (op === "Decrypt" ? tamper(answer) : answer) });
    try {
      const sealed = await kmsSeal({ kms: w.kms, keyId: w.fake.aliasName, plaintext: secret });
      const e = await failure(kmsUnseal({ sealed, kms: w.kms, attestation: w.emulator }));
      expect(e.code).toBe(code);
      if (code === "KMS_FAILED") expect(e.kmsCode).toBe("RESPONSE_INVALID");
    } finally {
      await w.fake.close();
    }
  });

  it("a wrong data key enveloped correctly is caught by the sealed blob's tag", async () => {
    // KMS (or whoever answers for it) envelopes a data key of its choosing to our real recipient key.
    const w = await world("kms-ber", {
      tamper: (op, answer) => {
        if (op !== "Decrypt") return answer;
        return { ...answer, CiphertextForRecipient: buildCiphertextForRecipient(randomBytes(32), lastRecipientSpki(w)).toString("base64") };
      },
    });
    try {
      const sealed = await kmsSeal({ kms: w.kms, keyId: w.fake.aliasName, plaintext: secret });
      expect((await failure(kmsUnseal({ sealed, kms: w.kms, attestation: w.emulator }))).code).toBe("SEALED_BLOB_AUTH_FAILED");
    } finally {
      await w.fake.close();
    }
  });
});

/** A CMS to a fresh RSA key (not the enclave's): the enclave must refuse it. */
function otherRecipientCms(): string {
  return buildCiphertextForRecipient(randomBytes(32), OTHER_RSA_SPKI).toString("base64");
}

/** The recipient SPKI of the Decrypt request the fake is answering (the last call recorded). */
function lastRecipientSpki(w: World): Uint8Array {
  const body = JSON.parse(w.fake.calls.at(-1)?.body ?? "{}") as { Recipient: { AttestationDocument: string } };
  const doc = verifyAttestationDocument(Buffer.from(body.Recipient.AttestationDocument, "base64"), { now: new Date(), rootFingerprintSha256: w.emulator.rootFingerprintSha256 });
  return doc.publicKey as Uint8Array;
}
