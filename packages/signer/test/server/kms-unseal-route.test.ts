// POST /v1/admin/kms-unseal at the HTTP level, against the fake KMS: not enabled without its
// configuration; strict uploads; the admin signature and the configured key checked before any
// KMS call; every KMS, attestation and answer failure fails closed with its own code and
// installs nothing; a success installs exactly the declared secrets once (concurrent unseals
// included), answers with a receipt and is audited without a secret or a credential; both
// admin routes are throttled.
import { createHash, generateKeyPairSync, randomBytes, type KeyObject } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { starkKeyOf } from "@airlock/core/starknet";
import { KMS_UNSEAL_ROUTE, KmsUnsealAnswer, PROVISION_ROUTE, kmsBlobSha256, resolveNitroTrust, signKmsBlob, verifySignerDocument, type KmsSealedBlob } from "@airlock/core/provisioning";
import { decodeReceiptHeader, RECEIPT_HEADER, verifyReceipt } from "@airlock/core/receipts";
import { kmsSeal } from "../../src/enclave/kms/index.js";
import { startFakeKms, type FakeKms } from "../../../../test/support/fake-kms.js";
import {
  auditViolations,
  findSecret,
  FrozenClock,
  newClient,
  newKey,
  PATHS,
  plainRequest,
  rawRequest,
  sessionRequest,
  sidecarEnv,
  signedRequest,
  startTestSidecar,
  startedSidecars,
  type Reply,
  type TestSidecar,
} from "../../../../test/support/sidecar-harness.js";
import { expectError } from "./server-test-kit.js";
import { enclaveEnv } from "../../../../test/support/enclave-env.js";

const PCR0 = "c3".repeat(48);
const agent = newClient("agent");
const key = newKey("default");
const admin = generateKeyPairSync("ed25519");
const intruder = generateKeyPairSync("ed25519");
// Throwaway credentials, for the fake only.
const CREDS = { accessKeyId: "AKIAROUTETEST0000001", secretAccessKey: `route/${randomBytes(24).toString("base64")}`, sessionToken: `FwoG${randomBytes(40).toString("base64")}` };
const SECRETS = [key.privateKeyHex, agent.secret, CREDS.secretAccessKey, CREDS.sessionToken];

let fake: FakeKms;
/** Rewrites the fake's Decrypt answers while set (hostile-KMS cases). */
let tamper: ((answer: Record<string, unknown>) => Record<string, unknown>) | undefined;
const replies: Reply[] = [];

function env(extra: Record<string, string> = {}): Record<string, string> {
  return enclaveEnv({
    clients: [agent],
    pcrs: { 0: PCR0 },
    provisioning: { admin: admin.publicKey, keyIds: ["default"] },
    extra: {
      AIRLOCK_KMS_KEY_ID: fake.keyArn,
      AIRLOCK_KMS_REGION: "us-east-1",
      AIRLOCK_KMS_ENDPOINT: fake.url,
      ...extra,
    },
  });
}

/** A sidecar whose emulator root the fake KMS trusts (as KMS trusts AWS's root). */
async function sidecar(extra: Record<string, string> = {}, opts: { now?: () => number } = {}): Promise<TestSidecar> {
  const sc = await startTestSidecar(env(extra), opts);
  fake.trustRoot(sc.emulatorRootFingerprintSha256!);
  return sc;
}

function bundle(overrides: Record<string, unknown> = {}): Buffer {
  return Buffer.from(JSON.stringify({ v: 1, keys: [{ keyId: "default", privateKey: key.privateKeyHex }], clients: [{ clientId: agent.id, hmacSecret: agent.secret }], exchangeAccounts: [], ...overrides }));
}

async function seal(plaintext: Buffer = bundle()): Promise<KmsSealedBlob> {
  return JSON.parse(await kmsSeal({ kms: { endpoint: fake.url, region: "us-east-1", credentials: CREDS }, keyId: fake.keyArn, plaintext })) as KmsSealedBlob;
}

