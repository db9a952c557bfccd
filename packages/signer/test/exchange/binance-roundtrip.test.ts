import { createHmac } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { ExchangeOperation } from "@airlock/core";
import { BinanceSigner } from "../../src/exchange/venues/hmac-venue-signer.js";
import { createBinanceFake } from "./fakes/hmac-fakes.js";
import { credentialsOf, expectNoSecrets, send, settingsFor, tamper, throwawayKey, withHeader } from "./hmac-test-support.js";

/** Binance spot and USD-M futures: our signer against the independent fake, every operation. */

const T0 = 1_760_000_000_000;

describe.each([
  ["spot", "binance", "BTCUSDT"],
  ["futures", "binance_futures", "BTCUSDT"],
] as const)("Binance %s round trips", (product, venue, symbol) => {
  const key = throwawayKey("binance");
  const other = throwawayKey("binance-other");
  const fake = createBinanceFake({ product, keys: [key, other], quoteBalance: "100000", markPrice: "50000" });
  let signer: BinanceSigner;

  beforeAll(async () => {
    await fake.start();
    signer = new BinanceSigner(settingsFor(venue, fake.url), credentialsOf(key, false));
  });
  afterAll(() => fake.close());
  beforeEach(() => fake.setClock(T0));

  const run = async (op: ExchangeOperation, nowMs = T0) => {
    const signed = signer.sign(op, nowMs);
    expectNoSecrets(signed, [key.apiSecret]);
    expect(signed.body).toBeUndefined();
    return { signed, answer: await send(signed) };
  };
  const ok = async (op: ExchangeOperation) => {
    const { answer } = await run(op);
    expect(answer.status, JSON.stringify(answer.json)).toBe(200);
    return answer.json as Record<string, unknown> & unknown[];
  };

  it("places a limit order, lists it, cancels it by client id", async () => {
    const placed = await ok({ type: "place_order", symbol, side: "buy", orderType: "limit", quantity: "0.01", price: "30000", clientOrderId: `c-${product}-1` });
    expect(placed).toMatchObject({ symbol, status: "NEW", clientOrderId: `c-${product}-1`, origQty: "0.01", price: "30000", side: "BUY", type: "LIMIT", timeInForce: "GTC" });
    const open = await ok({ type: "get_open_orders", symbol });
    expect((open as { clientOrderId?: unknown }[]).map((o) => o.clientOrderId)).toContain(`c-${product}-1`);
    const cancelled = await ok({ type: "cancel_order", symbol, clientOrderId: `c-${product}-1` });
    expect(cancelled).toMatchObject({ status: "CANCELED", clientOrderId: `c-${product}-1` });
    expect(await ok({ type: "get_open_orders" })).toEqual([]);
  });

  it("cancels by the venue's order id, and cancels all of a symbol", async () => {
    const a = await ok({ type: "place_order", symbol, side: "sell", orderType: "limit", quantity: "0.02", price: "90000", timeInForce: "POST_ONLY" });
    expect(a.type).toBe(product === "spot" ? "LIMIT_MAKER" : "LIMIT");
    if (product === "futures") expect(a.timeInForce).toBe("GTX");
    expect(await ok({ type: "cancel_order", symbol, orderId: String(a.orderId) })).toMatchObject({ status: "CANCELED", orderId: a.orderId });
    await ok({ type: "place_order", symbol, side: "buy", orderType: "limit", quantity: "0.01", price: "20000" });
    await ok({ type: "place_order", symbol, side: "buy", orderType: "limit", quantity: "0.01", price: "21000" });
    const all = await ok({ type: "cancel_all", symbol });
    if (product === "spot") expect(all.length).toBe(2);
    else expect(all).toEqual({ code: 200, msg: "The operation of cancel all open order is done." });
    expect(fake.orders(key.apiKey).filter((o) => o.status === "open")).toEqual([]);
  });

  it("fills market orders; IOC and FOK limits expire on an empty book", async () => {
    const m = await ok({ type: "place_order", symbol, side: "buy", orderType: "market", quantity: "0.003", referencePrice: "60000" });
    expect(m).toMatchObject({ status: "FILLED", type: "MARKET", origQty: "0.003" });
    for (const tif of ["IOC", "FOK"] as const) {
      expect(await ok({ type: "place_order", symbol, side: "sell", orderType: "limit", quantity: "0.001", price: "70000", timeInForce: tif })).toMatchObject({ status: "EXPIRED", timeInForce: tif });
    }
  });

  it("reads the account and balances (and positions on futures)", async () => {
    const account = await ok({ type: "get_account" });
    const balances = await ok({ type: "get_balances" });
    if (product === "spot") {
      expect(account.accountType).toBe("SPOT");
      expect(balances).toEqual(account);
      expect(() => signer.sign({ type: "get_positions" }, T0)).toThrow(expect.objectContaining({ name: "UnsupportedOperationError" }));
    } else {
      expect(account.availableBalance).toBe("100000.00000000");
      expect(balances).toEqual([expect.objectContaining({ asset: "USDT", balance: "100000.00000000" })]);
      await ok({ type: "place_order", symbol, side: "sell", orderType: "market", quantity: "0.5", reduceOnly: false });
      const positions = await ok({ type: "get_positions", symbol });
      expect(positions).toEqual([expect.objectContaining({ symbol, positionSide: "BOTH" })]);
    }
  });

  it("futures reduce-only orders carry reduceOnly=true; spot refuses them before signing", async () => {
    const op: ExchangeOperation = { type: "place_order", symbol, side: "sell", orderType: "limit", quantity: "0.001", price: "99000", reduceOnly: true };
    if (product === "futures") {
      expect(await ok(op)).toMatchObject({ reduceOnly: true });
    } else {
      expect(() => signer.sign(op, T0)).toThrow(expect.objectContaining({ name: "UnsupportedOperationError" }));
    }
  });

  it("returns Binance's own errors for a symbol it does not list, an unknown order, too little balance", async () => {
    const bad = await run({ type: "place_order", symbol: "NOPEUSDT", side: "buy", orderType: "market", quantity: "1" });
    expect(bad.answer).toEqual({ status: 400, json: { code: -1121, msg: "Invalid symbol." } });
    const unknown = await run({ type: "cancel_order", symbol, orderId: "424242" });
    expect(unknown.answer).toEqual({ status: 400, json: { code: -2011, msg: "Unknown order sent." } });
    const big = await run({ type: "place_order", symbol, side: "buy", orderType: "limit", quantity: "10", price: "50000" });
    expect(big.answer.json).toEqual(product === "spot" ? { code: -2010, msg: "Account has insufficient balance for requested action." } : { code: -2019, msg: "Margin is insufficient." });
  });

  it("refuses a tampered query value with -1022", async () => {
    const signed = signer.sign({ type: "place_order", symbol, side: "buy", orderType: "limit", quantity: "0.01", price: "30000" }, T0);
    const answer = await send({ ...signed, url: tamper(signed.url, "quantity=0.01", "quantity=0.02") });
    expect(answer).toEqual({ status: 400, json: { code: -1022, msg: "Signature for this request is not valid." } });
    const recv = await send({ ...signed, url: tamper(signed.url, "recvWindow=5000", "recvWindow=60000") });
    expect(recv.json).toEqual({ code: -1022, msg: "Signature for this request is not valid." });
  });

  it("refuses the request under another registered key (-1022) and an unknown key (-2015)", async () => {
    const signed = signer.sign({ type: "get_account" }, T0);
    expect((await send(withHeader(signed, "X-MBX-APIKEY", other.apiKey))).json).toEqual({ code: -1022, msg: "Signature for this request is not valid." });
    expect(await send(withHeader(signed, "X-MBX-APIKEY", "unknown-key"))).toEqual({ status: 401, json: { code: -2015, msg: "Invalid API-key, IP, or permissions for action." } });
  });

  it("refuses a read whose symbol was changed in the query (-1022)", async () => {
    const signed = signer.sign({ type: "get_open_orders", symbol }, T0);
    const answer = await send({ ...signed, url: tamper(signed.url, `symbol=${symbol}`, "symbol=ETHUSDT") });
    expect(answer.json).toEqual({ code: -1022, msg: "Signature for this request is not valid." });
  });

  it("refuses a stale timestamp (outside recvWindow) and one 1000 ms ahead (-1021)", async () => {
    const signed = signer.sign({ type: "get_account" }, T0);
    fake.setClock(T0 + 5000);
    expect((await send(signed)).status).toBe(200);
    fake.setClock(T0 + 5001);
    expect(await send(signed)).toEqual({ status: 400, json: { code: -1021, msg: "Timestamp for this request is outside of the recvWindow." } });
    expect(signed.expiresAtMs).toBe(T0 + 5000);
    fake.setClock(T0 - 1000);
    expect((await send(signed)).json).toEqual({ code: -1021, msg: "Timestamp for this request was 1000ms ahead of the server's time." });
  });

  it("accepts a request built by hand from Binance's documentation (the fake is not tuned to our signer)", async () => {
    const path = product === "spot" ? "/api/v3/account" : "/fapi/v2/balance";
    const total = `timestamp=${T0}&recvWindow=2000`;
    const signature = createHmac("sha256", key.apiSecret).update(total).digest("hex");
    const answer = await send({ method: "GET", url: `${fake.url}${path}?${total}&signature=${signature}`, headers: { "X-MBX-APIKEY": key.apiKey }, expiresAtMs: T0 + 2000 });
    expect(answer.status).toBe(200);
    // Parameters in an x-www-form-urlencoded body are part of totalParams too.
    const orderPath = product === "spot" ? "/api/v3/order" : "/fapi/v1/order";
    const query = `symbol=${symbol}&side=BUY`;
    const body = `type=LIMIT&quantity=0.001&price=1000&timeInForce=GTC&timestamp=${T0}`;
    const sig = createHmac("sha256", key.apiSecret).update(`${query}${body}`).digest("hex");
    const placed = await send({ method: "POST", url: `${fake.url}${orderPath}?${query}`, headers: { "X-MBX-APIKEY": key.apiKey, "content-type": "application/x-www-form-urlencoded" }, body: `${body}&signature=${sig}`, expiresAtMs: T0 + 5000 });
    expect(placed.status, JSON.stringify(placed.json)).toBe(200);
  });
});
