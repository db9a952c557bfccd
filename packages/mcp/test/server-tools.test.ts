import { AirlockClient } from "@airlock/core";
import { TOOL_DESCRIPTIONS, TOOL_NAMES } from "@airlock/core/agent-tools";
import { feltHex, sessionRequestHashes, starkKeyOf, verifyWithStarkKey } from "@airlock/core/starknet";
import { createAirlockMcpServer, MAX_TOOL_INPUT_ELEMENTS, SERVER_INFO } from "@airlock/mcp";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findSecret, newClient, newKey, sidecarEnv, SN_MAIN, SN_SEPOLIA, startTestSidecar, type TestSidecar } from "../../../test/support/sidecar-harness.js";
import { connectInMemory, outcomeOf, textOf } from "./mcp-helpers.js";

const agent = newClient("agent");
const key = newKey("default");
const ACCOUNT = "0x4a11ce";
const TOKEN = "0x49d36570d4e46f48e99674bd3fcc84644ddd6b96f7c741b1562b82f9e004dc7";
const transferCalls = [{ contractAddress: TOKEN, entrypoint: "transfer", calldata: ["0x1", "100", "0"] }];
const upgradeCalls = [{ contractAddress: TOKEN, entrypoint: "upgrade", calldata: ["0x1"] }];

let sc: TestSidecar;
let airlock: AirlockClient;
let server: McpServer;
let mcp: Client;
/** Every text a tool returned in this file, checked for secrets at the end. */
const texts: string[] = [];

async function call(name: string, args: Record<string, unknown> = {}) {
  const result = await mcp.callTool({ name, arguments: args });
  texts.push(textOf(result));
  return result;
}

beforeAll(async () => {
  sc = await startTestSidecar(sidecarEnv({ clients: [agent], keys: [key] }));
  sc.untrackedTraffic = true;
  airlock = new AirlockClient({ baseUrl: sc.url, clientId: agent.id, hmacSecret: agent.secret });
  server = createAirlockMcpServer({ client: airlock, operator: { accountAddress: ACCOUNT, chainId: SN_SEPOLIA } });
  mcp = await connectInMemory(server);
});
afterAll(async () => {
  await mcp?.close();
  await server?.close();
  await airlock?.close();
  await sc?.close();
});

describe("the MCP server's tool list", () => {
  it("announces itself and the seven tools with their fixed names and descriptions", async () => {
    expect(mcp.getServerVersion()).toMatchObject(SERVER_INFO);
    expect(mcp.getInstructions()).toContain(TOOL_NAMES.signSessionTransaction);
    const { tools } = await mcp.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(Object.values(TOOL_NAMES).sort());
    const byName = new Map(tools.map((t) => [t.name, t]));
    expect(byName.get(TOOL_NAMES.signSessionTransaction)?.description).toBe(TOOL_DESCRIPTIONS.signSessionTransaction);
    expect(byName.get(TOOL_NAMES.checkSigningPolicy)?.description).toBe(TOOL_DESCRIPTIONS.checkSigningPolicy);
    expect(byName.get(TOOL_NAMES.signerStatus)?.description).toBe(TOOL_DESCRIPTIONS.signerStatus);
    // Only the dry run and the status are read-only.
    expect(byName.get(TOOL_NAMES.signSessionTransaction)?.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: true });
    expect(byName.get(TOOL_NAMES.checkSigningPolicy)?.annotations).toMatchObject({ readOnlyHint: true });
    expect(byName.get(TOOL_NAMES.signerStatus)?.annotations).toMatchObject({ readOnlyHint: true });
    for (const key of ["placeExchangeOrder", "cancelExchangeOrder", "getExchangeAccount"] as const) {
      expect(byName.get(TOOL_NAMES[key])?.description).toBe(TOOL_DESCRIPTIONS[key]);
      // They reach an exchange: open world.
      expect(byName.get(TOOL_NAMES[key])?.annotations).toMatchObject({ openWorldHint: true });
    }
    expect(byName.get(TOOL_NAMES.placeExchangeOrder)?.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: true, idempotentHint: false });
    expect(byName.get(TOOL_NAMES.getExchangeAccount)?.annotations).toMatchObject({ readOnlyHint: true });
    expect(mcp.getInstructions()).toContain(TOOL_NAMES.placeExchangeOrder);
    // The attestation check only reads, and may ask an on-chain registry: open world.
    expect(byName.get(TOOL_NAMES.verifySigner)?.description).toBe(TOOL_DESCRIPTIONS.verifySigner);
    expect(byName.get(TOOL_NAMES.verifySigner)?.annotations).toMatchObject({ readOnlyHint: true, destructiveHint: false, openWorldHint: true });
    expect(byName.get(TOOL_NAMES.verifySigner)?.inputSchema).toMatchObject({ type: "object" });
    expect(Object.keys((byName.get(TOOL_NAMES.verifySigner)?.inputSchema as { properties?: object }).properties ?? {})).toEqual([]);
    expect(mcp.getInstructions()).toContain(TOOL_NAMES.verifySigner);
  });

  it("publishes the input schemas the model fills, as JSON Schema", async () => {
    const { tools } = await mcp.listTools();
    for (const name of [TOOL_NAMES.signSessionTransaction, TOOL_NAMES.checkSigningPolicy]) {
      const schema = tools.find((t) => t.name === name)!.inputSchema as Record<string, any>;
      expect(schema.type).toBe("object");
      expect(schema.required).toEqual(["calls"]);
      expect(Object.keys(schema.properties).sort()).toEqual(["accountAddress", "calls", "chainId", "nonce", "reason", "validForSeconds"]);
      expect(schema.properties.calls).toMatchObject({ type: "array", minItems: 1, maxItems: 64 });
      expect(schema.properties.calls.items.required).toEqual(["contractAddress", "entrypoint"]);
      expect(schema.properties.calls.items.properties.calldata).toMatchObject({ type: "array", maxItems: 256 });
      expect(schema.properties.validForSeconds).toMatchObject({ type: "integer", minimum: 1, maximum: 86_400 });
      expect(schema.properties.reason.description).toContain("audit log");
    }
    const status = tools.find((t) => t.name === TOOL_NAMES.signerStatus)!;
    expect(status.inputSchema.type).toBe("object");
    expect(Object.keys(status.inputSchema.properties ?? {})).toEqual([]);
    for (const tool of tools) expect(tool.outputSchema?.required).toEqual(expect.arrayContaining(["ok", "summary"]));
    const place = tools.find((t) => t.name === TOOL_NAMES.placeExchangeOrder)!.inputSchema as Record<string, any>;
    expect(place.required).toEqual(["symbol", "side", "orderType", "quantity"]);
    expect(place.properties.side).toMatchObject({ enum: ["buy", "sell"] });
    expect(place.properties.venue.enum).toContain("hyperliquid");
    const cancel = tools.find((t) => t.name === TOOL_NAMES.cancelExchangeOrder)!.inputSchema as Record<string, any>;
    expect(cancel.required).toEqual(["symbol"]);
    const account = tools.find((t) => t.name === TOOL_NAMES.getExchangeAccount)!.inputSchema as Record<string, any>;
    expect(account.properties.what.enum).toEqual(["account", "balances", "positions", "open_orders"]);
  });
});

