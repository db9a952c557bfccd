import { randomBytes } from "node:crypto";
import type { Venue } from "@airlock/core";
import { runCancelExchangeOrder, runGetExchangeAccount, runPlaceExchangeOrder, type OperatorSettings, type ToolOutcome } from "@airlock/core/agent-tools";
import { Wallet } from "ethers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyAuditChain } from "../packages/signer/src/audit/audit-chain.js";
import { createAsterdexFake } from "../packages/signer/test/exchange/fakes/asterdex-fake.js";
import type { FakeVenueServer } from "../packages/signer/test/exchange/fakes/evm-fake-http.js";
import { createBinanceFake, createBybitFake, createKucoinFake, createOkxFake } from "../packages/signer/test/exchange/fakes/hmac-fakes.js";
import type { FakeApiKey, HmacFakeBook } from "../packages/signer/test/exchange/fakes/hmac-fake-support.js";
import { createHyperliquidFake } from "../packages/signer/test/exchange/fakes/hyperliquid-fake.js";
import { ALL_EXCHANGE_OPERATIONS, startExchangeSidecar, type ExchangeSidecar } from "./support/exchange-sidecar.js";
import { findSecret, newClient } from "./support/sidecar-harness.js";

// Every venue, end to end through the agent tools: for each of the eight venues one sidecar
// account points at that venue's local fake (which verifies every signature, timestamp and
// nonce with its own code), and the tools' run functions place limit orders, list them, cancel
// them one at a time (by venue id and by client id) and all at once where the venue can, and
// read the account. Refusals come back readable: the trading policy's (a symbol it does not
// allow), the venue's own (a symbol the policy allows but the venue does not list, with the
// venue's code) and the venue signer's (an operation the venue does not have). No credential
// appears in any outcome, audit line or log line, and the audit chain verifies.

const hex = (bytes: number) => randomBytes(bytes).toString("hex");
const agent = newClient("agent");

/** A throwaway HMAC credential; the passphrase (OKX, KuCoin) when asked for. */
function hmacKey(name: string, passphrase = false): { apiKey: string; apiSecret: string; passphrase?: string } {
  return { apiKey: `e2e-${name}-key-${hex(6)}`, apiSecret: `e2e-${name}-secret-${hex(16)}`, ...(passphrase ? { passphrase: `e2e-${name}-pass-${hex(8)}` } : {}) };
}

const keys = {
  binance: hmacKey("binance"),
  binance_futures: hmacKey("binancef"),
  bybit: hmacKey("bybit"),
  okx: hmacKey("okx", true),
  kucoin: hmacKey("kucoin", true),
  kucoin_futures: hmacKey("kucoinf", true),
};
const hlPrivateKey = `0x${hex(32)}`;
const hlAddress = new Wallet(hlPrivateKey).address.toLowerCase();
const asterPrivateKey = `0x${hex(32)}`;
const asterAddress = new Wallet(asterPrivateKey).address.toLowerCase();
const asterUser = new Wallet(`0x${hex(32)}`).address.toLowerCase();

const fakes = {
  binance: createBinanceFake({ product: "spot", keys: [keys.binance], symbols: ["BTCUSDT", "ETHUSDT"] }),
  binance_futures: createBinanceFake({ product: "futures", keys: [keys.binance_futures], symbols: ["BTCUSDT", "ETHUSDT"] }),
  bybit: createBybitFake({ keys: [keys.bybit], symbols: ["BTCUSDT", "ETHUSDT"] }),
  okx: createOkxFake({ keys: [{ ...(keys.okx as FakeApiKey), demo: true }], symbols: ["BTC-USDT", "BTC-USDT-SWAP"] }),
  kucoin: createKucoinFake({ product: "spot", keys: [keys.kucoin as FakeApiKey], symbols: ["BTC-USDT", "ETH-USDT"] }),
  kucoin_futures: createKucoinFake({ product: "futures", keys: [keys.kucoin_futures as FakeApiKey], symbols: ["XBTUSDTM", "ETHUSDTM"] }),
  hyperliquid: createHyperliquidFake({ network: "testnet", wallets: [hlAddress], assets: { 0: "BTC", 1: "ETH" } }),
  asterdex: createAsterdexFake({ network: "testnet", agents: { [asterAddress]: asterUser }, symbols: ["BTCUSDT", "ETHUSDT"] }),
} satisfies Record<Venue, FakeVenueServer>;

