// `airlock-signer provision` in process (runProvision with captured output) against real
// sidecars, with a host in the middle where it matters: usage errors exit 2 before anything is
// sent; an unreachable or non-Nitro sidecar exits 1; a document that does not verify exits 3 with
// nothing uploaded; a refused upload exits 4; an answer whose receipt does not verify exits 3.
// Plus `provision-keygen`.
import { execFileSync, spawnSync } from "node:child_process";
import { createPublicKey, generateKeyPairSync, randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { PROVISION_ROUTE, adminKeyIdOf, parseAdminPrivateKey, parseAdminPublicKey } from "@airlock/core/provisioning";
import { RECEIPT_HEADER } from "@airlock/core/receipts";
import { feltHex, starkKeyOf } from "@airlock/core/starknet";
import { findSecret, newClient, newKey, PATHS, plainRequest, sidecarEnv, startTestSidecar, startedSidecars, type TestSidecar } from "../../../../test/support/sidecar-harness.js";
import { startMitmProxy, type MitmProxy } from "../../../../test/support/mitm-proxy.js";
import { runProvision, type ProvisionOptions } from "../../src/cli/provision.js";
import { runProvisionKeygen } from "../../src/cli/provision-keygen.js";

const PCR0 = "f0".repeat(48);
const key = newKey("default");
const agent = newClient("agent");
const admin = generateKeyPairSync("ed25519");
const intruder = generateKeyPairSync("ed25519");
const SECRETS = [key.privateKeyHex, agent.secret];

let dir: string;
const proxies: MitmProxy[] = [];
const files: Record<string, string> = {};

function env(): Record<string, string> {
  return sidecarEnv({
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
    },
  });
}

async function write(name: string, content: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content, { mode: 0o600 });
  return path;
}

async function trustFor(sc: TestSidecar, extra: Record<string, unknown> = {}): Promise<string> {
  return write(`trust-${randomBytes(4).toString("hex")}.json`, JSON.stringify({ allowedPcrs: { "0": [PCR0] }, rootFingerprintSha256: sc.emulatorRootFingerprintSha256, ...extra }));
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(opts: Partial<ProvisionOptions>): Promise<Run> {
  let stdout = "";
  let stderr = "";
  const code = await runProvision(
    { url: undefined, trustFile: undefined, adminKeyFile: files["admin"], keysFile: files["keys"], json: true, ...opts },
    { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) },
  );
  for (const text of [stdout, stderr]) expect(findSecret(text, SECRETS)).toBeUndefined();
  return { code, stdout, stderr };
}

const jsonOf = (r: Run) => JSON.parse(r.stdout) as Record<string, unknown>;
const uploads = (p: MitmProxy) => p.seen.filter((r) => r.method === "POST" && r.path === PROVISION_ROUTE).length;

async function proxyTo(sc: TestSidecar): Promise<MitmProxy> {
  const p = await startMitmProxy(sc.url);
  proxies.push(p);
  sc.untrackedTraffic = true;
  return p;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "airlock-provision-cli-"));
  files["admin"] = await write("admin.pem", admin.privateKey.export({ format: "pem", type: "pkcs8" }) as string);
  files["intruder"] = await write("intruder.pem", intruder.privateKey.export({ format: "pem", type: "pkcs8" }) as string);
  files["keys"] = await write("keys.json", JSON.stringify({ keys: [{ keyId: "default", privateKey: key.privateKeyHex }], clients: [{ clientId: agent.id, hmacSecret: agent.secret }] }));
});

afterAll(async () => {
  await Promise.all(proxies.map((p) => p.close()));
  await Promise.all(startedSidecars().map((s) => s.close()));
  await rm(dir, { recursive: true, force: true });
});