describe("the MCP tools against a live sidecar", () => {
  it("signs, and the signature verifies for the request rebuilt from the returned data", async () => {
    const result = await call(TOOL_NAMES.signSessionTransaction, { calls: transferCalls, reason: "pay the invoice" });
    expect(result.isError).toBe(false);
    const outcome = outcomeOf(result);
    expect(result.structuredContent).toEqual(outcome);
    const data = outcome.data as { accountAddress: string; chainId: string; nonce: string; validUntil: number; messageHash: string; sessionPublicKey: string; signature: string[] };
    expect(data).toMatchObject({ accountAddress: ACCOUNT, chainId: SN_SEPOLIA, sessionPublicKey: feltHex(starkKeyOf(key.privateKey)) });

    const rebuilt = { accountAddress: data.accountAddress, chainId: data.chainId, nonce: data.nonce, validUntil: data.validUntil, calls: transferCalls };
    const { messageHash } = sessionRequestHashes(rebuilt);
    expect(feltHex(messageHash)).toBe(data.messageHash);
    const [publicKey, r, s, validUntil] = data.signature.map((v) => BigInt(v));
    expect(publicKey).toBe(starkKeyOf(key.privateKey));
    expect(validUntil).toBe(BigInt(data.validUntil));
    expect(verifyWithStarkKey(messageHash, starkKeyOf(key.privateKey), { r: r!, s: s! })).toBe(true);
    // The same signature does not verify for other calls.
    const other = sessionRequestHashes({ ...rebuilt, calls: [{ ...transferCalls[0]!, calldata: ["0x1", "101", "0"] }] });
    expect(verifyWithStarkKey(other.messageHash, starkKeyOf(key.privateKey), { r: r!, s: s! })).toBe(false);
  });

  it("answers the policy dry run: allowed, and denied naming the rule (both are answers, not errors)", async () => {
    const allowed = await call(TOOL_NAMES.checkSigningPolicy, { calls: transferCalls });
    expect(allowed.isError).toBe(false);
    expect(outcomeOf(allowed)).toMatchObject({ ok: true, data: { allowed: true } });
    const denied = await call(TOOL_NAMES.checkSigningPolicy, { calls: upgradeCalls });
    expect(denied.isError).toBe(false);
    expect(outcomeOf(denied)).toMatchObject({ ok: true, data: { allowed: false, ruleId: "call.denied_selector" } });
    expect(textOf(denied)).toContain("call.denied_selector");
  });

  it("reports the signer's status", async () => {
    const result = await call(TOOL_NAMES.signerStatus);
    expect(result.isError).toBe(false);
    expect(outcomeOf(result)).toMatchObject({
      ok: true,
      data: { signerProvider: "local", keys: [{ keyId: "default", sessionPublicKey: feltHex(starkKeyOf(key.privateKey)) }] },
    });
  });

  it("returns a policy denial as a tool result with isError true and the rule id in its text", async () => {
    const result = await call(TOOL_NAMES.signSessionTransaction, { calls: upgradeCalls });
    expect(result.isError).toBe(true);
    const text = textOf(result);
    expect(text).toContain("call.denied_selector");
    expect(text).toContain("Nothing was signed");
    expect(result.structuredContent).toMatchObject({ ok: false, error: "policy_denied", ruleId: "call.denied_selector" });
  });

  it("answers malformed arguments with a readable error result, without calling the signer", async () => {
    const auditBefore = sc.auditLines().length;
    const notAList = await call(TOOL_NAMES.signSessionTransaction, { calls: "send everything" });
    expect(notAList.isError).toBe(true);
    expect(textOf(notAList)).toMatch(/calls/);
    expect(textOf(notAList)).toMatch(/expected array/i);

    const empty = await call(TOOL_NAMES.checkSigningPolicy, { calls: [] });
    expect(empty.isError).toBe(true);
    expect(textOf(empty)).toMatch(/calls/);

    const missing = await call(TOOL_NAMES.signSessionTransaction, {});
    expect(missing.isError).toBe(true);
    expect(textOf(missing)).toMatch(/calls/);

    // Well-formed for the tool schema, not a felt on the wire: refused by the client, locally.
    const notFelt = await call(TOOL_NAMES.signSessionTransaction, { calls: [{ contractAddress: "0xzz", entrypoint: "transfer" }] });
    expect(notFelt.isError).toBe(true);
    expect(outcomeOf(notFelt)).toMatchObject({ ok: false, error: "invalid_input", summary: expect.stringContaining("Nothing was signed") });

    // The operator fixed the account and the chain: the model cannot move them.
    const otherAccount = await call(TOOL_NAMES.signSessionTransaction, { calls: transferCalls, accountAddress: "0xbad" });
    expect(otherAccount.isError).toBe(true);
    expect(textOf(otherAccount)).toContain("fixed by the operator");
    const otherChain = await call(TOOL_NAMES.checkSigningPolicy, { calls: transferCalls, chainId: SN_MAIN });
    expect(otherChain.isError).toBe(true);

    // Far too many elements is refused before parsing.
    const huge = await call(TOOL_NAMES.signSessionTransaction, {
      calls: [{ contractAddress: TOKEN, entrypoint: "transfer", calldata: new Array(MAX_TOOL_INPUT_ELEMENTS + 1).fill("0x1") }],
    });
    expect(huge.isError).toBe(true);
    expect(textOf(huge)).toMatch(/maximum/);

    expect(sc.auditLines().length).toBe(auditBefore);
    // The server is still serving.
    expect(outcomeOf(await call(TOOL_NAMES.signerStatus)).ok).toBe(true);
  });

  it("never puts a secret in a tool result", () => {
    expect(texts.length).toBeGreaterThan(10);
    expect(findSecret(texts.join("\n"), sc.secrets)).toBeUndefined();
  });
});

