// Restarts with AWS KMS, end to end (Nitro backend, NSM emulator, the fake KMS): the operator's
// `airlock-signer kms-seal` (the built CLI, a child process) seals the keys with KMS and signs
// the blob with the admin key; a sidecar started without keys is brought up by the host's
// `airlock-signer kms-unseal` (attested first with a trust file, its receipt verified), KMS
// reached through the loopback forwarder port as inside an enclave; an attestation-gated
// AirlockClient then signs with the unsealed key; a second sidecar (the restarted enclave, same
// PCR0) unseals the same blob. A blob without the admin's signature is refused before any KMS
// call; a key policy naming another PCR0, KMS down and a tampered blob install nothing; a
// second unseal is refused; no secret or credential shows up anywhere.
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { readFile, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { createConnection, createServer, type Server, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AirlockClient, type SessionTransactionRequest } from "@airlock/core";
import { KMS_UNSEAL_ROUTE, SignedKmsBlob, kmsBlobSha256, signKmsBlob, verifyKmsBlobSignature } from "@airlock/core/provisioning";
import { feltHex, starkKeyOf, verifyWithStarkKey } from "@airlock/core/starknet";
import { startFakeKms, type FakeKms } from "./support/fake-kms.js";
import { runCli, type RunResult } from "./support/cli-process.js";
import { auditViolations, findSecret, newClient, newKey, PATHS, plainRequest, rawRequest, sessionRequest, startTestSidecar, type Reply, type TestSidecar } from "./support/sidecar-harness.js";
import { enclaveEnv, writeOperatorFiles } from "./support/enclave-env.js";

const PCR0 = "a7".repeat(48);
const OTHER_PCR0 = "b8".repeat(48);
const agent = newClient("agent");
const defaultKey = newKey("default");
const opsKey = newKey("ops");
const admin = generateKeyPairSync("ed25519");
const intruder = generateKeyPairSync("ed25519");
// Throwaway credentials, for the fake only: the operator's and the host's are the same here.
const CREDS = { accessKeyId: "AKIAKMSRESTART000001", secretAccessKey: `restart/${randomBytes(24).toString("base64")}`, sessionToken: `FwoG${randomBytes(48).toString("base64")}` };
const AWS_ENV = { AWS_ACCESS_KEY_ID: CREDS.accessKeyId, AWS_SECRET_ACCESS_KEY: CREDS.secretAccessKey, AWS_SESSION_TOKEN: CREDS.sessionToken };
const SECRETS = [defaultKey.privateKeyHex, opsKey.privateKeyHex, agent.secret, CREDS.secretAccessKey, CREDS.sessionToken];

/**
 * The enclave's loopback forwarder to the parent's vsock-proxy (AIRLOCK_KMS_CONNECT_PORT): relays
 * to the fake KMS, counts connections, and can play "KMS unreachable" by dropping them.
 */
interface Forwarder {
  readonly port: number;
  connections: number;
  down: boolean;
  close(): Promise<void>;
}

async function startForwarder(to: number): Promise<Forwarder> {
  const sockets = new Set<Socket>();
  const state = { connections: 0, down: false };
  const server: Server = createServer((inbound) => {
    sockets.add(inbound);
    inbound.on("close", () => sockets.delete(inbound));
    if (state.down) return void inbound.destroy();
    state.connections += 1;
    const outbound = createConnection({ host: "127.0.0.1", port: to });
    sockets.add(outbound);
    outbound.on("close", () => sockets.delete(outbound));
    inbound.pipe(outbound).pipe(inbound);
    inbound.on("error", () => outbound.destroy());
    outbound.on("error", () => inbound.destroy());
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const forwarder = {
    port: (server.address() as AddressInfo).port,
    get connections() {
      return state.connections;
    },
    get down() {
      return state.down;
    },
    set down(v: boolean) {
      state.down = v;
    },
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
  return forwarder as Forwarder;
}

let dir: string;
let fake: FakeKms;
let forwarder: Forwarder;
let first: TestSidecar;
const sidecars: TestSidecar[] = [];
const clients: AirlockClient[] = [];
const files: Record<string, string> = {};
const outputs: RunResult[] = [];
const replies: Reply[] = [];

function restartEnv(): Record<string, string> {
  return enclaveEnv({
    clients: [agent],
    pcrs: { 0: PCR0 },
    provisioning: { admin: admin.publicKey, keyIds: ["default", "ops"] },
    extra: {
      KEYRING_LEAK_SCANNER_ENABLED: "true",
      AIRLOCK_KMS_KEY_ID: fake.keyArn,
      AIRLOCK_KMS_REGION: "us-east-1",
      AIRLOCK_KMS_ENDPOINT: fake.url,
      AIRLOCK_KMS_CONNECT_PORT: String(forwarder.port),
    },
  });
}

/** Starts an "enclave": a sidecar without keys whose emulator root KMS trusts; writes its trust file. */
async function startEnclave(name: string): Promise<TestSidecar> {
  const sc = await startTestSidecar(restartEnv());
  // The CLIs and the client talk to it too, not only the harness.
  sc.untrackedTraffic = true;
  fake.trustRoot(sc.emulatorRootFingerprintSha256!);
  sidecars.push(sc);
  files[`trust-${name}`] = join(dir, `trust-${name}.json`);
  await writeFile(files[`trust-${name}`]!, JSON.stringify({ allowedPcrs: { "0": [PCR0] }, rootFingerprintSha256: sc.emulatorRootFingerprintSha256, expectedPolicyHash: sc.policyHash }));
  return sc;
}

async function cli(args: string[], env: Record<string, string> = AWS_ENV): Promise<RunResult> {
  const run = await runCli(args, env);
  outputs.push(run);
  return run;
}

const kmsSealCli = (out: string, env?: Record<string, string>) =>
  cli(["kms-seal", "--keys-file", files["keys"]!, "--admin-key-file", files["admin"]!, "--kms-key-id", fake.keyArn, "--region", "us-east-1", "--endpoint", fake.url, "--out", out, "--json"], env);

const kmsUnsealCli = (sc: TestSidecar, trust: string, blob = files["blob"]!) => cli(["kms-unseal", "--url", sc.url, "--blob", blob, "--trust-file", trust, "--json"]);

function nitroClient(sc: TestSidecar, keyId = "default"): AirlockClient {
  const client = new AirlockClient({
    baseUrl: sc.url,
    clientId: agent.id,
    hmacSecret: agent.secret,
    keyId,
    retry: { attempts: 1 },
    nitro: { allowedPcrs: { "0": [PCR0] }, rootFingerprintSha256: sc.emulatorRootFingerprintSha256!, expectedPolicyHash: sc.policyHash },
  });
  clients.push(client);
  return client;
}

/** Signs with the attestation-gated client and checks the signature against the key's Stark public key. */
async function expectSignsWith(sc: TestSidecar, key: typeof defaultKey): Promise<void> {
  const client = nitroClient(sc, key.keyId);
  const signed = await client.signSessionTransaction(sessionRequest(Date.now()) as unknown as SessionTransactionRequest);
  const [, r, s] = signed.signature;
  const publicKey = starkKeyOf(key.privateKey);
  expect(BigInt(signed.sessionPublicKey)).toBe(publicKey);
  expect(verifyWithStarkKey(BigInt(signed.messageHash), publicKey, { r: BigInt(r!), s: BigInt(s!) })).toBe(true);
  expect(client.attestedSigner?.pcrs["0"]).toBe(PCR0);
}

const decrypts = () => fake.calls.filter((c) => c.operation === "Decrypt").length;
const unsealRecords = (sc: TestSidecar) => sc.auditLines().filter((l) => l.event.startsWith("admin.kms_unseal."));

async function upload(sc: TestSidecar, body: unknown): Promise<Reply> {
  const reply = await rawRequest(sc, { method: "POST", path: KMS_UNSEAL_ROUTE, headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  replies.push(reply);
  return reply;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "airlock-kms-restart-"));
  Object.assign(files, await writeOperatorFiles(dir, admin.privateKey, { keys: [defaultKey, opsKey], clients: [agent] }));
  files["blob"] = join(dir, "blob.json");
  fake = await startFakeKms({ ...CREDS, policy: { imageSha384: PCR0 }, rootFingerprintSha256: [] });
  forwarder = await startForwarder(fake.port);
  first = await startEnclave("first");
  files["wrongPcr"] = join(dir, "trust-wrong-pcr0.json");
  await writeFile(files["wrongPcr"], JSON.stringify({ allowedPcrs: { "0": [OTHER_PCR0] }, rootFingerprintSha256: first.emulatorRootFingerprintSha256 }));
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await Promise.all(sidecars.map((s) => s.close()));
  await forwarder?.close();
  await fake?.close();
  await rm(dir, { recursive: true, force: true });
});

describe("restarts with AWS KMS, end to end", () => {
  it("kms-seal: the operator seals the keys with KMS and signs the blob (0600, never overwritten, no secret in it)", async () => {
    const help = await cli(["kms-seal", "--help"], {});
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("--kms-key-id ARN");
    expect((await cli(["kms-unseal", "--help"], {})).stdout).toContain("--blob FILE");

    // No credentials: nothing is asked of KMS.
    const before = fake.calls.length;
    const noCreds = await kmsSealCli(files["blob"]!, {});
    expect(noCreds.code).toBe(2);
    expect(noCreds.stderr).toMatch(/AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set/);
    expect(fake.calls.length).toBe(before);

    const run = await kmsSealCli(files["blob"]!);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const summary = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(summary).toMatchObject({
      ok: true,
      kmsKeyId: fake.keyArn,
      keys: [
        { keyId: "default", sessionPublicKey: feltHex(starkKeyOf(defaultKey.privateKey)) },
        { keyId: "ops", sessionPublicKey: feltHex(starkKeyOf(opsKey.privateKey)) },
      ],
      clients: [agent.id],
    });
    expect(fake.calls.slice(before).map((c) => [c.operation, c.outcome])).toEqual([["GenerateDataKey", "ok"]]);

    expect((await stat(files["blob"]!)).mode & 0o777).toBe(0o600);
    const text = await readFile(files["blob"]!, "utf8");
    const signed = SignedKmsBlob.parse(JSON.parse(text));
    expect(signed.blob.keyId).toBe(fake.keyArn);
    expect(() => verifyKmsBlobSignature(signed.blob, signed.adminSignature, admin.publicKey)).not.toThrow();
    expect(kmsBlobSha256(signed.blob)).toBe(summary["blobSha256"]);
    expect(findSecret(text, SECRETS)).toBeUndefined();

    // An existing file is never overwritten, and KMS is not asked.
    const again = await kmsSealCli(files["blob"]!);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/--out exists; refusing to overwrite it/);
    expect(await readFile(files["blob"]!, "utf8")).toBe(text);
    expect(fake.calls.length).toBe(before + 1);
  });

  it("a blob without the admin's signature, signed by another key, or altered: refused without any KMS call", async () => {
    const { blob, adminSignature } = SignedKmsBlob.parse(JSON.parse(await readFile(files["blob"]!, "utf8")));
    const before = fake.calls.length;
    expect((await upload(first, { blob, awsCredentials: CREDS })).body["code"]).toBe("INVALID_PAYLOAD");
    const foreign = await upload(first, { blob, adminSignature: signKmsBlob(blob, intruder.privateKey), awsCredentials: CREDS });
    expect({ status: foreign.status, code: foreign.body["code"] }).toEqual({ status: 401, code: "ADMIN_SIGNATURE_INVALID" });
    const ciphertext = Buffer.from(blob.ciphertext, "base64");
    ciphertext[7] = (ciphertext[7] as number) ^ 0x40;
    const tampered = await upload(first, { blob: { ...blob, ciphertext: ciphertext.toString("base64") }, adminSignature, awsCredentials: CREDS });
    expect({ status: tampered.status, code: tampered.body["code"] }).toEqual({ status: 401, code: "ADMIN_SIGNATURE_INVALID" });
    const otherKey = await upload(first, { blob: { ...blob, keyId: fake.keyUuid }, adminSignature, awsCredentials: CREDS });
    expect(otherKey.body["code"]).toBe("ADMIN_SIGNATURE_INVALID");

    // The host's CLI: a blob file signed by another key is sent and refused; an unsigned one is refused locally.
    files["foreignBlob"] = join(dir, "blob-foreign.json");
    await writeFile(files["foreignBlob"], JSON.stringify({ blob, adminSignature: signKmsBlob(blob, intruder.privateKey) }));
    const run = await kmsUnsealCli(first, files["trust-first"]!, files["foreignBlob"]);
    expect(run.code).toBe(4);
    expect(JSON.parse(run.stdout)).toMatchObject({ ok: false, stage: "upload", code: "ADMIN_SIGNATURE_INVALID" });
    files["unsignedBlob"] = join(dir, "blob-unsigned.json");
    await writeFile(files["unsignedBlob"], JSON.stringify({ blob }));
    const unsigned = await kmsUnsealCli(first, files["trust-first"]!, files["unsignedBlob"]);
    expect(unsigned.code).toBe(2);
    expect(unsigned.stderr).toMatch(/--blob is not a signed sealed blob/);

    expect(fake.calls.length).toBe(before);
    expect((await plainRequest(first, PATHS.ready)).status).toBe(503);
  });

  it("kms-unseal with a trust file for another PCR0 sends nothing", async () => {
    const before = { kms: fake.calls.length, records: unsealRecords(first).length };
    const run = await kmsUnsealCli(first, files["wrongPcr"]!);
    expect(run.code).toBe(3);
    expect(JSON.parse(run.stdout)).toMatchObject({ ok: false, stage: "attestation", code: "PCR_NOT_ALLOWED" });
    expect(run.stderr).toMatch(/nothing was sent/);
    expect(fake.calls.length).toBe(before.kms);
    expect(unsealRecords(first).length).toBe(before.records);
  });

  it("a key policy naming another PCR0: KMS refuses (ACCESS_DENIED) and nothing is installed", async () => {
    fake.setPolicy({ imageSha384: OTHER_PCR0 });
    try {
      const run = await kmsUnsealCli(first, files["trust-first"]!);
      expect(run.code).toBe(4);
      expect(JSON.parse(run.stdout)).toMatchObject({ ok: false, stage: "upload", code: "KMS_REFUSED" });
      expect(fake.calls.at(-1)).toMatchObject({ operation: "Decrypt", outcome: "AccessDeniedException" });
      expect(unsealRecords(first).at(-1)).toMatchObject({ event: "admin.kms_unseal.kms_refused", details: { kmsCode: "ACCESS_DENIED" } });
    } finally {
      fake.setPolicy({ imageSha384: PCR0 });
    }
    expect((await plainRequest(first, PATHS.ready)).status).toBe(503);
  });

  it("KMS down: 503 KMS_UNAVAILABLE (exit 5, retry later) and nothing is installed", async () => {
    forwarder.down = true;
    try {
      const before = fake.calls.length;
      const run = await kmsUnsealCli(first, files["trust-first"]!);
      expect(run.code).toBe(5);
      expect(JSON.parse(run.stdout)).toMatchObject({ ok: false, code: "KMS_UNAVAILABLE" });
      expect(fake.calls.length).toBe(before);
      expect(unsealRecords(first).at(-1)).toMatchObject({ event: "admin.kms_unseal.kms_unavailable", details: { kmsCode: "UNREACHABLE" } });
    } finally {
      forwarder.down = false;
    }
    expect((await plainRequest(first, PATHS.ready)).status).toBe(503);
  });

  it("kms-unseal attests, uploads and verifies the receipt; then the attestation-gated client signs with the unsealed keys", async () => {
    const through = forwarder.connections;
    const run = await kmsUnsealCli(first, files["trust-first"]!);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const summary = JSON.parse(run.stdout) as Record<string, unknown>;
    const sealed = JSON.parse(outputs.find((o) => o.stdout.includes('"ok":true,"out"'))!.stdout) as Record<string, unknown>;
    expect(summary).toMatchObject({
      ok: true,
      verified: true,
      pcr0: PCR0,
      receiptKeyId: first.receiptKeyId,
      policyHash: first.policyHash,
      kmsKeyId: fake.keyArn,
      blobSha256: sealed["blobSha256"],
      adminKeyId: sealed["adminKeyId"],
      keys: sealed["keys"],
      clients: [agent.id],
      exchangeAccounts: [],
    });
    // KMS was reached through the forwarder port (AIRLOCK_KMS_CONNECT_PORT), not directly.
    expect(forwarder.connections).toBeGreaterThan(through);
    expect(fake.calls.at(-1)).toMatchObject({ operation: "Decrypt", outcome: "ok" });
    expect(unsealRecords(first).at(-1)).toMatchObject({ event: "admin.kms_unseal.success", details: { kmsKeyId: fake.keyArn, blobSha256: sealed["blobSha256"] } });

    expect((await plainRequest(first, PATHS.ready)).status).toBe(200);
    await expectSignsWith(first, defaultKey);
    await expectSignsWith(first, opsKey);
  });

  it("a second unseal of the same process is refused, without asking KMS", async () => {
    const before = decrypts();
    const run = await kmsUnsealCli(first, files["trust-first"]!);
    expect(run.code).toBe(4);
    expect(JSON.parse(run.stdout)).toMatchObject({ ok: false, code: "ALREADY_PROVISIONED" });
    expect(decrypts()).toBe(before);
  });

  it("the restarted enclave (same PCR0, new keys of its own) unseals the same blob and signs", async () => {
    const restarted = await startEnclave("restarted");
    expect(restarted.receiptKeyId).not.toBe(first.receiptKeyId);
    expect(restarted.policyHash).toBe(first.policyHash);
    const run = await kmsUnsealCli(restarted, files["trust-restarted"]!);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ ok: true, verified: true, receiptKeyId: restarted.receiptKeyId });
    await expectSignsWith(restarted, defaultKey);
  });

  it("no secret or credential appears in any output, log, audit record, answer or KMS request body", () => {
    for (const run of outputs) expect(findSecret(run.stdout + run.stderr, SECRETS)).toBeUndefined();
    for (const reply of replies) expect(findSecret(reply.text, SECRETS)).toBeUndefined();
    for (const sc of sidecars) {
      expect(findSecret(sc.auditText(), SECRETS)).toBeUndefined();
      expect(findSecret(sc.logLines().join("\n"), SECRETS)).toBeUndefined();
      expect(auditViolations(sc)).toEqual([]);
      expect(sc.logLines().some((l) => l.includes('"event":"provisioning.installed"'))).toBe(true);
    }
    // KMS gets a signature made with the secret key, never the key itself.
    for (const call of fake.calls) expect(findSecret(call.body + JSON.stringify(call.headers), [CREDS.secretAccessKey])).toBeUndefined();
  });
});
