import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { computeAddress } from "ethers";
import { SignedExchangeRequest } from "@airlock/core";
import {
  FrozenClock,
  auditViolations,
  findSecret,
  newClient,
  newKey,
  plainRequest,
  sidecarEnv,
  signedRequest,
  startTestSidecar,
  type TestSidecar,
} from "../../../../test/support/sidecar-harness.js";
import { createHyperliquidFake, type HyperliquidFake } from "../exchange/fakes/hyperliquid-fake.js";
import { EVALUATE_PATH, STATUS_PATH, exchange, policyFile, replayTwice, replies, sendToVenue } from "./route-support.js";

/**
 * POST /v1/sign/exchange-request over real HTTP, end to end against the local Hyperliquid fake
 * (which verifies the EIP-712 signature with its own code): signing, the trading policy's rules
 * with their ids, order counters, evaluate, status, replay, audit, and no secret anywhere.
 */

// Throwaway keys: never used anywhere real.
const HL_KEY = "0x8f2a55949038a9610f50fb23b5883af3b4ecb3c3bb792cbcefbd1542c692be63";
const HL_LIVE_KEY = "0x5d1e3c9a7b2f4e6d8c0a1b3e5f7092a4c6e8d0b2f4a6c8e0d2b4f6a8c0e2d4f6";
const ADDRESS = computeAddress(HL_KEY).toLowerCase();
const LIVE_ADDRESS = computeAddress(HL_LIVE_KEY).toLowerCase();

const agent = newClient("agent");
const other = newClient("other");
const clock = new FrozenClock(Math.floor(Date.now() / 60_000) * 60_000 + 1_000);

let testnet: HyperliquidFake;
let mainnet: HyperliquidFake;
let sc: TestSidecar;

const order = (fields: Record<string, unknown> = {}) => ({
  type: "place_order",
  symbol: "BTC",
  side: "buy",
  orderType: "limit",
  quantity: "0.001",
  price: "50000",
  ...fields,
});
const req = (operation: unknown, account = "hl", venue = "hyperliquid") => ({ account, venue, operation });

beforeAll(async () => {
  testnet = createHyperliquidFake({ network: "testnet", wallets: [ADDRESS] });
  mainnet = createHyperliquidFake({ network: "mainnet", wallets: [ADDRESS, LIVE_ADDRESS] });
  await testnet.start();
  await mainnet.start();
  testnet.setClock(clock.ms);
  mainnet.setClock(clock.ms);
  const hl = (account: string, fields: Record<string, unknown>) => ({
    account,
    venue: "hyperliquid",
    environment: "testnet",
    baseUrl: testnet.url,
    privateKey: HL_KEY,
    assets: { BTC: 0, ETH: 1 },
    clients: ["agent"],
    ...fields,
  });
  const accounts = [
    hl("hl", {}),
    hl("hl-live", { environment: "live", baseUrl: mainnet.url }),
    hl("hl-live-on", { environment: "live", baseUrl: mainnet.url, privateKey: HL_LIVE_KEY, liveTradingEnabled: true }),
    hl("hl-shared", { clients: ["agent", "other"] }),
    hl("hl-nopolicy", {}),
  ];
  const policy = policyFile(`
version: 1
exchange:
  - client: agent
    account: hl
    operations: [place_order, cancel_order, cancel_all, get_open_orders]
    symbols:
      BTC: { maxQuantity: "0.01", maxNotional: "1000" }
      ETH: {}
      SOL: {}
    ordersPerMinute: 3
  - { client: "*", account: hl-live, operations: [place_order], symbols: { BTC: {} } }
  - { client: "*", account: hl-live-on, operations: [place_order, get_open_orders], symbols: { BTC: {} } }
  - { client: "*", account: hl-shared, operations: [get_open_orders] }
`);
  sc = await startTestSidecar(
    sidecarEnv({
      clients: [agent, other],
      keys: [newKey("default")],
      extra: {
        KEYRING_EXCHANGE_ACCOUNTS_JSON: JSON.stringify(accounts),
        KEYRING_POLICY_FILE: policy,
        KEYRING_LEAK_SCANNER_ENABLED: "true",
        KEYRING_RATE_LIMIT_ENABLED: "true",
        KEYRING_RATE_LIMIT_MAX_REQUESTS: "1000",
      },
    }),
    { now: clock.now },
  );
});

afterAll(async () => {
  await sc?.close();
  await testnet?.close();
  await mainnet?.close();
});

/** Moves the sidecar's and the fakes' clocks together. */
function advance(ms: number): void {
  clock.advance(ms);
  testnet.setClock(clock.ms);
  mainnet.setClock(clock.ms);
}

