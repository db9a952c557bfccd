// VERIFY_SIGNER / airlock_verify_signer end to end in each framework binding, against a live
// Nitro sidecar (NSM emulator) and the real PCR0 registry on ganache, on loopback. Each binding
// takes the trust settings from its own settings source: ElizaOS character settings and
// secrets, the MCP server's environment, the LangChain toolkit's client options.
import { randomBytes } from "node:crypto";
import { TOOL_NAMES } from "@airlock/core/agent-tools";
import { AirlockToolkit } from "@airlock/langchain";
import { clientFromSettings, createAirlockMcpServer, loadMcpSettings } from "@airlock/mcp";
import { AIMessage, HumanMessage, type ToolMessage } from "@langchain/core/messages";
import { fakeModel } from "@langchain/core/testing";
import { createAgent } from "langchain";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRegistryChain, type RegistryChain } from "../packages/core/test/registry/rpc-servers.js";
import { connectInMemory, outcomeOf, textOf } from "../packages/mcp/test/mcp-helpers.js";
import { AIRLOCK_SIGNER_STATUS, VERIFY_SIGNER } from "../packages/plugin-eliza/src/index.js";
import { runAction, startAgent, type TestAgent } from "../packages/plugin-eliza/test/support/test-agent.js";
import { findSecret, newClient, newKey, sidecarEnv, startTestSidecar, type TestSidecar } from "./support/sidecar-harness.js";

const PCR0 = "e0".repeat(48);
const PCR1 = "e1".repeat(48);
const PCR2 = "e2".repeat(48);
/** A retired build, still allowed during a rollout: the list form of the PCR0 setting. */
const OLD_PCR0 = "ee".repeat(48);
const agentClient = newClient("agent");
const key = newKey("default");
const RPC_KEY = `sk-rpc-${randomBytes(12).toString("hex")}`;

let sc: TestSidecar;
let chain: RegistryChain;
let chainId: number;
/** The trust settings, as flat text, the way ElizaOS and MCP read them. */
let trust: Record<string, string>;
/** Every text a binding produced here, checked for secrets and the RPC key at the end. */
const seen: string[] = [];

beforeAll(async () => {
  sc = await startTestSidecar(
    sidecarEnv({
      clients: [agentClient],
      keys: [key],
      extra: {
        AIRLOCK_BACKEND: "nitro",
        AIRLOCK_ATTESTATION_SOURCE: "emulator",
        AIRLOCK_EMULATOR_PCRS_JSON: JSON.stringify({ 0: PCR0, 1: PCR1, 2: PCR2 }),
      },
    }),
  );
  sc.untrackedTraffic = true;
  chain = await startRegistryChain();
  await (await chain.as(0).getFunction("registerPCR0").send(`0x${PCR0}`, `0x${"22".repeat(32)}`, "airlock bindings test build")).wait();
  const answer = await fetch(chain.url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }) });
  chainId = Number(((await answer.json()) as { result: string }).result);
  trust = {
    AIRLOCK_NITRO_EXPECTED_PCR0: `${OLD_PCR0},${PCR0}`,
    AIRLOCK_NITRO_EXPECTED_PCR1: PCR1,
    AIRLOCK_NITRO_EXPECTED_PCR2: PCR2,
    AIRLOCK_NITRO_ROOT_SHA256: sc.emulatorRootFingerprintSha256!,
    AIRLOCK_NITRO_MAX_AGE_MS: "60000",
    AIRLOCK_NITRO_POLICY_HASH: sc.policyHash,
    AIRLOCK_REGISTRY_RPC_URL: `${chain.url}/v3/${RPC_KEY}`,
    AIRLOCK_REGISTRY_ADDRESS: chain.registryAddress,
    AIRLOCK_REGISTRY_OWNER: chain.accounts[0]!,
    AIRLOCK_REGISTRY_CHAIN_ID: String(chainId),
  };
});

afterAll(async () => {
  await chain?.close();
  await sc?.close();
});

