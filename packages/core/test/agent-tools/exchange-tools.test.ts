import { createServer } from "node:net";
import { Venue, type AirlockClient } from "@airlock/core";
import {
  MAX_VENUE_RESPONSE_CHARS,
  runCancelExchangeOrder,
  runGetExchangeAccount,
  runPlaceExchangeOrder,
  TOOL_DESCRIPTIONS,
  TOOL_NAMES,
  toolOutputText,
  type OperatorSettings,
  type ToolOutcome,
} from "@airlock/core/agent-tools";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FakeSidecar, TEST_SECRET } from "../client/fake-sidecar.js";
import { FakeVenueServer } from "../client/fake-venue-server.js";
import { clientFor } from "../client/helpers.js";

let sidecar: FakeSidecar;
let venue: FakeVenueServer;
let client: AirlockClient;
const outcomes: ToolOutcome[] = [];

beforeEach(async () => {
  sidecar = await new FakeSidecar().start();
  venue = await new FakeVenueServer().start();
  client = clientFor(sidecar, { venueOrigins: Object.fromEntries(Venue.options.map((v) => [v, [venue.origin]])), timeoutMs: 2000 });
  sidecar.venueBaseUrls = Object.fromEntries(Venue.options.map((v) => [v, venue.origin]));
});
afterEach(async () => {
  await client.close();
  await venue.close();
  await sidecar.close();
  // Whatever happened, no outcome ever carries the client's HMAC secret.
  for (const o of outcomes.splice(0)) expect(toolOutputText(o)).not.toContain(TEST_SECRET);
});

const operator: OperatorSettings = { exchangeAccount: "bf-main", venue: "binance_futures", requester: "unit-agent" };
const limitBuy = { symbol: "BTCUSDT", side: "buy", orderType: "limit", quantity: 0.001, price: 50000, reason: "rebalance" };

async function place(input: unknown, op: OperatorSettings = operator) {
  const out = await runPlaceExchangeOrder(client, input, op);
  outcomes.push(out);
  return out;
}

const sidecarBodies = () => sidecar.requests.map((r) => r.body);

describe("names and descriptions", () => {
  it("are fixed strings that mention no configuration", () => {
    expect([TOOL_NAMES.placeExchangeOrder, TOOL_NAMES.cancelExchangeOrder, TOOL_NAMES.getExchangeAccount]).toEqual([
      "airlock_place_exchange_order",
      "airlock_cancel_exchange_order",
      "airlock_get_exchange_account",
    ]);
    for (const d of [TOOL_DESCRIPTIONS.placeExchangeOrder, TOOL_DESCRIPTIONS.cancelExchangeOrder, TOOL_DESCRIPTIONS.getExchangeAccount]) {
      expect(d.length).toBeGreaterThan(80);
      expect(d).not.toMatch(/127\.0\.0\.1|secret/i);
    }
  });
});

