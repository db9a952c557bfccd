import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  AirlockClient,
  ConfigError,
  InvalidResponseError,
  isAirlockError,
  KNOWN_VENUE_ORIGINS,
  PolicyDeniedError,
  Venue,
  type ExchangeRequest,
  type InvalidResponseReason,
} from "@airlock/core";
import { FakeSidecar, TEST_SECRET } from "./fake-sidecar.js";
import { clientFor, rejectionOf } from "./helpers.js";

let fake: FakeSidecar;
let client: AirlockClient;

beforeEach(async () => {
  fake = await new FakeSidecar().start();
  client = clientFor(fake);
});
afterEach(async () => {
  await client.close();
  await fake.close();
});

const SYMBOL: Readonly<Record<Venue, string>> = {
  binance: "BTCUSDT",
  binance_futures: "BTCUSDT",
  bybit: "BTCUSDT",
  okx: "BTC-USDT",
  kucoin: "BTC-USDT",
  kucoin_futures: "XBTUSDTM",
  hyperliquid: "BTC",
  asterdex: "ASTERUSDT",
};

function limitBuy(venue: Venue, overrides: Partial<Extract<ExchangeRequest["operation"], { type: "place_order" }>> = {}): ExchangeRequest {
  return {
    account: `${venue}-acct`,
    venue,
    operation: { type: "place_order", symbol: SYMBOL[venue], side: "buy", orderType: "limit", quantity: "0.0010", price: "50000", ...overrides },
    context: { requester: "test", tool: "unit" },
  };
}

/** Every operation kind on `venue`. */
function everyOperation(venue: Venue): ExchangeRequest[] {
  const base = { account: `${venue}-acct`, venue };
  const symbol = SYMBOL[venue];
  const ops: ExchangeRequest["operation"][] = [
    { type: "place_order", symbol, side: "sell", orderType: "market", quantity: "2", referencePrice: "10" },
    { type: "cancel_order", symbol, orderId: "123456" },
    { type: "cancel_all", symbol },
    { type: "get_account" },
    { type: "get_balances" },
    { type: "get_positions", symbol },
    { type: "get_open_orders" },
  ];
  // Hyperliquid hashes client order ids, and has no cancel_all: both are left to the sidecar.
  if (venue !== "hyperliquid") ops.push({ type: "cancel_order", symbol, clientOrderId: "my-order-1" });
  return ops.map((operation) => ({ ...base, operation }));
}

async function invalidReason(promise: Promise<unknown>): Promise<InvalidResponseReason> {
  const err = await rejectionOf(promise);
  expect(err).toBeInstanceOf(InvalidResponseError);
  expect(String(err)).not.toContain(TEST_SECRET);
  return (err as InvalidResponseError).reason;
}

describe("signExchangeRequest: what verifies", () => {
  it.each(Venue.options)("%s: every operation kind comes back verified, pointed at the venue's public origin", async (venue) => {
    for (const request of everyOperation(venue)) {
      const signed = await client.signExchangeRequest(request);
      expect(signed).toMatchObject({ venue, account: request.account });
      expect(KNOWN_VENUE_ORIGINS[venue]).toContain(new URL(signed.url).origin);
    }
    // The body sent to the sidecar is the request as given, authenticated.
    expect(fake.requests.every((r) => r.auth === "ok" && r.path === "/v1/sign/exchange-request")).toBe(true);
    expect(fake.requests[0]!.body).toEqual(everyOperation(venue)[0]);
  });

  it("compares sizes by value: 0.0010 asked, 0.001 signed (Hyperliquid's wire spelling)", async () => {
    const signed = await client.signExchangeRequest(limitBuy("hyperliquid"));
    expect(signed.body).toContain('"s":"0.001"');
  });

  it("accepts an origin the operator added with venueOrigins (a loopback fake), and only for that venue", async () => {
    fake.venueBaseUrls = { binance_futures: "http://127.0.0.1:9" };
    expect(await invalidReason(client.signExchangeRequest(limitBuy("binance_futures")))).toBe("origin_not_allowed");
    const allowed = clientFor(fake, { venueOrigins: { binance_futures: ["http://127.0.0.1:9/"] } });
    try {
      const signed = await allowed.signExchangeRequest(limitBuy("binance_futures"));
      expect(signed.url.startsWith("http://127.0.0.1:9/fapi/v1/order?")).toBe(true);
      fake.venueBaseUrls = { binance: "http://127.0.0.1:9" };
      expect(await invalidReason(allowed.signExchangeRequest(limitBuy("binance")))).toBe("origin_not_allowed");
    } finally {
      await allowed.close();
    }
  });
});

