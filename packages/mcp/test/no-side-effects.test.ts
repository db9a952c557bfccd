import { spawn } from "node:child_process";
import { pathToFileURL } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { BUILT_INDEX, REPO_ROOT, requireBuilt } from "./mcp-helpers.js";

/** Runs `script` as an ES module in a fresh node whose stdin stays open; kills it after 15 s. */
function runModule(script: string): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], { cwd: REPO_ROOT, stdio: ["pipe", "pipe", "pipe"], env: { PATH: process.env["PATH"] ?? "" } });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (c: string) => (stdout += c));
    child.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c));
    // Bound only: a module that reads stdin or starts a timer keeps the process alive until this.
    const guard = setTimeout(() => child.kill("SIGKILL"), 15_000);
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      clearTimeout(guard);
      child.stdin.destroy();
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Active handles, without the file requests the module loader may still have in flight. */
const lasting = (resources: string[]) => resources.filter((r) => !/^(CloseReq|FSReqCallback|FSReqPromise)$/.test(r)).sort();

describe("importing @airlock/mcp", () => {
  beforeAll(requireBuilt);

  it("starts nothing: no stdin read, no timer, no signal handler; the process ends by itself with stdin open", async () => {
    // stdout and stderr are opened first: Node itself opens stderr when a dependency loads
    // node:assert (to detect colours), which is not a side effect of this package.
    const script = `
      void process.stdout, void process.stderr;
      const events = ["SIGINT", "SIGTERM", "SIGHUP", "exit", "beforeExit", "uncaughtException", "unhandledRejection"];
      const count = () => events.map((e) => process.listenerCount(e));
      // Count every timer created during the import, unref'd ones included.
      const timers = [];
      for (const name of ["setTimeout", "setInterval", "setImmediate"]) {
        const original = globalThis[name];
        globalThis[name] = (...args) => (timers.push(name), original(...args));
      }
      const before = process.getActiveResourcesInfo();
      const listenersBefore = count();
      const mod = await import(${JSON.stringify(pathToFileURL(BUILT_INDEX).href)});
      const after = process.getActiveResourcesInfo();
      const listeners = count();
      process.stdout.write(JSON.stringify({ exports: Object.keys(mod).sort(), before, after, listenersBefore, listeners, timers }));
    `;
    const run = await runModule(script);
    expect(run.signal).toBeNull();
    expect(run.code).toBe(0);
    expect(run.stderr).toBe("");
    const report = JSON.parse(run.stdout) as { exports: string[]; before: string[]; after: string[]; listenersBefore: number[]; listeners: number[]; timers: string[] };
    expect(report.exports).toEqual(expect.arrayContaining(["createAirlockMcpServer", "loadMcpSettings", "clientFromSettings", "McpSettingsError"]));
    expect(lasting(report.after)).toEqual(lasting(report.before));
    expect(report.timers).toEqual([]);
    // Node itself may hold an exit listener for the top-level await; the import adds none.
    expect(report.listeners).toEqual(report.listenersBefore);
  });

  it("creating a server (without connecting it) starts nothing either", async () => {
    const script = `
      void process.stdout, void process.stderr;
      const { AirlockClient } = await import("@airlock/core");
      const { createAirlockMcpServer } = await import(${JSON.stringify(pathToFileURL(BUILT_INDEX).href)});
      const before = process.getActiveResourcesInfo();
      const client = new AirlockClient({ baseUrl: "http://127.0.0.1:9", hmacSecret: "0123456789abcdef0123" });
      createAirlockMcpServer({ client });
      const after = process.getActiveResourcesInfo();
      await client.close();
      process.stdout.write(JSON.stringify({ before, after }));
    `;
    const run = await runModule(script);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as { before: string[]; after: string[] };
    expect(lasting(report.after)).toEqual(lasting(report.before));
  });
});
