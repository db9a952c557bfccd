import { AirlockClient, type AirlockError } from "@airlock/core";
import {
  CancelExchangeOrderToolInput,
  GetExchangeAccountToolInput,
  PlaceExchangeOrderToolInput,
  SessionTransactionToolInput,
  SignerStatusToolInput,
  TOOL_DESCRIPTIONS,
  TOOL_NAMES,
  VerifySignerToolInput,
} from "@airlock/core/agent-tools";
import { AirlockToolkit, signerStatusTool, verifySignerTool } from "@airlock/langchain";
import { isStructuredTool, ToolInputParsingException } from "@langchain/core/tools";
import { ToolMessage } from "@langchain/core/messages";
import { convertToOpenAITool } from "@langchain/core/utils/function_calling";
import { createServer } from "node:net";
import { inspect } from "node:util";
import { afterAll, describe, expect, it } from "vitest";

// Tests that need no sidecar: the tool list, the schemas the model sees, operator-setting
// checks, and what a tool returns when the client fails in ways a sidecar cannot produce.

const SECRET = "f0e1d2c3b4a5968778695a4b3c2d1e0ff0e1d2c3b4a5968778695a4b3c2d1e0f";
const SN_SEPOLIA = "0x534e5f5345504f4c4941";
const operator = { accountAddress: "0x4a11ce", chainId: SN_SEPOLIA };
const transfer = { calls: [{ contractAddress: "0x49d3", entrypoint: "transfer", calldata: ["0x1", "1", "0"] }] };

/** A loopback port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

const clients: AirlockClient[] = [];
async function deadClient(): Promise<AirlockClient> {
  const c = new AirlockClient({ baseUrl: `http://127.0.0.1:${await closedPort()}`, clientId: "agent", hmacSecret: SECRET, retry: { attempts: 1 } });
  clients.push(c);
  return c;
}
afterAll(async () => {
  for (const c of clients) await c.close();
});

/** A stand-in client whose every method fails with an error no client would throw. */
function brokenClient(): AirlockClient {
  const fail = () => Promise.reject(new TypeError(`internal failure holding ${SECRET}`));
  return { signSessionTransaction: fail, evaluatePolicy: fail, status: fail, signExchangeRequest: fail, evaluateExchangePolicy: fail } as unknown as AirlockClient;
}

describe("AirlockToolkit: the tools and what the model sees", () => {
  it("exposes the seven tools in a fixed order, with the shared names, descriptions and schemas", async () => {
    const tools = new AirlockToolkit(await deadClient(), operator).getTools();
    const keys = ["signSessionTransaction", "checkSigningPolicy", "signerStatus", "placeExchangeOrder", "cancelExchangeOrder", "getExchangeAccount", "verifySigner"] as const;
    expect(tools.map((t) => t.name)).toEqual(keys.map((k) => TOOL_NAMES[k]));
    expect(tools.map((t) => t.description)).toEqual(keys.map((k) => TOOL_DESCRIPTIONS[k]));
    expect(tools.every((t) => isStructuredTool(t))).toBe(true);
    expect(tools.map((t) => t.schema)).toEqual([
      SessionTransactionToolInput,
      SessionTransactionToolInput,
      SignerStatusToolInput,
      PlaceExchangeOrderToolInput,
      CancelExchangeOrderToolInput,
      GetExchangeAccountToolInput,
      VerifySignerToolInput,
    ]);
    expect(verifySignerTool(await deadClient()).name).toBe(TOOL_NAMES.verifySigner);
  });

  it("gives the model a JSON schema with calls required and the operator-fixable fields optional", async () => {
    const [sign, check, status] = new AirlockToolkit(await deadClient(), operator).getTools().map((t) => convertToOpenAITool(t).function);
    for (const fn of [sign, check]) {
      const params = fn!.parameters as { required: string[]; properties: Record<string, { type?: string; description?: string }> };
      expect(params.required).toEqual(["calls"]);
      expect(Object.keys(params.properties).sort()).toEqual(["accountAddress", "calls", "chainId", "nonce", "reason", "validForSeconds"]);
      expect(params.properties["calls"]?.type).toBe("array");
      expect(params.properties["accountAddress"]?.description).toContain("omit to use the configured one");
    }
    expect(status!.name).toBe(TOOL_NAMES.signerStatus);
    expect((status!.parameters as { properties?: object }).properties ?? {}).toEqual({});
  });

  it("keeps the client's secret out of every description, schema and representation of the toolkit", async () => {
    const toolkit = new AirlockToolkit(await deadClient(), operator);
    const shown = [
      JSON.stringify(toolkit.getTools().map((t) => convertToOpenAITool(t))),
      JSON.stringify(toolkit),
      inspect(toolkit, { depth: 8, showHidden: true }),
      ...toolkit.getTools().map((t) => inspect(t, { depth: 8, showHidden: true })),
    ];
    for (const text of shown) expect(text.toLowerCase()).not.toContain(SECRET);
  });

  it("refuses malformed operator settings at construction with a typed CONFIG error naming the field", async () => {
    const client = await deadClient();
    const cases: [Record<string, unknown>, string][] = [
      [{ accountAddress: "0xzz" }, "accountAddress"],
      [{ accountAddress: "" }, "accountAddress"],
      [{ chainId: "SN_SEPOLIA" }, "chainId"],
      [{ defaultValidForSeconds: 0 }, "defaultValidForSeconds"],
      [{ defaultValidForSeconds: 1.5 }, "defaultValidForSeconds"],
      [{ defaultValidForSeconds: 86_401 }, "defaultValidForSeconds"],
      [{ keyId: "" }, "keyId"],
      [{ requester: 7 }, "requester"],
      [{ exchangeAccount: "has space" }, "exchangeAccount"],
      [{ venue: "ftx" }, "venue"],
      [{ sendExchangeRequests: "no" }, "sendExchangeRequests"],
    ];
    for (const [settings, field] of cases) {
      let caught: unknown;
      try {
        new AirlockToolkit(client, settings as never);
      } catch (err) {
        caught = err;
      }
      expect(caught, field).toMatchObject({ code: "CONFIG", option: field });
      expect((caught as AirlockError).message).not.toContain("0xzz");
    }
    expect(() => new AirlockToolkit(client, { accountAddress: "12345", chainId: SN_SEPOLIA, defaultValidForSeconds: 86_400, keyId: "k", requester: "bot" })).not.toThrow();
    expect(() => new AirlockToolkit(client, { exchangeAccount: "bf-main", venue: "binance_futures", sendExchangeRequests: false })).not.toThrow();
  });
});