describe("signExchangeRequest: what a faulty or hostile sidecar gets refused for", () => {
  const tamper = (edit: (s: Record<string, unknown>) => unknown) => fake.queue({ kind: "exchange-tamper", edit });
  const withUrl = (f: (url: string) => string) => tamper((s) => ({ ...s, url: f(s["url"] as string) }));

  it("an origin that is not the venue's: another host, another venue's origin, http instead of https", async () => {
    withUrl((u) => u.replace("https://fapi.binance.com", "https://evil.example"));
    expect(await invalidReason(client.signExchangeRequest(limitBuy("binance_futures")))).toBe("origin_not_allowed");
    withUrl((u) => u.replace("https://api.bybit.com", "https://api.binance.com"));
    expect(await invalidReason(client.signExchangeRequest(limitBuy("bybit")))).toBe("origin_not_allowed");
    withUrl((u) => u.replace("https://", "http://"));
    expect(await invalidReason(client.signExchangeRequest(limitBuy("okx")))).toBe("origin_not_allowed");
    // The error names the origin it refused, never the path or query (they carry the signature).
    withUrl((u) => u.replace("https://fapi.binance.com", "https://evil.example"));
    const err = await rejectionOf(client.signExchangeRequest(limitBuy("binance_futures")));
    expect((err as Error).message).toContain("https://evil.example is not an allowed origin for binance_futures");
    expect((err as Error).message).not.toContain("signature");
  });

  it("a URL spelled so that a parser could read it otherwise, or carrying credentials", async () => {
    withUrl((u) => u.replace("https://fapi.binance.com", "https://FAPI.binance.com"));
    expect(await invalidReason(client.signExchangeRequest(limitBuy("binance_futures")))).toBe("unsafe_request");
    withUrl((u) => u.replace("https://fapi.binance.com", "https://fapi.binance.com:443"));
    expect(await invalidReason(client.signExchangeRequest(limitBuy("binance_futures")))).toBe("unsafe_request");
    withUrl((u) => u.replace("https://", "https://user:pw@"));
    expect(await invalidReason(client.signExchangeRequest(limitBuy("binance_futures")))).toBe("unsafe_request");
    withUrl((u) => `${u}#frag`);
    expect(await invalidReason(client.signExchangeRequest(limitBuy("binance_futures")))).toBe("unsafe_request");
  });

  it("venue or account other than requested", async () => {
    tamper((s) => ({ ...s, venue: "binance" }));
    expect(await invalidReason(client.signExchangeRequest(limitBuy("binance_futures")))).toBe("venue_mismatch");
    tamper((s) => ({ ...s, account: "someone-else" }));
    expect(await invalidReason(client.signExchangeRequest(limitBuy("binance_futures")))).toBe("account_mismatch");
  });

  it("a method that is not the venue's for the operation", async () => {
    tamper((s) => ({ ...s, method: "DELETE" }));
    expect(await invalidReason(client.signExchangeRequest(limitBuy("binance_futures")))).toBe("method_mismatch");
    tamper((s) => ({ ...s, method: "POST" }));
    const cancel: ExchangeRequest = { account: "a", venue: "binance_futures", operation: { type: "cancel_order", symbol: "BTCUSDT", orderId: "1" } };
    expect(await invalidReason(client.signExchangeRequest(cancel))).toBe("method_mismatch");
    tamper((s) => ({ ...s, method: "DELETE" }));
    expect(await invalidReason(client.signExchangeRequest(limitBuy("hyperliquid")))).toBe("method_mismatch");
    tamper(({ body: _drop, ...s }) => ({ ...s, method: "GET" }));
    expect(await invalidReason(client.signExchangeRequest({ account: "a", venue: "hyperliquid", operation: { type: "get_open_orders" } }))).toBe("method_mismatch");
  });

  it("a signed request that does not carry the requested symbol, side, quantity or order id", async () => {
    withUrl((u) => u.replace("symbol=BTCUSDT", "symbol=ETHUSDT"));
    expect(await invalidReason(client.signExchangeRequest(limitBuy("binance_futures")))).toBe("request_mismatch");
    withUrl((u) => u.replace("side=BUY", "side=SELL"));
    expect(await invalidReason(client.signExchangeRequest(limitBuy("binance_futures")))).toBe("request_mismatch");
    withUrl((u) => u.replace("quantity=0.0010", "quantity=10"));
    expect(await invalidReason(client.signExchangeRequest(limitBuy("binance_futures")))).toBe("request_mismatch");
    tamper((s) => ({ ...s, body: (s["body"] as string).replace('"symbol":"BTCUSDT"', '"symbol":"DOGEUSDT"') }));
    expect(await invalidReason(client.signExchangeRequest(limitBuy("bybit")))).toBe("request_mismatch");
    tamper((s) => ({ ...s, body: (s["body"] as string).replace('"b":true', '"b":false') }));
    expect(await invalidReason(client.signExchangeRequest(limitBuy("hyperliquid")))).toBe("request_mismatch");
    tamper((s) => ({ ...s, body: (s["body"] as string).replace('"o":77', '"o":78') }));
    const cancel: ExchangeRequest = { account: "a", venue: "hyperliquid", operation: { type: "cancel_order", symbol: "BTC", orderId: "77" } };
    expect(await invalidReason(client.signExchangeRequest(cancel))).toBe("request_mismatch");
    const err = await rejectionOf((tamper((s) => ({ ...s, url: (s["url"] as string).replace("symbol=BTCUSDT", "symbol=X") })), client.signExchangeRequest(limitBuy("binance"))));
    expect((err as Error).message).toContain("does not carry the requested symbol");
  });

  it("headers that could smuggle anything, a body on a GET, the client's own secret", async () => {
    tamper((s) => ({ ...s, headers: { ...(s["headers"] as object), Host: "evil.example" } }));
    expect(await invalidReason(client.signExchangeRequest(limitBuy("binance_futures")))).toBe("unsafe_request");
    tamper((s) => ({ ...s, headers: { ...(s["headers"] as object), "x-evil": "a\r\nx-injected: 1" } }));
    expect(await invalidReason(client.signExchangeRequest(limitBuy("binance_futures")))).toBe("unsafe_request");
    tamper((s) => ({ ...s, headers: { "X-MBX-APIKEY": "a", "x-mbx-apikey": "b" } }));
    expect(await invalidReason(client.signExchangeRequest(limitBuy("binance_futures")))).toBe("unsafe_request");
    tamper((s) => ({ ...s, headers: Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`x-h${i}`, "v"])) }));
    expect(await invalidReason(client.signExchangeRequest(limitBuy("binance_futures")))).toBe("unsafe_request");
    tamper((s) => ({ ...s, body: "{}" }));
    expect(await invalidReason(client.signExchangeRequest({ account: "a", venue: "binance", operation: { type: "get_account" } }))).toBe("unsafe_request");
    tamper((s) => ({ ...s, headers: { ...(s["headers"] as object), "x-leak": TEST_SECRET } }));
    expect(await invalidReason(client.signExchangeRequest(limitBuy("binance_futures")))).toBe("unsafe_request");
    // A secret in the host name must not come back through the origin the refusal names.
    withUrl((u) => u.replace("https://fapi.binance.com", `https://${TEST_SECRET}.evil.example`));
    expect(await invalidReason(client.signExchangeRequest(limitBuy("binance_futures")))).toBe("unsafe_request");
  });

  it("fields beyond the wire schema's bounds, or missing", async () => {
    tamper((s) => ({ ...s, headers: { "x-big": "v".repeat(1025) } }));
    expect(await invalidReason(client.signExchangeRequest(limitBuy("okx")))).toBe("schema");
    tamper((s) => ({ ...s, body: "x".repeat(65_537) }));
    expect(await invalidReason(client.signExchangeRequest(limitBuy("okx")))).toBe("schema");
    tamper((s) => ({ ...s, url: `${s["url"] as string}&pad=${"a".repeat(8200)}` }));
    expect(await invalidReason(client.signExchangeRequest(limitBuy("binance")))).toBe("schema");
    tamper(({ expiresAtMs: _drop, ...s }) => s);
    expect(await invalidReason(client.signExchangeRequest(limitBuy("okx")))).toBe("schema");
  });
});

