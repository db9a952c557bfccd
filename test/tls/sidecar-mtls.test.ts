import { AirlockClient, spkiSha256 } from "@airlock/core";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newClient, newKey, sidecarEnv, startTestSidecar, type TestSidecar } from "../support/sidecar-harness.js";

const hasOpenssl = spawnSync("openssl", ["version"]).status === 0;

/** A self-signed P-256 certificate for 127.0.0.1, valid one day. */
function selfSigned(dir: string, name: string): { certPath: string; keyPath: string; cert: string; key: string } {
  const keyPath = join(dir, `${name}.key`);
  const certPath = join(dir, `${name}.crt`);
  execFileSync(
    "openssl",
    ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", keyPath, "-out", certPath,
      "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
    { stdio: "ignore" },
  );
  return { certPath, keyPath, cert: readFileSync(certPath, "utf8"), key: readFileSync(keyPath, "utf8") };
}

const session = () => ({
  accountAddress: "0x4a1",
  chainId: "0x534e5f5345504f4c4941",
  nonce: "0x1",
  validUntil: Math.floor(Date.now() / 1000) + 300,
  calls: [{ contractAddress: "0x49d3", entrypoint: "transfer", calldata: ["0x1", "5", "0"] }],
});

describe.skipIf(!hasOpenssl)("the sidecar over HTTPS with mutual TLS (SISNA's production transport)", () => {
  const agent = newClient("agent");
  let dir: string;
  let server: ReturnType<typeof selfSigned>;
  let clientCert: ReturnType<typeof selfSigned>;
  let stranger: ReturnType<typeof selfSigned>;
  let sc: TestSidecar;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "airlock-mtls-"));
    server = selfSigned(dir, "server");
    clientCert = selfSigned(dir, "client");
    stranger = selfSigned(dir, "stranger");
    sc = await startTestSidecar(
      sidecarEnv({
        clients: [agent],
        keys: [newKey("default")],
        extra: {
          KEYRING_TRANSPORT: "https",
          KEYRING_TLS_CERT_PATH: server.certPath,
          KEYRING_TLS_KEY_PATH: server.keyPath,
          KEYRING_TLS_CA_PATH: clientCert.certPath,
          KEYRING_MTLS_REQUIRED: "true",
        },
      }),
    );
  });
  afterAll(async () => {
    await sc.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("signs for a client that presents its certificate and pins the server key", async () => {
    expect(sc.url).toMatch(/^https:\/\/127\.0\.0\.1:/);
    const client = new AirlockClient({
      baseUrl: sc.url,
      clientId: agent.id,
      hmacSecret: agent.secret,
      tls: { ca: server.cert, cert: clientCert.cert, key: clientCert.key, pinnedPublicKeySha256: [spkiSha256(server.cert)] },
    });
    try {
      expect((await client.signSessionTransaction(session())).signatureMode).toBe("v2_snip12");
    } finally {
      await client.close();
    }
  });

  it("refuses a connection without a client certificate, or with an unknown one, before any HTTP", async () => {
    for (const tls of [{}, { cert: stranger.cert, key: stranger.key }]) {
      const outcome = await new Promise<string>((resolve) => {
        const req = request(`${sc.url}/health`, { ca: server.cert, ...tls }, (res) => resolve(`status ${res.statusCode}`));
        req.on("error", (err: NodeJS.ErrnoException) => resolve(`error ${err.code ?? err.message}`));
        req.end();
      });
      expect(outcome).toMatch(/^error /);
    }
  });

  it("refuses TLS 1.1 and older", async () => {
    const outcome = await new Promise<string>((resolve) => {
      const req = request(`${sc.url}/health`, { ca: server.cert, cert: clientCert.cert, key: clientCert.key, maxVersion: "TLSv1.1", minVersion: "TLSv1" }, (res) =>
        resolve(`status ${res.statusCode}`),
      );
      req.on("error", (err: NodeJS.ErrnoException) => resolve(`error ${err.code ?? err.message}`));
      req.end();
    });
    expect(outcome).toMatch(/^error /);
  });
});
