import { randomBytes } from "node:crypto";
import type { AirlockClient } from "@airlock/core";
import { TOOL_NAMES, type OperatorSettings } from "@airlock/core/agent-tools";
import { AirlockToolkit } from "@airlock/langchain";
import { createAirlockMcpServer } from "@airlock/mcp";
import { AIMessage, HumanMessage, type BaseMessage, type ToolMessage } from "@langchain/core/messages";
import { fakeModel } from "@langchain/core/testing";
import { Wallet } from "ethers";
import { createAgent } from "langchain";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectInMemory, outcomeOf as mcpOutcome } from "../packages/mcp/test/mcp-helpers.js";
import { CANCEL_EXCHANGE_ORDER, GET_EXCHANGE_ACCOUNT, PLACE_EXCHANGE_ORDER } from "../packages/plugin-eliza/src/index.js";
import { runAction, startAgent, type TestAgent } from "../packages/plugin-eliza/test/support/test-agent.js";
import { createBinanceFake, type BinanceFake } from "../packages/signer/test/exchange/fakes/binance-fake.js";
import { createHyperliquidFake, type HyperliquidFake } from "../packages/signer/test/exchange/fakes/hyperliquid-fake.js";
import { ALL_EXCHANGE_OPERATIONS, startExchangeSidecar, type ExchangeSidecar } from "./support/exchange-sidecar.js";
import { findSecret, newClient, type TestSidecar } from "./support/sidecar-harness.js";

// The agent side of exchange signing, end to end: a LangChain agent (createAgent, scripted
// model), an ElizaOS AgentRuntime and an MCP client each place, inspect and cancel orders on
// Binance USD-M futures (HMAC) and Hyperliquid (EIP-712) through a live sidecar, which signs
// for local fake venues that verify every signature, timestamp and nonce independently. A
// policy denial and a venue's own refusal come back readable.

const agent = newClient("agent");
const binanceKey = { apiKey: `e2e-binance-key-${randomBytes(6).toString("hex")}`, apiSecret: `e2e-binance-secret-${randomBytes(16).toString("hex")}` };
const hlPrivateKey = `0x${randomBytes(32).toString("hex")}`;
const hlAddress = new Wallet(hlPrivateKey).address.toLowerCase();

const BF: OperatorSettings = { exchangeAccount: "bf-test", venue: "binance_futures", requester: "e2e" };
const HL: OperatorSettings = { exchangeAccount: "hl-test", venue: "hyperliquid", requester: "e2e" };

let binance: BinanceFake;
let hyperliquid: HyperliquidFake;
let setup: ExchangeSidecar;
let sc: TestSidecar;
let client: AirlockClient;
/** Everything any framework handed back, checked for secrets at the end. */
const shown: unknown[] = [];

beforeAll(async () => {
  binance = createBinanceFake({ product: "futures", keys: [binanceKey], symbols: ["BTCUSDT", "ETHUSDT"], quoteBalance: "100000", markPrice: "50000" });
  hyperliquid = createHyperliquidFake({ network: "testnet", wallets: [hlAddress], assets: { 0: "BTC", 1: "ETH" } });
  await binance.start();
  await hyperliquid.start();
  // SOLUSDT and SOL are allowed by the policy but unknown to the venues: the venue refuses them.
  setup = await startExchangeSidecar({
    agent,
    accounts: [
      { account: "bf-test", venue: "binance_futures", environment: "testnet", baseUrl: binance.url, ...binanceKey, clients: [agent.id] },
      { account: "hl-test", venue: "hyperliquid", environment: "testnet", baseUrl: hyperliquid.url, privateKey: hlPrivateKey, assets: { BTC: 0, ETH: 1, SOL: 5 }, clients: [agent.id] },
    ],
    policyEntries: [
      `{ client: agent, account: bf-test, operations: ${ALL_EXCHANGE_OPERATIONS}, symbols: { BTCUSDT: { maxQuantity: "1" }, ETHUSDT: {}, SOLUSDT: {} }, ordersPerMinute: 100 }`,
      `{ client: agent, account: hl-test, operations: ${ALL_EXCHANGE_OPERATIONS}, symbols: { BTC: { maxQuantity: "1" }, ETH: {}, SOL: {} } }`,
    ],
    venueOrigins: { binance_futures: [binance.url], hyperliquid: [hyperliquid.url] },
  });
  ({ sc, client } = setup);
});