describe("AirlockToolkit from client options (the `nitro` trust settings pass through)", () => {
  it("builds and owns its client; close() closes it, and a client passed in is left open", async () => {
    const port = await closedPort();
    const toolkit = new AirlockToolkit({ baseUrl: `http://127.0.0.1:${port}`, clientId: "agent", hmacSecret: SECRET, retry: { attempts: 1 }, nitro: { allowedPcrs: { "0": ["a0".repeat(48)] } } }, operator);
    expect(toolkit.getTools()).toHaveLength(7);
    expect(toolkit.client.baseUrl).toBe(`http://127.0.0.1:${port}`);
    // With nitro, the client attests first: an unreachable signer is attestation_unavailable, from every tool.
    const verify = toolkit.getTools().find((t) => t.name === TOOL_NAMES.verifySigner)!;
    expect(JSON.parse((await verify.invoke({})) as string)).toMatchObject({ ok: false, error: "untrusted_signer", reason: "attestation_unavailable" });
    const [sign] = toolkit.getTools();
    expect(JSON.parse((await sign!.invoke(transfer)) as string)).toMatchObject({ ok: false, error: "untrusted_signer", summary: expect.stringContaining("Nothing was sent to it") });
    await toolkit.close();
    expect(JSON.parse((await verify.invoke({})) as string)).toMatchObject({ ok: false, error: "rejected" });
    expect(JSON.stringify(toolkit)).not.toContain(SECRET);

    const mine = await deadClient();
    await new AirlockToolkit(mine, operator).close();
    expect(JSON.parse((await verifySignerTool(mine).invoke({})) as string)).toMatchObject({ ok: false, error: "not_configured" });
  });

  it("refuses malformed trust settings with the client's CONFIG error naming the option", () => {
    const cases: [unknown, string][] = [
      [{ allowedPcrs: { "0": ["zz"] } }, "nitro.allowedPcrs.0"],
      [{ allowedPcrs: { "1": ["a1".repeat(48)] } }, "nitro.allowedPcrs.0"],
      [{ allowedPcrs: { "0": ["a0".repeat(48)] }, maxAttestationAgeMs: 5 }, "nitro.maxAttestationAgeMs"],
    ];
    for (const [nitro, option] of cases) {
      expect(() => new AirlockToolkit({ baseUrl: "http://127.0.0.1:9", hmacSecret: SECRET, nitro } as never)).toThrow(expect.objectContaining({ code: "CONFIG", option }));
    }
    // Operator settings are checked first, before any client is built.
    expect(() => new AirlockToolkit({ baseUrl: "not a url", hmacSecret: SECRET }, { venue: "ftx" as never })).toThrow(expect.objectContaining({ option: "venue" }));
    expect(() => new AirlockToolkit(null as never)).toThrow(expect.objectContaining({ code: "CONFIG" }));
  });
});

