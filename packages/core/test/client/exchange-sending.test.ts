import { createServer } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { isAirlockError, Venue, VenueSendError, type AirlockClient, type ExchangeRequest, type SignedExchangeRequest } from "@airlock/core";
import { FakeSidecar, TEST_SECRET } from "./fake-sidecar.js";
import { FAKE_API_KEY, fakeSignedExchangeRequest } from "./fake-venue-requests.js";
import { FakeVenueServer } from "./fake-venue-server.js";
import { clientFor, rejectionOf } from "./helpers.js";

let sidecar: FakeSidecar;
let venue: FakeVenueServer;
let client: AirlockClient;

beforeEach(async () => {
  sidecar = await new FakeSidecar().start();
  venue = await new FakeVenueServer().start();
  const origins = Object.fromEntries(Venue.options.map((v) => [v, [venue.origin]]));
  client = clientFor(sidecar, { venueOrigins: origins, timeoutMs: 2000 });
  sidecar.venueBaseUrls = Object.fromEntries(Venue.options.map((v) => [v, venue.origin]));
});
afterEach(async () => {
  await client.close();
  await venue.close();
  await sidecar.close();
});

const order = (v: Venue, symbol = "BTCUSDT"): ExchangeRequest => ({
  account: "acct",
  venue: v,
  operation: { type: "place_order", symbol, side: "buy", orderType: "limit", quantity: "1", price: "100" },
});
const signedFor = (v: Venue, request: ExchangeRequest = order(v)): SignedExchangeRequest => fakeSignedExchangeRequest("req-1", request, venue.origin);

