import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TOOL_NAMES } from "@airlock/core/agent-tools";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { LATEST_PROTOCOL_VERSION } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findSecret, newClient, newKey, sidecarEnv, SN_SEPOLIA, startTestSidecar, type TestSidecar } from "../../../test/support/sidecar-harness.js";
import { BUILT_BIN, outcomeOf, REPO_ROOT, requireBuilt } from "./mcp-helpers.js";

const agent = newClient("agent");
const ACCOUNT = "0x4a11ce";
const TOKEN = "0x49d36570d4e46f48e99674bd3fcc84644ddd6b96f7c741b1562b82f9e004dc7";
const transferCalls = [{ contractAddress: TOKEN, entrypoint: "transfer", calldata: ["0x1", "100", "0"] }];
/** Bound on anything a test waits for from the child. */
const WAIT_MS = 15_000;

let sc: TestSidecar;
let dir: string;
let secretFile: string;

/** The child's environment: nothing inherited but PATH, the secret from a 0600 file. */
function binEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env["PATH"] ?? "",
    AIRLOCK_URL: sc.url,
    AIRLOCK_CLIENT_ID: agent.id,
    AIRLOCK_HMAC_SECRET_FILE: secretFile,
    AIRLOCK_KEY_ID: "default",
    AIRLOCK_ACCOUNT_ADDRESS: ACCOUNT,
    AIRLOCK_CHAIN_ID: SN_SEPOLIA,
    ...extra,
  };
}

/** The built bin, spoken to line by line: every stdout line is kept, and must be JSON-RPC. */
class BinProcess {
  readonly child: ChildProcessWithoutNullStreams;
  readonly lines: string[] = [];
  stderr = "";
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  #partial = "";
  #waiters: Array<() => void> = [];