describe("signing Hyperliquid requests end to end", () => {
  it("signs a limit order that the fake venue verifies and places", async () => {
    const reply = await exchange(sc, agent, req(order()));
    expect(reply.status, reply.text).toBe(200);
    const body = SignedExchangeRequest.parse(reply.json);
    expect(body).toMatchObject({ venue: "hyperliquid", account: "hl", environment: "testnet", method: "POST", url: `${testnet.url}/exchange` });
    expect(body.requestId).toBe(reply.headers["x-request-id"]);
    expect(body.expiresAtMs).toBeGreaterThan(clock.ms);
    expect(body.expiresAtMs).toBeLessThanOrEqual(clock.ms + 10_000);
    expect(reply.headers["x-ratelimit-remaining"]).toBeDefined();
    const sent = await sendToVenue(reply.body);
    expect(sent.status).toBe(200);
    expect(testnet.received.at(-1)!.accepted).toBe(true);
    expect(testnet.openOrders(ADDRESS)).toHaveLength(1);
  });

  it("signs a read the fake answers", async () => {
    const reply = await exchange(sc, agent, req({ type: "get_open_orders" }));
    expect(reply.status, reply.text).toBe(200);
    const sent = await sendToVenue(reply.body);
    expect(sent.status).toBe(200);
    expect(Array.isArray(sent.json)).toBe(true);
  });

  it("signs for a live account only when liveTradingEnabled is set (mainnet fake accepts it)", async () => {
    const refused = await exchange(sc, agent, req(order(), "hl-live"));
    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({ code: "POLICY_DENIED", ruleId: "exchange.live_trading_disabled" });
    const allowed = await exchange(sc, agent, req(order(), "hl-live-on"));
    expect(allowed.status, allowed.text).toBe(200);
    expect(allowed.body["environment"]).toBe("live");
    await sendToVenue(allowed.body);
    expect(mainnet.received.at(-1)!.accepted).toBe(true);
    expect(mainnet.openOrders(LIVE_ADDRESS)).toHaveLength(1);
  });

  it("counts orders per minute across requests, and evaluate counts none", async () => {
    advance(60_000);
    for (let i = 0; i < 3; i++) {
      const evaluation = await exchange(sc, agent, req(order()), EVALUATE_PATH);
      expect(evaluation.body).toMatchObject({ allowed: true });
    }
    for (let i = 0; i < 3; i++) {
      const signed = await exchange(sc, agent, req(order({ clientOrderId: undefined })));
      expect(signed.status, signed.text).toBe(200);
    }
    const fourth = await exchange(sc, agent, req(order()));
    expect(fourth.status).toBe(422);
    expect(fourth.body).toMatchObject({ code: "POLICY_DENIED", ruleId: "exchange.orders_per_minute_exceeded" });
    expect(fourth.body["error"]).toMatch(/^client agent reached 3 orders per minute on exchange account hl; retry in \d+ s$/);
    const evaluation = await exchange(sc, agent, req(order()), EVALUATE_PATH);
    expect(evaluation.body).toMatchObject({ allowed: false, ruleId: "exchange.orders_per_minute_exceeded" });
    // Cancels and reads are not orders.
    expect((await exchange(sc, agent, req({ type: "get_open_orders" }))).status).toBe(200);
    advance(60_000);
    expect((await exchange(sc, agent, req(order()))).status).toBe(200);
  });

  it("refuses a replayed HMAC nonce", async () => {
    const [first, second] = await replayTwice(sc, agent, req({ type: "get_open_orders" }));
    expect(first.status).toBe(200);
    expect(second.status).toBe(401);
    expect(second.body).toMatchObject({ code: "AUTH_REPLAYED_NONCE" });
  });
});