describe("signExchangeRequest: refusals before and by the sidecar", () => {
  it("refuses malformed requests locally, naming the field, without a network call", async () => {
    const noPrice = limitBuy("binance", { price: undefined });
    const err = await rejectionOf(client.signExchangeRequest(noPrice));
    expect(isAirlockError(err, "BAD_REQUEST")).toBe(true);
    expect((err as { issues: { path: string }[] }).issues[0]!.path).toBe("operation.price");
    expect(isAirlockError(await rejectionOf(client.signExchangeRequest({ ...limitBuy("binance"), venue: "ftx" as Venue })), "BAD_REQUEST")).toBe(true);
    expect(isAirlockError(await rejectionOf(client.signExchangeRequest(null as unknown as ExchangeRequest)), "BAD_REQUEST")).toBe(true);
    const both: ExchangeRequest = { account: "a", venue: "okx", operation: { type: "cancel_order", symbol: "BTC-USDT", orderId: "1", clientOrderId: "c" } };
    expect(isAirlockError(await rejectionOf(client.signExchangeRequest(both)), "BAD_REQUEST")).toBe(true);
    expect(fake.requests).toHaveLength(0);
  });

  it("a trading-policy refusal is a PolicyDeniedError naming the exchange rule", async () => {
    fake.queue({ kind: "error", code: "POLICY_DENIED", ruleId: "exchange.symbol_not_allowed", message: "symbol DOGEUSDT is not allowed on exchange account a" });
    const err = await rejectionOf(client.signExchangeRequest(limitBuy("binance")));
    expect(err).toBeInstanceOf(PolicyDeniedError);
    expect(err).toMatchObject({ ruleId: "exchange.symbol_not_allowed", status: 422 });
  });

  it("evaluateExchangePolicy: allowed, or a refusal as an answer with the rule", async () => {
    expect(await client.evaluateExchangePolicy(limitBuy("bybit"))).toMatchObject({ allowed: true });
    fake.queue({ kind: "deny", ruleId: "exchange.notional_exceeded", reason: "too big" });
    expect(await client.evaluateExchangePolicy(limitBuy("bybit"))).toMatchObject({ allowed: false, ruleId: "exchange.notional_exceeded", reason: "too big" });
    fake.queue({ kind: "error", code: "POLICY_DENIED", ruleId: "exchange.no_policy" });
    expect(await client.evaluateExchangePolicy(limitBuy("bybit"))).toMatchObject({ allowed: false, ruleId: "exchange.no_policy" });
    expect(fake.requests.map((r) => r.path)).toEqual(["/v1/policy/evaluate", "/v1/policy/evaluate", "/v1/policy/evaluate"]);
    expect(fake.requests[0]!.body).toEqual(limitBuy("bybit"));
  });
});