describe("AirlockToolkit: failures come back as tool results", () => {
  it("reports an unreachable signer as 'unavailable' from every tool, as text and as a ToolMessage", async () => {
    const [sign, check, status] = new AirlockToolkit(await deadClient(), operator).getTools();
    for (const [t, args] of [[sign!, transfer], [check!, transfer], [status!, {}]] as const) {
      const text = await t.invoke(args);
      expect(typeof text).toBe("string");
      expect(JSON.parse(text as string)).toMatchObject({ ok: false, error: "unavailable", summary: expect.stringContaining("nothing was signed") });
    }
    const msg = await sign!.invoke({ id: "call_1", name: sign!.name, args: transfer, type: "tool_call" });
    expect(msg).toBeInstanceOf(ToolMessage);
    expect((msg as ToolMessage).tool_call_id).toBe("call_1");
    expect(JSON.parse((msg as ToolMessage).content as string)).toMatchObject({ ok: false, error: "unavailable" });
  });

  it("reports an unreachable signer from the exchange tools too, saying nothing reached the exchange", async () => {
    const [, , , place, cancel, account] = new AirlockToolkit(await deadClient(), { exchangeAccount: "bf", venue: "binance_futures" }).getTools();
    const inputs = [
      [place!, { symbol: "BTCUSDT", side: "buy", orderType: "limit", quantity: "0.001", price: "50000" }],
      [cancel!, { symbol: "BTCUSDT", orderId: "1" }],
      [account!, { what: "balances" }],
    ] as const;
    for (const [t, args] of inputs) {
      const out = JSON.parse((await t.invoke(args)) as string) as { ok: boolean; error: string; summary: string };
      expect(out).toMatchObject({ ok: false, error: "unavailable" });
      expect(out.summary).toContain("Nothing was sent to the exchange.");
    }
  });

  it("turns an unexpected exception into a generic outcome that carries none of the error's text", async () => {
    const tools = [...new AirlockToolkit(brokenClient(), operator).getTools().slice(0, 3), signerStatusTool(brokenClient())];
    for (const t of tools) {
      const text = (await t.invoke(t.name === TOOL_NAMES.signerStatus ? {} : transfer)) as string;
      expect(JSON.parse(text)).toEqual({ ok: false, error: "error", summary: "The signer call failed unexpectedly; nothing was signed." });
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain("internal failure");
    }
  });

  it("does the same for the exchange tools (signing and dry run)", async () => {
    const [, , , place, cancel] = new AirlockToolkit(brokenClient(), { exchangeAccount: "bf", venue: "binance_futures" }).getTools();
    const order = { symbol: "BTCUSDT", side: "buy", orderType: "market", quantity: "1" };
    for (const [t, args] of [[place!, order], [place!, { ...order, dryRun: true }], [cancel!, { symbol: "BTCUSDT", all: true }]] as const) {
      const text = (await t.invoke(args)) as string;
      expect(JSON.parse(text)).toMatchObject({ ok: false, error: "error" });
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain("internal failure");
    }
  });

  it("still answers with a generic outcome when turning a result into text fails", async () => {
    // A status the client would never return: a BigInt makes JSON.stringify throw after the
    // shared layer has produced its outcome, so only the binding's own guard can catch it.
    const odd = { status: () => Promise.resolve({ requestId: "r", version: 1n, signerProvider: "local", keys: [], policy: { chainIds: "any", spendingLimits: [] } }) };
    const text = (await signerStatusTool(odd as unknown as AirlockClient).invoke({})) as string;
    expect(JSON.parse(text)).toEqual({ ok: false, error: "error", summary: "The signer call failed unexpectedly; nothing was signed." });
  });

  it("leaves input that breaks the schema to LangChain's own validation (createAgent reports it to the model)", async () => {
    const [sign] = new AirlockToolkit(brokenClient(), operator).getTools();
    await expect(sign!.invoke({ calls: [] })).rejects.toBeInstanceOf(ToolInputParsingException);
    await expect(sign!.invoke({ calls: [{ contractAddress: "0x1", entrypoint: "x".repeat(257) }] })).rejects.toBeInstanceOf(ToolInputParsingException);
  });
});