  constructor(env: Record<string, string>) {
    this.child = spawn(process.execPath, [BUILT_BIN], { cwd: REPO_ROOT, env, stdio: ["pipe", "pipe", "pipe"] });
    this.child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      const parts = (this.#partial + chunk).split("\n");
      this.#partial = parts.pop() ?? "";
      this.lines.push(...parts);
      for (const wake of this.#waiters.splice(0)) wake();
    });
    this.child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      this.stderr += chunk;
      for (const wake of this.#waiters.splice(0)) wake();
    });
    const guard = setTimeout(() => this.child.kill("SIGKILL"), 3 * WAIT_MS);
    this.exited = new Promise((resolve) =>
      this.child.on("exit", (code, signal) => {
        clearTimeout(guard);
        resolve({ code, signal });
      }),
    );
  }

  send(message: Record<string, unknown>): void {
    this.child.stdin.write(`${JSON.stringify({ jsonrpc: "2.0", ...message })}\n`);
  }

  /** Everything written on stdout, parsed; throws if a line is not a JSON-RPC message. */
  messages(): Array<Record<string, any>> {
    const all = this.#partial === "" ? this.lines : [...this.lines, this.#partial];
    return all.map((line) => {
      const msg = JSON.parse(line) as Record<string, any>;
      if (msg["jsonrpc"] !== "2.0") throw new Error("stdout carried something other than JSON-RPC");
      return msg;
    });
  }

  /** Resolves once `check` holds (re-checked on each output chunk); rejects after WAIT_MS. */
  async until(what: string, check: () => boolean): Promise<void> {
    const deadline = Date.now() + WAIT_MS;
    while (!check()) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`timed out waiting for ${what}; stderr: ${this.stderr}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remaining);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  async response(id: number): Promise<Record<string, any>> {
    await this.until(`response ${id}`, () => this.messages().some((m) => m["id"] === id));
    return this.messages().find((m) => m["id"] === id)!;
  }

  async initialize(): Promise<void> {
    this.send({ id: 1, method: "initialize", params: { protocolVersion: LATEST_PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: "raw-test", version: "0" } } });
    expect((await this.response(1))["result"].serverInfo).toMatchObject({ name: "airlock" });
    this.send({ method: "notifications/initialized" });
  }
}

beforeAll(async () => {
  requireBuilt();
  sc = await startTestSidecar(sidecarEnv({ clients: [agent], keys: [newKey("default")] }));
  sc.untrackedTraffic = true;
  dir = mkdtempSync(join(tmpdir(), "airlock-mcp-bin-"));
  secretFile = join(dir, "hmac-secret");
  writeFileSync(secretFile, `${agent.secret}\n`);
  chmodSync(secretFile, 0o600);
});
afterAll(async () => {
  await sc?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("the built airlock-mcp over stdio", () => {
  it("speaks MCP to the SDK's stdio client: lists the tools, reports status, signs", async () => {
    const transport = new StdioClientTransport({ command: process.execPath, args: [BUILT_BIN], cwd: REPO_ROOT, env: binEnv(), stderr: "pipe" });
    let stderr = "";
    transport.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    const client = new Client({ name: "stdio-test", version: "0.0.0" });
    const transportErrors: unknown[] = [];
    client.onerror = (err) => transportErrors.push(err);
    await client.connect(transport);
    try {
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name).sort()).toEqual(Object.values(TOOL_NAMES).sort());
      const status = await client.callTool({ name: TOOL_NAMES.signerStatus, arguments: {} });
      expect(status.isError).toBe(false);
      expect(outcomeOf(status)).toMatchObject({ ok: true, data: { keys: [{ keyId: "default" }] } });
      const signed = await client.callTool({ name: TOOL_NAMES.signSessionTransaction, arguments: { calls: transferCalls } });
      expect(outcomeOf(signed)).toMatchObject({ ok: true, data: { accountAddress: ACCOUNT, chainId: SN_SEPOLIA } });
    } finally {
      await client.close();
    }
    // A stdout line that is not a JSON-RPC message would have surfaced here.
    expect(transportErrors).toEqual([]);
    expect(stderr).toContain("serving on stdio");
    expect(findSecret(stderr, sc.secrets)).toBeUndefined();
  });

  it("writes only protocol messages on stdout, and exits 0 when stdin closes", async () => {
    const bin = new BinProcess(binEnv());
    await bin.initialize();
    bin.send({ id: 2, method: "tools/list" });
    bin.send({ id: 3, method: "tools/call", params: { name: TOOL_NAMES.signerStatus, arguments: {} } });
    bin.send({ id: 4, method: "tools/call", params: { name: TOOL_NAMES.signSessionTransaction, arguments: { calls: [{ contractAddress: TOKEN, entrypoint: "upgrade" }] } } });
    expect((await bin.response(2))["result"].tools).toHaveLength(7);
    expect((await bin.response(3))["result"].isError).toBe(false);
    const denied = (await bin.response(4))["result"];
    expect(denied.isError).toBe(true);
    expect(denied.content[0].text).toContain("call.denied_selector");
    // Wait for the start-up health check to report, so stderr is complete.
    await bin.until("the health check", () => bin.stderr.includes("signer reachable"));
    bin.child.stdin.end();
    expect(await bin.exited).toEqual({ code: 0, signal: null });
    expect(bin.messages().map((m) => m["id"])).toEqual([1, 2, 3, 4]);
    expect(bin.stderr).toContain("shutting down (stdin closed)");
    expect(findSecret(bin.lines.join("\n") + bin.stderr, sc.secrets)).toBeUndefined();
  });

  it("shuts down cleanly on SIGTERM and on SIGINT", async () => {
    for (const signal of ["SIGTERM", "SIGINT"] as const) {
      const bin = new BinProcess(binEnv());
      await bin.initialize();
      bin.child.kill(signal);
      expect(await bin.exited).toEqual({ code: 0, signal: null });
      expect(bin.stderr).toContain(`shutting down (${signal})`);
    }
  });

  it("survives a line that is not JSON-RPC and does not echo it", async () => {
    const bin = new BinProcess(binEnv());
    await bin.initialize();
    bin.child.stdin.write(`not json ${agent.secret}\n`);
    bin.child.stdin.write(`{"jsonrpc":"2.0","id":"x","method":${JSON.stringify(agent.secret)}}\n`);
    bin.send({ id: 2, method: "tools/call", params: { name: TOOL_NAMES.signerStatus, arguments: {} } });
    expect((await bin.response(2))["result"].isError).toBe(false);
    await bin.until("the diagnostic", () => bin.stderr.includes("ignored a bad message (SyntaxError)"));
    bin.child.stdin.end();
    expect((await bin.exited).code).toBe(0);
    expect(findSecret(bin.stderr + bin.lines.join("\n"), [agent.secret])).toBeUndefined();
  });

  it("says what is wrong with the settings on stderr, exits 2, and writes nothing on stdout", async () => {
    const bin = new BinProcess({
      PATH: process.env["PATH"] ?? "",
      AIRLOCK_HMAC_SECRET: agent.secret,
      AIRLOCK_CLIENT_ID: `${agent.secret}!`,
      AIRLOCK_TLS_CA: join(dir, agent.secret),
    });
    expect(await bin.exited).toEqual({ code: 2, signal: null });
    expect(bin.lines).toEqual([]);
    expect(bin.stderr).toContain("AIRLOCK_URL: is not set");
    expect(bin.stderr).toContain("AIRLOCK_CLIENT_ID:");
    expect(bin.stderr).toContain("AIRLOCK_TLS_CA:");
    expect(findSecret(bin.stderr, [agent.secret])).toBeUndefined();
  });

  it("with Nitro settings, says the signer must be attested, and that a keyring signer is not verified", async () => {
    const rpcKey = "sk-bin-rpc-key-0123456789abcdef";
    const bin = new BinProcess(
      binEnv({
        AIRLOCK_NITRO_EXPECTED_PCR0: "a0".repeat(48),
        AIRLOCK_REGISTRY_RPC_URL: `http://127.0.0.1:9/v3/${rpcKey}`,
        AIRLOCK_REGISTRY_ADDRESS: "0x2222222222222222222222222222222222222222",
        AIRLOCK_REGISTRY_OWNER: "0x1111111111111111111111111111111111111111",
      }),
    );
    await bin.initialize();
    bin.send({ id: 2, method: "tools/call", params: { name: TOOL_NAMES.verifySigner, arguments: {} } });
    const result = (await bin.response(2))["result"];
    expect(result.isError).toBe(true);
    expect(JSON.parse(result.content[0].text)).toMatchObject({ ok: false, error: "untrusted_signer", reason: "attestation_unavailable" });
    await bin.until("the health check", () => bin.stderr.includes("signer NOT verified"));
    expect(bin.stderr).toContain("(Nitro attestation required)");
    expect(bin.stderr).toContain("signer NOT verified (attestation_unavailable); every tool refuses it");
    bin.child.stdin.end();
    expect((await bin.exited).code).toBe(0);
    expect(bin.stderr + bin.lines.join("\n")).not.toContain(rpcKey);
  });

  it("refuses a malformed PCR list at start, exit 2, naming the variable", async () => {
    const bin = new BinProcess(binEnv({ AIRLOCK_NITRO_EXPECTED_PCR0: "not-a-measurement-value" }));
    expect(await bin.exited).toEqual({ code: 2, signal: null });
    expect(bin.lines).toEqual([]);
    expect(bin.stderr).toContain("AIRLOCK_NITRO_EXPECTED_PCR0: must hold 48-byte measurements as hex");
    expect(bin.stderr).not.toContain("not-a-measurement-value");
  });

  it("starts while the signer is down, and the tools report it as unavailable", async () => {
    const bin = new BinProcess(binEnv({ AIRLOCK_URL: "http://127.0.0.1:9" }));
    await bin.initialize();
    bin.send({ id: 2, method: "tools/call", params: { name: TOOL_NAMES.signerStatus, arguments: {} } });
    const result = (await bin.response(2))["result"];
    expect(result.isError).toBe(true);
    expect(JSON.parse(result.content[0].text)).toMatchObject({ ok: false, error: "unavailable" });
    await bin.until("the health check", () => bin.stderr.includes("signer not reachable yet"));
    bin.child.stdin.end();
    expect((await bin.exited).code).toBe(0);
  });
});
