// The sidecar and redis-server as separate processes, started and stopped by the benchmark.
import { spawnSync } from "node:child_process";
import { request } from "node:http";
import { fileURLToPath } from "node:url";
import { startChild } from "./children.mjs";
import { freePort } from "./free-port.mjs";

const CLI = fileURLToPath(new URL("../packages/signer/dist/cli.js", import.meta.url));

function get(url) {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: "GET", timeout: 1_000 }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode));
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
    req.end();
  });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `url` until it answers 200, the child exits, or `timeoutMs` passes. */
async function waitForHealth(url, proc, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  proc.exited.then(() => (exited = true));
  while (Date.now() < deadline && !exited) {
    try {
      if ((await get(url)) === 200) return;
    } catch {
      // not listening yet
    }
    await sleep(50);
  }
  const { stderr } = proc.output();
  await proc.stop();
  throw new Error(`sidecar did not become healthy at ${url}${exited ? " (it exited)" : ""}\n--- sidecar stderr ---\n${stderr}`);
}

/**
 * Starts `node packages/signer/dist/cli.js serve` with `env` (which must set PORT) and waits
 * for GET /health. `nodeArgs` go before the script (e.g. --cpu-prof).
 */
export async function startSidecar(env, { nodeArgs = [], cwd } = {}) {
  const proc = startChild(process.execPath, [...nodeArgs, CLI, "serve"], { env, ...(cwd ? { cwd } : {}) });
  const url = `http://127.0.0.1:${env.PORT}`;
  await waitForHealth(`${url}/health`, proc, 15_000);
  return { url, pid: proc.child.pid, output: proc.output, stop: () => proc.stop(10_000) };
}

/** Path of redis-server, or undefined when it is not installed. */
export function findRedisServer() {
  const found = spawnSync("sh", ["-c", "command -v redis-server"], { encoding: "utf8" });
  const path = found.stdout.trim();
  return found.status === 0 && path ? path : undefined;
}

/** A throwaway redis-server on a free loopback port: no persistence, no config file. */
export async function startRedis(binary) {
  const port = await freePort();
  const proc = startChild(binary, ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "yes"]);
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (proc.child.exitCode !== null) throw new Error(`redis-server exited:\n${proc.output().stdout}${proc.output().stderr}`);
    if (/Ready to accept connections/.test(proc.output().stdout)) break;
    if (Date.now() > deadline) {
      await proc.stop();
      throw new Error("redis-server did not become ready within 10 s");
    }
    await sleep(20);
  }
  return { url: `redis://127.0.0.1:${port}`, port, pid: proc.child.pid, stop: () => proc.stop() };
}
