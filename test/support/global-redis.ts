import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { freePort, hasRedisServer, waitForPort } from "./redis-process.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** redis://127.0.0.1:PORT of the suite's own redis-server, or "" when it is not installed. */
    redisUrl: string;
  }
}

/**
 * Starts one real redis-server on a random loopback port for the whole run. Without the
 * binary the Redis suites are skipped, and loudly; with AIRLOCK_REQUIRE_REDIS=1 (as .ci/run
 * sets) its absence fails the run instead.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (!hasRedisServer()) {
    const msg = "redis-server is not installed: every Redis test suite is SKIPPED (apt-get install redis-server)";
    if (process.env.AIRLOCK_REQUIRE_REDIS === "1") throw new Error(`${msg}; AIRLOCK_REQUIRE_REDIS=1 makes this a failure`);
    console.warn(`\n*** WARNING: ${msg} ***\n`);
    project.provide("redisUrl", "");
    return async () => {};
  }
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "airlock-redis-"));
  const child: ChildProcess = spawn(
    "redis-server",
    ["--bind", "127.0.0.1", "--port", String(port), "--save", "", "--appendonly", "no", "--dir", dir],
    { stdio: "ignore" },
  );
  await waitForPort(port);
  project.provide("redisUrl", `redis://127.0.0.1:${port}`);
  return async () => {
    child.kill("SIGTERM");
    await new Promise((r) => (child.exitCode !== null ? r(null) : child.once("exit", r)));
    rmSync(dir, { recursive: true, force: true });
  };
}