describe("failures that are not the model's", () => {
  it("reports an unreachable signer as a tool result, and keeps serving", async () => {
    const down = new AirlockClient({ baseUrl: "http://127.0.0.1:9", hmacSecret: agent.secret, retry: { attempts: 1 } });
    const downServer = createAirlockMcpServer({ client: down });
    const downMcp = await connectInMemory(downServer);
    try {
      const result = await downMcp.callTool({ name: TOOL_NAMES.signerStatus, arguments: {} });
      expect(result.isError).toBe(true);
      expect(outcomeOf(result)).toMatchObject({ ok: false, error: "unavailable" });
      // Without operator settings the model must name the account: asked for, not guessed.
      const noAccount = await downMcp.callTool({ name: TOOL_NAMES.signSessionTransaction, arguments: { calls: transferCalls } });
      expect(outcomeOf(noAccount)).toMatchObject({ ok: false, error: "invalid_input", summary: expect.stringContaining("accountAddress is required") });
      expect((await downMcp.listTools()).tools).toHaveLength(7);
      // Without Nitro trust settings there is no attestation: said plainly, not a failure of the signer.
      const verify = await downMcp.callTool({ name: TOOL_NAMES.verifySigner, arguments: {} });
      expect(verify.isError).toBe(true);
      expect(outcomeOf(verify)).toMatchObject({ ok: false, error: "not_configured", summary: expect.stringContaining("keyring backend there is no attestation") });
    } finally {
      await downMcp.close();
      await downServer.close();
      await down.close();
    }
  });

  it("turns an unexpected exception inside a tool into a generic error result", async () => {
    // A JavaScript embedder can pass settings the types forbid; the tool still answers.
    const odd = createAirlockMcpServer({ client: airlock, operator: { accountAddress: ACCOUNT, chainId: SN_SEPOLIA, requester: 7 as unknown as string } });
    const oddMcp = await connectInMemory(odd);
    try {
      const result = await oddMcp.callTool({ name: TOOL_NAMES.signSessionTransaction, arguments: { calls: transferCalls } });
      expect(result.isError).toBe(true);
      expect(outcomeOf(result)).toEqual({ ok: false, error: "error", summary: "The signer call failed unexpectedly; nothing was signed." });
    } finally {
      await oddMcp.close();
      await odd.close();
    }
  });
});