afterAll(async () => {
  await setup?.close();
  await binance?.close();
  await hyperliquid?.close();
});

const openBinanceOrders = () => binance.orders(binanceKey.apiKey).filter((o) => o.status === "open");
const lastToolOutcome = (msgs: BaseMessage[]) => JSON.parse(String(msgs.at(-1)?.content)) as { ok: boolean; data?: { orderId?: string }; summary: string };

describe("LangChain: createAgent with the AirlockToolkit", () => {
  async function runAgent(model: ReturnType<typeof fakeModel>, operator: OperatorSettings, prompt: string): Promise<Record<string, unknown>[]> {
    const agentLoop = createAgent({ model, tools: new AirlockToolkit(client, operator).getTools() });
    const { messages } = await agentLoop.invoke({ messages: [new HumanMessage(prompt)] });
    shown.push(messages);
    return messages.filter((m): m is ToolMessage => m.type === "tool").map((m) => JSON.parse(m.content as string) as Record<string, unknown>);
  }

  it.each([
    ["binance_futures", BF, "BTCUSDT", "DOGEUSDT", "SOLUSDT", { code: "-1121", message: "Invalid symbol." }],
    ["hyperliquid", HL, "BTC", "DOGE", "SOL", { code: "order_error", message: "Asset 5 is out of range." }],
  ] as const)("%s: places, lists and cancels an order; a denial and a venue refusal come back readable", async (venue, operator, symbol, denied, unknown, venueError) => {
    const cloid = `lc-${venue.slice(0, 3)}-1`;
    const model = fakeModel()
      .respondWithTools([{ name: TOOL_NAMES.placeExchangeOrder, args: { symbol, side: "buy", orderType: "limit", quantity: "0.01", price: "30000", clientOrderId: cloid, reason: "e2e" }, id: "place" }])
      .respondWithTools([{ name: TOOL_NAMES.getExchangeAccount, args: { what: "open_orders" }, id: "open" }])
      // The model cancels the order it placed, by the id the first tool result gave it.
      .respond((msgs) => {
        const placed = msgs.find((m): m is ToolMessage => m.type === "tool" && (m as ToolMessage).tool_call_id === "place");
        const orderId = (JSON.parse(String(placed?.content)) as { data: { orderId: string } }).data.orderId;
        return new AIMessage({ content: "", tool_calls: [{ name: TOOL_NAMES.cancelExchangeOrder, args: { symbol, orderId }, id: "cancel" }] });
      })
      .respondWithTools([{ name: TOOL_NAMES.placeExchangeOrder, args: { symbol: denied, side: "buy", orderType: "market", quantity: "1", referencePrice: "1" }, id: "denied" }])
      .respondWithTools([{ name: TOOL_NAMES.placeExchangeOrder, args: { symbol: unknown, side: "buy", orderType: "limit", quantity: "1", price: "100" }, id: "unknown" }])
      .respond((msgs) => new AIMessage(`Done: ${lastToolOutcome(msgs).summary}`));
    const [placed, open, cancelled, refusal, venueRefusal] = await runAgent(model, operator, `Trade a little ${symbol}.`);

    expect(placed).toMatchObject({ ok: true, data: { venue, environment: "testnet", httpStatus: 200 } });
    const orderId = (placed as { data: { orderId: string } }).data.orderId;
    expect(orderId).toMatch(/^\d+$/);
    expect(String(placed!["summary"])).toContain(`Order id: ${orderId}.`);
    expect(JSON.stringify(open)).toContain(orderId);
    expect(cancelled).toMatchObject({ ok: true });
    expect(refusal).toMatchObject({ ok: false, error: "policy_denied", ruleId: "exchange.symbol_not_allowed" });
    expect(String(refusal!["summary"])).toContain(`symbol ${denied} is not allowed`);
    expect(venueRefusal).toMatchObject({ ok: false, error: "venue_error", venueError });
    expect(String(venueRefusal!["summary"])).toContain(venueError.message);
    // At the venues: the order was placed and is gone (the fakes verified every signature).
    if (venue === "binance_futures") {
      expect(binance.orders(binanceKey.apiKey).find((o) => o.orderId === orderId)).toMatchObject({ status: "canceled", clientOrderId: cloid });
      expect(openBinanceOrders()).toEqual([]);
    } else {
      expect(hyperliquid.openOrders(hlAddress)).toEqual([]);
      expect(hyperliquid.received.filter((r) => r.path === "/exchange" && r.accepted)).not.toHaveLength(0);
    }
  });

  it("lets the model name the account and venue when the operator fixed none, and checks the policy first with dryRun", async () => {
    const model = fakeModel()
      .respondWithTools([{ name: TOOL_NAMES.placeExchangeOrder, args: { account: "bf-test", venue: "binance_futures", symbol: "BTCUSDT", side: "sell", orderType: "limit", quantity: "2", price: "90000", dryRun: true }, id: "dry" }])
      .respondWithTools([{ name: TOOL_NAMES.getExchangeAccount, args: { account: "bf-test", venue: "binance_futures", what: "balances" }, id: "bal" }])
      .respond(new AIMessage("ok"));
    const [dry, balances] = await runAgent(model, {}, "Could I sell 2 BTCUSDT?");
    expect(dry).toMatchObject({ ok: true, data: { dryRun: true, allowed: false, ruleId: "exchange.quantity_exceeded" } });
    expect(balances).toMatchObject({ ok: true, data: { venueResponse: [expect.objectContaining({ asset: "USDT" })] } });
  });
});

