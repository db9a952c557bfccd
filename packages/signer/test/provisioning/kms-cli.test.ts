// `airlock-signer kms-seal` and `kms-unseal` in process (captured output), against the fake KMS
// and real sidecars, with a host in the middle where it matters: local problems exit 2 before
// KMS or the sidecar is asked; KMS refusals and outages have their own exit codes and write
// nothing; without a trust file the unseal is reported as unverified; an answer altered in
// transit is caught by its receipt (with a trust file) or by the blob it names (without).
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KMS_UNSEAL_ROUTE, SignedKmsBlob } from "@airlock/core/provisioning";
import { startFakeKms, type FakeKms } from "../../../../test/support/fake-kms.js";
import { startMitmProxy, type MitmProxy } from "../../../../test/support/mitm-proxy.js";
import { findSecret, newClient, newKey, PATHS, plainRequest, sidecarEnv, startTestSidecar, startedSidecars, type TestSidecar } from "../../../../test/support/sidecar-harness.js";
import { runKmsSeal, type KmsSealCliOptions } from "../../src/cli/kms-seal.js";
import { runKmsUnseal, type KmsUnsealCliOptions } from "../../src/cli/kms-unseal.js";

const PCR0 = "9e".repeat(48);
const key = newKey("default");
const agent = newClient("agent");
const admin = generateKeyPairSync("ed25519");
const CREDS = { accessKeyId: "AKIAKMSCLITEST000001", secretAccessKey: `cli/${randomBytes(24).toString("base64")}`, sessionToken: `FwoG${randomBytes(40).toString("base64")}` };
const AWS_ENV = { AWS_ACCESS_KEY_ID: CREDS.accessKeyId, AWS_SECRET_ACCESS_KEY: CREDS.secretAccessKey, AWS_SESSION_TOKEN: CREDS.sessionToken };
const SECRETS = [key.privateKeyHex, agent.secret, CREDS.secretAccessKey, CREDS.sessionToken];

let dir: string;
let fake: FakeKms;
const files: Record<string, string> = {};
const proxies: MitmProxy[] = [];

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function capture(body: (io: { stdout: (t: string) => void; stderr: (t: string) => void }) => Promise<number>): Promise<Run> {
  let stdout = "";
  let stderr = "";
  const code = await body({ stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  for (const text of [stdout, stderr]) expect(findSecret(text, SECRETS)).toBeUndefined();
  return { code, stdout, stderr };
}

const seal = (opts: Partial<KmsSealCliOptions>, env: Record<string, string> = AWS_ENV) =>
  capture((io) =>
    runKmsSeal({ keysFile: files["keys"], adminKeyFile: files["admin"], kmsKeyId: fake.keyArn, region: "us-east-1", endpoint: fake.url, out: join(dir, `blob-${randomBytes(4).toString("hex")}.json`), json: true, ...opts }, env, io),
  );

const unseal = (opts: Partial<KmsUnsealCliOptions>, env: Record<string, string> = AWS_ENV) =>
  capture((io) => runKmsUnseal({ url: undefined, blobFile: files["blob"], trustFile: undefined, json: true, ...opts }, env, io));

const jsonOf = (r: Run) => JSON.parse(r.stdout) as Record<string, unknown>;

async function write(name: string, content: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content, { mode: 0o600 });
  return path;
}

async function enclave(): Promise<TestSidecar> {
  const sc = await startTestSidecar(
    sidecarEnv({
      clients: [agent],
      keys: [],
      extra: {
        KEYRING_AUTH_CLIENTS_JSON: JSON.stringify([{ clientId: agent.id }]),
        AIRLOCK_BACKEND: "nitro",
        AIRLOCK_ATTESTATION_SOURCE: "emulator",
        AIRLOCK_EMULATOR_PCRS_JSON: JSON.stringify({ 0: PCR0 }),
        AIRLOCK_ADMIN_PUBLIC_KEY: admin.publicKey.export({ format: "pem", type: "spki" }) as string,
        AIRLOCK_PROVISIONED_KEY_IDS: "default",
        KEYRING_DEFAULT_KEY_ID: "default",
        AIRLOCK_KMS_KEY_ID: fake.keyArn,
        AIRLOCK_KMS_REGION: "us-east-1",
        AIRLOCK_KMS_ENDPOINT: fake.url,
      },
    }),
  );
  fake.trustRoot(sc.emulatorRootFingerprintSha256!);
  sc.untrackedTraffic = true;
  return sc;
}

async function proxyTo(sc: TestSidecar): Promise<MitmProxy> {
  const p = await startMitmProxy(sc.url);
  proxies.push(p);
  return p;
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "airlock-kms-cli-"));
  fake = await startFakeKms({ ...CREDS, policy: { imageSha384: PCR0 }, rootFingerprintSha256: [] });
  files["admin"] = await write("admin.pem", admin.privateKey.export({ format: "pem", type: "pkcs8" }) as string);
  files["keys"] = await write("keys.json", JSON.stringify({ keys: [{ keyId: "default", privateKey: key.privateKeyHex }], clients: [{ clientId: agent.id, hmacSecret: agent.secret }] }));
  files["blob"] = join(dir, "blob.json");
  // Sealed with the key's alias: the blob names the ARN KMS answered.
  const sealed = await seal({ out: files["blob"], kmsKeyId: fake.aliasName });
  expect(sealed.code).toBe(0);
});

