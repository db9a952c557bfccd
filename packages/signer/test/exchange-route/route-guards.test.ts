import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PassThrough } from "node:stream";
import { inject } from "vitest";
import { randomBytes } from "node:crypto";
import type { ExchangeOperation } from "@airlock/core";
import { loadConfig } from "../../src/config/env-config.js";
import type { ExchangeAccount, SignerConfig } from "../../src/config/config-types.js";
import { UnsupportedOperationError, type SignedVenueRequest, type VenueSigner } from "../../src/exchange/venue-types.js";
import { HmacRequestError } from "../../src/exchange/venues/hmac-errors.js";
import { startSidecar, type Sidecar } from "../../src/server/sidecar.js";
import { FrozenClock, newClient, newKey, sidecarEnv, startTestSidecar, type TestClient, type TestSidecar } from "../../../../test/support/sidecar-harness.js";
import { exchange, policyFile } from "./route-support.js";

/**
 * The route's own guards around the venue signer, with stand-in signers: what a signer throws
 * becomes a rule id or a 500, a URL off the account's origin is never handed out, and the
 * outbound leak scan blocks an answer carrying a secret. Then the order counters shared across
 * two sidecars on one Redis.
 */

const SECRET = "api-secret-TESTONLY-4b9d0e1f2a3c5d6e7f80";
const agent = newClient("agent");
const clock = new FrozenClock(1_800_000_000_000);

/** A stand-in venue signer whose answer the test decides per operation symbol. */
function standIn(account: ExchangeAccount): VenueSigner {
  const ok = (extra: Partial<SignedVenueRequest> = {}): SignedVenueRequest => ({
    method: "GET",
    url: `${account.baseUrl}/api/test?signature=00`,
    headers: { "X-API-KEY": "public-key" },
    expiresAtMs: clock.ms + 5_000,
    ...extra,
  });
  return {
    settings: account.signer.settings,
    secrets: () => [SECRET],
    sign(op: ExchangeOperation): SignedVenueRequest {
      switch (op.symbol) {
        case "LEAK":
          return ok({ headers: { "X-Debug": `secret=${SECRET}` } });
        case "AWAY":
          return ok({ url: "https://elsewhere.example/api/test" });
        case "HUGE":
          return ok({ method: "POST", body: "x".repeat(70_000) });
        case "UNSUPPORTED":
          throw new UnsupportedOperationError("not on this venue");
        case "BADSYMBOL":
          throw new HmacRequestError("INVALID_SYMBOL", "symbol must be spelled like BTC-USDT");
        case "BUG":
          throw new TypeError(`boom ${SECRET}`);
        default:
          return ok();
      }
    },
  };
}

/** A harness-shaped handle on a sidecar started from a hand-edited config. */
function handle(sidecar: Sidecar, env: Record<string, string>, audit: () => string, logs: string[]): TestSidecar {
  return {
    url: sidecar.url,
    port: Number(new URL(sidecar.url).port),
    env,
    now: clock.now,
    secrets: [],
    sent: [],
    untrackedTraffic: false,
    unmatchedAllowance: 0,
    auditText: audit,
    auditLines: () => audit().split("\n").filter(Boolean).map((l) => JSON.parse(l) as never),
    logLines: () => [...logs],
    close: () => sidecar.close(),
  };
}

