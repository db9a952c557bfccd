import { TOOL_NAMES } from "@airlock/core/agent-tools";
import { feltHex, sessionRequestHashes, starkKeyOf, verifyWithStarkKey } from "@airlock/core/starknet";
import { AIMessage } from "@langchain/core/messages";
import { fakeModel } from "@langchain/core/testing";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runAgent } from "../examples/langchain-agent/agent.mjs";
import { realModelFromEnv } from "../examples/langchain-agent/real-model.mjs";
import { findSecret, newClient, newKey, sidecarEnv, SN_MAIN, startTestSidecar } from "./support/sidecar-harness.js";

// `npm run demo` (after the build `npm test` runs first): the demo driver as a child process,
// its exit code, and the lines that show the job was done. The signed transaction it prints
// is checked again here with @airlock/core's own hashing, a second implementation next to the
// starknet.js check inside the demo. The LangChain example itself (examples/langchain-agent) is
// also driven directly: its runAgent with a caller-supplied model, its model choice, its CLI.

const DEMO = fileURLToPath(new URL("../examples/demo.mjs", import.meta.url));
const AGENT = fileURLToPath(new URL("../examples/langchain-agent/agent.mjs", import.meta.url));
const RUN_TIMEOUT_MS = 60_000;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runScript(script: string, env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script], { env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d));
    child.stderr.on("data", (d: Buffer) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${script} did not finish in ${RUN_TIMEOUT_MS} ms; stdout: ${stdout.slice(-2000)}; stderr: ${stderr.slice(-2000)}`));
    }, RUN_TIMEOUT_MS);
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The environment of a user's shell, minus anything that would switch the agent to a real model. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const { OPENAI_API_KEY: _o, ANTHROPIC_API_KEY: _a, NODE_ENV: _n, ...rest } = process.env;
  return { ...rest, ...extra };
}

interface PrintedTx {
  accountAddress: string;
  chainId: string;
  nonce: string;
  validUntil: number;
  calls: { contractAddress: string; entrypoint: string; calldata: string[] }[];
  messageHash: string;
  signature: string[];
}

describe("npm run demo", () => {
  it("signs through the LangChain agent, verifies the signature, shows a refusal, stops the sidecar, exits 0", { timeout: RUN_TIMEOUT_MS + 5_000 }, async () => {
    const run = await runScript(DEMO, cleanEnv());
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const out = run.stdout;

    const up = /^1\. dev sidecar up at http:\/\/127\.0\.0\.1:\d+ \(session key (0x[0-9a-f]+)\)$/m.exec(out);
    expect(up).not.toBeNull();
    const sessionKey = BigInt(up![1]!);
    expect(out).toMatch(/^2\. LangChain agent \(createAgent/m);
    expect(out).toContain("  -> airlock_signer_status {}");
    expect(out).toMatch(/^ {2}<- ok: Signed 1 call\(s\) for account 0x[0-9a-f]+ on chain 0x534e5f5345504f4c4941/m);
    expect(out).toMatch(/^4\. starknet\.js recomputed message hash 0x[0-9a-f]+ and verified the signature: OK$/m);
    expect(out).toMatch(/^5\. refused as expected: the agent's "upgrade" of its own account -> policy_denied \(rule call\.self_call\): .*Nothing was signed/m);
    expect(out).toMatch(/^6\. the agent's answer: Invoice 42 is paid: .* I did not upgrade the account: Refused by the signing policy/m);
    expect(out).toMatch(/^7\. sidecar stopped \(exit code 0\)$/m);
    // The steps come in order.
    const order = ["1. ", "2. ", "3. ", "4. ", "5. ", "6. ", "7. "].map((p) => out.indexOf(`\n${p}`) + (out.startsWith(p) ? 1 : 0));
    expect([...order].sort((a, b) => a - b)).toEqual(order);

    // The printed transaction verifies with @airlock/core too, under the sidecar's session key.
    const json = out.slice(out.indexOf("\n", out.indexOf("\n3. ") + 1) + 1, out.indexOf("\n4. "));
    const tx = JSON.parse(json) as PrintedTx;
    expect(tx.calls).toEqual([{ contractAddress: expect.stringMatching(/^0x04718f5a/), entrypoint: "transfer", calldata: [expect.any(String), "1000000000000000000", "0"] }]);
    const { messageHash } = sessionRequestHashes({ accountAddress: tx.accountAddress, chainId: tx.chainId, nonce: tx.nonce, validUntil: tx.validUntil, calls: tx.calls });
    expect(feltHex(messageHash)).toBe(tx.messageHash);
    const [pub, r, s, validUntil] = tx.signature;
    expect(BigInt(pub!)).toBe(sessionKey);
    expect(BigInt(validUntil!)).toBe(BigInt(tx.validUntil));
    expect(verifyWithStarkKey(messageHash, sessionKey, { r: BigInt(r!), s: BigInt(s!) })).toBe(true);
    // The throwaway client secret (64 hex digits, no 0x) stays inside the demo.
    expect(out).not.toMatch(/hmacSecret|(?<![0-9a-fx])[0-9a-f]{64}(?![0-9a-f])/i);
  });

  it("exits non-zero and says why when a step fails (here: the dev sidecar refuses to start)", { timeout: RUN_TIMEOUT_MS + 5_000 }, async () => {
    const run = await runScript(DEMO, cleanEnv({ NODE_ENV: "production" }));
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("demo failed: the dev sidecar exited with 1");
    expect(run.stderr).toContain("dev mode refuses to run with NODE_ENV=production");
    expect(run.stdout).not.toContain("1. dev sidecar up");
  });
});

type Step = { tool: string; args: Record<string, unknown>; outcome: Record<string, unknown> & { data?: Record<string, unknown> } };

describe("examples/langchain-agent", () => {
  it("runAgent takes the caller's model, account and chain, and reports every step", async () => {
    const agent = newClient("agent");
    const key = newKey("default");
    const sc = await startTestSidecar(sidecarEnv({ clients: [agent], keys: [key] }));
    try {
      const call = { contractAddress: "0x49d3", entrypoint: "approve", calldata: ["0x5", "7", "0"] };
      const model = fakeModel()
        .respondWithTools([{ name: TOOL_NAMES.signSessionTransaction, args: { calls: [call] }, id: "only" }])
        .respond(new AIMessage("approved"));
      const { answer, steps, messages } = (await runAgent({ airlockUrl: sc.url, clientId: agent.id, hmacSecret: agent.secret, model, accountAddress: "0xacc", chainId: SN_MAIN })) as {
        answer: string;
        steps: Step[];
        messages: unknown[];
      };
      expect(answer).toBe("approved");
      expect(steps).toHaveLength(1);
      expect(steps[0]).toMatchObject({ tool: TOOL_NAMES.signSessionTransaction, args: { calls: [call] }, outcome: { ok: true, data: { accountAddress: "0xacc", chainId: SN_MAIN } } });
      const data = steps[0]!.outcome.data as { nonce: string; validUntil: number; signature: string[] };
      const { messageHash } = sessionRequestHashes({ accountAddress: "0xacc", chainId: SN_MAIN, nonce: data.nonce, validUntil: data.validUntil, calls: [call] });
      expect(verifyWithStarkKey(messageHash, starkKeyOf(key.privateKey), { r: BigInt(data.signature[1]!), s: BigInt(data.signature[2]!) })).toBe(true);
      expect(findSecret(JSON.stringify(messages), sc.secrets)).toBeUndefined();
    } finally {
      await sc.close();
    }
  });

  it("uses a real model only when its key and its package are both there, and says which package to install", async () => {
    expect(await realModelFromEnv({}, () => undefined)).toBeUndefined();
    const notes: string[] = [];
    expect(await realModelFromEnv({ OPENAI_API_KEY: "k", ANTHROPIC_API_KEY: "k" }, (l: string) => notes.push(l))).toBeUndefined();
    expect(notes).toEqual([
      "OPENAI_API_KEY is set but @langchain/openai is not installed: run `npm i @langchain/openai` to use it.",
      "ANTHROPIC_API_KEY is set but @langchain/anthropic is not installed: run `npm i @langchain/anthropic` to use it.",
    ]);
  });

  it("as a script, names the missing settings and exits 2", async () => {
    const { AIRLOCK_URL: _u, AIRLOCK_HMAC_SECRET: _s, ...env } = cleanEnv();
    const run = await runScript(AGENT, env);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("Set AIRLOCK_URL and AIRLOCK_HMAC_SECRET");
  });
});
