import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** True when a redis-server binary is on PATH. */
export function hasRedisServer(): boolean {
  const r = spawnSync("redis-server", ["--version"], { encoding: "utf8" });
  return !r.error && r.status === 0;
}

/** Prints a banner when the Redis suites of a file are skipped, so a skip is never silent. */
export function warnIfSkipped(available: boolean, what: string): void {
  if (!available) console.warn(`\n*** WARNING: redis-server is not installed: ${what} SKIPPED (apt-get install redis-server) ***\n`);
}

/** A loopback port nothing listens on right now. */
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

/** Resolves once something accepts connections on the port; bounded by `timeoutMs`. */
export function waitForPort(port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const sock = connect(port, "127.0.0.1");
      sock.once("connect", () => {
        sock.destroy();
        resolve();
      });
      sock.once("error", () => {
        sock.destroy();
        if (Date.now() > deadline) reject(new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`));
        else setTimeout(attempt, 20);
      });
    };
    attempt();
  });
}

// Every child this module started, so a crashed test run still leaves no redis-server behind.
const live = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of live) child.kill("SIGKILL");
});

/**
 * A redis-server child process one test owns: it can be killed (SIGKILL), frozen (SIGSTOP),
 * thawed and restarted on the same port. Nothing is persisted (--save '' --appendonly no),
 * so a restart comes back empty, as a Redis that lost its data would.
 */
export class RedisProcess {
  private child: ChildProcess | undefined;
  private readonly dir = mkdtempSync(join(tmpdir(), "airlock-redis-e2e-"));

  private constructor(
    readonly port: number,
    private readonly password: string | undefined,
  ) {}

  /** Picks a free loopback port (unless given) and starts the server there. */
  static async start(opts: { port?: number; password?: string } = {}): Promise<RedisProcess> {
    const server = new RedisProcess(opts.port ?? (await freePort()), opts.password);
    await server.restart();
    return server;
  }

  /** A server object for a port without starting it (tests of a sidecar that starts first). */
  static async notStarted(opts: { password?: string } = {}): Promise<RedisProcess> {
    return new RedisProcess(await freePort(), opts.password);
  }

  get url(): string {
    const auth = this.password === undefined ? "" : `:${encodeURIComponent(this.password)}@`;
    return `redis://${auth}127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  /** Starts (again) on the same port and waits until it accepts connections. */
  async restart(): Promise<void> {
    if (this.child !== undefined) throw new Error("redis-server is already running");
    const args = ["--port", String(this.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", this.dir];
    if (this.password !== undefined) args.push("--requirepass", this.password);
    const child = spawn("redis-server", args, { stdio: "ignore" });
    live.add(child);
    child.once("exit", () => live.delete(child));
    this.child = child;
    try {
      await waitForPort(this.port);
    } catch (err) {
      await this.kill();
      throw err;
    }
  }

  /** Redis going away without a goodbye: SIGKILL, and wait for the exit. */
  async kill(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGKILL");
    await exited;
  }

  /** Redis hanging: the socket stays open but nothing answers. */
  freeze(): void {
    this.child?.kill("SIGSTOP");
  }

  thaw(): void {
    this.child?.kill("SIGCONT");
  }

  /** Kills the server (frozen or not) and removes its directory. Never throws. */
  async dispose(): Promise<void> {
    await this.kill().catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
