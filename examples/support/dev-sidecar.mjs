// Starts `airlock-signer dev` as a child process on a free loopback port and reads the client
// configuration it prints as its first stdout line. The sidecar's log lines (stderr) are kept,
// bounded, to show if something goes wrong.
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const CLI = fileURLToPath(new URL("../../packages/signer/dist/cli.js", import.meta.url));
const START_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 10_000;
const MAX_LOG_CHARS = 16_384;

/**
 * @returns {{ config: Promise<{url: string, clientId: string, hmacSecret: string, keyId: string, sessionPublicKey: string}>,
 *             logs: () => string, stop: () => Promise<number | null> }}
 */
export function startDevSidecar() {
  const child = spawn(process.execPath, [CLI, "dev", "--port", "0", "--json"], { stdio: ["ignore", "pipe", "pipe"] });
  let logs = "";
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (chunk) => (logs = (logs + chunk).slice(-MAX_LOG_CHARS)));
  const exited = new Promise((resolve) => child.once("exit", (code) => resolve(code)));

  const config = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the dev sidecar did not start within ${START_TIMEOUT_MS / 1000} s`)), START_TIMEOUT_MS);
    // The interface keeps reading stdout after the first line, so the pipe never fills up.
    createInterface({ input: child.stdout }).once("line", (line) => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(line));
      } catch {
        reject(new Error("the dev sidecar's first line is not its JSON configuration"));
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`the dev sidecar exited with ${code}`));
    });
  });
  config.catch(() => undefined); // observed by the caller; never an unhandled rejection

  return {
    config,
    logs: () => logs,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), STOP_TIMEOUT_MS);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}