const hmacOpen = (fake: HmacFakeBook, apiKey: string) => () => fake.orders(apiKey).filter((o) => o.status === "open").map((o) => o.orderId);

/** An operation the venue does not have, asked for through a tool (cancel_all is handled apart). */
interface Unsupported {
  readonly what: string;
  /** What a readable refusal says: the missing feature (or what the venue has instead). */
  readonly names: RegExp;
  readonly run: (operator: OperatorSettings) => Promise<ToolOutcome>;
}

interface VenueCase {
  readonly venue: Venue;
  readonly account: string;
  readonly fake: FakeVenueServer;
  /** The account entry without its baseUrl (the fake's, known once it listens). */
  readonly entry: Record<string, unknown>;
  readonly symbol: string;
  readonly quantity: string;
  /** Allowed by nothing in the policy. */
  readonly denied: string;
  /** Allowed by the policy, not listed by the venue. */
  readonly unlisted: string;
  /** The venue's refusal of `unlisted`, as the venue words it. */
  readonly venueError: { readonly code: string; readonly message: string };
  /** Ids of the orders open at the fake for this account. */
  readonly openAtVenue: () => string[];
  readonly cancelAll: boolean;
  readonly unsupported?: Unsupported;
  /** Credentials that must never appear anywhere but in the sidecar. */
  readonly secrets: readonly string[];
  /** Of those, the ones the venue itself requires in clear (OKX's passphrase header). */
  readonly sentInClear?: readonly string[];
}

const getPositions: Unsupported = { what: "get_positions", names: /positions/, run: (op) => runGetExchangeAccount(client(), { what: "positions" }, op) };

const CASES: readonly VenueCase[] = [
  {
    venue: "binance",
    account: "binance-spot",
    fake: fakes.binance,
    entry: { ...keys.binance },
    symbol: "BTCUSDT",
    quantity: "0.01",
    denied: "DOGEUSDT",
    unlisted: "SOLUSDT",
    venueError: { code: "-1121", message: "Invalid symbol." },
    openAtVenue: hmacOpen(fakes.binance, keys.binance.apiKey),
    cancelAll: true,
    unsupported: getPositions,
    secrets: [keys.binance.apiSecret],
  },
  {
    venue: "binance_futures",
    account: "binance-usdm",
    fake: fakes.binance_futures,
    entry: { ...keys.binance_futures },
    symbol: "BTCUSDT",
    quantity: "0.01",
    denied: "DOGEUSDT",
    unlisted: "SOLUSDT",
    venueError: { code: "-1121", message: "Invalid symbol." },
    openAtVenue: hmacOpen(fakes.binance_futures, keys.binance_futures.apiKey),
    cancelAll: true,
    secrets: [keys.binance_futures.apiSecret],
  },
  {
    venue: "bybit",
    account: "bybit-linear",
    fake: fakes.bybit,
    entry: { ...keys.bybit },
    symbol: "BTCUSDT",
    quantity: "0.01",
    denied: "DOGEUSDT",
    unlisted: "SOLUSDT",
    venueError: { code: "10001", message: "params error: symbol invalid" },
    openAtVenue: hmacOpen(fakes.bybit, keys.bybit.apiKey),
    cancelAll: true,
    secrets: [keys.bybit.apiSecret],
  },
  {
    venue: "okx",
    account: "okx-demo",
    fake: fakes.okx,
    entry: { ...keys.okx, demo: true },
    symbol: "BTC-USDT",
    quantity: "0.01",
    denied: "DOGE-USDT",
    unlisted: "SOL-USDT",
    venueError: { code: "51001", message: "Instrument ID, Instrument ID code, or Spread ID doesn't exist." },
    openAtVenue: hmacOpen(fakes.okx, keys.okx.apiKey),
    cancelAll: false,
    secrets: [keys.okx.apiSecret, keys.okx.passphrase!],
    sentInClear: [keys.okx.passphrase!],
  },
  {
    venue: "kucoin",
    account: "kucoin-spot",
    fake: fakes.kucoin,
    entry: { ...keys.kucoin },
    symbol: "BTC-USDT",
    quantity: "0.01",
    denied: "DOGE-USDT",
    unlisted: "SOL-USDT",
    venueError: { code: "400100", message: "Unsupported trading pair." },
    openAtVenue: hmacOpen(fakes.kucoin, keys.kucoin.apiKey),
    cancelAll: true,
    unsupported: getPositions,
    secrets: [keys.kucoin.apiSecret, keys.kucoin.passphrase!],
  },
  {
    venue: "kucoin_futures",
    account: "kucoin-futures",
    fake: fakes.kucoin_futures,
    entry: { ...keys.kucoin_futures },
    symbol: "XBTUSDTM",
    quantity: "1",
    denied: "DOGEUSDTM",
    unlisted: "SOLUSDTM",
    venueError: { code: "100001", message: "Contract does not exist." },
    openAtVenue: hmacOpen(fakes.kucoin_futures, keys.kucoin_futures.apiKey),
    cancelAll: true,
    unsupported: {
      what: "a FOK limit order",
      names: /\bFOK\b|GTC and IOC/,
      run: (op) => runPlaceExchangeOrder(client(), { symbol: "XBTUSDTM", side: "buy", orderType: "limit", quantity: "1", price: "30000", timeInForce: "FOK" }, op),
    },
    secrets: [keys.kucoin_futures.apiSecret, keys.kucoin_futures.passphrase!],
  },
  {
    venue: "hyperliquid",
    account: "hl-test",
    fake: fakes.hyperliquid,
    entry: { privateKey: hlPrivateKey, assets: { BTC: 0, ETH: 1, SOL: 5 } },
    symbol: "BTC",
    quantity: "0.01",
    denied: "DOGE",
    unlisted: "SOL",
    venueError: { code: "order_error", message: "Asset 5 is out of range." },
    openAtVenue: () => fakes.hyperliquid.openOrders(hlAddress).map((o) => String(o.oid)),
    cancelAll: false,
    unsupported: {
      what: "a FOK limit order",
      names: /\bFOK\b|GTC and IOC/,
      run: (op) => runPlaceExchangeOrder(client(), { symbol: "BTC", side: "buy", orderType: "limit", quantity: "0.01", price: "30000", timeInForce: "FOK" }, op),
    },
    secrets: [hlPrivateKey],
  },
  {
    venue: "asterdex",
    account: "aster-test",
    fake: fakes.asterdex,
    entry: { privateKey: asterPrivateKey, accountAddress: asterUser },
    symbol: "BTCUSDT",
    quantity: "0.01",
    denied: "DOGEUSDT",
    unlisted: "SOLUSDT",
    venueError: { code: "-1121", message: "Invalid symbol." },
    openAtVenue: () => fakes.asterdex.orders(asterUser).filter((o) => o.status === "NEW").map((o) => String(o.orderId)),
    cancelAll: true,
    secrets: [asterPrivateKey],
  },
];

