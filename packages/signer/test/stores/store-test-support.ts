import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Redis } from "ioredis";
import { connectRedis, waitForRedisReady, type ConnectRedisOptions } from "../../src/stores/redis-connection.js";

/** A key prefix no other test run or test case shares. */
export function randomPrefix(tag: string): string {
  return `airlock-test:${tag}:${randomUUID()}:`;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** A fresh client on `url`, ready for commands (throws if it is not ready within 5 s). */
export async function readyClient(url: string, options: ConnectRedisOptions = {}): Promise<Redis> {
  const redis = connectRedis(url, options);
  if (!(await waitForRedisReady(redis, 5000))) {
    redis.disconnect();
    throw new Error("test Redis client not ready within 5 s");
  }
  return redis;
}

/** True when a redis-server binary is on PATH. */
export function hasRedisServer(): boolean {
  const r = spawnSync("redis-server", ["--version"], { encoding: "utf8" });
  return !r.error && r.status === 0;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === "object" && addr ? resolve(addr.port) : reject(new Error("no port"))));
    });
  });
}

function waitForPort(port: number, deadlineMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const sock = connect(port, "127.0.0.1");
      sock.once("connect", () => {
        sock.destroy();
        resolve();
      });
      sock.once("error", () => {
        sock.destroy();
        if (Date.now() > deadlineMs) reject(new Error(`redis-server did not listen on ${port}`));
        else setTimeout(attempt, 20);
      });
    };
    attempt();
  });
}

/** A redis-server child process a test owns, so it can kill and restart it. */
export class OwnRedisServer {
  private child: ChildProcess | undefined;
  private readonly dir = mkdtempSync(join(tmpdir(), "airlock-store-redis-"));

  constructor(
    readonly port: number,
    private readonly extraArgs: readonly string[] = [],
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const args = ["--port", String(this.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"];
    this.child = spawn("redis-server", [...args, "--dir", this.dir, ...this.extraArgs], { stdio: "ignore" });
    await waitForPort(this.port, Date.now() + 10_000);
  }

  /** Stops the server at once (SIGKILL by default: Redis "going away", no goodbye). */
  async stop(signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once("exit", r));
    child.kill(signal);
    await exited;
  }

  /** Freezes (SIGSTOP) or thaws (SIGCONT) the server: connected but not answering. */
  signal(sig: "SIGSTOP" | "SIGCONT"): void {
    this.child?.kill(sig);
  }

  async dispose(): Promise<void> {
    this.signal("SIGCONT");
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