describe("typed shortcuts", () => {
  it("placeOrder, cancelOrder, cancelAllOrders and getExchangeAccount send the matching ExchangeRequest and only sign by default", async () => {
    const target = { account: "bf", venue: "binance_futures" as const, context: { tool: "shortcut" } };
    const placed = await client.placeOrder({ ...target, symbol: "BTCUSDT", side: "sell", orderType: "limit", quantity: "1", price: "2", timeInForce: "IOC", reduceOnly: true, clientOrderId: "c-1" });
    expect(placed.response).toBeUndefined();
    expect(placed.signed.method).toBe("POST");
    await client.cancelOrder({ ...target, symbol: "BTCUSDT", clientOrderId: "c-1" });
    await client.cancelAllOrders({ ...target, symbol: "BTCUSDT" });
    await client.getExchangeAccount({ ...target, what: "open_orders", symbol: "BTCUSDT" });
    await client.getExchangeAccount({ account: "bf", venue: "binance_futures" });
    expect(fake.requests.map((r) => r.body)).toEqual([
      { ...target, operation: { type: "place_order", symbol: "BTCUSDT", side: "sell", orderType: "limit", quantity: "1", price: "2", timeInForce: "IOC", reduceOnly: true, clientOrderId: "c-1" } },
      { ...target, operation: { type: "cancel_order", symbol: "BTCUSDT", clientOrderId: "c-1" } },
      { ...target, operation: { type: "cancel_all", symbol: "BTCUSDT" } },
      { ...target, operation: { type: "get_open_orders", symbol: "BTCUSDT" } },
      { account: "bf", venue: "binance_futures", operation: { type: "get_account" } },
    ]);
  });

  it("refuses a bad `what` or `send` locally", async () => {
    const bad = await rejectionOf(client.getExchangeAccount({ account: "a", venue: "okx", what: "withdrawals" as "account" }));
    expect(isAirlockError(bad, "BAD_REQUEST")).toBe(true);
    expect(isAirlockError(await rejectionOf(client.getExchangeAccount({ account: "a", venue: "okx", what: "constructor" as "account" })), "BAD_REQUEST")).toBe(true);
    expect(isAirlockError(await rejectionOf(client.placeOrder(limitBuy("okx") as never, { send: "yes" as unknown as boolean })), "BAD_REQUEST")).toBe(true);
    expect(fake.requests).toHaveLength(0);
  });
});