afterAll(async () => {
  await Promise.all(proxies.map((p) => p.close()));
  await Promise.all(startedSidecars().map((s) => s.close()));
  await fake?.close();
  await rm(dir, { recursive: true, force: true });
});

describe("airlock-signer kms-seal", () => {
  it("writes the signed blob naming the key ARN, and prints it in text mode", async () => {
    expect(SignedKmsBlob.parse(JSON.parse(await readFile(files["blob"]!, "utf8"))).blob.keyId).toBe(fake.keyArn);
    const r = await seal({ json: false });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`KMS key      ${fake.keyArn}   (AIRLOCK_KMS_KEY_ID must be this ARN)`);
    expect(r.stdout).toMatch(/\n {2}key {10}default 0x[0-9a-f]+\n/);
  });

  it("local problems exit 2 before KMS is asked", async () => {
    const before = fake.calls.length;
    const cases: [Partial<KmsSealCliOptions>, Record<string, string>, RegExp][] = [
      [{ out: undefined }, AWS_ENV, /--keys-file, --admin-key-file, --kms-key-id, --region and --out are required/],
      [{ region: "US-EAST-1" }, AWS_ENV, /--region must be an AWS region name/],
      [{ kmsKeyId: fake.keyArn.replace("us-east-1", "eu-west-1") }, AWS_ENV, /--kms-key-id names a key in another region than --region/],
      [{ kmsKeyId: "has space" }, AWS_ENV, /--kms-key-id must be a KMS key ARN/],
      [{ endpoint: "http://kms.us-east-1.amazonaws.com" }, AWS_ENV, /--endpoint: plain http is allowed only to a loopback address; use https/],
      [{ out: files["blob"] }, AWS_ENV, /--out exists; refusing to overwrite it/],
      [{}, { AWS_ACCESS_KEY_ID: CREDS.accessKeyId }, /AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set/],
      [{}, { ...AWS_ENV, AWS_ACCESS_KEY_ID: "AKIA WITH SPACE" }, /is not a valid credential/],
      [{ adminKeyFile: join(dir, "missing.pem") }, AWS_ENV, /--admin-key-file could not be read \(ENOENT\)/],
      [{ keysFile: await write("k-empty.json", JSON.stringify({ keys: [] })) }, AWS_ENV, /--keys-file lists no key/],
      [
        {
          keysFile: await write(
            "k-large.json",
            JSON.stringify({ keys: [{ keyId: "default", privateKey: key.privateKeyHex }], clients: Array.from({ length: 100 }, (_, i) => ({ clientId: `c${i}`, hmacSecret: "s".repeat(700) })) }),
          ),
        },
        AWS_ENV,
        /--keys-file holds more than 65536 bytes of secrets/,
      ],
    ];
    for (const [opts, env, message] of cases) {
      const r = await seal(opts, env);
      expect(r.code, String(message)).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(jsonOf(r)).toMatchObject({ ok: false, stage: "usage" });
    }
    expect(fake.calls.length).toBe(before);
  });

  it("KMS refusing (exit 4) or unreachable (exit 1) writes nothing", async () => {
    const out = join(dir, "never.json");
    const refused = await seal({ out }, { ...AWS_ENV, AWS_SECRET_ACCESS_KEY: `${CREDS.secretAccessKey}x` });
    expect(refused.code).toBe(4);
    expect(jsonOf(refused)).toMatchObject({ ok: false, stage: "kms", code: "AUTH_FAILED" });
    const down = await seal({ out, endpoint: `http://127.0.0.1:${await closedPort()}` });
    expect(down.code).toBe(1);
    expect(jsonOf(down)).toMatchObject({ ok: false, stage: "kms", code: "UNREACHABLE" });
    await expect(readFile(out)).rejects.toMatchObject({ code: "ENOENT" });
  });
});