let setup: ExchangeSidecar | undefined;
const client = () => setup!.client;
/** Every outcome any tool returned, checked for credentials at the end. */
const outcomes: ToolOutcome[] = [];

async function record(pending: Promise<ToolOutcome>): Promise<ToolOutcome> {
  const outcome = await pending;
  outcomes.push(outcome);
  return outcome;
}

/** An outcome's success data (fails the test, with the summary, when it is a refusal). */
function dataOf(outcome: ToolOutcome): Record<string, unknown> {
  if (!outcome.ok) expect.fail(`expected success, got ${outcome.error}: ${outcome.summary}`);
  return outcome.data;
}

beforeAll(async () => {
  await Promise.all(CASES.map((c) => c.fake.start()));
  const accounts = CASES.map((c) => ({ account: c.account, venue: c.venue, environment: "testnet", baseUrl: c.fake.url, ...c.entry, clients: [agent.id] }));
  const policyEntries = CASES.map(
    (c) => `{ client: agent, account: ${c.account}, operations: ${ALL_EXCHANGE_OPERATIONS}, symbols: { ${c.symbol}: { maxQuantity: "${c.quantity}" }, ${c.unlisted}: {} } }`,
  );
  const venueOrigins = Object.fromEntries(CASES.map((c) => [c.venue, [c.fake.url]]));
  setup = await startExchangeSidecar({ agent, accounts, policyEntries, venueOrigins });
});

afterAll(async () => {
  await setup?.close();
  await Promise.all(CASES.map((c) => c.fake.close()));
});