describe("airlock-signer provision: local problems exit 2 before anything is sent", () => {
  it("refuses missing options, a bad origin and unreadable files", async () => {
    const sc = await startTestSidecar(env());
    const p = await proxyTo(sc);
    const trust = await trustFor(sc);
    expect((await run({ url: p.url })).code).toBe(2);
    for (const url of ["ftp://127.0.0.1:1", `${p.url}/v1`, "http://example.com", `${p.url}?x=1`, "not a url"]) {
      const r = await run({ url, trustFile: trust });
      expect(r.code, url).toBe(2);
      expect(jsonOf(r)).toMatchObject({ ok: false, stage: "usage" });
    }
    expect((await run({ url: p.url, trustFile: join(dir, "missing.json") })).stderr).toMatch(/--trust-file could not be read \(ENOENT\)/);
    expect((await run({ url: p.url, trustFile: trust, certFile: trust })).stderr).toMatch(/--cert and --key go together/);
    expect(p.seen).toHaveLength(0);
  });

  it("refuses a bad trust file, admin key or keys file, naming the problem but no value", async () => {
    const sc = await startTestSidecar(env());
    const p = await proxyTo(sc);
    const trust = await trustFor(sc);
    const cases: [Partial<ProvisionOptions>, RegExp][] = [
      [{ trustFile: await write("t1.json", "{") }, /--trust-file is not JSON/],
      [{ trustFile: await write("t2.json", JSON.stringify({ allowedPcrs: { "0": [PCR0] }, pinned: true })) }, /trust-file\.pinned is not a trust option/],
      [{ trustFile: await write("t3.json", JSON.stringify({ allowedPcrs: {} })) }, /trust-file\.allowedPcrs\.0 is required/],
      [{ trustFile: trust, adminKeyFile: await write("pub.pem", admin.publicKey.export({ format: "pem", type: "spki" }) as string) }, /--admin-key-file: the admin private key must be an Ed25519 private key/],
      [{ trustFile: trust, keysFile: await write("k1.json", JSON.stringify({ keys: [{ keyId: "default", privateKey: key.privateKeyHex, note: "x" }] })) }, /--keys-file is not acceptable\n {2}- keys-file\.keys\[0\]: unknown field "note"/],
      [{ trustFile: trust, keysFile: await write("k2.json", JSON.stringify({ keys: [{ keyId: "default", privateKey: "0xzz" }] })) }, /keys-file\.keys\[0\] \(keyId default\): private key must be/],
      [{ trustFile: trust, keysFile: await write("k3.json", JSON.stringify({ keys: [] })) }, /--keys-file lists no key/],
      [{ trustFile: trust, keysFile: await write("k4.json", `{"keys":[{"keyId":"default","privateKey":"${key.privateKeyHex}","privateKey":"0x1"}]}`) }, /repeats a key/],
    ];
    for (const [opts, message] of cases) {
      const r = await run({ url: p.url, ...opts });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
    }
    expect(p.seen).toHaveLength(0);
  });
});