describe("airlock-signer kms-unseal", () => {
  it("local problems exit 2 before anything is sent", async () => {
    const sc = await enclave();
    const p = await proxyTo(sc);
    const signed = JSON.parse(await readFile(files["blob"]!, "utf8")) as { blob: Record<string, unknown>; adminSignature: string };
    const cases: [Partial<KmsUnsealCliOptions>, Record<string, string>, RegExp][] = [
      [{ url: p.url, blobFile: undefined }, AWS_ENV, /--url and --blob are required/],
      [{ url: "http://example.com" }, AWS_ENV, /--url must be the sidecar origin/],
      [{ url: p.url, blobFile: await write("b1.json", "{") }, AWS_ENV, /--blob is not a signed sealed blob/],
      [{ url: p.url, blobFile: await write("b2.json", JSON.stringify({ ...signed, note: 1 })) }, AWS_ENV, /--blob is not a signed sealed blob/],
      [{ url: p.url, blobFile: await write("b3.json", `{"blob":${JSON.stringify(signed.blob)},"adminSignature":"${signed.adminSignature}","adminSignature":"${signed.adminSignature}"}`) }, AWS_ENV, /--blob is not a signed sealed blob/],
      [{ url: p.url, blobFile: await write("b4.json", JSON.stringify({ ...signed, blob: { ...signed.blob, iv: "AAAAAAAAAAAAAAB=" } })) }, AWS_ENV, /--blob is not a signed sealed blob/],
      [{ url: p.url }, {}, /AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set/],
      [{ url: p.url, trustFile: await write("t.json", "[]") }, AWS_ENV, /trust-file/],
    ];
    for (const [opts, env, message] of cases) {
      const r = await unseal(opts, env);
      expect(r.code, String(message)).toBe(2);
      expect(r.stderr).toMatch(message);
    }
    expect(p.seen).toHaveLength(0);
  });

  it("without a trust file: installs, and says the answer is not verified", async () => {
    const sc = await enclave();
    const r = await capture((io) => runKmsUnseal({ url: sc.url, blobFile: files["blob"], trustFile: undefined, json: false }, AWS_ENV, io));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^keys unsealed with KMS on http:\/\/127\.0\.0\.1:\d+ \(not verified: no --trust-file\)\n/);
    expect(r.stdout).toContain(`KMS key      ${fake.keyArn}`);
    expect((await plainRequest(sc, PATHS.ready)).status).toBe(200);
  });

  it("an answer altered in transit: caught by the receipt with a trust file, by the blob hash without", async () => {
    const trusted = await enclave();
    const trust = await write("trust.json", JSON.stringify({ allowedPcrs: { "0": [PCR0] }, rootFingerprintSha256: trusted.emulatorRootFingerprintSha256 }));
    const p = await proxyTo(trusted);
    const alter = (field: string) => (req: { method: string; path: string }, answer: { status: number; headers: Record<string, unknown>; body: Buffer }) => {
      if (req.path !== KMS_UNSEAL_ROUTE || answer.status !== 200) return answer;
      const body = JSON.parse(answer.body.toString("utf8")) as Record<string, unknown>;
      return { ...answer, body: Buffer.from(JSON.stringify({ ...body, [field]: "0".repeat(64) })) };
    };
    p.rewrite = alter("policyHash") as MitmProxy["rewrite"];
    const caught = await unseal({ url: p.url, trustFile: trust });
    expect(caught.code).toBe(3);
    expect(caught.stderr).toMatch(/the answer's receipt does not verify against the attested key: .*; the keys may or may not be installed/);

    const untrusted = await enclave();
    const q = await proxyTo(untrusted);
    q.rewrite = alter("blobSha256") as MitmProxy["rewrite"];
    const named = await unseal({ url: q.url });
    expect(named.code).toBe(3);
    expect(named.stderr).toMatch(/the answer names another blob or KMS key/);
  });
});
