import { TOOL_DESCRIPTIONS, TOOL_NAMES } from "@airlock/core/agent-tools";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { findSecret, newClient, newKey, sidecarEnv, SN_SEPOLIA, startTestSidecar, type TestSidecar } from "../../../test/support/sidecar-harness.js";
import { starkKey, starknetJsHashes, verifiesWithStarknetJs } from "../../../test/support/starknet-js-reference.js";
import pluginDefault, {
  AIRLOCK_SIGNER_STATUS,
  airlockPlugin,
  CANCEL_EXCHANGE_ORDER,
  CHECK_SIGNING_POLICY,
  GET_EXCHANGE_ACCOUNT,
  PLACE_EXCHANGE_ORDER,
  SIGN_STARKNET_SESSION_TX,
  VERIFY_SIGNER,
} from "../src/index.js";
import { runAction, startAgent, type TestAgent } from "./support/test-agent.js";

const agentClient = newClient("agent");
const key = newKey("default");
const ACCOUNT = "0x4a11ce";
const TOKEN = "0x49d36570d4e46f48e99674bd3fcc84644ddd6b96f7c741b1562b82f9e004dc7";
const RECIPIENT = "0x1234";
const transferCall = { contractAddress: TOKEN, entrypoint: "transfer", calldata: [RECIPIENT, "100", "0"] };
const transferText = `Send 100 units of the token ${TOKEN} to ${RECIPIENT}.`;

let sc: TestSidecar;
/** Operator fixed account and chain; the model is a TEXT_SMALL one. */
let fixed: TestAgent;
/** Nothing fixed by the operator; the model is an OBJECT_SMALL one. */
let open: TestAgent;
const agents: TestAgent[] = [];
/** Every text the user saw and every ActionResult, for the no-secret check at the end. */
const seen: unknown[] = [];
const consoleLines: string[] = [];

async function run(agent: TestAgent, action: string, content: Parameters<typeof runAction>[2]) {
  const out = await runAction(agent, action, content);
  seen.push(out.texts, out.result);
  return out;
}

/** The signature in an outcome verifies, by starknet.js alone, over the hash of what was asked. */
function expectVerifiedSignature(data: Record<string, unknown>, calls: { contractAddress: string; entrypoint: string; calldata: string[] }[]): void {
  const d = data as { accountAddress: string; chainId: string; nonce: string; validUntil: number; messageHash: string; signature: string[]; sessionPublicKey: string };
  const { messageHash } = starknetJsHashes({ accountAddress: d.accountAddress, chainId: d.chainId, nonce: d.nonce, validUntil: d.validUntil, calls });
  expect(d.messageHash).toBe(messageHash);
  expect(d.sessionPublicKey).toBe(starkKey(key.privateKey));
  expect(verifiesWithStarknetJs(messageHash, d.signature[1]!, d.signature[2]!, key.privateKey)).toBe(true);
}

beforeAll(async () => {
  for (const level of ["log", "info", "warn", "error", "debug"] as const) {
    vi.spyOn(console, level).mockImplementation((...args: unknown[]) => void consoleLines.push(args.map(String).join(" ")));
  }
  sc = await startTestSidecar(sidecarEnv({ clients: [agentClient], keys: [key] }));
  sc.untrackedTraffic = true;
  fixed = await startAgent({
    name: "Fixed Agent",
    settings: { AIRLOCK_URL: sc.url, AIRLOCK_CLIENT_ID: agentClient.id, AIRLOCK_ACCOUNT_ADDRESS: ACCOUNT, AIRLOCK_CHAIN_ID: "SN_SEPOLIA" },
    secrets: { AIRLOCK_HMAC_SECRET: agentClient.secret },
  });
  open = await startAgent({
    name: "Open Agent",
    model: "object",
    settings: { AIRLOCK_URL: sc.url, AIRLOCK_CLIENT_ID: agentClient.id },
    secrets: { AIRLOCK_HMAC_SECRET: agentClient.secret },
  });
  agents.push(fixed, open);
});

afterAll(async () => {
  for (const a of agents) await a.stop();
  await sc?.close();
  vi.restoreAllMocks();
});