/** What every verified report must say about this enclave. */
function expectVerifiedReport(summary: string, data: Record<string, unknown>): void {
  for (const part of [`PCR0 ${PCR0}`, `PCR1 ${PCR1}`, `PCR2 ${PCR2}`, `Receipt key ${sc.receiptKeyId}`, `policy hash ${sc.policyHash}`, `registry ${chain.registryAddress}`]) {
    expect(summary).toContain(part);
  }
  expect(data).toMatchObject({
    verified: true,
    pcrs: { "0": PCR0, "1": PCR1, "2": PCR2 },
    receiptKeyId: sc.receiptKeyId,
    policyHash: sc.policyHash,
    registry: { address: chain.registryAddress, owner: chain.accounts[0], active: true },
  });
}

/** What the AIRLOCK_SIGNER provider puts into the agent's context. */
async function providerContext(agent: TestAgent) {
  const provider = agent.rt.providers.find((p) => p.name === "AIRLOCK_SIGNER")!;
  return provider.get(agent.rt, { entityId: agent.rt.agentId, roomId: agent.rt.agentId, content: { text: "hi" } }, { values: {}, data: {}, text: "" });
}

describe("ElizaOS: VERIFY_SIGNER with the trust settings in the character", () => {
  const agents: TestAgent[] = [];
  afterAll(async () => {
    for (const a of agents) await a.stop();
  });

  it("attests the signer and reports it; the other actions then run with verified receipts", async () => {
    const { AIRLOCK_REGISTRY_RPC_URL, AIRLOCK_NITRO_MAX_AGE_MS, AIRLOCK_REGISTRY_CHAIN_ID, ...plain } = trust;
    const agent = await startAgent({
      name: "Nitro Agent",
      // Numbers as a character file has them; the RPC URL with the secrets, as the README advises.
      settings: { AIRLOCK_URL: sc.url, AIRLOCK_CLIENT_ID: agentClient.id, ...plain, AIRLOCK_NITRO_MAX_AGE_MS: Number(AIRLOCK_NITRO_MAX_AGE_MS), AIRLOCK_REGISTRY_CHAIN_ID: chainId },
      secrets: { AIRLOCK_HMAC_SECRET: agentClient.secret, AIRLOCK_REGISTRY_RPC_URL: AIRLOCK_REGISTRY_RPC_URL! },
    });
    agents.push(agent);
    expect(AIRLOCK_REGISTRY_CHAIN_ID).toBe(String(chainId));
    const { valid, result, texts, callback } = await runAction(agent, VERIFY_SIGNER, { text: "Prove the signer runs the published build." });
    seen.push(...texts, JSON.stringify(result));
    expect(valid).toBe(true);
    expect(result).toMatchObject({ success: true, values: { airlockSignerVerified: true } });
    expect(callback).toHaveBeenCalledTimes(1);
    expect(texts[0]).toBe(result.text);
    expectVerifiedReport(texts[0]!, (result.data as { data: Record<string, unknown> }).data);
    expect(agent.service().client.attestedSigner?.pcrs["0"]).toBe(PCR0);

    const status = await runAction(agent, AIRLOCK_SIGNER_STATUS, { text: "status?" });
    seen.push(...status.texts);
    expect(status.result).toMatchObject({ success: true, data: { ok: true, data: { keys: [{ keyId: "default" }] } } });
    // The provider puts the attested measurement and receipt key into the agent's context.
    const ctx = await providerContext(agent);
    seen.push(JSON.stringify(ctx));
    expect(ctx.text).toContain(`Attested Nitro Enclave: PCR0 ${PCR0}, receipt key ${sc.receiptKeyId}.`);
    expect(ctx.values).toMatchObject({ airlockSignerReachable: true, airlockSignerAttestedPcr0: PCR0 });
    // The start-up log says the client attests; no log line carries the RPC URL or its key.
    const logs = agent.logs.join("\n");
    expect(logs).toContain('"attestation":"nitro"');
    expect(logs).not.toContain(RPC_KEY);
    expect(logs).not.toContain(chain.url);
    seen.push(logs);
  });

  it("refuses an enclave whose PCR0 the character does not allow, in the action and in the other actions", async () => {
    const agent = await startAgent({
      settings: { AIRLOCK_URL: sc.url, AIRLOCK_CLIENT_ID: agentClient.id, AIRLOCK_NITRO_EXPECTED_PCR0: OLD_PCR0, AIRLOCK_NITRO_ROOT_SHA256: sc.emulatorRootFingerprintSha256! },
      secrets: { AIRLOCK_HMAC_SECRET: agentClient.secret },
    });
    agents.push(agent);
    const before = sc.auditLines().length;
    const { result, texts } = await runAction(agent, VERIFY_SIGNER, { text: "verify the signer" });
    seen.push(...texts);
    expect(result).toMatchObject({ success: false, error: "untrusted_signer", data: { reason: "attestation_invalid", verifierCode: "PCR_NOT_ALLOWED" } });
    expect(texts[0]).toMatch(/^The signer is NOT verified: .*PCR\) is not in the allowlist/);
    const status = await runAction(agent, AIRLOCK_SIGNER_STATUS, { text: "status?" });
    expect(status.result).toMatchObject({ success: false, error: "untrusted_signer" });
    const ctx = await providerContext(agent);
    expect(ctx.text).toMatch(/^# Airlock signer\nNot trusted: do not sign through it: The signer could not be verified/);
    expect(ctx.values).toEqual({ airlockSignerReachable: false });
    expect(sc.auditLines().length).toBe(before);
    // The refusal is logged with its reason and check, for the operator.
    expect(agent.logs.some((l) => l.includes('"verifierCode":"PCR_NOT_ALLOWED"'))).toBe(true);
  });
});

