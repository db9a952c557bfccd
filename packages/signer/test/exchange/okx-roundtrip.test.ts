import { createHmac } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { ExchangeOperation } from "@airlock/core";
import { OkxSigner } from "../../src/exchange/venues/hmac-venue-signer.js";
import { createOkxFake } from "./fakes/hmac-fakes.js";
import { credentialsOf, expectNoSecrets, send, settingsFor, tamper, throwawayKey, withHeader } from "./hmac-test-support.js";

/** OKX V5 (demo and live keys): our signer against the independent fake, every operation. */

const T0 = 1_760_000_200_000;

interface OkxAnswer {
  code: string;
  msg: string;
  data: Record<string, unknown>[];
}

describe("OKX V5 round trips", () => {
  const demoKey = throwawayKey("okx-demo", { demo: true });
  const liveKey = throwawayKey("okx-live");
  const fake = createOkxFake({ keys: [demoKey, liveKey] });
  let signer: OkxSigner;

  beforeAll(async () => {
    await fake.start();
    signer = new OkxSigner(settingsFor("okx", fake.url, { demo: true }), credentialsOf(demoKey, true));
  });
  afterAll(() => fake.close());
  beforeEach(() => fake.setClock(T0));

  const run = async (op: ExchangeOperation, s: OkxSigner = signer) => {
    const signed = s.sign(op, T0);
    expectNoSecrets(signed, s.secrets());
    const answer = await send(signed);
    return { status: answer.status, json: answer.json as OkxAnswer };
  };
  const ok = async (op: ExchangeOperation) => {
    const { status, json } = await run(op);
    expect(status).toBe(200);
    expect(json.code, JSON.stringify(json)).toBe("0");
    return json.data;
  };

  it("places a spot limit order, lists it, cancels it by clOrdId", async () => {
    const [placed] = await ok({ type: "place_order", symbol: "BTC-USDT", side: "buy", orderType: "limit", quantity: "0.01", price: "30000", clientOrderId: "okx1" });
    expect(placed).toMatchObject({ clOrdId: "okx1", sCode: "0", ordId: expect.stringMatching(/^[0-9]+$/) });
    expect(await ok({ type: "get_open_orders", symbol: "BTC-USDT" })).toEqual([expect.objectContaining({ clOrdId: "okx1", tdMode: "cash", ordType: "limit", px: "30000", sz: "0.01", state: "live" })]);
    expect(await ok({ type: "cancel_order", symbol: "BTC-USDT", clientOrderId: "okx1" })).toEqual([expect.objectContaining({ clOrdId: "okx1", sCode: "0" })]);
    expect(await ok({ type: "get_open_orders" })).toEqual([]);
  });

  it("places a swap post-only order and cancels it by ordId; market orders fill into a position", async () => {
    const [placed] = await ok({ type: "place_order", symbol: "BTC-USDT-SWAP", side: "sell", orderType: "limit", quantity: "2", price: "90000", timeInForce: "POST_ONLY" });
    expect(fake.orders(demoKey.apiKey).at(-1)).toMatchObject({ timeInForce: "post_only", postOnly: true });
    await ok({ type: "cancel_order", symbol: "BTC-USDT-SWAP", orderId: String(placed?.ordId) });
    await ok({ type: "place_order", symbol: "BTC-USDT-SWAP", side: "buy", orderType: "market", quantity: "1", referencePrice: "60000" });
    await ok({ type: "place_order", symbol: "BTC-USDT-SWAP", side: "sell", orderType: "market", quantity: "0.5", reduceOnly: true });
    expect(await ok({ type: "get_positions", symbol: "BTC-USDT-SWAP" })).toEqual([expect.objectContaining({ instId: "BTC-USDT-SWAP", pos: "0.5", mgnMode: "cross" })]);
    expect(await ok({ type: "get_positions" })).toHaveLength(1);
  });

  it("spot market buys are in base currency (tgtCcy=base_ccy); IOC and FOK map to their ordTypes", async () => {
    await ok({ type: "place_order", symbol: "ETH-USDT", side: "buy", orderType: "market", quantity: "1.5" });
    expect(fake.orders(demoKey.apiKey).at(-1)).toMatchObject({ quantity: "1.5", status: "filled", type: "market" });
    for (const tif of ["IOC", "FOK"] as const) {
      await ok({ type: "place_order", symbol: "ETH-USDT", side: "sell", orderType: "limit", quantity: "0.1", price: "9000", timeInForce: tif });
      expect(fake.orders(demoKey.apiKey).at(-1)).toMatchObject({ timeInForce: tif.toLowerCase(), status: "expired" });
    }
  });

  it("reads the account configuration and the balances", async () => {
    expect(await ok({ type: "get_account" })).toEqual([expect.objectContaining({ posMode: "net_mode", acctLv: "2" })]);
    expect(await ok({ type: "get_balances" })).toEqual([expect.objectContaining({ totalEq: "100000" })]);
  });

  it("returns OKX's own errors: unlisted instrument, unknown order, too little balance", async () => {
    expect((await run({ type: "place_order", symbol: "NOPE-USDT", side: "buy", orderType: "limit", quantity: "1", price: "1" })).json).toMatchObject({ code: "51001" });
    expect((await run({ type: "cancel_order", symbol: "BTC-USDT", orderId: "123" })).json).toMatchObject({ code: "1", data: [expect.objectContaining({ sCode: "51400" })] });
    expect((await run({ type: "place_order", symbol: "BTC-USDT", side: "buy", orderType: "limit", quantity: "10", price: "50000" })).json).toMatchObject({ code: "1", data: [expect.objectContaining({ sCode: "51008" })] });
  });

  it("refuses a tampered body, query or timestamp with 50113, and a wrong passphrase with 50105", async () => {
    const post = signer.sign({ type: "place_order", symbol: "BTC-USDT", side: "buy", orderType: "limit", quantity: "0.01", price: "30000" }, T0);
    expect(await send({ ...post, body: tamper(post.body ?? "", '"sz":"0.01"', '"sz":"0.02"') })).toEqual({ status: 401, json: { msg: "Invalid Sign.", code: "50113" } });
    const get = signer.sign({ type: "get_open_orders", symbol: "BTC-USDT" }, T0);
    expect((await send({ ...get, url: tamper(get.url, "instId=BTC-USDT", "instId=ETH-USDT") })).json).toEqual({ msg: "Invalid Sign.", code: "50113" });
    expect((await send(withHeader(get, "OK-ACCESS-TIMESTAMP", new Date(T0 + 1).toISOString()))).json).toEqual({ msg: "Invalid Sign.", code: "50113" });
    expect((await send(withHeader(get, "OK-ACCESS-PASSPHRASE", "not the passphrase"))).json).toEqual({ msg: "Request header OK-ACCESS-PASSPHRASE incorrect.", code: "50105" });
    expect((await send(withHeader(get, "OK-ACCESS-TIMESTAMP", String(T0)))).json).toEqual({ msg: "Invalid OK-ACCESS-TIMESTAMP.", code: "50112" });
  });

  it("refuses a stale read after 30 s (50102) and a trade after its expTime (50102)", async () => {
    const get = signer.sign({ type: "get_balances" }, T0);
    const post = signer.sign({ type: "place_order", symbol: "BTC-USDT", side: "buy", orderType: "limit", quantity: "0.001", price: "1000" }, T0);
    expect(post.headers.expTime).toBe(String(post.expiresAtMs));
    fake.setClock(T0 + 5001);
    expect((await send(post)).json).toMatchObject({ code: "50102" });
    expect((await send({ ...post, headers: Object.fromEntries(Object.entries(post.headers).filter(([k]) => k !== "expTime")) })).json).toMatchObject({ code: "0" });
    expect((await send(get)).json).toMatchObject({ code: "0" });
    fake.setClock(T0 + 30_001);
    expect(await send(get)).toEqual({ status: 401, json: { msg: "Timestamp request expired.", code: "50102" } });
  });

  it("sends x-simulated-trading only for demo accounts; a key used in the other environment gets 50101", async () => {
    const live = new OkxSigner(settingsFor("okx", fake.url, { environment: "live" }), credentialsOf(liveKey, true));
    expect(live.sign({ type: "get_account" }, T0).headers["x-simulated-trading"]).toBeUndefined();
    expect((await run({ type: "get_account" }, live)).json.code).toBe("0");
    const wrongEnv = new OkxSigner(settingsFor("okx", fake.url, { environment: "live" }), credentialsOf(demoKey, true));
    expect((await run({ type: "get_account" }, wrongEnv)).json).toEqual({ msg: "APIKey does not match current environment.", code: "50101" });
  });

  it("accepts a request built by hand from OKX's documentation", async () => {
    const ts = new Date(T0).toISOString();
    const path = "/api/v5/account/balance";
    const sign = createHmac("sha256", demoKey.apiSecret).update(`${ts}GET${path}`).digest("base64");
    const headers = { "OK-ACCESS-KEY": demoKey.apiKey, "OK-ACCESS-SIGN": sign, "OK-ACCESS-TIMESTAMP": ts, "OK-ACCESS-PASSPHRASE": demoKey.passphrase, "x-simulated-trading": "1" };
    expect((await send({ method: "GET", url: `${fake.url}${path}`, headers, expiresAtMs: T0 + 5000 })).json).toMatchObject({ code: "0" });
  });
});
