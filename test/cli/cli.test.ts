import { AirlockClient } from "@airlock/core";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runCli, startCli, type RunningCli } from "../support/cli-process.js";

const running: RunningCli[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.stop()));
});

function start(args: string[], env: Record<string, string>): RunningCli {
  const r = startCli(args, env);
  running.push(r);
  return r;
}

const session = (validUntil = Math.floor(Date.now() / 1000) + 600) => ({
  accountAddress: "0x4a1",
  chainId: "0x534e5f5345504f4c4941",
  nonce: "0x7",
  validUntil,
  calls: [{ contractAddress: "0x49d3", entrypoint: "transfer", calldata: ["0x1", "10", "0"] }],
});

/** The example file as `KEY=value` pairs (blank values count as unset, as SISNA reads them). */
function envFile(path: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of readFileSync(path, "utf8").split("\n")) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (m && m[2] !== "") env[m[1]!] = m[2]!;
  }
  return env;
}

describe("airlock-signer dev", () => {
  it("serves on loopback with a throwaway key, prints the client configuration once, signs, and stops on SIGTERM", async () => {
    const dev = start(["dev", "--port", "0", "--json"], {});
    const cfg = JSON.parse(await dev.waitFor("stdout", (l) => l.startsWith("{"))) as {
      url: string;
      clientId: string;
      hmacSecret: string;
      keyId: string;
      sessionPublicKey: string;
    };
    expect(cfg.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const client = new AirlockClient({ baseUrl: cfg.url, clientId: cfg.clientId, hmacSecret: cfg.hmacSecret });
    try {
      const signed = await client.signSessionTransaction(session());
      expect(signed.sessionPublicKey).toBe(cfg.sessionPublicKey);
    } finally {
      await client.close();
    }
    expect(await dev.stop()).toBe(0);
    // The secret was printed exactly once (the configuration line), never in a log line.
    expect(dev.stdout().split(cfg.hmacSecret).length - 1).toBe(1);
    expect(dev.stderr()).not.toContain(cfg.hmacSecret);
  });

  it("refuses to run with NODE_ENV=production", async () => {
    const r = await runCli(["dev"], { NODE_ENV: "production" });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("refuses to run with NODE_ENV=production");
  });
});

describe("airlock-signer serve", () => {
  it("starts from the shipped .env.example as is (SISNA's did not)", async () => {
    const env = { ...envFile(new URL("../../packages/signer/.env.example", import.meta.url).pathname), PORT: "0" };
    const serve = start(["serve"], env);
    const started = JSON.parse(await serve.waitFor("stderr", (l) => l.includes('"server.started"'))) as { url: string };
    const client = new AirlockClient({ baseUrl: started.url, clientId: "default", hmacSecret: env.KEYRING_HMAC_SECRET! });
    try {
      expect((await client.signSessionTransaction(session())).signatureMode).toBe("v2_snip12");
    } finally {
      await client.close();
    }
  });

  it("fails fast with one line per configuration problem and no secret in them", async () => {
    const r = await runCli(["serve"], {
      KEYRING_HMAC_SECRET: "short-secret",
      KEYRING_REPLAY_STORE: "redis",
      KEYRING_MAX_SKEW_MS: "12abc",
    });
    expect(r.code).toBe(1);
    const lines = r.stderr.trim().split("\n");
    expect(lines.length).toBeGreaterThanOrEqual(3);
    for (const line of lines) expect(line).toMatch(/^airlock-signer: config: /);
    expect(r.stderr).not.toContain("short-secret");
  });
});

describe("airlock-signer keygen and a keystore-backed serve", () => {
  it("creates a key in an encrypted keystore that serve then signs with; the private key is never printed", async () => {
    const dir = mkdtempSync(join(tmpdir(), "airlock-keygen-"));
    const keystore = join(dir, "keys.json");
    const pass = join(dir, "pass.txt");
    writeFileSync(pass, "correct horse battery staple\n", { mode: 0o600 });
    const made = await runCli(["keygen", "--keystore", keystore, "--passphrase-file", pass, "--key-id", "agent-1"], {});
    expect(made.code).toBe(0);
    const { publicKey } = JSON.parse(made.stdout) as { publicKey: string };
    expect(readFileSync(keystore, "utf8")).toContain('"airlock-keystore"');
    const again = await runCli(["keygen", "--keystore", keystore, "--passphrase-file", pass, "--key-id", "agent-1"], {});
    expect(again.code).toBe(1);

    const serve = start(["serve"], {
      PORT: "0",
      KEYRING_HMAC_SECRET: "keystore-test-secret-0123456789",
      KEYRING_KEYSTORE_PATH: keystore,
      KEYRING_KEYSTORE_PASSPHRASE_FILE: pass,
      KEYRING_DEFAULT_KEY_ID: "agent-1",
    });
    const { url } = JSON.parse(await serve.waitFor("stderr", (l) => l.includes('"server.started"'))) as { url: string };
    const client = new AirlockClient({ baseUrl: url, hmacSecret: "keystore-test-secret-0123456789" });
    try {
      expect((await client.signSessionTransaction(session())).sessionPublicKey).toBe(publicKey);
    } finally {
      await client.close();
    }
  });

  it("refuses a wrong passphrase", async () => {
    const dir = mkdtempSync(join(tmpdir(), "airlock-keygen-"));
    const keystore = join(dir, "keys.json");
    writeFileSync(join(dir, "a"), "first passphrase ok\n");
    writeFileSync(join(dir, "b"), "second passphrase no\n");
    expect((await runCli(["keygen", "--keystore", keystore, "--passphrase-file", join(dir, "a")], {})).code).toBe(0);
    const r = await runCli(["keygen", "--keystore", keystore, "--passphrase-file", join(dir, "b"), "--key-id", "x"], {});
    expect(r.code).toBe(1);
  });
});

describe("airlock-signer audit verify", () => {
  it("accepts the chain a running sidecar wrote and names the first record of a tampered copy", async () => {
    const dir = mkdtempSync(join(tmpdir(), "airlock-audit-"));
    const file = join(dir, "audit.jsonl");
    const secret = "audit-cli-test-secret-0123456789";
    const serve = start(["serve"], {
      PORT: "0",
      KEYRING_HMAC_SECRET: secret,
      SESSION_PRIVATE_KEY: "0x1234567890abcdef1234567890abcdef",
      KEYRING_AUDIT_LOG_FILE: file,
    });
    const { url } = JSON.parse(await serve.waitFor("stderr", (l) => l.includes('"server.started"'))) as { url: string };
    const client = new AirlockClient({ baseUrl: url, hmacSecret: secret });
    try {
      await client.signSessionTransaction(session());
      await client.evaluatePolicy({ ...session(), calls: [{ contractAddress: "0x5", entrypoint: "upgrade", calldata: [] }] });
      await expect(client.signSessionTransaction(session(1))).rejects.toMatchObject({ code: "POLICY_DENIED" });
    } finally {
      await client.close();
    }
    expect(await serve.stop()).toBe(0);
    running.splice(running.indexOf(serve), 1);

    const ok = await runCli(["audit", "verify", file], {});
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^ok: 3 records/);

    const lines = readFileSync(file, "utf8").trimEnd().split("\n");
    lines[1] = lines[1]!.replace('"outcome":"denied"', '"outcome":"allowed"');
    const tampered = join(dir, "tampered.jsonl");
    writeFileSync(tampered, `${lines.join("\n")}\n`);
    const bad = await runCli(["audit", "verify", tampered], {});
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/^broken: record at line 2/);
  });
});

describe("airlock-signer usage", () => {
  it("prints the OpenAPI document and rejects unknown verbs and flags", async () => {
    expect((await runCli(["openapi"], {})).stdout).toContain("openapi: 3.1.0");
    expect((await runCli(["frobnicate"], {})).code).toBe(2);
    expect((await runCli(["serve", "--bogus"], {})).code).toBe(2);
  });
});
