import { AirlockClient } from "@airlock/core";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { CLI, runCli, startCli, type RunningCli } from "../support/cli-process.js";
import {
  COMPOSE_DIR,
  COMPOSE_FILE,
  DOCKERFILE,
  REPO,
  environmentOf,
  envPairs,
  execForm,
  parseCompose,
  parseDockerfile,
  secretNamesOf,
  volumesOf,
} from "./container-files.js";

/**
 * The container's entrypoint, run as a plain process with the environment the image and the
 * compose file give it: container paths are mapped onto temp folders standing in for the
 * mounts (/run/secrets, the audit volume, the policy bind mount, /app = this checkout).
 * Differences from the container, each forced by the test host: HOST is 127.0.0.1 (tests
 * listen on loopback only), PORT a free port, Redis the suite's own (or memory stores without
 * redis-server), and the Redis key prefixes unique to this run so no other suite shares them.
 */

const redisUrl = inject("redisUrl");
const compose = parseCompose(readFileSync(COMPOSE_FILE, "utf8"));
const service = compose.services.signer!;
const runtime = parseDockerfile(readFileSync(DOCKERFILE, "utf8")).stages.at(-1)!;
const instruction = (keyword: string) => runtime.instructions.filter((i) => i.keyword === keyword).at(-1)!.args;
const imageEnv = Object.assign({}, ...runtime.instructions.filter((i) => i.keyword === "ENV").map((i) => envPairs(i.args))) as Record<string, string>;
const entrypoint = execForm(instruction("ENTRYPOINT"))!;
const cmd = execForm(instruction("CMD"))!;
const healthcheck = execForm(/CMD\s+(\[.*\])$/.exec(instruction("HEALTHCHECK"))![1]!)!;

const STRK = "0x04718f5a0fc34cc1af16a1cdee98ffb20c31f5cd61d6ab07201858f4287c938d";
const RECIPIENT = "0x06f1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f";
const SN_SEPOLIA = "0x534e5f5345504f4c4941";

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === "object" && addr ? resolvePort(addr.port) : reject(new Error("no port"))));
    });
  });
}

/** Runs the image's HEALTHCHECK command (node -e …) against PORT; resolves with its exit code. */
function runHealthcheck(port: number): Promise<number | null> {
  const [bin, ...args] = healthcheck;
  expect(bin).toBe("node");
  return new Promise((resolveCode, reject) => {
    const child = spawn(process.execPath, args, { env: { PORT: String(port) }, stdio: "ignore" });
    const timer = setTimeout(() => (child.kill("SIGKILL"), reject(new Error("healthcheck did not finish in 15 s"))), 15_000);
    child.once("exit", (code) => (clearTimeout(timer), resolveCode(code)));
  });
}

/** Starts the CLI with `cwd` as its working directory (startCli inherits this process's). */
function startIn(cwd: string, args: string[], env: Record<string, string>): RunningCli {
  const previous = process.cwd();
  process.chdir(cwd);
  try {
    return startCli(args, env);
  } finally {
    process.chdir(previous);
  }
}

const tmp = (name: string) => mkdtempSync(join(tmpdir(), `airlock-entrypoint-${name}-`));