describe("the plugin object", () => {
  it("has the shape ElizaOS loads: service, seven actions, a provider, default export", () => {
    expect(pluginDefault).toBe(airlockPlugin);
    expect(airlockPlugin.name).toBe("airlock");
    expect(airlockPlugin.services?.map((s) => s.serviceType)).toEqual(["airlock"]);
    expect(airlockPlugin.actions?.map((a) => a.name)).toEqual([
      SIGN_STARKNET_SESSION_TX,
      CHECK_SIGNING_POLICY,
      AIRLOCK_SIGNER_STATUS,
      PLACE_EXCHANGE_ORDER,
      CANCEL_EXCHANGE_ORDER,
      GET_EXCHANGE_ACCOUNT,
      VERIFY_SIGNER,
    ]);
    expect(airlockPlugin.providers?.map((p) => p.name)).toEqual(["AIRLOCK_SIGNER"]);
    const descriptions = [
      TOOL_DESCRIPTIONS.signSessionTransaction,
      TOOL_DESCRIPTIONS.checkSigningPolicy,
      TOOL_DESCRIPTIONS.signerStatus,
      TOOL_DESCRIPTIONS.placeExchangeOrder,
      TOOL_DESCRIPTIONS.cancelExchangeOrder,
      TOOL_DESCRIPTIONS.getExchangeAccount,
      TOOL_DESCRIPTIONS.verifySigner,
    ];
    airlockPlugin.actions?.forEach((a, i) => {
      expect(a.description).toBe(descriptions[i]);
      expect(a.similes?.length).toBeGreaterThan(0);
      expect(a.examples?.length).toBeGreaterThan(0);
      // Every example's agent turn names the action it illustrates.
      for (const convo of a.examples ?? []) expect(convo.some((turn) => turn.content.actions?.includes(a.name))).toBe(true);
    });
    expect(fixed.rt.actions.map((a) => a.name)).toEqual(expect.arrayContaining([SIGN_STARKNET_SESSION_TX, CHECK_SIGNING_POLICY, AIRLOCK_SIGNER_STATUS]));
  });

  it("started one configured service per agent, with the character name as requester", () => {
    expect(fixed.service().isConfigured).toBe(true);
    expect(fixed.service().operator).toEqual({ accountAddress: ACCOUNT, chainId: SN_SEPOLIA, requester: "Fixed Agent" });
    expect(open.service().operator).toEqual({ requester: "Open Agent" });
    expect(fixed.service().capabilityDescription).toMatch(/Airlock signer/);
  });
});