describe("ElizaOS: the plugin's exchange actions in an AgentRuntime", () => {
  let bfAgent: TestAgent;
  let hlAgent: TestAgent;
  beforeAll(async () => {
    const common = { AIRLOCK_URL: sc.url, AIRLOCK_CLIENT_ID: agent.id, AIRLOCK_VENUE_ORIGINS: JSON.stringify({ binance_futures: [binance.url], hyperliquid: [hyperliquid.url] }) };
    bfAgent = await startAgent({ name: "BF Trader", settings: { ...common, AIRLOCK_EXCHANGE_ACCOUNT: "bf-test", AIRLOCK_EXCHANGE_VENUE: "binance_futures" }, secrets: { AIRLOCK_HMAC_SECRET: agent.secret } });
    hlAgent = await startAgent({ name: "HL Trader", settings: { ...common, AIRLOCK_EXCHANGE_ACCOUNT: "hl-test", AIRLOCK_EXCHANGE_VENUE: "hyperliquid" }, secrets: { AIRLOCK_HMAC_SECRET: agent.secret } });
  });
  afterAll(async () => {
    await bfAgent?.stop();
    await hlAgent?.stop();
  });

  async function act(a: TestAgent, action: string, content: Parameters<typeof runAction>[2]) {
    const out = await runAction(a, action, content);
    shown.push(out.texts, out.result, a.prompts, a.logs);
    expect(out.texts).toEqual([out.result.text]);
    return out.result;
  }

  it.each([
    ["binance_futures", "BTCUSDT", "DOGEUSDT", "SOLUSDT", "Invalid symbol."],
    ["hyperliquid", "BTC", "DOGE", "SOL", "Asset 5 is out of range."],
  ] as const)("%s: a message becomes an order, which is listed and cancelled; denial and venue refusal are success: false", async (venue, symbol, denied, unknown, venueMessage) => {
    const a = venue === "binance_futures" ? bfAgent : hlAgent;
    a.answers.push(JSON.stringify({ symbol, side: "buy", orderType: "limit", quantity: "0.02", price: "31000" }));
    const placed = await act(a, PLACE_EXCHANGE_ORDER, { text: `Buy 0.02 ${symbol} at 31000.` });
    expect(placed).toMatchObject({ success: true, values: { airlockVenue: venue } });
    const orderId = String((placed.values as { airlockOrderId: string }).airlockOrderId);

    a.answers.push({ what: "open_orders" });
    const open = await act(a, GET_EXCHANGE_ACCOUNT, { text: "Show my open orders." });
    expect(open.success).toBe(true);
    expect(JSON.stringify(open.data)).toContain(orderId);

    const cancelled = await act(a, CANCEL_EXCHANGE_ORDER, { text: "(from the strategy)", airlock: { symbol, orderId } });
    expect(cancelled.success).toBe(true);

    const refusal = await act(a, PLACE_EXCHANGE_ORDER, { airlock: { symbol: denied, side: "sell", orderType: "market", quantity: "1", referencePrice: "1" } });
    expect(refusal).toMatchObject({ success: false, error: "policy_denied", values: { airlockPolicyRuleId: "exchange.symbol_not_allowed" } });
    expect(refusal.text).toContain("rule exchange.symbol_not_allowed");

    const venueRefusal = await act(a, PLACE_EXCHANGE_ORDER, { airlock: { symbol: unknown, side: "buy", orderType: "limit", quantity: "1", price: "100" } });
    expect(venueRefusal).toMatchObject({ success: false, error: "venue_error" });
    expect(venueRefusal.text).toContain(venueMessage);

    if (venue === "binance_futures") expect(openBinanceOrders()).toEqual([]);
    else expect(hyperliquid.openOrders(hlAddress)).toEqual([]);
  });
});