describe("runPlaceExchangeOrder", () => {
  it("signs with the operator's account and venue, sends, and reports the order id and the venue's answer", async () => {
    venue.reply({ kind: "json", status: 200, body: { orderId: 4242, clientOrderId: "x1", status: "NEW" } });
    const out = await place(limitBuy);
    expect(out).toMatchObject({
      ok: true,
      data: { venue: "binance_futures", account: "bf-main", environment: "testnet", httpStatus: 200, orderId: "4242", clientOrderId: "x1", venueResponse: { orderId: 4242 } },
    });
    expect(out.summary).toBe("The exchange accepted a limit buy order for 0.001 BTCUSDT at 50000 on binance_futures (account bf-main, testnet). Order id: 4242.");
    // Numbers from the model became decimals; the audit context names the agent, tool and reason.
    expect(sidecarBodies()).toEqual([
      {
        account: "bf-main",
        venue: "binance_futures",
        operation: { type: "place_order", symbol: "BTCUSDT", side: "buy", orderType: "limit", quantity: "0.001", price: "50000" },
        context: { tool: TOOL_NAMES.placeExchangeOrder, requester: "unit-agent", reason: "rebalance" },
      },
    ]);
    expect(venue.received).toHaveLength(1);
    expect(venue.received[0]!.method).toBe("POST");
  });

  it("holds the operator's account and venue against the model, without a network call", async () => {
    const other = await place({ ...limitBuy, account: "someone-else" });
    expect(other).toMatchObject({ ok: false, error: "invalid_input" });
    expect(other.summary).toContain("account is fixed by the operator to bf-main");
    expect(await place({ ...limitBuy, venue: "bybit" })).toMatchObject({ ok: false, error: "invalid_input" });
    expect(sidecar.requests).toHaveLength(0);
    // Repeating the operator's values is fine.
    expect((await place({ ...limitBuy, account: "bf-main", venue: "binance_futures" })).ok).toBe(true);
  });

  it("asks for an account and venue when nobody fixed them", async () => {
    const out = await place(limitBuy, {});
    expect(out).toMatchObject({ ok: false, error: "invalid_input", summary: expect.stringContaining("account is required") });
    expect(await place({ ...limitBuy, account: "a" }, {})).toMatchObject({ summary: expect.stringContaining("venue is required") });
    expect(sidecar.requests).toHaveLength(0);
  });

  it("refuses malformed orders readably, naming the field, without a network call", async () => {
    const noPrice = await place({ ...limitBuy, price: undefined });
    expect(noPrice).toMatchObject({ ok: false, error: "invalid_input" });
    expect(noPrice.summary).toContain("price: a limit order needs a price");
    expect((await place({ ...limitBuy, quantity: "-1" })).summary).toContain("quantity:");
    expect((await place({ ...limitBuy, quantity: 1e-7 })).summary).toContain("quantity:");
    expect((await place({ ...limitBuy, side: "long" })).summary).toContain("side:");
    expect((await place({ ...limitBuy, clientOrderId: "has space" })).summary).toContain("clientOrderId:");
    expect((await place("buy bitcoin")).ok).toBe(false);
    expect(sidecar.requests).toHaveLength(0);
  });

  it("a policy denial names the rule and says nothing reached the exchange", async () => {
    sidecar.queue({ kind: "error", code: "POLICY_DENIED", ruleId: "exchange.symbol_not_allowed", message: "symbol DOGEUSDT is not allowed on exchange account bf-main" });
    const out = await place({ ...limitBuy, symbol: "DOGEUSDT" });
    expect(out).toMatchObject({ ok: false, error: "policy_denied", ruleId: "exchange.symbol_not_allowed" });
    expect(out.summary).toBe(
      "Refused by the signing policy (rule exchange.symbol_not_allowed): symbol DOGEUSDT is not allowed on exchange account bf-main. Nothing was signed; do not retry the same request. Nothing was sent to the exchange.",
    );
    sidecar.queue({ kind: "error", code: "RATE_LIMITED", retryAfterMs: 2000 });
    expect(await place(limitBuy)).toMatchObject({ ok: false, error: "rate_limited", retryAfterMs: 2000 });
    expect(venue.received).toHaveLength(0);
  });

  it("an exchange refusal comes back in the exchange's words, with its code", async () => {
    venue.reply({ kind: "json", status: 400, body: { code: -2019, msg: "Margin is insufficient." } });
    const out = await place(limitBuy);
    expect(out).toMatchObject({ ok: false, error: "venue_error", venueError: { code: "-2019", message: "Margin is insufficient.", status: 400 } });
    expect(out.summary).toBe("The exchange (binance_futures) refused the request: Margin is insufficient. (code -2019). Change the request (or ask the user) rather than sending it again unchanged.");
    expect(out).toHaveProperty("requestId");
    venue.reply({ kind: "text", status: 503, body: "Service Unavailable" });
    expect((await place(limitBuy)).summary).toContain("Its state is unknown: check the open orders before placing it again.");
  });

  it("a send failure says whether the order may exist", async () => {
    venue.reply({ kind: "close-socket" });
    const dropped = await place(limitBuy);
    expect(dropped).toMatchObject({ ok: false, error: "unavailable" });
    expect(dropped.summary).toContain("the request may have been executed. Check the open orders");
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, "127.0.0.1", () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    sidecar.venueBaseUrls = { binance_futures: `http://127.0.0.1:${port}` };
    const c = clientFor(sidecar, { venueOrigins: { binance_futures: [`http://127.0.0.1:${port}`] } });
    try {
      const refused = await runPlaceExchangeOrder(c, limitBuy, operator);
      outcomes.push(refused);
      expect(refused.summary).toContain("could not be reached; the signed request was not sent, so nothing happened");
    } finally {
      await c.close();
    }
  });

  it("a signed request that does not verify is discarded and never sent", async () => {
    sidecar.queue({ kind: "exchange-tamper", edit: (s) => ({ ...s, url: (s["url"] as string).replace("symbol=BTCUSDT", "symbol=ETHUSDT") }) });
    const out = await place(limitBuy);
    expect(out).toMatchObject({ ok: false, error: "invalid_response" });
    expect(out.summary).toContain("Nothing was sent to the exchange.");
    expect(venue.received).toHaveLength(0);
  });

  it("with sendExchangeRequests: false, returns the signed request and sends nothing", async () => {
    const out = await place(limitBuy, { ...operator, sendExchangeRequests: false });
    expect(out).toMatchObject({ ok: true, data: { sent: false, signedRequest: { method: "POST", venue: "binance_futures" } } });
    expect(out.summary).toMatch(/^Signed the place order request on binance_futures \(account bf-main, testnet\); it was not sent/);
    expect(venue.received).toHaveLength(0);
  });

  it("dryRun asks the policy only: allowed, or refused with the rule", async () => {
    expect(await place({ ...limitBuy, dryRun: true })).toMatchObject({ ok: true, data: { dryRun: true, allowed: true } });
    sidecar.queue({ kind: "deny", ruleId: "exchange.notional_exceeded", reason: "50 > 10" });
    const denied = await place({ ...limitBuy, dryRun: true });
    expect(denied).toMatchObject({ ok: true, data: { dryRun: true, allowed: false, ruleId: "exchange.notional_exceeded" } });
    expect(denied.summary).toBe("The signer would refuse this order (rule exchange.notional_exceeded): 50 > 10. Nothing was signed or sent.");
    expect(sidecar.requests.map((r) => r.path)).toEqual(["/v1/policy/evaluate", "/v1/policy/evaluate"]);
    expect(venue.received).toHaveLength(0);
  });
});