describe("every refusal names its rule, over HTTP", () => {
  const cases: [string, unknown, typeof agent, boolean][] = [
    ["exchange.account_unknown", req(order(), "nope"), agent, false],
    ["exchange.client_not_allowed", req(order()), other, false],
    ["exchange.venue_mismatch", req(order(), "hl", "binance"), agent, false],
    ["exchange.no_policy", req(order(), "hl-nopolicy"), agent, false],
    ["exchange.operation_not_allowed", req({ type: "get_balances" }), agent, false],
    ["exchange.symbol_not_allowed", req(order({ symbol: "DOGE" })), agent, false],
    ["exchange.quantity_exceeded", req(order({ quantity: "0.010000000000000001" })), agent, false],
    ["exchange.notional_exceeded", req(order({ quantity: "0.01", price: "100000.000000000000000001" })), agent, false],
    ["exchange.reference_price_required", req(order({ orderType: "market", price: undefined })), agent, false],
    // Decided by the venue signer: the dry run, which signs nothing, cannot see them.
    ["exchange.unsupported_operation", req({ type: "cancel_all", symbol: "BTC" }), agent, true],
    ["exchange.invalid_venue_request", req(order({ symbol: "SOL" })), agent, true],
  ];

  it.each(cases)("%s", async (ruleId, body, client, evaluateAllows) => {
    const reply = await exchange(sc, client, body);
    expect(reply.status, reply.text).toBe(422);
    expect(reply.body).toMatchObject({ code: "POLICY_DENIED", ruleId });
    expect(typeof reply.body["error"]).toBe("string");
    const evaluation = await exchange(sc, client, body, EVALUATE_PATH);
    expect(evaluation.status).toBe(200);
    expect(evaluation.body).toMatchObject(evaluateAllows ? { allowed: true } : { allowed: false, ruleId });
  });

  it("refuses operations the contract does not have as invalid payloads", async () => {
    for (const operation of [{ type: "withdraw", asset: "USDC", amount: "100" }, { type: "transfer", symbol: "BTC" }, { ...order(), amount: "1" }]) {
      const reply = await exchange(sc, agent, req(operation));
      expect(reply.status).toBe(400);
      expect(reply.body["code"]).toBe("INVALID_PAYLOAD");
    }
  });

  it("blocks a request carrying a configured secret (inbound leak scan)", async () => {
    const reply = await exchange(sc, agent, { ...req({ type: "get_open_orders" }), context: { reason: `use ${HL_KEY.slice(2)}` } });
    expect(reply.status).toBe(422);
    expect(reply.body).toMatchObject({ code: "LEAK_DETECTED", patterns: ["secret.configured"] });
  });

  it("counts exchange denials in the metrics by rule", async () => {
    const metrics = await plainRequest(sc, "/metrics");
    expect(metrics.text).toMatch(/airlock_policy_denials_total\{rule="exchange\.symbol_not_allowed"\} [1-9]/);
    expect(metrics.text).toMatch(/airlock_sign_duration_seconds_count\{route="sign\.exchange_request"\} [1-9]/);
  });
});

describe("status, audit, secrets", () => {
  it("lists the exchange accounts a client may use, with the operations allowed", async () => {
    const mine = await signedRequest(sc, { client: agent, method: "GET", path: STATUS_PATH, contentType: null });
    expect(mine.status).toBe(200);
    expect(mine.body["exchangeAccounts"]).toEqual([
      { account: "hl", venue: "hyperliquid", environment: "testnet", operations: ["place_order", "cancel_order", "cancel_all", "get_open_orders"] },
      { account: "hl-live", venue: "hyperliquid", environment: "live", operations: [] },
      { account: "hl-live-on", venue: "hyperliquid", environment: "live", operations: ["place_order", "get_open_orders"] },
      { account: "hl-shared", venue: "hyperliquid", environment: "testnet", operations: ["get_open_orders"] },
      { account: "hl-nopolicy", venue: "hyperliquid", environment: "testnet", operations: [] },
    ]);
    const theirs = await signedRequest(sc, { client: other, method: "GET", path: STATUS_PATH, contentType: null });
    expect(theirs.body["exchangeAccounts"]).toEqual([{ account: "hl-shared", venue: "hyperliquid", environment: "testnet", operations: ["get_open_orders"] }]);
    replies.push(mine.text, theirs.text);
  });

  it("audits successes, denials and evaluations with venue, account, operation and symbol", () => {
    const lines = sc.auditLines();
    const success = lines.find((l) => l.event === "sign.exchange_request.success");
    expect(success).toMatchObject({ outcome: "allowed", clientId: "agent", details: { venue: "hyperliquid", account: "hl", operation: "place_order", symbol: "BTC" } });
    const denied = lines.find((l) => l.event === "sign.exchange_request.policy_denied" && l["ruleId"] === "exchange.symbol_not_allowed");
    expect(denied).toMatchObject({
      outcome: "denied",
      clientId: "agent",
      details: { venue: "hyperliquid", account: "hl", operation: "place_order", symbol: "DOGE", code: "POLICY_DENIED", status: 422 },
    });
    expect(lines.find((l) => l.event === "policy.evaluate.allowed" && (l["details"] as Record<string, unknown> | undefined)?.["venue"] === "hyperliquid")).toBeDefined();
    expect(lines.find((l) => l.event === "policy.evaluate.denied" && l["ruleId"] === "exchange.orders_per_minute_exceeded")).toMatchObject({
      details: { account: "hl", operation: "place_order" },
    });
  });

  it("keeps every secret out of every answer, audit record and log line", () => {
    const secrets = [HL_KEY, HL_LIVE_KEY, agent.secret, other.secret];
    expect(findSecret(replies.join("\n"), secrets)).toBeUndefined();
    expect(findSecret(sc.auditText(), secrets)).toBeUndefined();
    expect(findSecret(sc.logLines().join("\n"), secrets)).toBeUndefined();
    for (const r of testnet.received) expect(findSecret(`${r.body}${r.query}${JSON.stringify(r.headers)}`, secrets)).toBeUndefined();
  });

  it("has exactly one audit record per request", () => {
    expect(auditViolations(sc)).toEqual([]);
  });
});
