import type { ExchangeOperation } from "@airlock/core";
import { request } from "undici";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { SignedVenueRequest } from "../../src/exchange/venue-types.js";
import { AsterdexSigner } from "../../src/exchange/venues/asterdex.js";
import { asterSettings, keySpellings, throwawayKey } from "./eip712-test-support.js";
import { createAsterdexFake, type AsterdexFake } from "./fakes/asterdex-fake.js";

/** Every supported operation, signed by our signer and sent with undici to the faithful fake. */

const T0 = 1_767_225_600_000;
const agent = throwawayKey("aster roundtrip agent");
const stranger = throwawayKey("aster roundtrip stranger");
const USER = "0x63dd5acc6b1aa0f563956c0e534dd30b6dcf7c4e";

let mainnet: AsterdexFake;
let testnet: AsterdexFake;
let clock = T0;
const produced: SignedVenueRequest[] = [];

async function send(req: SignedVenueRequest): Promise<{ status: number; body: unknown }> {
  produced.push(req);
  const res = await request(req.url, { method: req.method, headers: req.headers, ...(req.body === undefined ? {} : { body: req.body }) });
  return { status: res.statusCode, body: (await res.body.json()) as unknown };
}

async function run(signer: AsterdexSigner, op: ExchangeOperation): Promise<{ status: number; body: unknown }> {
  mainnet.setClock(clock);
  testnet.setClock(clock);
  return send(signer.sign(op, clock));
}

beforeAll(async () => {
  mainnet = createAsterdexFake({ network: "mainnet", agents: { [agent.address]: USER } });
  testnet = createAsterdexFake({ network: "testnet", agents: { [agent.address]: USER } });
  await Promise.all([mainnet.start(), testnet.start()]);
});

afterAll(async () => {
  await Promise.all([mainnet.close(), testnet.close()]);
});

beforeEach(() => {
  clock += 60_000;
});