describe("sendExchangeRequest: what goes out", () => {
  it("sends exactly the signed method, path and query, headers and body, once", async () => {
    const signed = await client.signExchangeRequest(order("binance_futures"));
    venue.reply({ kind: "json", status: 200, body: { orderId: 42, status: "NEW" } });
    const res = await client.sendExchangeRequest(signed);
    expect(res).toEqual({ status: 200, ok: true, body: { orderId: 42, status: "NEW" } });
    expect(venue.received).toHaveLength(1);
    const got = venue.received[0]!;
    expect(got.method).toBe("POST");
    expect(`${venue.origin}${got.target}`).toBe(signed.url);
    expect(got.headers["x-mbx-apikey"]).toBe(FAKE_API_KEY);
    expect(got.body).toBe("");
    // Nothing of the sidecar's authentication leaks to the venue.
    expect(Object.keys(got.headers).filter((h) => h.startsWith("x-keyring"))).toEqual([]);
  });

  it("sends a JSON body byte for byte, and a form body (Asterdex) as given", async () => {
    const okx = signedFor("okx", order("okx", "BTC-USDT"));
    await client.sendExchangeRequest(okx);
    expect(venue.received[0]!.body).toBe(okx.body);
    expect(venue.received[0]!.headers["content-type"]).toBe("application/json");
    const aster = signedFor("asterdex");
    await client.sendExchangeRequest(aster);
    expect(venue.received[1]!.body).toBe(aster.body);
    expect(venue.received[1]!.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    expect(venue.received[1]!.target).toBe("/fapi/v3/order");
  });

  it("the shortcuts sign and, with send: true, send", async () => {
    venue.reply({ kind: "json", status: 200, body: { code: "200000", data: { orderId: "k1" } } });
    const out = await client.placeOrder({ account: "k", venue: "kucoin", symbol: "BTC-USDT", side: "buy", orderType: "market", quantity: "1" }, { send: true });
    expect(out.response).toEqual({ status: 200, ok: true, body: { code: "200000", data: { orderId: "k1" } } });
    const unsent = await client.cancelAllOrders({ account: "k", venue: "kucoin", symbol: "BTC-USDT" }, { send: false });
    expect(unsent.response).toBeUndefined();
    expect(venue.received).toHaveLength(1);
  });

  it("refuses to send, with nothing sent, what is expired, malformed, or not for an allowed origin", async () => {
    const expired = { ...signedFor("bybit"), expiresAtMs: Date.now() - 1 };
    expect(isAirlockError(await rejectionOf(client.sendExchangeRequest(expired)), "BAD_REQUEST")).toBe(true);
    const elsewhere = { ...signedFor("bybit"), url: "https://evil.example/v5/order/create" };
    const err = await rejectionOf(client.sendExchangeRequest(elsewhere));
    expect(isAirlockError(err, "BAD_REQUEST")).toBe(true);
    expect((err as Error).message).toContain("not an allowed origin for bybit");
    const knownOtherVenue = { ...signedFor("bybit"), url: "https://api.binance.com/api/v3/order" };
    expect(isAirlockError(await rejectionOf(client.sendExchangeRequest(knownOtherVenue)), "BAD_REQUEST")).toBe(true);
    expect(isAirlockError(await rejectionOf(client.sendExchangeRequest({ ...signedFor("bybit"), method: "PUT" } as never)), "BAD_REQUEST")).toBe(true);
    expect(isAirlockError(await rejectionOf(client.sendExchangeRequest({ ...signedFor("bybit"), headers: { Host: "x" } })), "BAD_REQUEST")).toBe(true);
    expect(isAirlockError(await rejectionOf(client.sendExchangeRequest({ ...signedFor("bybit"), headers: { "x-a": TEST_SECRET } })), "BAD_REQUEST")).toBe(true);
    const leaky = await rejectionOf(client.sendExchangeRequest({ ...signedFor("bybit"), url: `https://${TEST_SECRET}.evil.example/v5/order/create` }));
    expect(isAirlockError(leaky, "BAD_REQUEST")).toBe(true);
    expect(JSON.stringify(leaky) + String(leaky)).not.toContain(TEST_SECRET);
    expect(venue.received).toHaveLength(0);
  });
});

describe("sendExchangeRequest: venue answers, read by each venue's error shape", () => {
  const cases: [Venue, string, { status: number; body: unknown }, { code: string; message: string } | undefined][] = [
    ["binance", "BTCUSDT", { status: 400, body: { code: -2010, msg: "Account has insufficient balance for requested action." } }, { code: "-2010", message: "Account has insufficient balance for requested action." }],
    ["binance_futures", "NOPEUSDT", { status: 400, body: { code: -1121, msg: "Invalid symbol." } }, { code: "-1121", message: "Invalid symbol." }],
    ["binance_futures", "BTCUSDT", { status: 200, body: { code: 200, msg: "The operation of cancel all open order is done." } }, undefined],
    ["asterdex", "BTCUSDT", { status: 400, body: { code: -2019, msg: "Margin is insufficient." } }, { code: "-2019", message: "Margin is insufficient." }],
    ["bybit", "BTCUSDT", { status: 200, body: { retCode: 110007, retMsg: "ab not enough for new order", result: {} } }, { code: "110007", message: "ab not enough for new order" }],
    ["bybit", "BTCUSDT", { status: 200, body: { retCode: 0, retMsg: "OK", result: { orderId: "b1" } } }, undefined],
    [
      "okx",
      "BTC-USDT",
      { status: 200, body: { code: "1", msg: "All operations failed", data: [{ ordId: "", sCode: "51008", sMsg: "Order failed. Insufficient USDT balance in account." }] } },
      { code: "51008", message: "All operations failed: Order failed. Insufficient USDT balance in account." },
    ],
    ["okx", "NOPE-USDT", { status: 200, body: { code: "51001", msg: "Instrument ID does not exist.", data: [] } }, { code: "51001", message: "Instrument ID does not exist." }],
    ["okx", "BTC-USDT", { status: 200, body: { code: "0", msg: "", data: [{ ordId: "o1", sCode: "0", sMsg: "Order placed" }] } }, undefined],
    ["kucoin", "BTC-USDT", { status: 200, body: { code: "200004", msg: "Balance insufficient!" } }, { code: "200004", message: "Balance insufficient!" }],
    ["kucoin_futures", "XBTUSDTM", { status: 400, body: { code: "400100", msg: "Parameter error" } }, { code: "400100", message: "Parameter error" }],
    ["hyperliquid", "BTC", { status: 200, body: { status: "err", response: "User or API Wallet 0xabc does not exist." } }, { code: "err", message: "User or API Wallet 0xabc does not exist." }],
    [
      "hyperliquid",
      "BTC",
      { status: 200, body: { status: "ok", response: { type: "order", data: { statuses: [{ error: "Insufficient margin to place order. asset=0" }] } } } },
      { code: "order_error", message: "Insufficient margin to place order. asset=0" },
    ],
    ["hyperliquid", "BTC", { status: 200, body: { status: "ok", response: { type: "order", data: { statuses: [{ resting: { oid: 77 } }] } } } }, undefined],
  ];

  it.each(cases)("%s (%s): HTTP %j", async (v, symbol, reply, expected) => {
    venue.reply({ kind: "json", status: reply.status, body: reply.body });
    const res = await client.sendExchangeRequest(signedFor(v, order(v, symbol)));
    expect(res.status).toBe(reply.status);
    expect(res.body).toEqual(reply.body);
    expect(res.venueError).toEqual(expected);
    expect(res.ok).toBe(expected === undefined && reply.status < 300);
  });

  it("any other failure is HTTP_<status> with the text, one line and bounded; a non-JSON success is text", async () => {
    venue.reply({ kind: "text", status: 502, body: "<html>\r\n<b>Bad gateway</b>\n</html>", contentType: "text/html" });
    expect((await client.sendExchangeRequest(signedFor("binance"))).venueError).toEqual({ code: "HTTP_502", message: "<html> <b>Bad gateway</b> </html>" });
    venue.reply({ kind: "json", status: 400, body: { code: -1, msg: "m".repeat(5000) } });
    const long = (await client.sendExchangeRequest(signedFor("binance"))).venueError!;
    expect(long.message).toHaveLength(301);
    expect(long.message.endsWith("…")).toBe(true);
    venue.reply({ kind: "text", status: 200, body: "pong" });
    expect(await client.sendExchangeRequest(signedFor("binance"))).toEqual({ status: 200, ok: true, body: "pong" });
  });
});

describe("sendExchangeRequest: transport failures are never retried and say whether the venue may have the request", () => {
  it("a connection refused: NETWORK, not sent", async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer();
      s.listen(0, "127.0.0.1", () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const dead = `http://127.0.0.1:${port}`;
    const c = clientFor(sidecar, { venueOrigins: { bybit: [dead] } });
    try {
      const err = await rejectionOf(c.sendExchangeRequest(fakeSignedExchangeRequest("r", order("bybit"), dead)));
      expect(err).toBeInstanceOf(VenueSendError);
      expect(err).toMatchObject({ code: "NETWORK", mayHaveBeenSent: false, origin: dead });
      expect((err as Error).message).toBe(`could not connect to ${dead}; the request was not sent`);
    } finally {
      await c.close();
    }
  });

  it("a dropped connection after sending: NETWORK, may have been sent, one attempt", async () => {
    venue.reply({ kind: "close-socket" });
    const err = await rejectionOf(client.sendExchangeRequest(signedFor("binance")));
    expect(err).toMatchObject({ code: "NETWORK", mayHaveBeenSent: true });
    expect(venue.received).toHaveLength(1);
  });

  it("no answer in time: TIMEOUT, may have been sent, one attempt", async () => {
    venue.reply({ kind: "hang" });
    const err = await rejectionOf(client.sendExchangeRequest(signedFor("binance"), { timeoutMs: 200 }));
    expect(err).toMatchObject({ code: "TIMEOUT", mayHaveBeenSent: true });
    expect((err as Error).message).not.toContain("signature");
    expect(venue.received).toHaveLength(1);
  });

  it("an answer over 1 MiB is refused unread past the limit", async () => {
    venue.reply({ kind: "huge", bytes: 2 * 1024 * 1024 });
    const err = await rejectionOf(client.sendExchangeRequest(signedFor("binance")));
    expect(err).toMatchObject({ code: "INVALID_RESPONSE", mayHaveBeenSent: true });
  });

  it("the caller's abort wins, and a closed client refuses", async () => {
    venue.reply({ kind: "hang" });
    const controller = new AbortController();
    const pending = client.sendExchangeRequest(signedFor("binance"), { signal: controller.signal });
    controller.abort(new Error("stop"));
    expect(((await rejectionOf(pending)) as Error).message).toBe("stop");
    await client.close();
    expect(isAirlockError(await rejectionOf(client.sendExchangeRequest(signedFor("binance"))), "CONFIG")).toBe(true);
  });

  it("no error carries the client's HMAC secret or the signed query", async () => {
    venue.reply({ kind: "close-socket" }, { kind: "hang" });
    const errors = [await rejectionOf(client.sendExchangeRequest(signedFor("binance"))), await rejectionOf(client.sendExchangeRequest(signedFor("binance"), { timeoutMs: 100 }))];
    for (const err of errors) {
      const text = `${String(err)} ${JSON.stringify(err)}`;
      expect(text).not.toContain(TEST_SECRET);
      expect(text).not.toContain("signature=");
    }
  });
});
