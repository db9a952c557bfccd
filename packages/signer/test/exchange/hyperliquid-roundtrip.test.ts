import type { ExchangeOperation } from "@airlock/core";
import { keccak256, toUtf8Bytes } from "ethers";
import { request } from "undici";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { SignedVenueRequest } from "../../src/exchange/venue-types.js";
import { EvmKey } from "../../src/exchange/venues/evm-key.js";
import { signL1Action } from "../../src/exchange/venues/hyperliquid-sign.js";
import { HyperliquidSigner } from "../../src/exchange/venues/hyperliquid.js";
import { hlSettings, keySpellings, throwawayKey } from "./eip712-test-support.js";
import { createHyperliquidFake, type HyperliquidFake } from "./fakes/hyperliquid-fake.js";

/** Every supported operation, signed by our signer and sent with undici to the faithful fake. */

const T0 = 1_767_225_600_000;
const wallet = throwawayKey("hl roundtrip wallet");
const agent = throwawayKey("hl roundtrip agent");
const stranger = throwawayKey("hl roundtrip stranger");
const MASTER_OF_AGENT = "0x2222222222222222222222222222222222222222";
const VAULT = "0x3333333333333333333333333333333333333333";
const OTHER_VAULT = "0x4444444444444444444444444444444444444444";

let fake: HyperliquidFake;
let clock = T0;
const produced: SignedVenueRequest[] = [];

async function send(req: SignedVenueRequest): Promise<{ status: number; body: unknown }> {
  produced.push(req);
  const res = await request(req.url, { method: req.method, headers: req.headers, ...(req.body === undefined ? {} : { body: req.body }) });
  const text = await res.body.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // text answers (422) stay text
  }
  return { status: res.statusCode, body };
}

/** Signs `op` now (the test's clock) and sends it. */
async function run(signer: HyperliquidSigner, op: ExchangeOperation): Promise<{ status: number; body: unknown }> {
  fake.setClock(clock);
  const req = signer.sign(op, clock);
  clock += 1;
  return send(req);
}

const statuses = (r: { body: unknown }) => (r.body as { response: { data: { statuses: unknown[] } } }).response.data.statuses;
const errText = (r: { body: unknown }) => (r.body as { status: string; response: string }).response;

const limit = (extra: Partial<Extract<ExchangeOperation, { type: "place_order" }>> = {}): ExchangeOperation => ({
  type: "place_order",
  symbol: "BTC",
  side: "buy",
  orderType: "limit",
  quantity: "0.01",
  price: "50000",
  ...extra,
});

beforeAll(async () => {
  fake = createHyperliquidFake({
    network: "testnet",
    wallets: [wallet.address],
    agents: { [agent.address]: MASTER_OF_AGENT },
    vaults: { [VAULT]: wallet.address },
  });
  await fake.start();
});

afterAll(async () => {
  await fake.close();
});

beforeEach(() => {
  clock += 60_000;
});