describe("LangChain: airlock_verify_signer from a toolkit built from client options with `nitro`", () => {
  it("the model calls the tool, sees the attested PCRs and receipt key, and answers from them", async () => {
    const toolkit = new AirlockToolkit({
      baseUrl: sc.url,
      clientId: agentClient.id,
      hmacSecret: agentClient.secret,
      nitro: {
        allowedPcrs: { "0": [PCR0], "1": [PCR1], "2": [PCR2] },
        rootFingerprintSha256: sc.emulatorRootFingerprintSha256!,
        registry: { rpcUrl: trust["AIRLOCK_REGISTRY_RPC_URL"]!, address: chain.registryAddress, owner: chain.accounts[0]!, chainId },
      },
    });
    try {
      const model = fakeModel()
        .respondWithTools([{ name: TOOL_NAMES.verifySigner, args: {}, id: "call_verify" }])
        .respondWithTools([{ name: TOOL_NAMES.signerStatus, args: {}, id: "call_status" }])
        .respond((msgs) => {
          const verify = JSON.parse(String(msgs.find((m) => m.type === "tool")?.content)) as { ok: boolean; data?: { pcrs: Record<string, string> } };
          return new AIMessage(verify.ok ? `Verified enclave, PCR0 ${verify.data?.pcrs["0"]}.` : "Not verified.");
        });
      const agent = createAgent({ model, tools: toolkit.getTools() });
      const { messages } = await agent.invoke({ messages: [new HumanMessage("Is the signer the published build?")] });
      seen.push(JSON.stringify(messages));
      const tools = messages.filter((m): m is ToolMessage => m.type === "tool");
      expect(tools.map((t) => t.tool_call_id)).toEqual(["call_verify", "call_status"]);
      const verify = JSON.parse(String(tools[0]!.content)) as { ok: boolean; summary: string; data: Record<string, unknown> };
      expect(verify.ok).toBe(true);
      expectVerifiedReport(verify.summary, verify.data);
      expect(JSON.parse(String(tools[1]!.content))).toMatchObject({ ok: true });
      expect(String(messages.at(-1)?.content)).toBe(`Verified enclave, PCR0 ${PCR0}.`);
      expect(toolkit.client.attestedSigner?.receiptKey.receiptKeyId).toBe(sc.receiptKeyId);
    } finally {
      await toolkit.close();
    }
    // The toolkit built the client, so closing the toolkit closed it.
    expect(JSON.parse(await toolkit.getTools().at(-1)!.invoke({}) as string)).toMatchObject({ ok: false, error: "rejected" });
  });

  it("a toolkit whose client does not allow the enclave's PCR0 gives the model a refusal naming why", async () => {
    const toolkit = new AirlockToolkit({ baseUrl: sc.url, clientId: agentClient.id, hmacSecret: agentClient.secret, nitro: { allowedPcrs: { "0": [OLD_PCR0] }, rootFingerprintSha256: sc.emulatorRootFingerprintSha256! } });
    try {
      const verify = toolkit.getTools().find((t) => t.name === TOOL_NAMES.verifySigner)!;
      const out = JSON.parse((await verify.invoke({})) as string) as Record<string, unknown>;
      seen.push(JSON.stringify(out));
      expect(out).toMatchObject({ ok: false, error: "untrusted_signer", reason: "attestation_invalid", verifierCode: "PCR_NOT_ALLOWED" });
    } finally {
      await toolkit.close();
    }
  });
});

