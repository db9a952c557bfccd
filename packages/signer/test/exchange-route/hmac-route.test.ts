import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SignedExchangeRequest } from "@airlock/core";
import { FrozenClock, auditViolations, findSecret, newClient, newKey, sidecarEnv, startTestSidecar, type TestSidecar } from "../../../../test/support/sidecar-harness.js";
import { createBinanceFake, type BinanceFake } from "../exchange/fakes/binance-fake.js";
import { createBybitFake, type BybitFake } from "../exchange/fakes/bybit-fake.js";
import { createKucoinFake, type KucoinFake } from "../exchange/fakes/kucoin-fake.js";
import { createOkxFake, type OkxFake } from "../exchange/fakes/okx-fake.js";
import { EVALUATE_PATH, exchange, policyFile, replies, sendToVenue } from "./route-support.js";

/**
 * POST /v1/sign/exchange-request for HMAC venues, end to end against the local Binance, Bybit,
 * OKX and KuCoin fakes (which verify the HMAC signature and the timestamp window with their own
 * code).
 */

// Throwaway credentials: never used anywhere real.
const BN = { apiKey: "bn-route-key-TESTONLY-a1b2c3d4e5f60718", apiSecret: "bn-route-secret-TESTONLY-0f1e2d3c4b5a69788796" };
const BY = { apiKey: "bybit-route-key-TESTONLY-99aa88bb", apiSecret: "bybit-route-secret-TESTONLY-77cc66dd55ee44ff" };
const OK = { apiKey: "okx-route-key-TESTONLY-1f2e3d4c", apiSecret: "okx-route-secret-TESTONLY-5b6a79880f1e2d3c", passphrase: "okx-route-pass-TESTONLY-42" };
const KC = { apiKey: "kc-route-key-TESTONLY-6e5d4c3b", apiSecret: "kc-route-secret-TESTONLY-a9b8c7d6e5f40312", passphrase: "kc-route-pass-TESTONLY-77" };

const agent = newClient("agent");
// Mid-day, so a day window does not roll over while the test runs.
const clock = new FrozenClock(Math.floor(Date.now() / 86_400_000) * 86_400_000 + 43_200_000);

let binance: BinanceFake;
let bybit: BybitFake;
let okx: OkxFake;
let kucoin: KucoinFake;
let sc: TestSidecar;

const order = (fields: Record<string, unknown> = {}) => ({
  type: "place_order",
  symbol: "BTCUSDT",
  side: "buy",
  orderType: "limit",
  quantity: "0.01",
  price: "30000",
  timeInForce: "GTC",
  ...fields,
});

beforeAll(async () => {
  binance = createBinanceFake({ product: "spot", keys: [BN] });
  bybit = createBybitFake({ keys: [BY] });
  okx = createOkxFake({ keys: [{ ...OK, demo: true }] });
  kucoin = createKucoinFake({ product: "spot", keys: [KC] });
  for (const fake of [binance, bybit, okx, kucoin]) {
    await fake.start();
    fake.setClock(clock.ms);
  }
  const accounts = [
    { account: "bn", venue: "binance", environment: "testnet", baseUrl: binance.url, ...BN, clients: ["agent"] },
    { account: "bn-day", venue: "binance", environment: "testnet", baseUrl: binance.url, ...BN, clients: ["agent"] },
    { account: "bn-live", venue: "binance", environment: "live", baseUrl: binance.url, ...BN, clients: ["agent"] },
    { account: "by", venue: "bybit", environment: "testnet", baseUrl: bybit.url, ...BY, clients: ["agent"] },
    // OKX testnet is demo trading on OKX's one origin; KuCoin has no public testnet, so it names one.
    { account: "okx", venue: "okx", environment: "testnet", baseUrl: okx.url, ...OK, clients: ["agent"] },
    { account: "kc", venue: "kucoin", environment: "testnet", baseUrl: kucoin.url, ...KC, clients: ["agent"] },
  ];
  const policy = policyFile(`
version: 1
exchange:
  - client: "*"
    account: bn
    operations: [place_order, cancel_order, get_balances, get_open_orders]
    symbols: { BTCUSDT: { maxQuantity: "0.5", maxNotional: "20000" } }
  - { client: "*", account: bn-day, operations: [place_order], symbols: { BTCUSDT: {} }, ordersPerDay: 2 }
  - { client: "*", account: bn-live, operations: [place_order, get_balances], symbols: { BTCUSDT: {} } }
  - { client: "*", account: by, operations: [place_order, get_balances], symbols: { BTCUSDT: {} } }
  - { client: "*", account: okx, operations: [place_order, get_balances], symbols: { BTC-USDT: { maxNotional: "1000" } } }
  - { client: "*", account: kc, operations: [place_order, get_balances], symbols: { BTC-USDT: { maxNotional: "1000" } } }
`);
  sc = await startTestSidecar(
    sidecarEnv({
      clients: [agent],
      keys: [newKey("default")],
      extra: { KEYRING_EXCHANGE_ACCOUNTS_JSON: JSON.stringify(accounts), KEYRING_POLICY_FILE: policy, KEYRING_LEAK_SCANNER_ENABLED: "true" },
    }),
    { now: clock.now },
  );
});