describe("the venueOrigins option", () => {
  const make = (venueOrigins: unknown) => () => new AirlockClient({ baseUrl: fake.url, hmacSecret: TEST_SECRET, venueOrigins } as never);
  it.each([
    ["not an object", ["https://x.example"], "venueOrigins"],
    ["an unknown venue", { ftx: ["https://ftx.com"] }, "venueOrigins"],
    ["not an array", { okx: "https://my.okx.example" }, "venueOrigins.okx"],
    ["plain http off this host", { okx: ["http://10.0.0.5:8080"] }, "venueOrigins.okx"],
    ["a path", { okx: ["https://gw.example/okx"] }, "venueOrigins.okx"],
    ["credentials", { okx: ["https://user:hunter2-password@gw.example"] }, "venueOrigins.okx"],
    ["too many", { okx: Array.from({ length: 17 }, (_, i) => `https://gw${i}.example`) }, "venueOrigins.okx"],
  ])("refuses %s, naming the option and never the value", (_name, value, option) => {
    const err = (() => {
      try {
        make(value)();
      } catch (e) {
        return e;
      }
      throw new Error("expected a ConfigError");
    })();
    expect(err).toBeInstanceOf(ConfigError);
    expect(err).toMatchObject({ option });
    expect((err as Error).message).not.toContain("hunter2");
    expect((err as Error).message).not.toContain("gw.example");
  });

  it("accepts https anywhere and http on loopback, and shows them in toJSON", async () => {
    const c = make({ okx: ["https://gw.example", "http://localhost:8080"], hyperliquid: [] })() as AirlockClient;
    const shown = c.toJSON()["venueOrigins"] as Record<string, string[]>;
    expect(shown["okx"]).toEqual(["https://www.okx.com", "https://gw.example", "http://localhost:8080"]);
    expect(shown["hyperliquid"]).toEqual([...KNOWN_VENUE_ORIGINS.hyperliquid]);
    await c.close();
  });
});
