import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { loadConfig } from "../../../packages/signer/src/config/env-config.js";
import { startSidecar, type Sidecar } from "../../../packages/signer/src/server/sidecar.js";
import { CLIENT_ID, HMAC_SECRET, TOKEN, type Clock } from "./signed-request.js";

/** Throwaway session key of these tests (never used anywhere else). */
const SESSION_KEY = "0x2dccce1da22003777062ee0870e9881b460a8b7eca276870f57c601f182136c";

/** One running sidecar with what it audited and logged. */
export interface RunningSidecar {
  readonly url: string;
  /** Parsed audit records, in order. */
  readonly audit: Record<string, unknown>[];
  /** Operational log lines as `level event fields-json`. */
  readonly logs: string[];
  close(): Promise<void>;
}

/** A unique key namespace in a shared Redis, for each of the three Redis-backed stores. */
export function uniquePrefixes(tag: string): Record<string, string> {
  const base = `airlock-e2e:${tag}:${process.pid}:${Math.random().toString(36).slice(2)}:`;
  return {
    KEYRING_REDIS_NONCE_PREFIX: `${base}nonce:`,
    KEYRING_REDIS_RATE_LIMIT_PREFIX: `${base}rl:`,
    KEYRING_REDIS_SPEND_PREFIX: `${base}spend:`,
  };
}

/** The environment of every sidecar of these tests: one client, one key, Redis everywhere. */
export function redisEnv(redisUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: "development",
    HOST: "127.0.0.1",
    PORT: "0",
    LOG_LEVEL: "silent",
    KEYRING_AUTH_CLIENTS_JSON: JSON.stringify([{ clientId: CLIENT_ID, hmacSecret: HMAC_SECRET }]),
    KEYRING_DEFAULT_AUTH_CLIENT_ID: CLIENT_ID,
    KEYRING_SIGNING_KEYS_JSON: JSON.stringify([{ keyId: "default", privateKey: SESSION_KEY }]),
    KEYRING_REPLAY_STORE: "redis",
    KEYRING_REDIS_URL: redisUrl,
    KEYRING_RATE_LIMIT_ENABLED: "true",
    KEYRING_RATE_LIMIT_BACKEND: "redis",
    KEYRING_RATE_LIMIT_WINDOW_MS: "60000",
    KEYRING_RATE_LIMIT_MAX_REQUESTS: "100000",
    ...extra,
  };
}

/**
 * Temp files the tests write (policy files). `cleanup()` removes them all; call it in afterAll.
 */
export class TempFiles {
  private readonly dir = mkdtempSync(join(tmpdir(), "airlock-redis-e2e-policy-"));
  private n = 0;

  /** A YAML policy with one rolling-window budget of `maxPerWindow` units of TOKEN for every key. */
  spendingPolicy(maxPerWindow: number, windowSeconds = 3600): string {
    const path = join(this.dir, `policy-${++this.n}.yaml`);
    writeFileSync(
      path,
      [
        "version: 1",
        "spendingLimits:",
        '  - keyId: "*"',
        `    token: "${TOKEN}"`,
        `    maxPerWindow: "${maxPerWindow}"`,
        `    windowSeconds: ${windowSeconds}`,
        "",
      ].join("\n"),
    );
    return path;
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Starts one sidecar in-process on a free loopback port, capturing audit records and logs. */
export async function startOne(env: Record<string, string>, clock?: Clock): Promise<RunningSidecar> {
  const config = loadConfig(env);
  const audit: Record<string, unknown>[] = [];
  const logs: string[] = [];
  const auditStream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString("utf8").split("\n")) if (line.trim() !== "") audit.push(JSON.parse(line) as Record<string, unknown>);
      cb();
    },
  });
  const sidecar: Sidecar = await startSidecar(config, {
    auditStream,
    log: (level, event, fields) => logs.push(`${level} ${event} ${JSON.stringify(fields)}`),
    ...(clock ? { now: clock } : {}),
  });
  return { url: sidecar.url, audit, logs, close: () => sidecar.close() };
}

/**
 * Owns the sidecars of one test: `start` adds one, `closeAll` (afterEach) closes every one
 * even when some fail to close.
 */
export class SidecarFleet {
  private readonly running: RunningSidecar[] = [];

  async start(env: Record<string, string>, clock?: Clock): Promise<RunningSidecar> {
    const s = await startOne(env, clock);
    this.running.push(s);
    return s;
  }

  async closeAll(): Promise<void> {
    await Promise.allSettled(this.running.splice(0).map((s) => s.close()));
  }
}

/** Audit records of signatures handed out. */
export function signedRecords(...sidecars: RunningSidecar[]): Record<string, unknown>[] {
  return sidecars.flatMap((s) => s.audit.filter((r) => r.event === "sign.session_transaction.success"));
}