afterAll(async () => {
  await sc?.close();
  await binance?.close();
  await bybit?.close();
  await okx?.close();
  await kucoin?.close();
});

describe("HMAC venues end to end", () => {
  it("signs a Binance limit order that the fake verifies and books", async () => {
    const reply = await exchange(sc, agent, { account: "bn", venue: "binance", operation: order() });
    expect(reply.status, reply.text).toBe(200);
    const body = SignedExchangeRequest.parse(reply.json);
    expect(body).toMatchObject({ venue: "binance", account: "bn", environment: "testnet", method: "POST" });
    expect(new URL(body.url).origin).toBe(binance.url);
    // The API key travels in the header the venue requires; the secret nowhere.
    expect(Object.entries(body.headers).find(([name]) => name.toLowerCase() === "x-mbx-apikey")?.[1]).toBe(BN.apiKey);
    expect(reply.text).not.toContain(BN.apiSecret);
    const sent = await sendToVenue(reply.body);
    expect(sent.status, JSON.stringify(sent.json)).toBe(200);
    expect(binance.orders(BN.apiKey)).toHaveLength(1);
  });

  it("signs a Binance read the fake answers", async () => {
    const reply = await exchange(sc, agent, { account: "bn", venue: "binance", operation: { type: "get_open_orders", symbol: "BTCUSDT" } });
    expect(reply.status, reply.text).toBe(200);
    const sent = await sendToVenue(reply.body);
    expect(sent.status, JSON.stringify(sent.json)).toBe(200);
  });

  it("signs a Bybit order that the fake verifies and books", async () => {
    const reply = await exchange(sc, agent, { account: "by", venue: "bybit", operation: order() });
    expect(reply.status, reply.text).toBe(200);
    const sent = await sendToVenue(reply.body);
    expect(sent.status, JSON.stringify(sent.json)).toBe(200);
    expect(bybit.received.at(-1)!.accepted).toBe(true);
    expect(bybit.orders(BY.apiKey)).toHaveLength(1);
  });

  it("signs an OKX demo order (passphrase header in clear, as OKX takes it) that the fake verifies", async () => {
    const reply = await exchange(sc, agent, { account: "okx", venue: "okx", operation: order({ symbol: "BTC-USDT" }) });
    expect(reply.status, reply.text).toBe(200);
    const headers = Object.fromEntries(Object.entries(reply.body["headers"] as Record<string, string>).map(([k, v]) => [k.toLowerCase(), v]));
    expect(headers["x-simulated-trading"]).toBe("1");
    expect(headers["ok-access-passphrase"]).toBe(OK.passphrase);
    const sent = await sendToVenue(reply.body);
    expect(sent.status, JSON.stringify(sent.json)).toBe(200);
    expect(okx.received.at(-1)!.accepted).toBe(true);
    expect(okx.orders(OK.apiKey)).toHaveLength(1);
  });

  it("signs a KuCoin order (passphrase sent signed, never in clear) that the fake verifies", async () => {
    const reply = await exchange(sc, agent, { account: "kc", venue: "kucoin", operation: order({ symbol: "BTC-USDT" }) });
    expect(reply.status, reply.text).toBe(200);
    expect(reply.text).not.toContain(KC.passphrase);
    const sent = await sendToVenue(reply.body);
    expect(sent.status, JSON.stringify(sent.json)).toBe(200);
    expect(kucoin.received.at(-1)!.accepted).toBe(true);
    expect(kucoin.orders(KC.apiKey)).toHaveLength(1);
  });

  it("a signed request expires: the fake refuses it once recvWindow has passed", async () => {
    const reply = await exchange(sc, agent, { account: "bn", venue: "binance", operation: { type: "get_balances" } });
    expect(reply.status).toBe(200);
    binance.setClock((reply.body["expiresAtMs"] as number) + 1);
    const late = await sendToVenue(reply.body);
    binance.setClock(clock.ms);
    expect(late.status).not.toBe(200);
    expect(binance.received.at(-1)!.accepted).toBe(false);
  });

  it("applies the caps in exact decimals", async () => {
    const atCap = await exchange(sc, agent, { account: "bn", venue: "binance", operation: order({ quantity: "0.5", price: "40000" }) });
    expect(atCap.status, atCap.text).toBe(200);
    const over = await exchange(sc, agent, { account: "bn", venue: "binance", operation: order({ quantity: "0.5", price: "40000.00000001" }) });
    expect(over.body).toMatchObject({ code: "POLICY_DENIED", ruleId: "exchange.notional_exceeded" });
  });

  it("counts orders per day across requests, evaluate included as a look only", async () => {
    const req = { account: "bn-day", venue: "binance", operation: order() };
    expect((await exchange(sc, agent, req, EVALUATE_PATH)).body).toMatchObject({ allowed: true });
    expect((await exchange(sc, agent, req)).status).toBe(200);
    expect((await exchange(sc, agent, req)).status).toBe(200);
    const third = await exchange(sc, agent, req);
    expect(third.status).toBe(422);
    expect(third.body).toMatchObject({ ruleId: "exchange.orders_per_day_exceeded" });
    expect((await exchange(sc, agent, req, EVALUATE_PATH)).body).toMatchObject({ allowed: false, ruleId: "exchange.orders_per_day_exceeded" });
    // Another account has its own counter.
    expect((await exchange(sc, agent, { account: "bn", venue: "binance", operation: order() })).status).toBe(200);
  });

  it("refuses a live account without liveTradingEnabled, reads included", async () => {
    for (const operation of [order(), { type: "get_balances" }]) {
      const reply = await exchange(sc, agent, { account: "bn-live", venue: "binance", operation });
      expect(reply.status).toBe(422);
      expect(reply.body).toMatchObject({ code: "POLICY_DENIED", ruleId: "exchange.live_trading_disabled" });
    }
  });

  it("keeps the API secrets out of every answer, audit record, log line and venue request", () => {
    const secrets = [BN.apiSecret, BY.apiSecret, OK.apiSecret, KC.apiSecret, KC.passphrase, agent.secret];
    expect(findSecret(replies.join("\n"), secrets)).toBeUndefined();
    expect(findSecret(sc.auditText(), secrets)).toBeUndefined();
    expect(findSecret(sc.logLines().join("\n"), secrets)).toBeUndefined();
    for (const fake of [binance, bybit, okx, kucoin]) {
      for (const r of fake.received) expect(findSecret(`${r.body}${r.query}${JSON.stringify(r.headers)}`, secrets)).toBeUndefined();
    }
    // Not even the API key reaches the audit log.
    expect(sc.auditText()).not.toContain(BN.apiKey);
    expect(auditViolations(sc)).toEqual([]);
  });
});
