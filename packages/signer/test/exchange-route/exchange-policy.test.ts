import { describe, expect, it } from "vitest";
import { ExchangeRequest, type ExchangeOperation, type Venue } from "@airlock/core";
import type { ExchangeAccount, ExchangeConfig, ExchangePolicyRule, ExchangeSymbolLimits } from "../../src/config/config-types.js";
import { decimalOf } from "../../src/policy/exact-decimal.js";
import { EXCHANGE_RULE_IDS, EXCHANGE_RULES, evaluateExchangePolicy, isExchangeRuleId, type ExchangeDecision } from "../../src/policy/index.js";
import type { VenueSigner } from "../../src/exchange/venue-types.js";

const VAULT = "0x1111111111111111111111111111111111111111";

function account(id: string, venue: Venue, extra: Partial<ExchangeAccount> = {}): ExchangeAccount {
  const signer: VenueSigner = {
    settings: { account: id, venue, environment: extra.environment ?? "testnet", baseUrl: "http://127.0.0.1:1" },
    sign: () => {
      throw new Error("the policy never signs");
    },
    secrets: () => [],
  };
  return { account: id, venue, environment: "testnet", baseUrl: "http://127.0.0.1:1", clients: new Set(["agent", "other"]), liveTradingEnabled: false, source: "environment", signer, ...extra };
}

function rule(client: string, acct: string, fields: Partial<Omit<ExchangePolicyRule, "symbols">> & { symbols?: Record<string, { maxQuantity?: string; maxNotional?: string }> } = {}): [string, ExchangePolicyRule] {
  const symbols = new Map<string, ExchangeSymbolLimits>(
    Object.entries(fields.symbols ?? { BTCUSDT: {} }).map(([s, l]) => [
      s,
      { ...(l.maxQuantity ? { maxQuantity: decimalOf(l.maxQuantity) } : {}), ...(l.maxNotional ? { maxNotional: decimalOf(l.maxNotional) } : {}) },
    ]),
  );
  const { symbols: _s, ...rest } = fields;
  return [`${client}|${acct}`, { client, account: acct, operations: new Set(["place_order", "cancel_order", "cancel_all", "get_balances"]), ...rest, symbols }];
}

const config: ExchangeConfig = {
  accounts: new Map([
    ["bn", account("bn", "binance")],
    ["bn-live", account("bn-live", "binance", { environment: "live" })],
    ["bn-live-on", account("bn-live-on", "binance", { environment: "live", liveTradingEnabled: true })],
    ["bn-nopolicy", account("bn-nopolicy", "binance")],
    ["hl", account("hl", "hyperliquid", { vaultAddress: VAULT })],
    ["hl-novault", account("hl-novault", "hyperliquid", { vaultAddress: VAULT })],
    ["agent-only", account("agent-only", "binance", { clients: new Set(["agent"]) })],
  ]),
  rules: new Map([
    rule("*", "bn", { symbols: { BTCUSDT: { maxQuantity: "0.5", maxNotional: "15000" }, ETHUSDT: {}, SOLUSDT: { maxNotional: "0.3" } } }),
    rule("other", "bn", { operations: new Set(["get_balances"]), symbols: {} }),
    rule("*", "bn-live"),
    rule("*", "bn-live-on"),
    rule("*", "hl", { vaults: new Set([VAULT]), symbols: { BTC: {} } }),
    rule("*", "hl-novault", { symbols: { BTC: {} } }),
    rule("agent", "agent-only", { ordersPerMinute: 5, ordersPerDay: 100 }),
  ]),
};

function decide(body: Record<string, unknown>, clientId = "agent"): ExchangeDecision {
  const request = ExchangeRequest.parse(body);
  return evaluateExchangePolicy({ clientId, request }, config);
}

const order = (fields: Record<string, unknown> = {}): ExchangeOperation =>
  ({ type: "place_order", symbol: "BTCUSDT", side: "buy", orderType: "limit", quantity: "0.1", price: "30000", ...fields }) as ExchangeOperation;
const req = (operation: unknown, acct = "bn", venue: Venue = "binance") => ({ account: acct, venue, operation });

function denied(decision: ExchangeDecision): string | undefined {
  return decision.allowed ? undefined : decision.ruleId;
}

describe("trading policy: allow", () => {
  it("allows a limit order within every cap, and hands back the account and order limits", () => {
    const decision = decide(req(order()));
    expect(decision.allowed).toBe(true);
    if (decision.allowed) {
      expect(decision.account.account).toBe("bn");
      expect(decision.orderLimits).toEqual([]);
    }
  });

  it("carries the order limits of place_order only", () => {
    const placed = decide(req(order(), "agent-only"));
    expect(placed.allowed && placed.orderLimits).toEqual([
      { ruleId: "exchange.orders_per_minute_exceeded", windowMs: 60_000, max: 5 },
      { ruleId: "exchange.orders_per_day_exceeded", windowMs: 86_400_000, max: 100 },
    ]);
    const cancel = decide(req({ type: "cancel_all", symbol: "BTCUSDT" }, "agent-only"));
    expect(cancel.allowed && cancel.orderLimits).toEqual([]);
  });

  it("allows a read without a symbol, and symbols without caps", () => {
    expect(decide(req({ type: "get_balances" })).allowed).toBe(true);
    expect(decide(req(order({ symbol: "ETHUSDT", quantity: "1000", price: "99999" }))).allowed).toBe(true);
  });
});