describe("runCancelExchangeOrder", () => {
  const cancel = async (input: unknown) => {
    const out = await runCancelExchangeOrder(client, input, operator);
    outcomes.push(out);
    return out;
  };

  it("cancels one order by id (a number from the model is fine) or every order of a symbol", async () => {
    venue.reply({ kind: "json", status: 200, body: { orderId: 7, status: "CANCELED" } });
    const one = await cancel({ symbol: "BTCUSDT", orderId: 7 });
    expect(one).toMatchObject({ ok: true, data: { orderId: "7" } });
    expect(one.summary).toBe("The exchange accepted the cancellation of order 7 on BTCUSDT on binance_futures (account bf-main, testnet).");
    venue.reply({ kind: "json", status: 200, body: { code: 200, msg: "The operation of cancel all open order is done." } });
    expect((await cancel({ symbol: "BTCUSDT", all: true })).summary).toContain("cancellation of every open order on BTCUSDT");
    expect(sidecarBodies().map((b) => (b as { operation: unknown }).operation)).toEqual([
      { type: "cancel_order", symbol: "BTCUSDT", orderId: "7" },
      { type: "cancel_all", symbol: "BTCUSDT" },
    ]);
    expect(venue.received.map((r) => r.method)).toEqual(["DELETE", "DELETE"]);
  });

  it("needs exactly one order id, or all=true alone", async () => {
    expect((await cancel({ symbol: "BTCUSDT" })).summary).toContain("exactly one of orderId and clientOrderId");
    expect((await cancel({ symbol: "BTCUSDT", orderId: "1", clientOrderId: "c" })).ok).toBe(false);
    expect((await cancel({ symbol: "BTCUSDT", all: true, orderId: "1" })).summary).toContain("either all=true");
    expect(sidecar.requests).toHaveLength(0);
  });

  it("an unknown order comes back as the exchange's error", async () => {
    venue.reply({ kind: "json", status: 400, body: { code: -2011, msg: "Unknown order sent." } });
    expect(await cancel({ symbol: "BTCUSDT", clientOrderId: "gone" })).toMatchObject({ ok: false, error: "venue_error", venueError: { code: "-2011" } });
  });
});

describe("runGetExchangeAccount", () => {
  const read = async (input: unknown, op: OperatorSettings = operator) => {
    const out = await runGetExchangeAccount(client, input, op);
    outcomes.push(out);
    return out;
  };

  it("reads the account by default, and each view on request", async () => {
    venue.reply({ kind: "json", status: 200, body: { totalWalletBalance: "1000" } });
    const out = await read({});
    expect(out).toMatchObject({ ok: true, data: { venueResponse: { totalWalletBalance: "1000" } } });
    expect(out.summary).toBe("Read account on binance_futures (account bf-main, testnet).");
    expect((out as { data: object }).data).not.toHaveProperty("orderId");
    await read({ what: "open_orders", symbol: "BTCUSDT" });
    await read({ what: "balances" });
    await read({ what: "positions" });
    expect(sidecarBodies().map((b) => (b as { operation: unknown }).operation)).toEqual([
      { type: "get_account" },
      { type: "get_open_orders", symbol: "BTCUSDT" },
      { type: "get_balances" },
      { type: "get_positions" },
    ]);
    expect(venue.received.every((r) => r.method === "GET")).toBe(true);
  });

  it("bounds a large answer and says it was cut", async () => {
    const orders = Array.from({ length: 400 }, (_, i) => ({ orderId: i, symbol: "BTCUSDT", price: "50000.00", origQty: "0.001", status: "NEW" }));
    venue.reply({ kind: "json", status: 200, body: orders });
    const out = await read({ what: "open_orders" });
    expect(out).toMatchObject({ ok: true, data: { venueResponseTruncated: true } });
    const shown = (out as unknown as { data: { venueResponse: string } }).data.venueResponse;
    expect(shown).toHaveLength(MAX_VENUE_RESPONSE_CHARS + 1);
    // JSON escaping at most doubles the cut text.
    expect(toolOutputText(out).length).toBeLessThan(2 * MAX_VENUE_RESPONSE_CHARS + 1000);
  });

  it("reads an account the model names when the operator fixed none", async () => {
    await read({ account: "hl-1", venue: "hyperliquid", what: "positions" }, {});
    expect(sidecarBodies()[0]).toMatchObject({ account: "hl-1", venue: "hyperliquid", operation: { type: "get_positions" } });
    expect(venue.received[0]).toMatchObject({ method: "POST", target: "/info" });
  });
});
