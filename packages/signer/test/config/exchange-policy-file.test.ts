import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/env-config.js";
import { formatDecimal } from "../../src/policy/exact-decimal.js";
import { KEY_A, SECRET, SECRET_2, memoryFiles } from "./fixtures.js";
import { BINANCE, HYPERLIQUID, exchangeProblemsOf } from "./exchange-fixtures.js";

const VAULT = "0xAbCdEf0123456789aBcDeF0123456789AbCdEf01";

/** Two clients; account bn lists both, hl lists agent-1 only. */
const ENV = {
  SESSION_PRIVATE_KEY: KEY_A,
  KEYRING_AUTH_CLIENTS_JSON: JSON.stringify([
    { clientId: "default", hmacSecret: SECRET },
    { clientId: "agent-1", hmacSecret: SECRET_2 },
  ]),
  KEYRING_EXCHANGE_ACCOUNTS_JSON: JSON.stringify([
    { ...BINANCE, clients: ["default", "agent-1"] },
    { ...HYPERLIQUID, clients: ["agent-1"], vaultAddress: VAULT },
  ]),
};

const files = (text: string) => ({ readFile: memoryFiles({ "/p/policy.yaml": text }) });
const load = (text: string) => loadConfig({ ...ENV, KEYRING_POLICY_FILE: "/p/policy.yaml" }, files(text));
const problems = (text: string) => exchangeProblemsOf({ ...ENV, KEYRING_POLICY_FILE: "/p/policy.yaml" }, files(text));

const VALID = `
version: 1
exchange:
  - client: "*"
    account: bn
    operations: [get_balances, get_open_orders]
  - client: agent-1
    account: bn
    operations: [place_order, cancel_order, cancel_all, get_balances]
    symbols:
      BTCUSDT: { maxQuantity: "0.010", maxNotional: "1000" }
      ETHUSDT: {}
    ordersPerMinute: 10
    ordersPerDay: 500
  - client: agent-1
    account: hl
    operations: [place_order]
    symbols: { BTC: { maxNotional: "250.5" } }
    vaults: ["${VAULT}"]
`;

describe("the exchange: section of the policy file", () => {
  it("builds one rule per (client, account)", () => {
    const rules = load(VALID).exchange.rules;
    expect([...rules.keys()]).toEqual(["*|bn", "agent-1|bn", "agent-1|hl"]);
    const agent = rules.get("agent-1|bn")!;
    expect([...agent.operations]).toEqual(["place_order", "cancel_order", "cancel_all", "get_balances"]);
    expect([...agent.symbols.keys()]).toEqual(["BTCUSDT", "ETHUSDT"]);
    expect(formatDecimal(agent.symbols.get("BTCUSDT")!.maxQuantity!)).toBe("0.01");
    expect(formatDecimal(agent.symbols.get("BTCUSDT")!.maxNotional!)).toBe("1000");
    expect(agent.symbols.get("ETHUSDT")).toEqual({});
    expect(agent).toMatchObject({ ordersPerMinute: 10, ordersPerDay: 500 });
    expect([...rules.get("agent-1|hl")!.vaults!]).toEqual([VAULT.toLowerCase()]);
    expect(rules.get("*|bn")!.symbols.size).toBe(0);
  });

  it("allows nothing without a section", () => {
    expect(load("version: 1\n").exchange.rules.size).toBe(0);
  });

  it.each<[string, string, string]>([
    ["an unknown client", `[{client: ghost, account: bn, operations: [get_balances]}]`, "KEYRING_POLICY_FILE exchange[0].client: no auth client with id ghost"],
    ["an unknown account", `[{client: "*", account: nope, operations: [get_balances]}]`, "KEYRING_POLICY_FILE exchange[0].account: no exchange account with id nope"],
    ["a client the account does not list", `[{client: default, account: hl, operations: [get_balances]}]`, "KEYRING_POLICY_FILE exchange[0].client: default is not among the clients of exchange account hl"],
    ["vaults on a binance account", `[{client: "*", account: bn, operations: [get_balances], vaults: ["${VAULT}"]}]`, "KEYRING_POLICY_FILE exchange[0].vaults: applies to hyperliquid accounts only"],
    ["order operations without symbols", `[{client: "*", account: bn, operations: [cancel_all]}]`, "KEYRING_POLICY_FILE exchange[0].symbols: is required when operations include place_order, cancel_order or cancel_all"],
    ["ordersPerMinute without place_order", `[{client: "*", account: bn, operations: [get_balances], ordersPerMinute: 5}]`, "KEYRING_POLICY_FILE exchange[0].ordersPerMinute: applies to place_order, which operations does not list"],
    ["ordersPerDay without place_order", `[{client: "*", account: bn, operations: [get_balances], ordersPerDay: 5}]`, "KEYRING_POLICY_FILE exchange[0].ordersPerDay: applies to place_order, which operations does not list"],
    ["an unquoted decimal", `[{client: "*", account: bn, operations: [place_order], symbols: {BTCUSDT: {maxQuantity: 0.5}}}]`, "KEYRING_POLICY_FILE.exchange[0].symbols.BTCUSDT.maxQuantity: expected a decimal as a quoted string"],
    ["a zero cap", `[{client: "*", account: bn, operations: [place_order], symbols: {BTCUSDT: {maxNotional: "0"}}}]`, "KEYRING_POLICY_FILE.exchange[0].symbols.BTCUSDT.maxNotional: must be greater than zero"],
    ["an exponent", `[{client: "*", account: bn, operations: [place_order], symbols: {BTCUSDT: {maxNotional: "1e6"}}}]`, "KEYRING_POLICY_FILE.exchange[0].symbols.BTCUSDT.maxNotional: expected a plain positive decimal such as 0.5 or 25000"],
    ["an empty operation list", `[{client: "*", account: bn, operations: []}]`, "KEYRING_POLICY_FILE.exchange[0].operations: must not be empty (leave the entry out to allow nothing)"],
    ["an operation listed twice", `[{client: "*", account: bn, operations: [get_balances, get_balances]}]`, "KEYRING_POLICY_FILE.exchange[0].operations: lists an operation twice"],
    ["a zero order limit", `[{client: "*", account: bn, operations: [place_order], symbols: {BTCUSDT: {}}, ordersPerMinute: 0}]`, "KEYRING_POLICY_FILE.exchange[0].ordersPerMinute: Too small: expected number to be >=1"],
    ["a duplicate entry", `[{client: "*", account: bn, operations: [get_balances]}, {client: "*", account: bn, operations: [get_account]}]`, "KEYRING_POLICY_FILE exchange[1]: same client and account as exchange[0]"],
  ])("refuses %s", (_name, section, expected) => {
    expect(problems(`version: 1\nexchange: ${section}\n`)).toEqual([expected]);
  });

  it("has no way to express a withdrawal, a transfer or a sub-account move", () => {
    for (const op of ["withdraw", "transfer", "sub_account_transfer", "withdrawal"]) {
      const p = problems(`version: 1\nexchange: [{client: "*", account: bn, operations: [${op}]}]\n`);
      expect(p).toHaveLength(1);
      expect(p[0]).toMatch(/^KEYRING_POLICY_FILE\.exchange\[0\]\.operations\[0\]: Invalid option/);
    }
    expect(problems(`version: 1\nexchange: [{client: "*", account: bn, operations: [get_balances], allowWithdrawals: true}]\n`)).toEqual([
      'KEYRING_POLICY_FILE.exchange[0]: unknown field "allowWithdrawals"',
    ]);
  });
});