describe("MCP: airlock_verify_signer with the trust settings in the environment", () => {
  async function serve(env: Record<string, string>) {
    const settings = loadMcpSettings({ AIRLOCK_URL: sc.url, AIRLOCK_CLIENT_ID: agentClient.id, AIRLOCK_HMAC_SECRET: agentClient.secret, ...env });
    const client = clientFromSettings(settings);
    const server = createAirlockMcpServer({ client, operator: settings.operator });
    const mcp = await connectInMemory(server);
    return {
      mcp,
      client,
      close: async () => {
        await mcp.close();
        await server.close();
        await client.close();
      },
    };
  }

  it("attests the signer and returns the report as text and structured content", async () => {
    const { mcp, client, close } = await serve(trust);
    try {
      const result = await mcp.callTool({ name: TOOL_NAMES.verifySigner, arguments: {} });
      seen.push(textOf(result));
      expect(result.isError).toBe(false);
      const out = outcomeOf(result);
      expect(result.structuredContent).toEqual(out);
      expectVerifiedReport(out.summary, out["data"] as Record<string, unknown>);
      expect(client.attestedSigner?.policyHash).toBe(sc.policyHash);
      const status = await mcp.callTool({ name: TOOL_NAMES.signerStatus, arguments: {} });
      expect(status.isError).toBe(false);
    } finally {
      await close();
    }
  });

  it("refuses a registry owner other than the one that registered the measurement", async () => {
    const { mcp, close } = await serve({ ...trust, AIRLOCK_REGISTRY_OWNER: chain.accounts[1]! });
    try {
      const result = await mcp.callTool({ name: TOOL_NAMES.verifySigner, arguments: {} });
      seen.push(textOf(result));
      expect(result.isError).toBe(true);
      expect(outcomeOf(result)).toMatchObject({ ok: false, error: "untrusted_signer", reason: "registry", verifierCode: "OWNER_MISMATCH" });
      const sign = await mcp.callTool({ name: TOOL_NAMES.signerStatus, arguments: {} });
      expect(outcomeOf(sign)).toMatchObject({ ok: false, error: "untrusted_signer", reason: "registry" });
    } finally {
      await close();
    }
  });
});

describe("secrets", () => {
  it("no binding output carries a configured secret, the RPC URL or its key", () => {
    expect(seen.length).toBeGreaterThan(8);
    const text = seen.join("\n");
    expect(findSecret(text, sc.secrets)).toBeUndefined();
    expect(text).not.toContain(RPC_KEY);
    expect(text).not.toContain(chain.url);
  });
});
