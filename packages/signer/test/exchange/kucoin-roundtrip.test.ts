import { createHmac } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { ExchangeOperation } from "@airlock/core";
import { KucoinSigner } from "../../src/exchange/venues/hmac-venue-signer.js";
import { createKucoinFake } from "./fakes/hmac-fakes.js";
import { credentialsOf, expectNoSecrets, send, settingsFor, tamper, throwawayKey, withHeader } from "./hmac-test-support.js";

/** KuCoin spot and futures: our signer against the independent fake, every operation. */

const T0 = 1_760_000_300_000;

interface KucoinAnswer {
  code: string;
  msg?: string;
  data: Record<string, unknown> & { items?: Record<string, unknown>[] } & unknown[];
}

describe.each([
  ["spot", "kucoin", "BTC-USDT", "0.01"],
  ["futures", "kucoin_futures", "XBTUSDTM", "3"],
] as const)("KuCoin %s round trips", (product, venue, symbol, quantity) => {
  const key = throwawayKey("kucoin");
  const other = throwawayKey("kucoin-other");
  const fake = createKucoinFake({ product, keys: [key, other] });
  let signer: KucoinSigner;

  beforeAll(async () => {
    await fake.start();
    signer = new KucoinSigner(settingsFor(venue, fake.url), credentialsOf(key, true));
  });
  afterAll(() => fake.close());
  beforeEach(() => fake.setClock(T0));

  const run = async (op: ExchangeOperation) => {
    const signed = signer.sign(op, T0);
    expectNoSecrets(signed, [key.apiSecret, key.passphrase]);
    const answer = await send(signed);
    return { status: answer.status, json: answer.json as KucoinAnswer };
  };
  const ok = async (op: ExchangeOperation) => {
    const { status, json } = await run(op);
    expect(status).toBe(200);
    expect(json.code, JSON.stringify(json)).toBe("200000");
    return json.data;
  };

  it("places a limit order, lists it, cancels it by clientOid", async () => {
    const placed = await ok({ type: "place_order", symbol, side: "buy", orderType: "limit", quantity, price: "30000", clientOrderId: `kc-${product}-1` });
    expect(placed.orderId).toMatch(/^[0-9a-f]{24}$/);
    const open = await ok({ type: "get_open_orders", symbol });
    expect(open.items).toEqual([expect.objectContaining({ clientOid: `kc-${product}-1`, price: "30000", side: "buy", type: "limit", timeInForce: "GTC" })]);
    const cancelled = await ok({ type: "cancel_order", symbol, clientOrderId: `kc-${product}-1` });
    expect(cancelled.clientOid).toBe(`kc-${product}-1`);
    expect((await ok({ type: "get_open_orders" })).items).toEqual([]);
  });

  it("generates a clientOid when none is given, cancels by orderId, cancels all of a symbol", async () => {
    const a = await ok({ type: "place_order", symbol, side: "sell", orderType: "limit", quantity, price: "90000", timeInForce: "POST_ONLY" });
    expect(fake.orders(key.apiKey).at(-1)).toMatchObject({ clientOrderId: expect.stringMatching(/^[0-9a-f]{32}$/), postOnly: true, timeInForce: "GTC" });
    expect(await ok({ type: "cancel_order", symbol, orderId: String(a.orderId) })).toEqual({ cancelledOrderIds: [a.orderId] });
    await ok({ type: "place_order", symbol, side: "buy", orderType: "limit", quantity, price: "20000" });
    await ok({ type: "place_order", symbol, side: "buy", orderType: "limit", quantity, price: "21000", timeInForce: "GTC" });
    expect((await ok({ type: "cancel_all", symbol })).cancelledOrderIds).toHaveLength(2);
  });

  it("fills market orders; IOC limits expire; reads account and balances (and positions on futures)", async () => {
    await ok({ type: "place_order", symbol, side: "buy", orderType: "market", quantity });
    expect(fake.orders(key.apiKey).at(-1)).toMatchObject({ status: "filled", quantity });
    await ok({ type: "place_order", symbol, side: "sell", orderType: "limit", quantity, price: "99999", timeInForce: "IOC" });
    expect(fake.orders(key.apiKey).at(-1)).toMatchObject({ status: "expired" });
    const account = await ok({ type: "get_account" });
    expect(await ok({ type: "get_balances" })).toEqual(account);
    if (product === "spot") {
      expect(account).toEqual(expect.arrayContaining([expect.objectContaining({ currency: "USDT", balance: "100000" })]));
      expect(() => signer.sign({ type: "get_positions" }, T0)).toThrow(expect.objectContaining({ name: "UnsupportedOperationError" }));
    } else {
      expect(account).toMatchObject({ currency: "USDT", availableBalance: 100000 });
      expect(await ok({ type: "get_positions", symbol })).toMatchObject({ symbol, currentQty: 3, isOpen: true });
      expect(await ok({ type: "get_positions" })).toEqual([expect.objectContaining({ symbol, currentQty: 3 })]);
      await ok({ type: "place_order", symbol, side: "sell", orderType: "market", quantity: "1", reduceOnly: true });
      expect(fake.orders(key.apiKey).at(-1)).toMatchObject({ reduceOnly: true, status: "filled" });
    }
  });

  it("returns KuCoin's own errors: unlisted symbol, unknown order, too little balance", async () => {
    const badSymbol = product === "spot" ? "NOPE-USDT" : "NOPEUSDTM";
    expect((await run({ type: "place_order", symbol: badSymbol, side: "buy", orderType: "limit", quantity, price: "1" })).json.code).toBe(product === "spot" ? "400100" : "100001");
    expect((await run({ type: "cancel_order", symbol, orderId: "65f000000000000000000999" })).json.code).toBe(product === "spot" ? "400100" : "100004");
    const huge = product === "spot" ? "10" : "999999";
    expect((await run({ type: "place_order", symbol, side: "buy", orderType: "limit", quantity: huge, price: "50000" })).json).toMatchObject({ code: product === "spot" ? "200004" : "300003" });
  });

  it("refuses a tampered body, query or timestamp with 400005, a wrong passphrase with 400004", async () => {
    const post = signer.sign({ type: "place_order", symbol, side: "buy", orderType: "limit", quantity, price: "30000" }, T0);
    expect(await send({ ...post, body: tamper(post.body ?? "", '"price":"30000"', '"price":"30001"') })).toEqual({ status: 401, json: { code: "400005", msg: "Invalid KC-API-SIGN" } });
    const del = signer.sign({ type: "cancel_all", symbol }, T0);
    expect((await send({ ...del, url: tamper(del.url, `symbol=${symbol}`, "symbol=ETH-USDT") })).json).toMatchObject({ code: "400005" });
    expect((await send(withHeader(del, "KC-API-TIMESTAMP", String(T0 + 1)))).json).toMatchObject({ code: "400005" });
    expect((await send(withHeader(del, "KC-API-PASSPHRASE", key.passphrase))).json).toMatchObject({ code: "400004" });
    expect((await send(withHeader(del, "KC-API-KEY-VERSION", "1"))).json).toMatchObject({ code: "400004" });
    expect((await send(withHeader(del, "KC-API-KEY", other.apiKey))).json).toMatchObject({ code: "400004" });
    expect((await send(withHeader(del, "KC-API-KEY", "unknown"))).json).toMatchObject({ code: "400003" });
  });

  it("refuses a timestamp more than 5 s from the server clock (400002)", async () => {
    const signed = signer.sign({ type: "get_account" }, T0);
    fake.setClock(T0 + 5000);
    expect((await send(signed)).json).toMatchObject({ code: "200000" });
    fake.setClock(T0 + 5001);
    expect(await send(signed)).toEqual({ status: 401, json: { code: "400002", msg: "KC-API-TIMESTAMP Invalid -- Time differs from server time by more than 5 seconds" } });
  });

  it("accepts a request built by hand from KuCoin's documentation", async () => {
    const endpoint = `/api/v1/orders?status=active&symbol=${symbol}`;
    const sign = createHmac("sha256", key.apiSecret).update(`${T0}GET${endpoint}`).digest("base64");
    const passphrase = createHmac("sha256", key.apiSecret).update(key.passphrase).digest("base64");
    const headers = { "KC-API-KEY": key.apiKey, "KC-API-SIGN": sign, "KC-API-TIMESTAMP": String(T0), "KC-API-PASSPHRASE": passphrase, "KC-API-KEY-VERSION": "2" };
    expect((await send({ method: "GET", url: `${fake.url}${endpoint}`, headers, expiresAtMs: T0 + 5000 })).json).toMatchObject({ code: "200000" });
  });
});
