/**
 * The trading policy: the `exchange:` section of the policy file (KEYRING_POLICY_FILE), a list
 * of entries, each naming what one client (or "*": every client the account lists) may do on
 * one exchange account. Deny by default: a client with no entry for an account may do nothing.
 *
 * ```yaml
 * exchange:
 *   - client: agent-1              # an auth client id, or "*"
 *     account: binance-main        # an exchange account id (KEYRING_EXCHANGE_ACCOUNTS_JSON / keystore)
 *     operations: [place_order, cancel_order, cancel_all, get_account, get_balances, get_positions, get_open_orders]
 *     symbols:                     # every symbol an operation may name; any other is refused
 *       BTCUSDT: { maxQuantity: "0.01", maxNotional: "1000" }   # quoted decimals, both optional
 *       ETHUSDT: {}
 *     ordersPerMinute: 10          # place_order only, per client and account, shared across instances
 *     ordersPerDay: 500            # per UTC day
 *     vaults: ["0x…"]              # hyperliquid: the account's vaultAddress must be listed
 * ```
 *
 * A client's own entry for an account replaces the "*" entry (they are not merged). Notional is
 * price × quantity for limit orders and referencePrice × quantity for market orders; a market
 * order without referencePrice is refused where maxNotional is set. Withdrawals, transfers and
 * sub-account moves are not operations of the contract: nothing here can allow them.
 */
import type { ExchangeAccount, ExchangeConfig, ExchangePolicyRule, ExchangeSymbolLimits } from "./config-types.js";
import { decimalOf } from "../policy/exact-decimal.js";
import type { ExchangePolicyEntryFile, ExchangePolicyFile } from "./exchange-policy-schema.js";
import { frozenMap, frozenSet } from "./immutable.js";
import type { Problems } from "./problems.js";

/** What the trading policy is checked against. */
export interface ExchangePolicyContext {
  readonly clientIds: ReadonlySet<string>;
  readonly accounts: ReadonlyMap<string, ExchangeAccount>;
  /** Every account id defined, refused ones included: references to those are not reported again. */
  readonly namedAccounts: ReadonlySet<string>;
}

/** The key of a rule in ExchangeConfig.rules. */
export function exchangeRuleKey(client: string, account: string): string {
  return `${client}|${account}`;
}

const SYMBOL_OPERATIONS = ["place_order", "cancel_order", "cancel_all"] as const;

function symbolLimits(entry: ExchangePolicyEntryFile): ReadonlyMap<string, ExchangeSymbolLimits> {
  return frozenMap(
    Object.entries(entry.symbols ?? {}).map(([symbol, caps]) => [
      symbol,
      Object.freeze({
        ...(caps.maxQuantity !== undefined ? { maxQuantity: decimalOf(caps.maxQuantity) } : {}),
        ...(caps.maxNotional !== undefined ? { maxNotional: decimalOf(caps.maxNotional) } : {}),
      }),
    ]),
  );
}

/** Cross-checks one entry against the clients and accounts; adds a problem per contradiction. */
function checkEntry(entry: ExchangePolicyEntryFile, at: string, ctx: ExchangePolicyContext, problems: Problems): void {
  if (entry.client !== "*" && !ctx.clientIds.has(entry.client)) problems.add(`${at}.client: no auth client with id ${entry.client}`);
  const account = ctx.accounts.get(entry.account);
  if (!ctx.namedAccounts.has(entry.account)) problems.add(`${at}.account: no exchange account with id ${entry.account}`);
  if (account !== undefined) {
    if (entry.client !== "*" && ctx.clientIds.has(entry.client) && !account.clients.has(entry.client)) {
      problems.add(`${at}.client: ${entry.client} is not among the clients of exchange account ${entry.account}`);
    }
    if (entry.vaults !== undefined && account.venue !== "hyperliquid") problems.add(`${at}.vaults: applies to hyperliquid accounts only`);
  }
  const ops = new Set(entry.operations);
  if (entry.symbols === undefined && SYMBOL_OPERATIONS.some((op) => ops.has(op))) {
    problems.add(`${at}.symbols: is required when operations include place_order, cancel_order or cancel_all`);
  }
  if (!ops.has("place_order")) {
    if (entry.ordersPerMinute !== undefined) problems.add(`${at}.ordersPerMinute: applies to place_order, which operations does not list`);
    if (entry.ordersPerDay !== undefined) problems.add(`${at}.ordersPerDay: applies to place_order, which operations does not list`);
  }
}

/**
 * The trading policy from the file's `exchange:` section (none: nothing is allowed), checked
 * against the auth clients and the exchange accounts. One entry per (client, account).
 */
export function buildExchangeRules(file: ExchangePolicyFile | undefined, ctx: ExchangePolicyContext, problems: Problems): ExchangeConfig["rules"] {
  const rules: [string, ExchangePolicyRule][] = [];
  const seen = new Map<string, number>();
  (file ?? []).forEach((entry, i) => {
    const at = `KEYRING_POLICY_FILE exchange[${i}]`;
    checkEntry(entry, at, ctx, problems);
    const key = exchangeRuleKey(entry.client, entry.account);
    const first = seen.get(key);
    if (first !== undefined) {
      problems.add(`${at}: same client and account as exchange[${first}]`);
      return;
    }
    seen.set(key, i);
    rules.push([
      key,
      Object.freeze({
        client: entry.client,
        account: entry.account,
        operations: frozenSet(entry.operations),
        symbols: symbolLimits(entry),
        ...(entry.ordersPerMinute !== undefined ? { ordersPerMinute: entry.ordersPerMinute } : {}),
        ...(entry.ordersPerDay !== undefined ? { ordersPerDay: entry.ordersPerDay } : {}),
        ...(entry.vaults !== undefined ? { vaults: frozenSet(entry.vaults.map((v) => v.toLowerCase())) } : {}),
      }),
    ]);
  });
  return frozenMap(rules);
}
