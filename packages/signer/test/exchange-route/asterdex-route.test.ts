import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { computeAddress } from "ethers";
import { FrozenClock, auditViolations, findSecret, newClient, newKey, sidecarEnv, startTestSidecar, type TestSidecar } from "../../../../test/support/sidecar-harness.js";
import { createAsterdexFake, type AsterdexFake } from "../exchange/fakes/asterdex-fake.js";
import { exchange, policyFile, replies, sendToVenue } from "./route-support.js";

/**
 * Asterdex through the sidecar, end to end against the local Asterdex fake (which recovers the
 * EIP-712 Message signer with its own code): an API wallet trading for a master account, on a
 * testnet that has no public origin (so the account names its baseUrl).
 */

// Throwaway key: never used anywhere real.
const API_WALLET_KEY = "0x2b7e1516a8f4c3d9e0b1a2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f607";
const USER = "0x00000000000000000000000000000000000a11ce";
const agent = newClient("agent");
const clock = new FrozenClock(1_800_000_000_000);

let fake: AsterdexFake;
let sc: TestSidecar;

beforeAll(async () => {
  fake = createAsterdexFake({ network: "testnet", agents: { [computeAddress(API_WALLET_KEY)]: USER } });
  await fake.start();
  fake.setClock(clock.ms);
  const account = { account: "aster", venue: "asterdex", environment: "testnet", baseUrl: fake.url, privateKey: API_WALLET_KEY, accountAddress: USER, clients: ["agent"] };
  sc = await startTestSidecar(
    sidecarEnv({
      clients: [agent],
      keys: [newKey("default")],
      extra: {
        KEYRING_EXCHANGE_ACCOUNTS_JSON: JSON.stringify([account]),
        KEYRING_POLICY_FILE: policyFile(`
version: 1
exchange:
  - { client: agent, account: aster, operations: [place_order, cancel_all, get_balances], symbols: { ASTERUSDT: { maxNotional: "100" } } }
`),
      },
    }),
    { now: clock.now },
  );
});

afterAll(async () => {
  await sc?.close();
  await fake?.close();
});

describe("Asterdex end to end", () => {
  it("signs an order and a cancel-all the fake verifies", async () => {
    const placed = await exchange(sc, agent, {
      account: "aster",
      venue: "asterdex",
      operation: { type: "place_order", symbol: "ASTERUSDT", side: "buy", orderType: "limit", quantity: "20", price: "0.5" },
    });
    expect(placed.status, placed.text).toBe(200);
    expect(placed.body["url"]).toMatch(new RegExp(`^${fake.url}/`));
    const sent = await sendToVenue(placed.body);
    expect(sent.status, JSON.stringify(sent.json)).toBe(200);
    expect(fake.orders(USER)).toHaveLength(1);

    clock.advance(1);
    const cancel = await exchange(sc, agent, { account: "aster", venue: "asterdex", operation: { type: "cancel_all", symbol: "ASTERUSDT" } });
    expect(cancel.status, cancel.text).toBe(200);
    expect((await sendToVenue(cancel.body)).status).toBe(200);
    expect(fake.received.every((r) => r.accepted)).toBe(true);
  });

  it("refuses an order whose notional is over the cap", async () => {
    const reply = await exchange(sc, agent, {
      account: "aster",
      venue: "asterdex",
      operation: { type: "place_order", symbol: "ASTERUSDT", side: "buy", orderType: "limit", quantity: "200.000000000000000001", price: "0.5" },
    });
    expect(reply.body).toMatchObject({ code: "POLICY_DENIED", ruleId: "exchange.notional_exceeded" });
  });

  it("keeps the key out of answers and records", () => {
    const secrets = [API_WALLET_KEY, agent.secret];
    expect(findSecret(replies.join("\n"), secrets)).toBeUndefined();
    expect(findSecret(sc.auditText(), secrets)).toBeUndefined();
    expect(auditViolations(sc)).toEqual([]);
  });
});