describe("SIGN_STARKNET_SESSION_TX", () => {
  it("reads the calls with the model (TEXT_SMALL), signs, and the signature verifies", async () => {
    fixed.answers.push("```json\n" + JSON.stringify({ calls: [transferCall], reason: "pay the invoice" }) + "\n```");
    const spy = vi.spyOn(fixed.service().client, "signSessionTransaction");
    const { valid, result, callback, texts } = await run(fixed, SIGN_STARKNET_SESSION_TX, { text: transferText });
    expect(valid).toBe(true);
    expect(result.success).toBe(true);
    expect(callback).toHaveBeenCalledTimes(1);
    expect(callback.mock.calls[0]![0]).toMatchObject({ actions: [SIGN_STARKNET_SESSION_TX] });
    const data = (result.data as { ok: boolean; data: Record<string, unknown> }).data;
    expect(texts[0]).toBe(result.text);
    expect(texts[0]).toContain(`Signature: ${JSON.stringify(data["signature"])}`);
    expect(texts[0]).toContain(`account ${ACCOUNT} on chain ${SN_SEPOLIA}`);
    expectVerifiedSignature(data, [transferCall]);
    // The operator's account and chain were used, and the audit context names the agent and tool.
    expect(spy.mock.calls[0]![0]).toMatchObject({
      accountAddress: ACCOUNT,
      chainId: SN_SEPOLIA,
      context: { requester: "Fixed Agent", tool: TOOL_NAMES.signSessionTransaction, reason: "pay the invoice" },
    });
    // The prompt carries the message as data and tells the model what the operator fixed.
    expect(fixed.prompts.at(-1)).toContain(JSON.stringify(transferText));
    expect(fixed.prompts.at(-1)).toContain("accountAddress and chainId are fixed by the operator");
    spy.mockRestore();
  });

  it("reads an OBJECT_SMALL answer, keeping an account and chain the user wrote", async () => {
    const text = `${transferText} Use account 0x00000000BEEF on Sepolia.`;
    open.answers.push({ calls: [transferCall], accountAddress: "0xbeef", chainId: SN_SEPOLIA });
    const { result } = await run(open, SIGN_STARKNET_SESSION_TX, { text });
    expect(result.success).toBe(true);
    const data = (result.data as { data: Record<string, unknown> }).data;
    expect(data).toMatchObject({ accountAddress: "0xbeef", chainId: SN_SEPOLIA });
    expectVerifiedSignature(data, [transferCall]);
  });

  it("reports a policy denial with its rule id as success: false, without throwing", async () => {
    const upgrade = { contractAddress: TOKEN, entrypoint: "upgrade", calldata: ["0x1"] };
    fixed.answers.push(JSON.stringify({ calls: [upgrade] }));
    const { result, texts } = await run(fixed, SIGN_STARKNET_SESSION_TX, { text: `Call upgrade on ${TOKEN} with 0x1.` });
    expect(result).toMatchObject({ success: false, error: "policy_denied", data: { ok: false, error: "policy_denied", ruleId: "call.denied_selector" } });
    expect(texts).toHaveLength(1);
    expect(texts[0]).toContain("call.denied_selector");
    expect(texts[0]).toContain("Nothing was signed");
    expect(result.text).toBe(texts[0]);
  });

  it("asks for the calls when the model found none, and does not call the signer", async () => {
    const before = sc.auditLines().length;
    fixed.answers.push('{"calls": []}');
    const { result, texts } = await run(fixed, SIGN_STARKNET_SESSION_TX, { text: "Please sign something for me." });
    expect(result).toMatchObject({ success: false, data: { missing: ["calls"] } });
    expect(texts[0]).toMatch(/I need more details.*the calls to make/);
    expect(sc.auditLines().length).toBe(before);
  });

  it("asks for the account and chain when the operator fixed none, dropping ones the model made up", async () => {
    const before = sc.auditLines().length;
    // The message states neither; the model invents both: they must not be used.
    open.answers.push({ calls: [transferCall], accountAddress: "0xdeadbeef", chainId: SN_SEPOLIA });
    const { result, texts } = await run(open, SIGN_STARKNET_SESSION_TX, { text: transferText });
    expect(result).toMatchObject({ success: false, data: { missing: ["accountAddress", "chainId"] } });
    expect(texts[0]).toContain("the session account address");
    expect(texts[0]).toContain("the Starknet network");
    expect(sc.auditLines().length).toBe(before);
    // An empty message asks for everything without calling the model.
    const prompts = open.prompts.length;
    const empty = await run(open, SIGN_STARKNET_SESSION_TX, { text: "   " });
    expect(empty.result).toMatchObject({ success: false, data: { missing: ["calls", "accountAddress", "chainId"] } });
    expect(open.prompts.length).toBe(prompts);
  });

  it("refuses an account other than the operator's when the user names one", async () => {
    fixed.answers.push({ calls: [transferCall], accountAddress: "0xbad" });
    const { result, texts } = await run(fixed, SIGN_STARKNET_SESSION_TX, { text: `${transferText} From account 0xbad.` });
    expect(result).toMatchObject({ success: false, error: "invalid_input" });
    expect(texts[0]).toContain("fixed by the operator");
  });

  it("takes structured content without the model: content.calls and content.airlock", async () => {
    const prompts = fixed.prompts.length;
    const a = await run(fixed, SIGN_STARKNET_SESSION_TX, { text: "(from the scheduler)", calls: [transferCall] });
    expect(a.result.success).toBe(true);
    expectVerifiedSignature((a.result.data as { data: Record<string, unknown> }).data, [transferCall]);

    const nonce = "0x5eed";
    const b = await run(open, SIGN_STARKNET_SESSION_TX, {
      text: "",
      airlock: { calls: [transferCall], accountAddress: ACCOUNT, chainId: SN_SEPOLIA, nonce, validForSeconds: 120 },
    });
    expect(b.result.success).toBe(true);
    const data = (b.result.data as { data: Record<string, unknown> }).data;
    expect(data).toMatchObject({ nonce, accountAddress: ACCOUNT });
    expectVerifiedSignature(data, [transferCall]);

    // Malformed structured content is refused as it is; the model is not asked to fix it.
    const c = await run(fixed, SIGN_STARKNET_SESSION_TX, { airlock: { calls: [{ contractAddress: "0xzz", entrypoint: "transfer" }] } });
    expect(c.result).toMatchObject({ success: false, error: "invalid_input" });
    const d = await run(fixed, SIGN_STARKNET_SESSION_TX, { airlock: "transfer everything" });
    expect(d.result).toMatchObject({ success: false, error: "invalid_input" });
    expect(fixed.prompts.length).toBe(prompts);
    expect(open.prompts.length).toBeGreaterThan(0);
  });

  it("refuses to act on a model that fails or answers prose", async () => {
    const before = sc.auditLines().length;
    fixed.answers.push(new Error("provider down"));
    const failed = await run(fixed, SIGN_STARKNET_SESSION_TX, { text: transferText });
    expect(failed.result).toMatchObject({ success: false, error: "unreadable_message" });
    expect(failed.texts[0]).toContain("nothing was signed");
    expect(failed.texts[0]).not.toContain("provider down");
    // The operator sees why in the logs; the provider's error text stays out of them.
    expect(fixed.logs.some((l) => l.includes("model_failed"))).toBe(true);
    expect(fixed.logs.join("\n")).not.toContain("provider down");
    fixed.answers.push("Sure! I would transfer the tokens for you.");
    expect((await run(fixed, SIGN_STARKNET_SESSION_TX, { text: transferText })).result).toMatchObject({ success: false, error: "unreadable_message" });
    fixed.answers.push({ calls: "all of them" });
    expect((await run(fixed, SIGN_STARKNET_SESSION_TX, { text: transferText })).result).toMatchObject({ success: false, data: { missing: ["calls"] } });
    expect(sc.auditLines().length).toBe(before);
  });
});