function uploadBody(blob: KmsSealedBlob, signer: KeyObject = admin.privateKey, awsCredentials: Record<string, string> = CREDS): string {
  return JSON.stringify({ blob, adminSignature: signKmsBlob(blob, signer), awsCredentials });
}

async function unseal(sc: TestSidecar, body: string, contentType = "application/json"): Promise<Reply> {
  const reply = await rawRequest(sc, { method: "POST", path: KMS_UNSEAL_ROUTE, headers: { "content-type": contentType }, body });
  replies.push(reply);
  return reply;
}

/** Runs `fn` and returns how many requests reached the fake KMS meanwhile. */
async function kmsCallsDuring(fn: () => Promise<unknown>): Promise<number> {
  const before = fake.calls.length;
  await fn();
  return fake.calls.length - before;
}

beforeAll(async () => {
  fake = await startFakeKms({
    ...CREDS,
    policy: { imageSha384: PCR0 },
    rootFingerprintSha256: [],
    tamper: (op, answer) => (op === "Decrypt" && tamper !== undefined ? tamper(answer) : answer),
  });
});

afterAll(async () => {
  await Promise.all(startedSidecars().map((s) => s.close()));
  await fake?.close();
});

describe("POST /v1/admin/kms-unseal", () => {
  it("is not enabled without sealed provisioning and AIRLOCK_KMS_KEY_ID; attempts are audited", async () => {
    const keyring = await startTestSidecar(sidecarEnv({ clients: [agent], keys: [key] }));
    const { AIRLOCK_KMS_KEY_ID: _k, AIRLOCK_KMS_REGION: _r, AIRLOCK_KMS_ENDPOINT: _e, ...withoutKms } = env();
    const provisioningOnly = await startTestSidecar(withoutKms);
    for (const sc of [keyring, provisioningOnly]) {
      const reply = await rawRequest(sc, { method: "POST", path: KMS_UNSEAL_ROUTE, headers: { "content-type": "application/json" }, body: "{}" });
      expectError(reply, 404, "KMS_UNSEAL_NOT_ENABLED");
      expect(sc.auditLines().map((l) => l.event)).toEqual(["admin.kms_unseal.kms_unseal_not_enabled"]);
      expect(auditViolations(sc)).toEqual([]);
    }
  });

  it("refuses malformed uploads, a foreign or missing admin signature and a blob for another key, all before any KMS call", async () => {
    const sc = await sidecar();
    const blob = await seal();
    const good = JSON.parse(uploadBody(blob)) as Record<string, unknown>;
    const calls = await kmsCallsDuring(async () => {
      expectError(await rawRequest(sc, { method: "GET", path: KMS_UNSEAL_ROUTE }), 405, "METHOD_NOT_ALLOWED");
      expectError(await unseal(sc, uploadBody(blob), "text/plain"), 415, "UNSUPPORTED_MEDIA_TYPE");
      expectError(await unseal(sc, "{"), 400, "MALFORMED_JSON");
      expectError(await unseal(sc, uploadBody(blob).replace('{"blob":', '{"blob":{},"blob":')), 400, "MALFORMED_JSON");
      expectError(await unseal(sc, JSON.stringify({ ...good, extra: 1 })), 400, "INVALID_PAYLOAD");
      expectError(await unseal(sc, JSON.stringify({ blob, awsCredentials: CREDS })), 400, "INVALID_PAYLOAD");
      expectError(await unseal(sc, JSON.stringify({ ...good, awsCredentials: { ...CREDS, accessKeyId: "AKIA WITH SPACE" } })), 400, "INVALID_PAYLOAD");
      expectError(await unseal(sc, JSON.stringify({ ...good, awsCredentials: { ...CREDS, region: "us-east-1" } })), 400, "INVALID_PAYLOAD");
      // Base64 that is not canonical is refused as such (it is not what was signed).
      expectError(await unseal(sc, JSON.stringify({ ...good, blob: { ...blob, ciphertext: blob.ciphertext.slice(0, -1) } })), 400, "INVALID_PAYLOAD", "the sealed blob is not canonical");
      expectError(await unseal(sc, `{"pad":"${"a".repeat(130 * 1024)}"}`), 413, "BODY_TOO_LARGE");

      expectError(await unseal(sc, uploadBody(blob, intruder.privateKey)), 401, "ADMIN_SIGNATURE_INVALID");
      const flipped = Buffer.from(blob.ciphertext, "base64");
      flipped[5] = (flipped[5] as number) ^ 1;
      expectError(await unseal(sc, JSON.stringify({ ...good, blob: { ...blob, ciphertext: flipped.toString("base64") } })), 401, "ADMIN_SIGNATURE_INVALID");
      // Signed by the admin, but for another key than AIRLOCK_KMS_KEY_ID.
      const otherKey = { ...blob, keyId: fake.keyArn.replace(/[0-9a-f]$/, (c) => (c === "0" ? "1" : "0")) };
      expectError(await unseal(sc, uploadBody(otherKey)), 400, "KMS_BLOB_WRONG_KEY");
    });
    expect(calls).toBe(0);
    const refused = sc.auditLines().find((l) => l.event === "admin.kms_unseal.kms_blob_wrong_key")!;
    expect(refused["details"]).toMatchObject({ kmsKeyId: expect.any(String), blobSha256: expect.stringMatching(/^[0-9a-f]{64}$/), adminKeyId: expect.stringMatching(/^[0-9a-f]{64}$/) });
    // The credentials in a refused upload are not echoed.
    expect(findSecret(replies.map((r) => r.text).join("\n"), SECRETS)).toBeUndefined();
    expect((await plainRequest(sc, PATHS.ready)).status).toBe(503);
    expect(auditViolations(sc)).toEqual([]);
  });

  it("fails closed on every KMS refusal or bad answer, installing nothing", async () => {
    const sc = await sidecar();
    const blob = await seal();

    // The key policy names another PCR0.
    fake.setPolicy({ imageSha384: "d4".repeat(48) });
    try {
      const denied = await unseal(sc, uploadBody(blob));
      expectError(denied, 403, "KMS_REFUSED");
      expect(denied.body["details"]).toEqual({ kmsCode: "ACCESS_DENIED", awsErrorType: "AccessDeniedException" });
      expect(fake.calls.at(-1)).toMatchObject({ operation: "Decrypt", outcome: "AccessDeniedException" });
      // The refusal's receipt names this exact upload.
      expect(decodeReceiptHeader(denied.headers[RECEIPT_HEADER] as string).route).toBe("admin.kms_unseal");
    } finally {
      fake.setPolicy({ imageSha384: PCR0 });
    }

    // Credentials KMS does not know.
    const badCreds = await unseal(sc, uploadBody(blob, admin.privateKey, { ...CREDS, secretAccessKey: `${CREDS.secretAccessKey}x` }));
    expectError(badCreds, 403, "KMS_REFUSED");
    expect(badCreds.body["details"]).toEqual({ kmsCode: "AUTH_FAILED", awsErrorType: "InvalidSignatureException" });

    // Whatever answers for KMS sends content the enclave's RSA key cannot open, or the blob's
    // data key under another wrapping: refused as an unusable answer.
    tamper = (a) => ({ ...a, KeyId: "arn:aws:kms:us-east-1:111122223333:key/00000000-0000-0000-0000-000000000000" });
    try {
      const mismatch = await unseal(sc, uploadBody(blob));
      expectError(mismatch, 502, "KMS_ANSWER_INVALID");
      expect(mismatch.body["details"]).toEqual({ reason: "KMS_KEY_MISMATCH" });
      tamper = (a) => ({ ...a, Plaintext: Buffer.alloc(32).toString("base64") });
      expect((await unseal(sc, uploadBody(blob))).body["details"]).toEqual({ reason: "RESPONSE_INVALID" });
    } finally {
      tamper = undefined;
    }

    // A blob the admin signed although its ciphertext is corrupt: the released data key does not open it.
    const corrupt = Buffer.from(blob.ciphertext, "base64");
    corrupt[0] = (corrupt[0] as number) ^ 1;
    const broken = await unseal(sc, uploadBody({ ...blob, ciphertext: corrupt.toString("base64") }));
    expectError(broken, 502, "KMS_ANSWER_INVALID");
    expect(broken.body["details"]).toEqual({ reason: "SEALED_BLOB_AUTH_FAILED" });

    // Secrets that are not exactly the declared ones.
    const extra = await unseal(sc, uploadBody(await seal(bundle({ keys: [{ keyId: "other", privateKey: key.privateKeyHex }] }))));
    expectError(extra, 400, "PROVISION_SECRETS_INVALID");
    expect((extra.body["details"] as { problems: string[] }).problems).toEqual(["keys: no key for declared keyId default", "keys[0] (keyId other): not a declared key id (AIRLOCK_PROVISIONED_KEY_IDS)"]);

    // Nothing was installed by any of it.
    expect((await plainRequest(sc, PATHS.ready)).status).toBe(503);
    expectError(await signedRequest(sc, { client: agent, body: sessionRequest(sc.now()) }), 503, "KEYS_NOT_PROVISIONED");
    const events = sc.auditLines().map((l) => l.event);
    expect(events.filter((e) => e.startsWith("admin.kms_unseal."))).toEqual([
      "admin.kms_unseal.kms_refused",
      "admin.kms_unseal.kms_refused",
      "admin.kms_unseal.kms_answer_invalid",
      "admin.kms_unseal.kms_answer_invalid",
      "admin.kms_unseal.kms_answer_invalid",
      "admin.kms_unseal.provision_secrets_invalid",
    ]);
    const deniedRecord = sc.auditLines().find((l) => l.event === "admin.kms_unseal.kms_refused")!;
    expect(deniedRecord["details"]).toMatchObject({ kmsCode: "ACCESS_DENIED", code: "KMS_REFUSED", status: 403 });
    expect(auditViolations(sc)).toEqual([]);
  });

  it("fails closed with 503 KMS_UNAVAILABLE when KMS cannot be reached (through the configured forwarder port)", async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const sc = await sidecar({ AIRLOCK_KMS_CONNECT_PORT: String(port) });
    const reply = await unseal(sc, uploadBody(await seal()));
    expectError(reply, 503, "KMS_UNAVAILABLE");
    expect(reply.body["details"]).toEqual({ kmsCode: "UNREACHABLE" });
    expect((await plainRequest(sc, PATHS.ready)).status).toBe(503);
    expect(auditViolations(sc)).toEqual([]);
  });

  it("installs the declared secrets once, with a verified receipt, audited without a secret", async () => {
    const sc = await sidecar();
    const blob = await seal();
    const body = uploadBody(blob);
    const nonce = randomBytes(32);
    const doc = await plainRequest(sc, `/v1/attestation?nonce=${nonce.toString("hex")}`);
    const signer = await verifySignerDocument(Buffer.from(doc.body["document"] as string, "base64"), nonce, resolveNitroTrust({ allowedPcrs: { "0": [PCR0] }, rootFingerprintSha256: sc.emulatorRootFingerprintSha256 }));

    const reply = await unseal(sc, body);
    expect(reply.status).toBe(200);
    const answer = KmsUnsealAnswer.parse(reply.json);
    expect(answer).toMatchObject({
      kmsKeyId: fake.keyArn,
      blobSha256: kmsBlobSha256(blob),
      policyHash: sc.policyHash,
      keys: [{ keyId: "default", sessionPublicKey: `0x${starkKeyOf(key.privateKey).toString(16)}` }],
      clients: [agent.id],
      exchangeAccounts: [],
    });
    const receipt = decodeReceiptHeader(reply.headers[RECEIPT_HEADER] as string);
    expect(receipt.route).toBe("admin.kms_unseal");
    expect(receipt.clientId).toBeNull();
    expect(() =>
      verifyReceipt(receipt, signer.receiptKey, {
        requestHash: createHash("sha256").update(body).digest("hex"),
        responseHash: createHash("sha256").update(reply.text).digest("hex"),
        status: 200,
        policyHash: signer.policyHash,
      }),
    ).not.toThrow();

    const record = sc.auditLines().find((l) => l.event === "admin.kms_unseal.success")!;
    expect(record["details"]).toEqual({
      kmsKeyId: fake.keyArn,
      blobSha256: answer.blobSha256,
      adminKeyId: answer.adminKeyId,
      keys: [`default ${answer.keys[0]!.sessionPublicKey}`],
      clients: [agent.id],
      exchangeAccounts: [],
    });
    expect(sc.logLines().some((l) => l.includes('"event":"provisioning.installed"'))).toBe(true);

    // The client signs with the unsealed secret and key.
    const signed = await signedRequest(sc, { client: agent, body: sessionRequest(sc.now()) });
    expect(signed.status).toBe(200);
    expect(BigInt(signed.body["sessionPublicKey"] as string)).toBe(starkKeyOf(key.privateKey));

    // Once per process, by either route, refused before KMS.
    const calls = await kmsCallsDuring(async () => {
      expectError(await unseal(sc, body), 403, "ALREADY_PROVISIONED");
      expectError(await unseal(sc, uploadBody(await seal())), 403, "ALREADY_PROVISIONED");
    });
    expect(calls).toBe(1); // the GenerateDataKey of the second seal, no Decrypt
    expect(fake.calls.at(-1)?.operation).toBe("GenerateDataKey");

    for (const text of [sc.auditText(), sc.logLines().join("\n"), ...replies.map((r) => r.text)]) expect(findSecret(text, SECRETS)).toBeUndefined();
    expect(auditViolations(sc)).toEqual([]);
  });

  it("two concurrent unseals: one installs, the other is refused, and KMS is asked once", async () => {
    const sc = await sidecar();
    const blob = await seal();
    const decrypts = () => fake.calls.filter((c) => c.operation === "Decrypt").length;
    const before = decrypts();
    const both = await Promise.all([unseal(sc, uploadBody(blob)), unseal(sc, uploadBody(blob))]);
    expect(both.map((r) => r.status).sort()).toEqual([200, 403]);
    expect(both.find((r) => r.status === 403)?.body["code"]).toBe("ALREADY_PROVISIONED");
    expect(decrypts() - before).toBe(1);
    expect(auditViolations(sc)).toEqual([]);
  });

  it("throttles both admin routes: a burst, then one attempt per second", async () => {
    const clock = new FrozenClock(Date.now());
    const sc = await sidecar({}, { now: clock.now });
    for (const path of [KMS_UNSEAL_ROUTE, PROVISION_ROUTE]) {
      const send = () => rawRequest(sc, { method: "POST", path, headers: { "content-type": "application/json" }, body: "{}" });
      for (let i = 0; i < 20; i++) expectError(await send(), 400, "INVALID_PAYLOAD");
      const limited = await send();
      expectError(limited, 429, "RATE_LIMITED");
      expect(limited.headers["retry-after"]).toBe("1");
      clock.advance(1000);
      expectError(await send(), 400, "INVALID_PAYLOAD");
      expectError(await send(), 429, "RATE_LIMITED");
    }
    expect(sc.auditLines().filter((l) => l.event.endsWith(".rate_limited")).map((l) => l.event)).toEqual([
      "admin.kms_unseal.rate_limited",
      "admin.kms_unseal.rate_limited",
      "admin.provision.rate_limited",
      "admin.provision.rate_limited",
    ]);
    expect(auditViolations(sc)).toEqual([]);
  });
});