describe("guards around the venue signer", () => {
  let sc: TestSidecar;
  const logs: string[] = [];

  beforeAll(async () => {
    const env = sidecarEnv({
      clients: [agent],
      keys: [newKey("default")],
      extra: {
        KEYRING_EXCHANGE_ACCOUNTS_JSON: JSON.stringify([
          { account: "x", venue: "bybit", environment: "testnet", baseUrl: "http://127.0.0.1:9", apiKey: "public-key", apiSecret: SECRET, clients: ["agent"] },
        ]),
        KEYRING_POLICY_FILE: policyFile(`
version: 1
exchange:
  - client: "*"
    account: x
    operations: [get_open_orders]
    symbols: { OK: {}, LEAK: {}, AWAY: {}, HUGE: {}, UNSUPPORTED: {}, BADSYMBOL: {}, BUG: {} }
`),
        KEYRING_LEAK_SCANNER_ENABLED: "true",
      },
    });
    const config = loadConfig(env);
    const real = config.exchange.accounts.get("x")!;
    const edited: SignerConfig = { ...config, exchange: { ...config.exchange, accounts: new Map([["x", { ...real, signer: standIn(real) }]]) } };
    const stream = new PassThrough();
    let audit = "";
    stream.setEncoding("utf8");
    stream.on("data", (c: string) => (audit += c));
    const sidecar = await startSidecar(edited, { auditStream: stream, log: (level, event, fields) => logs.push(JSON.stringify({ level, event, ...fields })), now: clock.now });
    sc = handle(sidecar, env, () => audit, logs);
  });
  afterAll(async () => sc?.close());

  const read = (symbol: string) => ({ account: "x", venue: "bybit", operation: { type: "get_open_orders", symbol } });

  it("hands out a well-formed answer", async () => {
    const reply = await exchange(sc, agent, read("OK"));
    expect(reply.status, reply.text).toBe(200);
  });

  it("blocks an answer carrying a configured secret (outbound leak scan)", async () => {
    const reply = await exchange(sc, agent, read("LEAK"));
    expect(reply.status).toBe(500);
    expect(reply.body["code"]).toBe("OUTBOUND_LEAK_BLOCKED");
    expect(reply.text).not.toContain(SECRET);
  });

  it("never hands out a request for another origin", async () => {
    const reply = await exchange(sc, agent, read("AWAY"));
    expect(reply.status).toBe(500);
    expect(reply.body["code"]).toBe("INTERNAL_ERROR");
    expect(reply.text).not.toContain("elsewhere");
  });

  it("never hands out an answer outside the contract's bounds", async () => {
    const reply = await exchange(sc, agent, read("HUGE"));
    expect(reply.status).toBe(500);
    expect(reply.body["code"]).toBe("INTERNAL_ERROR");
  });

  it("maps the signer's refusals to rule ids", async () => {
    expect((await exchange(sc, agent, read("UNSUPPORTED"))).body).toMatchObject({ code: "POLICY_DENIED", ruleId: "exchange.unsupported_operation", error: "bybit: not on this venue" });
    expect((await exchange(sc, agent, read("BADSYMBOL"))).body).toMatchObject({
      code: "POLICY_DENIED",
      ruleId: "exchange.invalid_venue_request",
      error: "bybit: symbol must be spelled like BTC-USDT",
    });
  });

  it("answers 500 for anything else the signer throws, and logs it by name only", async () => {
    const reply = await exchange(sc, agent, read("BUG"));
    expect(reply.status).toBe(500);
    expect(reply.body["code"]).toBe("INTERNAL_ERROR");
    const line = logs.filter((l) => l.includes("server.internal_error")).at(-1);
    expect(line).toContain('"error":"TypeError"');
    expect(logs.join("\n")).not.toContain(SECRET);
    expect(sc.auditText()).not.toContain(SECRET);
  });
});

const redisUrl = inject("redisUrl");

describe.skipIf(!redisUrl)("order counters shared across instances through Redis", () => {
  const sidecars: TestSidecar[] = [];
  // Unique per run: the counters of earlier runs stay in the shared Redis until they expire.
  const client: TestClient = newClient(`agent-${randomBytes(6).toString("hex")}`);

  beforeAll(async () => {
    const env = sidecarEnv({
      clients: [client],
      keys: [newKey("default")],
      extra: {
        KEYRING_REDIS_URL: redisUrl,
        KEYRING_EXCHANGE_ACCOUNTS_JSON: JSON.stringify([
          { account: "hl", venue: "hyperliquid", environment: "testnet", baseUrl: "http://127.0.0.1:9", privateKey: `0x${"3a".repeat(32)}`, assets: { BTC: 0 }, clients: [client.id] },
        ]),
        KEYRING_POLICY_FILE: policyFile(`
version: 1
exchange:
  - { client: "*", account: hl, operations: [place_order], symbols: { BTC: {} }, ordersPerMinute: 2 }
`),
      },
    });
    for (let i = 0; i < 2; i++) sidecars.push(await startTestSidecar(env, { now: clock.now }));
  });
  afterAll(async () => {
    for (const s of sidecars) await s.close();
  });

  it("counts an order placed through one instance on the other", async () => {
    const [a, b] = sidecars as [TestSidecar, TestSidecar];
    const req = { account: "hl", venue: "hyperliquid", operation: { type: "place_order", symbol: "BTC", side: "buy", orderType: "limit", quantity: "0.001", price: "50000" } };
    expect((await exchange(a, client, req)).status).toBe(200);
    expect((await exchange(b, client, req, "/v1/policy/evaluate")).body).toMatchObject({ allowed: true });
    expect((await exchange(b, client, req)).status).toBe(200);
    const third = await exchange(a, client, req);
    expect(third.body).toMatchObject({ code: "POLICY_DENIED", ruleId: "exchange.orders_per_minute_exceeded" });
    expect((await exchange(b, client, req, "/v1/policy/evaluate")).body).toMatchObject({ allowed: false, ruleId: "exchange.orders_per_minute_exceeded" });
  });
});