describe("Hyperliquid round trips through the fake venue", () => {
  const settings = () => hlSettings({ baseUrl: fake.url });

  it("places GTC/ALO/IOC orders, lists, cancels by oid and by client id, and reads the account", async () => {
    const s = new HyperliquidSigner(settings(), { privateKey: wallet.privateKey });
    const gtc = await run(s, limit({ clientOrderId: "grid-1" }));
    expect(gtc.status).toBe(200);
    const cloid = keccak256(toUtf8Bytes("grid-1")).slice(0, 34);
    expect(statuses(gtc)).toEqual([{ resting: { oid: expect.any(Number), cloid } }]);
    const alo = await run(s, limit({ symbol: "ETH", side: "sell", price: "3000.10", quantity: "2", timeInForce: "POST_ONLY" }));
    const aloOid = (statuses(alo)[0] as { resting: { oid: number } }).resting.oid;
    const market = await run(s, { type: "place_order", symbol: "BTC", side: "buy", orderType: "market", quantity: "0.5", referencePrice: "51000" });
    expect(statuses(market)).toEqual([{ filled: { totalSz: "0.5", avgPx: "51000", oid: expect.any(Number) } }]);

    const open = await run(s, { type: "get_open_orders" });
    expect(open.body).toEqual([
      expect.objectContaining({ coin: "BTC", side: "B", limitPx: "50000", sz: "0.01", cloid }),
      expect.objectContaining({ coin: "ETH", side: "A", limitPx: "3000.1", sz: "2", oid: aloOid }),
    ]);
    expect(statuses(await run(s, { type: "cancel_order", symbol: "ETH", orderId: String(aloOid) }))).toEqual(["success"]);
    expect(statuses(await run(s, { type: "cancel_order", symbol: "BTC", clientOrderId: "grid-1" }))).toEqual(["success"]);
    expect(statuses(await run(s, { type: "cancel_order", symbol: "BTC", clientOrderId: "grid-1" }))).toEqual([{ error: expect.stringContaining("never placed") }]);
    expect((await run(s, { type: "get_open_orders" })).body).toEqual([]);

    const account = await run(s, { type: "get_account" });
    expect(account.body).toMatchObject({ withdrawable: "1000.0", assetPositions: [{ position: { coin: "BTC", szi: "0.5" } }] });
    expect((await run(s, { type: "get_positions" })).body).toMatchObject({ assetPositions: [{ type: "oneWay" }] });
    expect((await run(s, { type: "get_balances" })).body).toMatchObject({ balances: [{ coin: "USDC" }] });
    expect(fake.received.slice(-11).every((r) => r.accepted)).toBe(true);
  });

  it("an API (agent) wallet trades for its master account, and reads go to that account", async () => {
    const s = new HyperliquidSigner(settings(), { privateKey: agent.privateKey, accountAddress: MASTER_OF_AGENT });
    expect(statuses(await run(s, limit({ price: "40000" })))).toEqual([{ resting: { oid: expect.any(Number) } }]);
    expect(fake.openOrders(MASTER_OF_AGENT)).toHaveLength(1);
    expect((await run(s, { type: "get_open_orders" })).body).toEqual([expect.objectContaining({ limitPx: "40000" })]);
  });

  it("orders for a vault carry the vault flag and land in the vault", async () => {
    const s = new HyperliquidSigner(hlSettings({ baseUrl: fake.url, vaultAddress: VAULT }), { privateKey: wallet.privateKey });
    const placed = await run(s, limit({ price: "45000", clientOrderId: "00112233445566778899aabbccddeeff" }));
    expect(statuses(placed)).toEqual([{ resting: { oid: expect.any(Number), cloid: "0x00112233445566778899aabbccddeeff" } }]);
    expect(fake.openOrders(VAULT)).toHaveLength(1);
    expect((await run(s, { type: "get_open_orders" })).body).toEqual([expect.objectContaining({ limitPx: "45000" })]);
    expect(statuses(await run(s, { type: "cancel_order", symbol: "BTC", clientOrderId: "00112233445566778899aabbccddeeff" }))).toEqual(["success"]);
    const foreign = new HyperliquidSigner(hlSettings({ baseUrl: fake.url, vaultAddress: OTHER_VAULT }), { privateKey: wallet.privateKey });
    expect(errText(await run(foreign, limit()))).toContain("not registered");
  });

  describe("refusals", () => {
    const signer = () => new HyperliquidSigner(settings(), { privateKey: wallet.privateKey });
    const signedNow = () => {
      fake.setClock(clock);
      return signer().sign(limit(), clock);
    };
    const edit = (req: SignedVenueRequest, f: (b: Record<string, unknown>) => void): SignedVenueRequest => {
      const b = JSON.parse(req.body ?? "") as Record<string, unknown>;
      f(b);
      return { ...req, body: JSON.stringify(b) };
    };

    it("refuses a tampered action, nonce, expiry or vault flag (the signature recovers another address)", async () => {
      const base = signedNow();
      const tampered = [
        edit(base, (b) => ((b["action"] as { orders: { p: string }[] }).orders[0]!.p = "1")),
        edit(base, (b) => ((b["action"] as { orders: { b: boolean }[] }).orders[0]!.b = false)),
        edit(base, (b) => (b["nonce"] = (b["nonce"] as number) + 1)),
        edit(base, (b) => (b["expiresAfter"] = (b["expiresAfter"] as number) + 60_000)),
        edit(base, (b) => (b["vaultAddress"] = VAULT)),
        { ...base, body: (base.body ?? "").replace('"grouping":"na"', '"grouping":"normalTpsl"') },
      ];
      for (const req of tampered) expect(errText(await send(req))).toMatch(/^User or API Wallet 0x[0-9a-f]{40} does not exist\.$/);
      expect((await send(base)).body).toMatchObject({ status: "ok" });
    });

    it("refuses a replayed request (duplicate nonce)", async () => {
      const req = signedNow();
      expect((await send(req)).body).toMatchObject({ status: "ok" });
      expect(errText(await send(req))).toContain("duplicate nonce");
    });

    it("refuses an action past its expiresAfter", async () => {
      const req = signedNow();
      fake.setClock(clock + 5_001);
      expect(errText(await send(req))).toContain("expired");
    });

    it("refuses a nonce outside the venue's window", async () => {
      const key = new EvmKey(wallet.privateKey);
      const action = { type: "order", orders: [{ a: 0, b: true, p: "1", s: "1", r: false, t: { limit: { tif: "Gtc" } } }], grouping: "na" } as const;
      fake.setClock(clock);
      for (const nonce of [clock - 3 * 86_400_000, clock + 2 * 86_400_000]) {
        const { signature } = signL1Action(key, { action, nonce, mainnet: false });
        const body = JSON.stringify({ action, nonce, signature });
        expect(errText(await send({ method: "POST", url: `${fake.url}/exchange`, headers: { "content-type": "application/json" }, body, expiresAtMs: clock }))).toContain("Invalid nonce");
      }
    });

    it("refuses what Hyperliquid would hash differently: alphabetical keys, trailing zeros", async () => {
      const key = new EvmKey(wallet.privateKey);
      const sorted = { type: "order", orders: [{ a: 0, b: true, p: "1", r: false, s: "1", t: { limit: { tif: "Gtc" } } }], grouping: "na" };
      const zeros = { type: "order", orders: [{ a: 0, b: true, p: "1.50", s: "1", r: false, t: { limit: { tif: "Gtc" } } }], grouping: "na" };
      fake.setClock(clock);
      for (const [i, action] of [sorted, zeros].entries()) {
        const nonce = clock + i;
        const { signature } = signL1Action(key, { action: action as never, nonce, mainnet: false });
        const body = JSON.stringify({ action, nonce, signature });
        expect(errText(await send({ method: "POST", url: `${fake.url}/exchange`, headers: { "content-type": "application/json" }, body, expiresAtMs: clock }))).toContain("does not exist");
      }
    });

    it("refuses a mainnet signature on testnet and an unknown signer", async () => {
      const mainnet = new HyperliquidSigner(hlSettings({ baseUrl: fake.url, environment: "live" }), { privateKey: wallet.privateKey });
      expect(errText(await run(mainnet, limit()))).toContain("does not exist");
      const unknown = new HyperliquidSigner(settings(), { privateKey: stranger.privateKey });
      expect(errText(await run(unknown, limit()))).toBe(`User or API Wallet ${stranger.address.toLowerCase()} does not exist.`);
    });

    it("answers 422 to a body it cannot deserialise", async () => {
      const res = await send({ method: "POST", url: `${fake.url}/exchange`, headers: { "content-type": "application/json" }, body: '{"action":{"type":"order"},"nonce":1,"signature":{"r":"0x1","s":"0x1","v":27}}', expiresAtMs: 0 });
      expect(res.status).toBe(422);
    });
  });

  it("never puts the private key in any signed output", () => {
    expect(produced.length).toBeGreaterThan(20);
    const text = JSON.stringify(produced).toLowerCase();
    for (const { privateKey } of [wallet, agent, stranger]) for (const spelling of keySpellings(privateKey)) expect(text).not.toContain(spelling.toLowerCase());
  });
});