describe("MCP: the server's exchange tools over an in-memory client", () => {
  it.each([
    ["binance_futures", "bf-test", "BTCUSDT", "DOGEUSDT", "SOLUSDT"],
    ["hyperliquid", "hl-test", "BTC", "DOGE", "SOL"],
  ] as const)("%s: place, read, cancel all; denial and venue refusal are isError results", async (venue, account, symbol, denied, unknown) => {
    const server = createAirlockMcpServer({ client });
    const mcp = await connectInMemory(server);
    const call = async (name: string, args: Record<string, unknown>) => {
      const result = await mcp.callTool({ name, arguments: { account, venue, ...args } });
      shown.push(result);
      return { result, outcome: mcpOutcome(result) };
    };
    try {
      const placed = await call(TOOL_NAMES.placeExchangeOrder, { symbol, side: "sell", orderType: "limit", quantity: "0.03", price: "99000" });
      expect(placed.result.isError).toBe(false);
      expect(placed.result.structuredContent).toMatchObject({ ok: true, data: { venue, account } });
      const orderId = (placed.outcome as unknown as { data: { orderId: string } }).data.orderId;

      const open = await call(TOOL_NAMES.getExchangeAccount, { what: "open_orders" });
      expect(JSON.stringify(open.outcome)).toContain(orderId);

      const cancel = venue === "hyperliquid" ? await call(TOOL_NAMES.cancelExchangeOrder, { symbol, orderId }) : await call(TOOL_NAMES.cancelExchangeOrder, { symbol, all: true });
      expect(cancel.outcome).toMatchObject({ ok: true });

      const refusal = await call(TOOL_NAMES.placeExchangeOrder, { symbol: denied, side: "buy", orderType: "limit", quantity: "1", price: "1" });
      expect(refusal.result.isError).toBe(true);
      expect(refusal.outcome).toMatchObject({ ok: false, error: "policy_denied", ruleId: "exchange.symbol_not_allowed" });

      const venueRefusal = await call(TOOL_NAMES.placeExchangeOrder, { symbol: unknown, side: "buy", orderType: "limit", quantity: "1", price: "100" });
      expect(venueRefusal.result.isError).toBe(true);
      expect(venueRefusal.outcome).toMatchObject({ ok: false, error: "venue_error" });

      const positions = await call(TOOL_NAMES.getExchangeAccount, { what: "positions" });
      expect(positions.outcome.ok).toBe(true);
      if (venue === "binance_futures") expect(openBinanceOrders()).toEqual([]);
      else expect(hyperliquid.openOrders(hlAddress)).toEqual([]);
    } finally {
      await mcp.close();
      await server.close();
    }
  });
});

describe("what the sidecar recorded, and what nobody saw", () => {
  it("audited every exchange decision with its rule, and no secret reached an agent, a log or the audit", () => {
    const lines = sc.auditLines();
    const exchange = lines.filter((l) => l.event.startsWith("sign.exchange_request."));
    expect(exchange.filter((l) => l.event === "sign.exchange_request.success").length).toBeGreaterThanOrEqual(20);
    const denials = exchange.filter((l) => l.event === "sign.exchange_request.policy_denied");
    expect(denials.length).toBeGreaterThanOrEqual(6);
    expect(denials.every((l) => l["ruleId"] === "exchange.symbol_not_allowed")).toBe(true);
    const secrets = [binanceKey.apiSecret, hlPrivateKey, hlPrivateKey.slice(2), agent.secret];
    const everything = [JSON.stringify(shown), sc.auditText(), sc.logLines().join("\n")];
    for (const text of everything) expect(findSecret(text, secrets)).toBeUndefined();
  });
});