describe("the container's entrypoint, run as a process with the compose environment", () => {
  const secretsDir = tmp("secrets");
  const auditDir = tmp("audit");
  const workDir = tmp("cwd");
  const homeDir = tmp("home");
  const tmpDir = tmp("tmp");
  const hmacSecret = randomBytes(32).toString("hex");
  const passphrase = randomBytes(24).toString("base64");
  let publicKey = "";
  let port = 0;
  let env: Record<string, string> = {};
  let secretsBefore: Record<string, string> = {};
  let sidecar: RunningCli | undefined;
  let url = "";

  beforeAll(async () => {
    // The compose secrets, created as examples/compose/README.md does (one trailing newline each).
    const secret = (name: string) => join(secretsDir, name);
    writeFileSync(secret("airlock_hmac_secret"), `${hmacSecret}\n`, { mode: 0o400 });
    writeFileSync(secret("airlock_keystore_passphrase"), `${passphrase}\n`, { mode: 0o400 });
    const keygen = await runCli(["keygen", "--keystore", secret("airlock_keystore"), "--passphrase-file", secret("airlock_keystore_passphrase")], {}, 60_000);
    expect(keygen.stderr).toBe("");
    expect(keygen.code).toBe(0);
    publicKey = (JSON.parse(keygen.stdout) as { keyId: string; publicKey: string }).publicKey;
    secretsBefore = Object.fromEntries(readdirSync(secretsDir).map((f) => [f, readFileSync(join(secretsDir, f), "base64")]));

    // Container path -> host path, for every mount the compose file gives the signer.
    const mounts: [string, string][] = [["/app", REPO.replace(/\/$/, "")]];
    for (const name of secretNamesOf(service)) mounts.push([`/run/secrets/${name}`, secret(name)]);
    for (const v of volumesOf(service)) {
      const named = !v.source.startsWith(".") && !v.source.startsWith("/");
      expect(named ? v.source : "bind", "the only named volume is the audit log's").toMatch(/^(audit|bind)$/);
      mounts.push([v.target, named ? auditDir : resolve(COMPOSE_DIR, v.source)]);
    }
    const hostPath = (value: string): string => {
      const m = mounts.filter(([c]) => value === c || value.startsWith(`${c}/`)).sort((a, b) => b[0].length - a[0].length)[0];
      if (!m) throw new Error(`no mount in the compose file provides ${value}`);
      return m[1] + value.slice(m[0].length);
    };
    expect(hostPath(entrypoint[1]!), "the image's CLI is this checkout's").toBe(CLI);

    port = await freePort();
    const fromContainer = Object.fromEntries(
      Object.entries({ ...imageEnv, ...environmentOf(service) }).map(([k, v]) => [k, v.startsWith("/") ? hostPath(v) : v]),
    );
    const run = randomBytes(6).toString("hex");
    env = {
      ...fromContainer,
      HOST: "127.0.0.1",
      PORT: String(port),
      HOME: homeDir,
      TMPDIR: tmpDir,
      ...(redisUrl
        ? {
            KEYRING_REDIS_URL: redisUrl,
            KEYRING_REDIS_NONCE_PREFIX: `airlock-entrypoint-${run}:nonce:`,
            KEYRING_REDIS_RATE_LIMIT_PREFIX: `airlock-entrypoint-${run}:ratelimit:`,
            KEYRING_REDIS_SPEND_PREFIX: `airlock-entrypoint-${run}:spend:`,
          }
        : { KEYRING_REDIS_URL: "", KEYRING_REPLAY_STORE: "memory", KEYRING_RATE_LIMIT_BACKEND: "memory" }),
    };
    if (!redisUrl) console.warn("\n*** WARNING: redis-server is missing: the entrypoint runs with memory stores instead of Redis ***\n");
    expect(env.KEYRING_HMAC_SECRET_FILE).toBe(secret("airlock_hmac_secret"));
    expect(env.KEYRING_AUDIT_LOG_FILE).toBe(join(auditDir, "audit.jsonl"));

    expect(entrypoint[0]).toBe("node");
    sidecar = startIn(workDir, [...entrypoint.slice(2), ...cmd], env);
    const started = JSON.parse(await sidecar.waitFor("stderr", (l) => l.includes('"server.started"'), 30_000)) as { url: string; replayStore: string };
    url = started.url;
    expect(started.replayStore).toBe(redisUrl ? "redis" : "memory");
  }, 90_000);

  afterAll(async () => {
    await sidecar?.stop();
  });

  it("listens where PORT says and passes the image's HEALTHCHECK", async () => {
    expect(url).toBe(`http://127.0.0.1:${port}`);
    expect(await runHealthcheck(port)).toBe(0);
  });

  it("signs with the keystore's key for the client whose secret came from a file, and applies the mounted policy", async () => {
    const client = new AirlockClient({ baseUrl: url, clientId: env.KEYRING_DEFAULT_AUTH_CLIENT_ID!, hmacSecret });
    const session = (entrypointName: string) => ({
      accountAddress: "0x4a1",
      chainId: SN_SEPOLIA,
      nonce: `0x${randomBytes(4).toString("hex")}`,
      validUntil: Math.floor(Date.now() / 1000) + 300,
      calls: [{ contractAddress: STRK, entrypoint: entrypointName, calldata: [RECIPIENT, "1000", "0"] }],
    });
    try {
      const signed = await client.signSessionTransaction(session("transfer"));
      expect(signed.sessionPublicKey).toBe(publicKey);
      // The example policy refuses what it does not allow: the admin entrypoints first of all.
      await expect(client.signSessionTransaction(session("upgrade"))).rejects.toMatchObject({ code: "POLICY_DENIED" });
    } finally {
      await client.close();
    }
    // A wrong secret is refused: the file's content, not something else, is the client's secret.
    const stranger = new AirlockClient({ baseUrl: url, clientId: env.KEYRING_DEFAULT_AUTH_CLIENT_ID!, hmacSecret: `${hmacSecret}x` });
    try {
      await expect(stranger.signSessionTransaction(session("transfer"))).rejects.toMatchObject({ code: "AUTH" });
    } finally {
      await stranger.close();
    }
  });

  it("writes only its audit log, and that log verifies", async () => {
    expect(readdirSync(auditDir)).toEqual(["audit.jsonl"]);
    const records = readFileSync(join(auditDir, "audit.jsonl"), "utf8").trim().split("\n");
    expect(records.length).toBeGreaterThanOrEqual(3);
    const verify = await runCli(["audit", "verify", join(auditDir, "audit.jsonl")], {});
    expect(verify.code).toBe(0);
    // Nothing in its working directory, HOME or TMPDIR; the secrets are as they were.
    expect(readdirSync(workDir)).toEqual([]);
    expect(readdirSync(homeDir)).toEqual([]);
    expect(readdirSync(tmpDir)).toEqual([]);
    expect(Object.fromEntries(readdirSync(secretsDir).map((f) => [f, readFileSync(join(secretsDir, f), "base64")]))).toEqual(secretsBefore);
    // With the audit log in a file, stdout stays empty; stderr is the operational log.
    expect(sidecar!.stdout()).toBe("");
    for (const s of [hmacSecret, passphrase]) expect(sidecar!.stderr()).not.toContain(s);
  });

  it("stops cleanly on SIGTERM, after which the HEALTHCHECK fails", async () => {
    expect(await sidecar!.stop()).toBe(0);
    expect(await runHealthcheck(port)).toBe(1);
    expect(readdirSync(workDir)).toEqual([]);
    expect(readdirSync(tmpDir)).toEqual([]);
  });
});