describe("airlock-signer provision against a sidecar", () => {
  it("exits 1 when nothing listens, or the sidecar is not the Nitro backend", async () => {
    const sc = await startTestSidecar(env());
    const trust = await trustFor(sc);
    await sc.close();
    const down = await run({ url: sc.url, trustFile: trust });
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/GET \/v1\/attestation: the request failed \(ECONNREFUSED\)/);
    const keyring = await startTestSidecar(sidecarEnv({ clients: [newClient("agent")], keys: [key] }));
    const r = await run({ url: keyring.url, trustFile: trust });
    expect(r.code).toBe(1);
    expect(jsonOf(r)).toMatchObject({ ok: false, stage: "attestation", code: "NOT_FOUND" });
  });

  it("exits 3 and uploads nothing when the document does not verify: another root, another policy", async () => {
    const sc = await startTestSidecar(env());
    const other = await startTestSidecar(env());
    const p = await proxyTo(sc);
    p.target = other.url;
    const r = await run({ url: p.url, trustFile: await trustFor(sc) });
    expect(r.code).toBe(3);
    expect(jsonOf(r)).toMatchObject({ stage: "attestation", code: "UNTRUSTED_ROOT" });
    p.target = sc.url;
    const policy = await run({ url: p.url, trustFile: await trustFor(sc, { expectedPolicyHash: "0".repeat(64) }) });
    expect(policy.code).toBe(3);
    expect(jsonOf(policy)).toMatchObject({ stage: "attestation", code: "POLICY_MISMATCH" });
    expect(uploads(p)).toBe(0);
    expect((await plainRequest(sc, PATHS.ready)).status).toBe(503);
  });

  it("exits 4 with the sidecar's code when the upload is refused (another admin key)", async () => {
    const sc = await startTestSidecar(env());
    const r = await run({ url: sc.url, trustFile: await trustFor(sc), adminKeyFile: files["intruder"] });
    expect(r.code).toBe(4);
    expect(jsonOf(r)).toMatchObject({ ok: false, stage: "upload", code: "ADMIN_SIGNATURE_INVALID" });
    expect(r.stderr).toMatch(/HTTP 401 ADMIN_SIGNATURE_INVALID: invalid admin signature/);
  });

  it("exits 3 when the answer's receipt does not verify (altered body, missing receipt)", async () => {
    const sc = await startTestSidecar(env());
    const p = await proxyTo(sc);
    p.rewrite = (req, answer) => (req.path === PROVISION_ROUTE ? { ...answer, body: Buffer.from(answer.body.toString().replace(/"sessionPublicKey":"0x./, '"sessionPublicKey":"0x0')) } : answer);
    const altered = await run({ url: p.url, trustFile: await trustFor(sc) });
    expect(altered.code).toBe(3);
    expect(altered.stderr).toMatch(/receipt does not verify.*\(MISMATCH\); the keys may or may not be installed/);

    const sc2 = await startTestSidecar(env());
    const p2 = await proxyTo(sc2);
    p2.rewrite = (req, answer) => {
      if (req.path !== PROVISION_ROUTE) return answer;
      const { [RECEIPT_HEADER]: _dropped, ...headers } = answer.headers;
      return { ...answer, headers };
    };
    const stripped = await run({ url: p2.url, trustFile: await trustFor(sc2) });
    expect(stripped.code).toBe(3);
    expect(stripped.stderr).toMatch(/\(MISSING\)/);
  });

  it("prints a readable summary, and exits 4 on a second run", async () => {
    const sc = await startTestSidecar(env());
    const trust = await trustFor(sc);
    const r = await run({ url: sc.url, trustFile: trust, json: false });
    expect(r).toMatchObject({ code: 0, stderr: "" });
    expect(r.stdout).toContain(`sealed keys installed on ${sc.url}`);
    expect(r.stdout).toContain(`PCR0         ${PCR0}`);
    expect(r.stdout).toContain(`policy hash  ${sc.policyHash}`);
    expect(r.stdout).toContain(`key          default ${feltHex(starkKeyOf(key.privateKey))}`);
    expect(r.stdout).toContain(`client       ${agent.id}`);
    const again = await run({ url: sc.url, trustFile: trust });
    expect(again.code).toBe(4);
    expect(jsonOf(again)).toMatchObject({ code: "ALREADY_PROVISIONED" });
  });
});

const hasOpenssl = spawnSync("openssl", ["version"]).status === 0;

/** A self-signed P-256 certificate for 127.0.0.1, valid one day. */
function selfSigned(name: string): { certPath: string; keyPath: string } {
  const keyPath = join(dir, `${name}.key`);
  const certPath = join(dir, `${name}.crt`);
  execFileSync(
    "openssl",
    ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", keyPath, "-out", certPath, "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
    { stdio: "ignore" },
  );
  return { certPath, keyPath };
}

describe.skipIf(!hasOpenssl)("airlock-signer provision over HTTPS with mutual TLS", () => {
  it("needs the CA and the client certificate, then provisions", async () => {
    const server = selfSigned("server");
    const client = selfSigned("client");
    const sc = await startTestSidecar({
      ...env(),
      KEYRING_TRANSPORT: "https",
      KEYRING_TLS_CERT_PATH: server.certPath,
      KEYRING_TLS_KEY_PATH: server.keyPath,
      KEYRING_TLS_CA_PATH: client.certPath,
      KEYRING_MTLS_REQUIRED: "true",
    });
    expect(sc.url).toMatch(/^https:\/\/127\.0\.0\.1:/);
    const trust = await trustFor(sc);
    // The system roots do not know this server.
    const untrusted = await run({ url: sc.url, trustFile: trust });
    expect(untrusted.code).toBe(1);
    expect(untrusted.stderr).toMatch(/GET \/v1\/attestation: the request failed \(/);
    // Without a client certificate the handshake (or the first answer) fails.
    expect((await run({ url: sc.url, trustFile: trust, caFile: server.certPath })).code).toBe(1);
    const ok = await run({ url: sc.url, trustFile: trust, caFile: server.certPath, certFile: client.certPath, keyFile: client.keyPath });
    expect(ok.stderr).toBe("");
    expect(ok.code).toBe(0);
    expect(jsonOf(ok)).toMatchObject({ ok: true, pcr0: PCR0, keys: [{ keyId: "default", sessionPublicKey: feltHex(starkKeyOf(key.privateKey)) }] });
  });
});

describe("airlock-signer provision-keygen", () => {
  it("writes a 0600 PKCS#8 key, prints its public half, and never overwrites", async () => {
    const out = join(dir, "new-admin.pem");
    let printed = "";
    const spy = vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
      printed += String(chunk);
      return true;
    });
    const errSpy = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    try {
      expect(await runProvisionKeygen({ out, json: true })).toBe(0);
      expect(await runProvisionKeygen({ out, json: true })).toBe(1);
      expect(await runProvisionKeygen({ out: undefined, json: true })).toBe(2);
    } finally {
      spy.mockRestore();
      errSpy.mockRestore();
    }
    expect((await stat(out)).mode & 0o777).toBe(0o600);
    const printedJson = JSON.parse(printed.trim().split("\n")[0]!) as { adminPublicKey: string; adminKeyId: string; adminPublicKeyPem: string };
    const privateKey = parseAdminPrivateKey(await readFile(out, "utf8"));
    const publicKey = parseAdminPublicKey(printedJson.adminPublicKey);
    expect(adminKeyIdOf(publicKey)).toBe(printedJson.adminKeyId);
    expect(adminKeyIdOf(parseAdminPublicKey(printedJson.adminPublicKeyPem))).toBe(printedJson.adminKeyId);
    expect(adminKeyIdOf(createPublicKey(privateKey))).toBe(printedJson.adminKeyId);
    expect(printed).not.toContain("PRIVATE KEY");
  });
});
