import { createHmac } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { ExchangeOperation } from "@airlock/core";
import { BybitSigner } from "../../src/exchange/venues/hmac-venue-signer.js";
import { createBybitFake } from "./fakes/hmac-fakes.js";
import { credentialsOf, expectNoSecrets, send, settingsFor, tamper, throwawayKey, withHeader } from "./hmac-test-support.js";

/** Bybit V5 (linear): our signer against the independent fake, every operation. */

const T0 = 1_760_000_100_000;
const SYMBOL = "BTCUSDT";

interface BybitAnswer {
  retCode: number;
  retMsg: string;
  result: Record<string, unknown> & { list?: Record<string, unknown>[] };
}

describe("Bybit V5 round trips", () => {
  const key = throwawayKey("bybit");
  const other = throwawayKey("bybit-other");
  const fake = createBybitFake({ keys: [key, other] });
  let signer: BybitSigner;

  beforeAll(async () => {
    await fake.start();
    signer = new BybitSigner(settingsFor("bybit", fake.url), credentialsOf(key, false));
  });
  afterAll(() => fake.close());
  beforeEach(() => fake.setClock(T0));

  const run = async (op: ExchangeOperation) => {
    const signed = signer.sign(op, T0);
    expectNoSecrets(signed, [key.apiSecret]);
    const answer = await send(signed);
    expect(answer.status).toBe(200);
    return answer.json as BybitAnswer;
  };
  const ok = async (op: ExchangeOperation) => {
    const json = await run(op);
    expect(json.retCode, JSON.stringify(json)).toBe(0);
    return json.result;
  };

  it("places a limit order, lists it, cancels it by orderLinkId", async () => {
    const placed = await ok({ type: "place_order", symbol: SYMBOL, side: "buy", orderType: "limit", quantity: "0.01", price: "30000", clientOrderId: "link-1" });
    expect(placed).toEqual({ orderId: expect.stringMatching(/^[0-9a-f-]{36}$/), orderLinkId: "link-1" });
    const open = await ok({ type: "get_open_orders", symbol: SYMBOL });
    expect(open.list).toEqual([expect.objectContaining({ orderLinkId: "link-1", orderStatus: "New", timeInForce: "GTC", price: "30000", qty: "0.01", side: "Buy" })]);
    expect(await ok({ type: "cancel_order", symbol: SYMBOL, clientOrderId: "link-1" })).toEqual({ orderId: placed.orderId, orderLinkId: "link-1" });
    expect((await ok({ type: "get_open_orders" })).list).toEqual([]);
  });

  it("cancels by orderId and cancels all of a symbol", async () => {
    const a = await ok({ type: "place_order", symbol: SYMBOL, side: "sell", orderType: "limit", quantity: "0.02", price: "90000", timeInForce: "POST_ONLY" });
    expect(fake.orders(key.apiKey).at(-1)).toMatchObject({ timeInForce: "PostOnly", postOnly: true });
    expect(await ok({ type: "cancel_order", symbol: SYMBOL, orderId: String(a.orderId) })).toMatchObject({ orderId: a.orderId });
    await ok({ type: "place_order", symbol: SYMBOL, side: "buy", orderType: "limit", quantity: "0.01", price: "20000" });
    await ok({ type: "place_order", symbol: "ETHUSDT", side: "buy", orderType: "limit", quantity: "0.1", price: "2000" });
    const all = await ok({ type: "cancel_all", symbol: SYMBOL });
    expect(all.list).toHaveLength(1);
    expect(all.success).toBe("1");
    expect(fake.orders(key.apiKey).filter((o) => o.status === "open").map((o) => o.symbol)).toEqual(["ETHUSDT"]);
    await ok({ type: "cancel_all", symbol: "ETHUSDT" });
  });

  it("fills a market order and shows the position; reads account and balances", async () => {
    await ok({ type: "place_order", symbol: SYMBOL, side: "buy", orderType: "market", quantity: "0.25", reduceOnly: false });
    await ok({ type: "place_order", symbol: SYMBOL, side: "sell", orderType: "market", quantity: "0.05", reduceOnly: true });
    expect(fake.orders(key.apiKey).at(-1)).toMatchObject({ reduceOnly: true, timeInForce: "IOC", status: "filled" });
    expect((await ok({ type: "get_positions", symbol: SYMBOL })).list).toEqual([expect.objectContaining({ symbol: SYMBOL, side: "Buy", size: "0.2" })]);
    expect((await ok({ type: "get_positions" })).list).toEqual([expect.objectContaining({ symbol: SYMBOL })]);
    expect(await ok({ type: "get_account" })).toMatchObject({ marginMode: "REGULAR_MARGIN" });
    expect((await ok({ type: "get_balances" })).list).toEqual([expect.objectContaining({ accountType: "UNIFIED", totalWalletBalance: "100000" })]);
  });

  it("returns Bybit's own errors: unlisted symbol, unknown order, duplicate link id, too little balance", async () => {
    expect(await run({ type: "place_order", symbol: "NOPEUSDT", side: "buy", orderType: "market", quantity: "1" })).toMatchObject({ retCode: 10001, retMsg: "params error: symbol invalid" });
    expect(await run({ type: "cancel_order", symbol: SYMBOL, clientOrderId: "never-placed" })).toMatchObject({ retCode: 110001 });
    await ok({ type: "place_order", symbol: SYMBOL, side: "buy", orderType: "limit", quantity: "0.01", price: "1000", clientOrderId: "dup" });
    expect(await run({ type: "place_order", symbol: SYMBOL, side: "buy", orderType: "limit", quantity: "0.01", price: "1000", clientOrderId: "dup" })).toMatchObject({ retCode: 110072 });
    expect(await run({ type: "place_order", symbol: SYMBOL, side: "buy", orderType: "limit", quantity: "10", price: "50000" })).toMatchObject({ retCode: 110007 });
    await ok({ type: "cancel_all", symbol: SYMBOL });
  });

  it("refuses a tampered body, query or timestamp header with retCode 10004", async () => {
    const post = signer.sign({ type: "place_order", symbol: SYMBOL, side: "buy", orderType: "limit", quantity: "0.01", price: "30000" }, T0);
    expect((await send({ ...post, body: tamper(post.body ?? "", '"qty":"0.01"', '"qty":"0.02"') })).json).toMatchObject({ retCode: 10004 });
    const get = signer.sign({ type: "get_positions", symbol: SYMBOL }, T0);
    expect((await send({ ...get, url: tamper(get.url, "symbol=BTCUSDT", "symbol=ETHUSDT") })).json).toMatchObject({ retCode: 10004 });
    expect((await send(withHeader(get, "X-BAPI-TIMESTAMP", String(T0 - 1)))).json).toMatchObject({ retCode: 10004 });
    expect((await send(withHeader(get, "X-BAPI-RECV-WINDOW", "60000"))).json).toMatchObject({ retCode: 10004 });
    expect((await send(withHeader(get, "X-BAPI-API-KEY", other.apiKey))).json).toMatchObject({ retCode: 10004 });
    expect((await send(withHeader(get, "X-BAPI-API-KEY", "unknown"))).json).toMatchObject({ retCode: 10003, retMsg: "API key is invalid." });
  });

  it("refuses a stale timestamp with retCode 10002", async () => {
    const signed = signer.sign({ type: "get_account" }, T0);
    fake.setClock(T0 + 5000);
    expect((await send(signed)).json).toMatchObject({ retCode: 0 });
    fake.setClock(T0 + 5001);
    expect((await send(signed)).json).toMatchObject({ retCode: 10002 });
    fake.setClock(T0 - 1000);
    expect((await send(signed)).json).toMatchObject({ retCode: 10002 });
  });

  it("accepts a request built by hand from Bybit's documentation", async () => {
    const query = "category=linear&settleCoin=USDT";
    const sign = createHmac("sha256", key.apiSecret).update(`${T0}${key.apiKey}20000${query}`).digest("hex");
    const answer = await send({
      method: "GET",
      url: `${fake.url}/v5/order/realtime?${query}`,
      headers: { "X-BAPI-API-KEY": key.apiKey, "X-BAPI-TIMESTAMP": String(T0), "X-BAPI-RECV-WINDOW": "20000", "X-BAPI-SIGN": sign },
      expiresAtMs: T0 + 20_000,
    });
    expect(answer.json).toMatchObject({ retCode: 0, result: { category: "linear" } });
  });
});