describe("CHECK_SIGNING_POLICY", () => {
  it("dry-runs: a denied call names its rule, an allowed one says it would sign", async () => {
    fixed.answers.push({ calls: [{ contractAddress: TOKEN, entrypoint: "upgrade" }] });
    const denied = await run(fixed, CHECK_SIGNING_POLICY, { text: `Would you be allowed to call upgrade on ${TOKEN}?` });
    expect(denied.result).toMatchObject({ success: true, values: { airlockPolicyAllowed: false, airlockPolicyRuleId: "call.denied_selector" } });
    expect(denied.texts[0]).toContain("rule call.denied_selector");
    const allowed = await run(fixed, CHECK_SIGNING_POLICY, { text: "", calls: [transferCall] });
    expect(allowed.result).toMatchObject({ success: true, values: { airlockPolicyAllowed: true }, data: { ok: true, data: { allowed: true } } });
    expect(allowed.texts[0]).toBe("The signer would sign this request.");
  });
});

describe("AIRLOCK_SIGNER_STATUS and the AIRLOCK_SIGNER provider", () => {
  it("reports the keys the agent may use and the policy summary", async () => {
    const { result, texts } = await run(fixed, AIRLOCK_SIGNER_STATUS, { text: "Is the signer up?" });
    expect(result).toMatchObject({ success: true, data: { ok: true, data: { signerProvider: "local", keys: [{ keyId: "default", sessionPublicKey: starkKey(key.privateKey) }] } } });
    expect(texts[0]).toContain(`default=${starkKey(key.privateKey)}`);
  });

  it("puts the status into the context, cached between messages", async () => {
    const provider = fixed.rt.providers.find((p) => p.name === "AIRLOCK_SIGNER")!;
    const status = vi.spyOn(fixed.service().client, "status");
    const msg = { entityId: fixed.rt.agentId, roomId: fixed.rt.agentId, content: { text: "hi" } };
    const first = await provider.get(fixed.rt, msg, { values: {}, data: {}, text: "" });
    const second = await provider.get(fixed.rt, msg, { values: {}, data: {}, text: "" });
    expect(first.text).toMatch(/^# Airlock signer\nSigner reachable/);
    expect(first.text).toContain(`default=${starkKey(key.privateKey)}`);
    expect(first.values).toEqual({ airlockSignerReachable: true, airlockSessionPublicKeys: { default: starkKey(key.privateKey) } });
    expect(second).toEqual(first);
    expect(status).toHaveBeenCalledTimes(1);
    seen.push(first);
    status.mockRestore();
  });

  it("says when the signer is unreachable, and the actions report it", async () => {
    const down = await startAgent({
      settings: { AIRLOCK_URL: "http://127.0.0.1:9" },
      secrets: { AIRLOCK_HMAC_SECRET: agentClient.secret },
    });
    agents.push(down);
    const provider = down.rt.providers.find((p) => p.name === "AIRLOCK_SIGNER")!;
    const ctx = await provider.get(down.rt, { entityId: down.rt.agentId, roomId: down.rt.agentId, content: {} }, { values: {}, data: {}, text: "" });
    expect(ctx.text).toContain("Not reachable right now");
    expect(ctx.values).toEqual({ airlockSignerReachable: false });
    const { result } = await run(down, AIRLOCK_SIGNER_STATUS, { text: "status?" });
    expect(result).toMatchObject({ success: false, error: "unavailable" });
  });
});

describe("VERIFY_SIGNER without Nitro settings", () => {
  it("says plainly that the keyring backend has no attestation, and asks the sidecar nothing", async () => {
    const before = sc.auditLines().length;
    const { valid, result, texts } = await run(fixed, VERIFY_SIGNER, { text: "Can you prove the signer runs the published build?" });
    expect(valid).toBe(true);
    expect(result).toMatchObject({ success: false, error: "not_configured", values: { airlockSignerVerified: false } });
    expect(texts[0]).toContain("with the keyring backend there is no attestation");
    expect(sc.auditLines().length).toBe(before);
  });
});

describe("an agent without a configured service", () => {
  it("does not validate the actions; handlers and provider say it is not configured", async () => {
    const bare = await startAgent({ withPlugin: false });
    agents.push(bare);
    await bare.rt.registerPlugin({ ...airlockPlugin, services: [] });
    const out = await run(bare, SIGN_STARKNET_SESSION_TX, { text: transferText });
    expect(out.valid).toBe(false);
    expect(out.result).toMatchObject({ success: false, error: "not_configured" });
    expect((await run(bare, AIRLOCK_SIGNER_STATUS, {})).result).toMatchObject({ success: false, error: "not_configured" });
    expect((await run(bare, VERIFY_SIGNER, {})).result).toMatchObject({ success: false, error: "not_configured" });
    const provider = bare.rt.providers.find((p) => p.name === "AIRLOCK_SIGNER")!;
    const ctx = await provider.get(bare.rt, { entityId: bare.rt.agentId, roomId: bare.rt.agentId, content: {} }, { values: {}, data: {}, text: "" });
    expect(ctx.text).toContain("Not configured");
    expect(bare.prompts).toHaveLength(0);
  });
});

describe("secrets", () => {
  it("never appear in a callback text, an ActionResult, a provider result, a model prompt or a log line", () => {
    const secrets = [agentClient.secret, key.privateKeyHex];
    expect(seen.length).toBeGreaterThan(10);
    expect(findSecret(JSON.stringify(seen), secrets)).toBeUndefined();
    const logs = agents.flatMap((a) => [...a.logs, ...a.prompts]);
    expect(logs.some((l) => l.includes("Airlock signer client ready"))).toBe(true);
    expect(logs.some((l) => l.includes("useModel:TEXT_SMALL"))).toBe(true);
    expect(findSecret(logs.join("\n"), secrets)).toBeUndefined();
    expect(findSecret(consoleLines.join("\n"), secrets)).toBeUndefined();
    expect(findSecret(sc.logLines().join("\n") + sc.auditText(), secrets)).toBeUndefined();
  });
});
