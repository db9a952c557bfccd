import { execFileSync, execSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { AirlockClient, spkiSha256, type AirlockTlsOptions } from "@airlock/core";
import { rejectionOf } from "./helpers.js";

const hasOpenssl = spawnSync("openssl", ["version"]).status === 0;
const SECRET = "tls-test-secret-0123456789abcdef";

interface Pem {
  cert: string;
  key: string;
  certPath: string;
}

let dir: string;
let server: Pem;
let stranger: Pem;
let clientPem: Pem;

/** A self-signed P-256 certificate for 127.0.0.1, valid one day. */
function selfSigned(name: string): Pem {
  const keyPath = join(dir, `${name}.key`);
  const certPath = join(dir, `${name}.crt`);
  execFileSync("openssl", [
    "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
    "-keyout", keyPath, "-out", certPath, "-days", "1", "-subj", "/CN=127.0.0.1",
    "-addext", "subjectAltName=IP:127.0.0.1",
  ], { stdio: "ignore" });
  return { cert: readFileSync(certPath, "utf8"), key: readFileSync(keyPath, "utf8"), certPath };
}

describe.skipIf(!hasOpenssl)("TLS: trust, SPKI pinning and mTLS", () => {
  let https: Server;
  let connections = 0;
  let requests = 0;
  let url = "";
  const clients: AirlockClient[] = [];

  function client(tls: AirlockTlsOptions): AirlockClient {
    const c = new AirlockClient({ baseUrl: url, hmacSecret: SECRET, tls, retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 2 } });
    clients.push(c);
    return c;
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "airlock-tls-"));
    server = selfSigned("server");
    stranger = selfSigned("stranger");
    clientPem = selfSigned("client");
    https = createServer({ cert: server.cert, key: server.key, ca: clientPem.cert, requestCert: true, rejectUnauthorized: false }, (req, res) => {
      requests++;
      const authorized = (req.socket as import("node:tls").TLSSocket).authorized;
      res.writeHead(authorized || req.url === "/health" ? 200 : 401, { "content-type": "application/json" });
      res.end(authorized || req.url === "/health" ? JSON.stringify({ ok: true }) : JSON.stringify({ error: "unknown client id" }));
    });
    https.on("connection", () => connections++);
    await new Promise<void>((resolve) => https.listen(0, "127.0.0.1", resolve));
    url = `https://127.0.0.1:${(https.address() as AddressInfo).port}`;
  });

  afterEach(async () => {
    for (const c of clients.splice(0)) await c.close();
    connections = 0;
    requests = 0;
  });

  afterAll(async () => {
    https.closeAllConnections();
    await new Promise<void>((resolve) => https.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  });

  it("spkiSha256 is the HPKP pin openssl computes", () => {
    const viaOpenssl = execSync(
      `openssl x509 -in "${server.certPath}" -pubkey -noout | openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64`,
    ).toString().trim();
    expect(spkiSha256(server.cert)).toBe(viaOpenssl);
  });

  it("connects with the CA and a matching pin", async () => {
    const c = client({ ca: server.cert, pinnedPublicKeySha256: [spkiSha256(stranger.cert), spkiSha256(server.cert)] });
    expect(await c.health()).toEqual({ ok: true });
    expect(await c.health()).toEqual({ ok: true });
  });

  it("refuses a server whose key matches no pin, sends nothing and does not retry", async () => {
    const c = client({ ca: server.cert, pinnedPublicKeySha256: [spkiSha256(stranger.cert)] });
    const err = await rejectionOf(c.health());
    expect(err).toMatchObject({ code: "NETWORK" });
    expect((err as Error).message).toMatch(/pinned/);
    expect(requests).toBe(0);
    expect(connections).toBe(1);
  });

  it("refuses an untrusted certificate without retrying", async () => {
    const c = client({});
    expect(await rejectionOf(c.health())).toMatchObject({ code: "NETWORK" });
    expect(requests).toBe(0);
    expect(connections).toBe(1);
  });

  it("presents the client certificate for mTLS", async () => {
    const without = client({ ca: server.cert });
    expect(await rejectionOf(without.evaluatePolicy(minimalRequest()))).toMatchObject({ code: "AUTH" });
    const withCert = client({ ca: server.cert, cert: clientPem.cert, key: clientPem.key });
    // The stub answers {ok:true} to an authorised peer: not a PolicyEvaluation, so the schema refuses it.
    expect(await rejectionOf(withCert.evaluatePolicy(minimalRequest()))).toMatchObject({ code: "INVALID_RESPONSE", reason: "schema" });
  });
});

function minimalRequest() {
  return {
    accountAddress: "0x1234",
    chainId: "0x534e5f5345504f4c4941",
    nonce: "0x1",
    validUntil: Math.floor(Date.now() / 1000) + 600,
    calls: [{ contractAddress: "0x5678", entrypoint: "transfer", calldata: [] }],
  };
}