describe.each(CASES)("$venue through the agent tools, the sidecar and the fake venue", (c) => {
  const operator: OperatorSettings = { exchangeAccount: c.account, venue: c.venue, requester: "e2e-venues" };
  const place = (input: Record<string, unknown>) => record(runPlaceExchangeOrder(client(), input, operator));
  const cancel = (input: Record<string, unknown>) => record(runCancelExchangeOrder(client(), input, operator));
  const read = (input: Record<string, unknown>) => record(runGetExchangeAccount(client(), input, operator));
  // Client order ids every venue takes (OKX: letters and digits only).
  const cloid = (n: string) => `e2e${c.venue.replace("_", "").slice(0, 8)}${n}`;

  it("places limit orders the venue accepts, lists them, cancels them by id, by client id and all at once", async () => {
    const placed: string[] = [];
    for (const [n, price] of [["A", "30000"], ["B", "30100"], ["C", "30200"]] as const) {
      const outcome = await place({ symbol: c.symbol, side: "buy", orderType: "limit", quantity: c.quantity, price, clientOrderId: cloid(n), reason: "e2e" });
      const data = dataOf(outcome);
      expect(data).toMatchObject({ venue: c.venue, account: c.account, environment: "testnet" });
      expect(data["httpStatus"]).toBeGreaterThanOrEqual(200);
      expect(data["httpStatus"]).toBeLessThan(300);
      expect(typeof data["orderId"]).toBe("string");
      expect(outcome.summary).toContain(`Order id: ${String(data["orderId"])}.`);
      expect(outcome.summary).toContain(`limit buy order for ${c.quantity} ${c.symbol} at ${price} on ${c.venue}`);
      placed.push(String(data["orderId"]));
    }
    expect(new Set(placed).size).toBe(3);
    expect(c.openAtVenue().sort()).toEqual([...placed].sort());

    const open = dataOf(await read({ what: "open_orders" }));
    const listed = JSON.stringify(open["venueResponse"]);
    for (const id of placed) expect(listed).toContain(id);

    const [a, , cId] = placed as [string, string, string];
    dataOf(await cancel({ symbol: c.symbol, orderId: a }));
    expect(c.openAtVenue()).not.toContain(a);
    dataOf(await cancel({ symbol: c.symbol, clientOrderId: cloid("B") }));
    expect(c.openAtVenue()).toEqual([cId]);

    const before = c.fake.received.length;
    const all = await cancel({ symbol: c.symbol, all: true });
    if (c.cancelAll) {
      dataOf(all);
      expect(all.summary).toContain(`cancellation of every open order on ${c.symbol}`);
    } else {
      expect(all).toMatchObject({ ok: false, error: "policy_denied", ruleId: "exchange.unsupported_operation" });
      expect(all.summary).toContain("rule exchange.unsupported_operation");
      expect(all.summary).toContain("Nothing was sent to the exchange.");
      expect(c.fake.received.length).toBe(before);
      dataOf(await cancel({ symbol: c.symbol, orderId: cId }));
    }
    expect(c.openAtVenue()).toEqual([]);
    const after = JSON.stringify(dataOf(await read({ what: "open_orders" }))["venueResponse"]);
    for (const id of placed) expect(after).not.toContain(id);

    // Every request the fake answered for these steps was accepted: it verified each signature.
    const rejected = c.fake.received.filter((r) => !r.accepted);
    expect(rejected.map((r) => `${r.method} ${r.path} ${r.status} ${JSON.stringify(r.response)}`)).toEqual([]);
  });

  it("reads the account and the balances", async () => {
    for (const what of ["account", "balances"]) {
      const outcome = await read({ what });
      const data = dataOf(outcome);
      expect(data).toMatchObject({ venue: c.venue, account: c.account });
      expect(data["venueResponse"]).toBeDefined();
      expect(outcome.summary).toContain(`on ${c.venue} (account ${c.account}, testnet)`);
    }
  });

  it("refuses a symbol outside the policy by its rule, before anything reaches the venue", async () => {
    const before = c.fake.received.length;
    const outcome = await place({ symbol: c.denied, side: "buy", orderType: "limit", quantity: c.quantity, price: "1" });
    expect(outcome).toMatchObject({ ok: false, error: "policy_denied", ruleId: "exchange.symbol_not_allowed" });
    expect(outcome.summary).toContain("rule exchange.symbol_not_allowed");
    expect(outcome.summary).toContain(`symbol ${c.denied} is not allowed`);
    expect(outcome.summary).toContain("Nothing was sent to the exchange.");
    expect(c.fake.received.length).toBe(before);
  });

  it("passes on the venue's own refusal of a symbol it does not list, with the venue's code", async () => {
    const before = c.fake.received.length;
    const outcome = await place({ symbol: c.unlisted, side: "buy", orderType: "limit", quantity: c.quantity, price: "100" });
    expect(outcome).toMatchObject({ ok: false, error: "venue_error", venueError: c.venueError });
    expect(outcome.summary).toContain(`The exchange (${c.venue}) refused the request: ${c.venueError.message}`);
    expect(outcome.summary).toContain(`(code ${c.venueError.code})`);
    // It reached the venue, once.
    expect(c.fake.received.length - before).toBe(1);
    expect(c.openAtVenue()).toEqual([]);
  });

  // binance_futures, bybit and asterdex have every operation of the contract.
  const unsupported = c.unsupported;
  if (unsupported !== undefined) {
    let refusal: ToolOutcome | undefined;
    it(`refuses ${unsupported.what}, which the venue does not have, by its rule, sending nothing`, async () => {
      const before = c.fake.received.length;
      refusal = await record(unsupported.run(operator));
      expect(refusal).toMatchObject({ ok: false, error: "policy_denied", ruleId: "exchange.unsupported_operation" });
      expect(refusal.summary).toContain("rule exchange.unsupported_operation");
      expect(refusal.summary).toContain("Nothing was sent to the exchange.");
      expect(c.fake.received.length).toBe(before);
    });

    // The model must learn what is missing: "place_order is not supported" right after an order
    // was placed on the same venue would make it give up trading there.
    it(`says what the venue lacks when refusing ${unsupported.what}`, () => {
      expect(refusal, "the refusal above").toBeDefined();
      expect(refusal!.summary).toMatch(unsupported.names);
      expect(refusal!.summary).not.toMatch(/operation place_order is not supported/);
    });
  }
});