describe("Asterdex round trips through the fake venue", () => {
  const live = () => new AsterdexSigner(asterSettings({ baseUrl: mainnet.url }), { privateKey: agent.privateKey });

  it("places, lists and cancels orders and reads the account, balances and positions", async () => {
    const s = live();
    const placed = await run(s, { type: "place_order", symbol: "ASTERUSDT", side: "buy", orderType: "limit", quantity: "20", price: "0.5" });
    expect(placed).toMatchObject({ status: 200, body: { status: "NEW", side: "BUY", type: "LIMIT", price: "0.5", origQty: "20", timeInForce: "GTC" } });
    const orderId = String((placed.body as { orderId: number }).orderId);
    const named = await run(s, { type: "place_order", symbol: "BTCUSDT", side: "sell", orderType: "limit", quantity: "0.01", price: "99000", timeInForce: "POST_ONLY", reduceOnly: true, clientOrderId: "tp-1" });
    expect(named.body).toMatchObject({ status: "NEW", timeInForce: "GTX", reduceOnly: true, clientOrderId: "tp-1" });
    const market = await run(s, { type: "place_order", symbol: "ETHUSDT", side: "buy", orderType: "market", quantity: "1", referencePrice: "3000" });
    expect(market.body).toMatchObject({ status: "FILLED", type: "MARKET" });
    await run(s, { type: "place_order", symbol: "ETHUSDT", side: "buy", orderType: "limit", quantity: "1", price: "2000" });

    expect((await run(s, { type: "get_open_orders" })).body).toHaveLength(3);
    expect((await run(s, { type: "get_open_orders", symbol: "BTCUSDT" })).body).toEqual([expect.objectContaining({ clientOrderId: "tp-1" })]);
    expect((await run(s, { type: "cancel_order", symbol: "ASTERUSDT", orderId })).body).toMatchObject({ status: "CANCELED" });
    expect((await run(s, { type: "cancel_order", symbol: "BTCUSDT", clientOrderId: "tp-1" })).body).toMatchObject({ status: "CANCELED", clientOrderId: "tp-1" });
    expect(await run(s, { type: "cancel_order", symbol: "BTCUSDT", clientOrderId: "tp-1" })).toMatchObject({ status: 400, body: { code: -2011 } });
    expect((await run(s, { type: "cancel_all", symbol: "ETHUSDT" })).body).toEqual({ code: 200, msg: "The operation of cancel all open order is done." });
    expect((await run(s, { type: "get_open_orders" })).body).toEqual([]);

    expect((await run(s, { type: "get_account" })).body).toMatchObject({ canTrade: true, assets: [{ asset: "USDT" }] });
    expect((await run(s, { type: "get_balances" })).body).toEqual([expect.objectContaining({ asset: "USDT" })]);
    expect((await run(s, { type: "get_positions" })).body).toHaveLength(3);
    expect((await run(s, { type: "get_positions", symbol: "BTCUSDT" })).body).toEqual([expect.objectContaining({ symbol: "BTCUSDT", positionSide: "BOTH" })]);
    expect(mainnet.received.slice(-14).filter((r) => !r.accepted)).toHaveLength(1); // the unknown-order cancel
    expect(mainnet.orders(USER)).toHaveLength(4);
  });

  it("accepts the master account as `user`, refuses another", async () => {
    const withUser = new AsterdexSigner(asterSettings({ baseUrl: mainnet.url }), { privateKey: agent.privateKey, accountAddress: USER });
    expect((await run(withUser, { type: "get_balances" })).status).toBe(200);
    const wrongUser = new AsterdexSigner(asterSettings({ baseUrl: mainnet.url }), { privateKey: agent.privateKey, accountAddress: "0x" + "5".repeat(40) });
    expect(await run(wrongUser, { type: "get_balances" })).toMatchObject({ status: 401, body: { code: -2015 } });
  });

  it("signs testnet requests with chain id 714, which mainnet refuses", async () => {
    const t = new AsterdexSigner(asterSettings({ baseUrl: testnet.url, environment: "testnet" }), { privateKey: agent.privateKey });
    expect((await run(t, { type: "get_account" })).status).toBe(200);
    const crossed = new AsterdexSigner(asterSettings({ baseUrl: mainnet.url, environment: "testnet" }), { privateKey: agent.privateKey });
    expect(await run(crossed, { type: "get_account" })).toMatchObject({ status: 400, body: { code: -1022 } });
  });

  describe("refusals", () => {
    const signedOrder = (): SignedVenueRequest => {
      mainnet.setClock(clock);
      return live().sign({ type: "place_order", symbol: "BTCUSDT", side: "buy", orderType: "limit", quantity: "0.01", price: "1000" }, clock);
    };

    it("refuses a tampered body, nonce or signature (-1022)", async () => {
      const base = signedOrder();
      const body = base.body ?? "";
      const sig = /signature=0x([0-9a-f]+)$/.exec(body)?.[1] ?? "";
      const flipped = sig.slice(0, 10) + (sig[10] === "0" ? "1" : "0") + sig.slice(11);
      const tampered = [
        body.replace("quantity=0.01", "quantity=10"),
        body.replace("price=1000", "price=1"),
        body.replace(/nonce=(\d+)/, (_m, n: string) => `nonce=${BigInt(n) + 1n}`),
        body.replace("side=BUY", "side=SELL"),
        body.replace(sig, flipped),
        body.replace("&signature=", "&newClientOrderId=x&signature="),
      ];
      for (const t of tampered) expect(await send({ ...base, body: t })).toMatchObject({ status: 400, body: { code: -1022 } });
      expect((await send(base)).status).toBe(200);
    });

    it("refuses a replayed request and a stale nonce", async () => {
      const req = signedOrder();
      expect((await send(req)).status).toBe(200);
      expect(await send(req)).toMatchObject({ status: 400, body: { code: -4225 } });
      const late = signedOrder();
      mainnet.setClock(clock + 10_001);
      expect(await send(late)).toMatchObject({ status: 400, body: { code: -1021 } });
    });

    it("refuses an API wallet it does not know (-2015) and a request without signature", async () => {
      const unknown = new AsterdexSigner(asterSettings({ baseUrl: mainnet.url }), { privateKey: stranger.privateKey });
      expect(await run(unknown, { type: "get_account" })).toMatchObject({ status: 401, body: { code: -2015 } });
      const req = live().sign({ type: "get_account" }, clock);
      expect(await send({ ...req, url: req.url.replace(/&signature=0x[0-9a-f]+$/, "") })).toMatchObject({ status: 400, body: { code: -1102 } });
    });
  });

  it("never puts the private key in any signed output", () => {
    expect(produced.length).toBeGreaterThan(20);
    const text = JSON.stringify(produced).toLowerCase();
    for (const { privateKey } of [agent, stranger]) for (const spelling of keySpellings(privateKey)) expect(text).not.toContain(spelling.toLowerCase());
  });
});