describe("trading policy: every rule, with its id", () => {
  const cases: [string, Record<string, unknown>, string, string?][] = [
    ["exchange.account_unknown", req(order(), "nope"), "agent"],
    ["exchange.client_not_allowed", req(order()), "stranger"],
    ["exchange.client_not_allowed", req(order(), "agent-only"), "other"],
    ["exchange.venue_mismatch", req(order(), "bn", "bybit"), "agent"],
    ["exchange.live_trading_disabled", req(order(), "bn-live"), "agent"],
    ["exchange.no_policy", req(order(), "bn-nopolicy"), "agent"],
    ["exchange.operation_not_allowed", req({ type: "get_positions" }), "agent"],
    ["exchange.operation_not_allowed", req(order()), "other"],
    ["exchange.symbol_not_allowed", req(order({ symbol: "DOGEUSDT" })), "agent"],
    ["exchange.symbol_not_allowed", req(order({ symbol: "btcusdt" })), "agent"],
    ["exchange.symbol_not_allowed", req({ type: "cancel_all", symbol: "XRPUSDT" }), "agent"],
    ["exchange.symbol_not_allowed", req({ type: "get_balances", symbol: "XRPUSDT" }), "agent"],
    ["exchange.vault_not_allowed", req(order({ symbol: "BTC" }), "hl-novault", "hyperliquid"), "agent"],
    ["exchange.quantity_exceeded", req(order({ quantity: "0.500000000000000001" })), "agent"],
    ["exchange.reference_price_required", req(order({ orderType: "market", price: undefined })), "agent"],
    ["exchange.notional_exceeded", req(order({ quantity: "0.5", price: "30000.000000000000000001" })), "agent"],
    ["exchange.notional_exceeded", req(order({ orderType: "market", price: undefined, referencePrice: "30001", quantity: "0.5" })), "agent"],
  ];
  it.each(cases)("%s", (ruleId, body, clientId) => {
    const decision = decide(body, clientId);
    expect(denied(decision)).toBe(ruleId);
    expect(isExchangeRuleId(ruleId)).toBe(true);
    if (!decision.allowed) expect(decision.message.length).toBeGreaterThan(0);
  });

  it("lets the live account with liveTradingEnabled and the vault on the allowlist through", () => {
    expect(decide(req(order(), "bn-live-on")).allowed).toBe(true);
    expect(decide(req(order({ symbol: "BTC" }), "hl", "hyperliquid")).allowed).toBe(true);
  });

  it("judges in the documented order: a stranger on an unknown venue learns only that it is not allowed", () => {
    expect(denied(decide(req(order({ symbol: "DOGEUSDT" }), "bn", "bybit"), "stranger"))).toBe("exchange.client_not_allowed");
    expect(denied(decide(req({ type: "get_positions", symbol: "DOGEUSDT" }, "bn-live")))).toBe("exchange.live_trading_disabled");
  });

  it("a client's own entry replaces the '*' entry instead of adding to it", () => {
    expect(denied(decide(req({ type: "cancel_all", symbol: "BTCUSDT" }), "other"))).toBe("exchange.operation_not_allowed");
    expect(decide(req({ type: "get_balances" }), "other").allowed).toBe(true);
  });
});

describe("trading policy: exact boundaries", () => {
  it("allows quantity and notional exactly at their caps, however spelled", () => {
    expect(decide(req(order({ quantity: "0.5", price: "30000" }))).allowed).toBe(true);
    expect(decide(req(order({ quantity: "0.500000000000000000", price: "30000.00" }))).allowed).toBe(true);
    expect(decide(req(order({ orderType: "market", price: undefined, referencePrice: "30000", quantity: "0.5" }))).allowed).toBe(true);
  });

  it("refuses one unit of the last decimal above a cap", () => {
    expect(denied(decide(req(order({ quantity: "0.500000000000000001", price: "1" }))))).toBe("exchange.quantity_exceeded");
    // 0.1 × 150000.000000000000000001 = 15000.0000000000000000001: above 15000 by 10^-19.
    expect(denied(decide(req(order({ quantity: "0.1", price: "150000.000000000000000001" }))))).toBe("exchange.notional_exceeded");
    expect(decide(req(order({ quantity: "0.1", price: "150000" }))).allowed).toBe(true);
  });

  it("0.1 × 3 is exactly 0.3 (a float product would cross the cap)", () => {
    const at = decide(req(order({ symbol: "SOLUSDT", quantity: "3", price: "0.1" })));
    expect(at.allowed).toBe(true);
    const over = decide(req(order({ symbol: "SOLUSDT", quantity: "3", price: "0.100000000000000001" })));
    expect(denied(over)).toBe("exchange.notional_exceeded");
    if (!over.allowed) expect(over.message).toBe("notional 0.300000000000000003 exceeds the maximum 0.3 for SOLUSDT");
  });

  it("a market order without referencePrice passes where no notional cap applies", () => {
    expect(decide(req(order({ symbol: "ETHUSDT", orderType: "market", price: undefined }))).allowed).toBe(true);
  });
});

describe("EXCHANGE_RULES", () => {
  it("is a separate registry of exchange.* ids with a description each", () => {
    expect(EXCHANGE_RULE_IDS.length).toBe(15);
    for (const id of EXCHANGE_RULE_IDS) {
      expect(id).toMatch(/^exchange\.[a-z_]+$/);
      expect(EXCHANGE_RULES[id].length).toBeGreaterThan(10);
    }
    expect(isExchangeRuleId("key.unknown")).toBe(false);
    expect(isExchangeRuleId("toString")).toBe(false);
  });
});
