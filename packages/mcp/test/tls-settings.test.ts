import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spkiSha256 } from "@airlock/core";
import { TOOL_NAMES } from "@airlock/core/agent-tools";
import { clientFromSettings, createAirlockMcpServer, loadMcpSettings, McpSettingsError } from "@airlock/mcp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newClient, newKey, sidecarEnv, startTestSidecar, type TestSidecar } from "../../../test/support/sidecar-harness.js";
import { connectInMemory, outcomeOf } from "./mcp-helpers.js";

const hasOpenssl = spawnSync("openssl", ["version"]).status === 0;

interface Pem {
  certPath: string;
  keyPath: string;
  cert: string;
}

describe.skipIf(!hasOpenssl)("TLS settings: CA, client certificate and key files, SPKI pins", () => {
  const agent = newClient("agent");
  let dir: string;
  let server: Pem;
  let clientPem: Pem;
  let other: Pem;
  let sc: TestSidecar;

  /** A self-signed P-256 certificate for 127.0.0.1, valid one day; the key file is mode 0600. */
  function selfSigned(name: string): Pem {
    const keyPath = join(dir, `${name}.key`);
    const certPath = join(dir, `${name}.crt`);
    execFileSync(
      "openssl",
      ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", keyPath, "-out", certPath,
        "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
      { stdio: "ignore" },
    );
    chmodSync(keyPath, 0o600);
    return { certPath, keyPath, cert: readFileSync(certPath, "utf8") };
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "airlock-mcp-tls-"));
    server = selfSigned("server");
    clientPem = selfSigned("client");
    other = selfSigned("other");
    sc = await startTestSidecar(
      sidecarEnv({
        clients: [agent],
        keys: [newKey("default")],
        extra: {
          KEYRING_TRANSPORT: "https",
          KEYRING_TLS_CERT_PATH: server.certPath,
          KEYRING_TLS_KEY_PATH: server.keyPath,
          KEYRING_TLS_CA_PATH: clientPem.certPath,
          KEYRING_MTLS_REQUIRED: "true",
        },
      }),
    );
    sc.untrackedTraffic = true;
  });
  afterAll(async () => {
    await sc?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const tlsEnv = (extra: Record<string, string> = {}) => ({
    AIRLOCK_URL: sc.url,
    AIRLOCK_CLIENT_ID: agent.id,
    AIRLOCK_HMAC_SECRET: agent.secret,
    AIRLOCK_TLS_CA: server.certPath,
    AIRLOCK_TLS_CERT: clientPem.certPath,
    AIRLOCK_TLS_KEY: clientPem.keyPath,
    AIRLOCK_TLS_PINNED_SPKI_SHA256: `${spkiSha256(other.cert)}, ${spkiSha256(server.cert)}`,
    ...extra,
  });

  it("reaches an mTLS sidecar with the files and pins the variables name, through the MCP tools", async () => {
    const settings = loadMcpSettings(tlsEnv());
    expect(settings.warnings).toEqual([]);
    expect(settings.client.tls?.pinnedPublicKeySha256).toEqual([spkiSha256(other.cert), spkiSha256(server.cert)]);
    const client = clientFromSettings(settings);
    const mcpServer = createAirlockMcpServer({ client, operator: settings.operator });
    const mcp = await connectInMemory(mcpServer);
    try {
      const result = await mcp.callTool({ name: TOOL_NAMES.signerStatus, arguments: {} });
      expect(result.isError).toBe(false);
      expect(outcomeOf(result)).toMatchObject({ ok: true, data: { keys: [{ keyId: "default" }] } });
    } finally {
      await mcp.close();
      await mcpServer.close();
      await client.close();
    }
  });

  it("reports a pin that matches no certificate as an unavailable signer, not a crash", async () => {
    const settings = loadMcpSettings(tlsEnv({ AIRLOCK_TLS_PINNED_SPKI_SHA256: spkiSha256(other.cert) }));
    const client = clientFromSettings({ ...settings, client: { ...settings.client, retry: { attempts: 1 } } });
    const mcpServer = createAirlockMcpServer({ client, operator: settings.operator });
    const mcp = await connectInMemory(mcpServer);
    try {
      const result = await mcp.callTool({ name: TOOL_NAMES.signerStatus, arguments: {} });
      expect(result.isError).toBe(true);
      expect(outcomeOf(result).ok).toBe(false);
    } finally {
      await mcp.close();
      await mcpServer.close();
      await client.close();
    }
  });

  it("refuses unusable TLS files at start, under their variables", () => {
    const notPem = join(dir, "not-pem.txt");
    writeFileSync(notPem, "hello");
    const problems = (extra: Record<string, string>) => {
      try {
        loadMcpSettings(tlsEnv(extra));
      } catch (err) {
        expect(err).toBeInstanceOf(McpSettingsError);
        expect((err as McpSettingsError).message).not.toContain(dir);
        return (err as McpSettingsError).problems;
      }
      throw new Error("expected a refusal");
    };
    expect(problems({ AIRLOCK_TLS_CA: notPem })).toEqual([{ variable: "AIRLOCK_TLS_CA", message: "does not name a PEM certificate file" }]);
    expect(problems({ AIRLOCK_TLS_CERT: clientPem.keyPath })).toEqual([{ variable: "AIRLOCK_TLS_CERT", message: "does not name a PEM certificate file" }]);
    expect(problems({ AIRLOCK_TLS_KEY: clientPem.certPath })).toEqual([{ variable: "AIRLOCK_TLS_KEY", message: "does not name an unencrypted PEM private key file" }]);
    expect(problems({ AIRLOCK_TLS_KEY: other.keyPath })).toEqual([{ variable: "AIRLOCK_TLS_KEY", message: "does not match the certificate of AIRLOCK_TLS_CERT" }]);
    expect(problems({ AIRLOCK_TLS_CA: join(dir, "missing.pem") })).toEqual([{ variable: "AIRLOCK_TLS_CA", message: "cannot be opened (ENOENT)" }]);
    expect(problems({ AIRLOCK_TLS_KEY: "" })).toEqual([
      { variable: "AIRLOCK_TLS_KEY", message: "is not set: AIRLOCK_TLS_CERT and AIRLOCK_TLS_KEY go together (mTLS)" },
    ]);
  });

  it("warns when the client key file is readable by other users", () => {
    const shared = join(dir, "shared.key");
    writeFileSync(shared, readFileSync(clientPem.keyPath));
    chmodSync(shared, 0o644);
    expect(loadMcpSettings(tlsEnv({ AIRLOCK_TLS_KEY: shared })).warnings).toEqual([
      "AIRLOCK_TLS_KEY: the file is accessible to other users; restrict it (chmod 600)",
    ]);
  });
});