describe("what the sidecar recorded, and what nobody saw", () => {
  it("audited every decision with its rule in a chain that verifies", () => {
    const { sc } = setup!;
    const text = sc.auditText();
    const lines = sc.auditLines();
    expect(verifyAuditChain(text)).toMatchObject({ ok: true, records: lines.length });
    const details = (l: Record<string, unknown>) => (l["details"] ?? {}) as Record<string, unknown>;
    for (const c of CASES) {
      const mine = lines.filter((l) => details(l)["account"] === c.account);
      const successes = mine.filter((l) => l.event === "sign.exchange_request.success");
      // 3 places, 2 cancels, a third cancel (all or by id), 2 open-order reads, account, balances, the venue's refusal.
      expect(successes.length, c.venue).toBe(11);
      const denials = mine.filter((l) => l.event === "sign.exchange_request.policy_denied").map((l) => l["ruleId"]);
      const unsupported = (c.cancelAll ? 0 : 1) + (c.unsupported === undefined ? 0 : 1);
      expect(denials.sort(), c.venue).toEqual([...Array<string>(unsupported).fill("exchange.unsupported_operation"), "exchange.symbol_not_allowed"].sort());
      for (const l of mine) expect(details(l)["venue"], c.venue).toBe(c.venue);
    }
  });

  it("no API secret, passphrase or private key in any outcome, audit line or log line; secrets never reach a venue", () => {
    const { sc } = setup!;
    const secrets = [agent.secret, ...CASES.flatMap((c) => c.secrets)];
    for (const [what, text] of [
      ["outcomes", JSON.stringify(outcomes)],
      ["audit", sc.auditText()],
      ["log", sc.logLines().join("\n")],
    ] as const) {
      // A boolean, so that a failure does not print the credential it found.
      expect(findSecret(text, secrets) === undefined, `a credential in the ${what}`).toBe(true);
    }
    // 12 per venue, plus the refused cancel-all's replacement and the other unsupported operation.
    const extra = CASES.filter((c) => !c.cancelAll).length + CASES.filter((c) => c.unsupported !== undefined).length;
    expect(outcomes.length).toBe(CASES.length * 12 + extra);
    for (const c of CASES) {
      const never = c.secrets.filter((s) => !(c.sentInClear ?? []).includes(s));
      const sent = JSON.stringify(c.fake.received.map((r) => ({ q: r.query, h: r.headers, b: r.body })));
      expect(findSecret(sent, never) === undefined, `a credential sent to ${c.venue}`).toBe(true);
    }
  });
});
