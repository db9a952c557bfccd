import type { ExchangeOperation } from "@airlock/core";
import type { ExchangeConfig, ExchangePolicyRule } from "../config/config-types.js";
import { exchangeRuleKey } from "../config/exchange-policy-file.js";
import { denyExchange, type ExchangeDecision, type ExchangePolicyInput, type OrderLimit } from "./exchange-decision.js";
import { checkOrderSize } from "./exchange-order-rules.js";

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

/** The policy entry for a client on an account: its own, else the account's "*" entry. */
export function exchangeRuleFor(config: ExchangeConfig, clientId: string, account: string): ExchangePolicyRule | undefined {
  return config.rules.get(exchangeRuleKey(clientId, account)) ?? config.rules.get(exchangeRuleKey("*", account));
}

/** The symbol an operation names, if any. */
function symbolOf(op: ExchangeOperation): string | undefined {
  return op.symbol;
}

/** The order counters a place_order must pass under `rule` (startup builds one counter per distinct window and max). */
export function orderLimitsOf(rule: ExchangePolicyRule): OrderLimit[] {
  const limits: OrderLimit[] = [];
  if (rule.ordersPerMinute !== undefined) limits.push({ ruleId: "exchange.orders_per_minute_exceeded", windowMs: MINUTE_MS, max: rule.ordersPerMinute });
  if (rule.ordersPerDay !== undefined) limits.push({ ruleId: "exchange.orders_per_day_exceeded", windowMs: DAY_MS, max: rule.ordersPerDay });
  return limits;
}

/**
 * Judges one exchange request against the trading policy; the first denial wins. Order:
 * account known → the account lists the client → venue matches the account's → a live account
 * has liveTradingEnabled → a policy entry covers (client, account) → operation allowed → symbol
 * allowed → Hyperliquid vault allowed → quantity → notional. Deny by default throughout.
 *
 * Pure and synchronous: no I/O, no clock, no throwing on a schema-valid request. An allowed
 * decision carries the account to sign with and the order counters (ordersPerMinute,
 * ordersPerDay) the route must pass for a place_order; the venue signer may still refuse an
 * operation the venue does not have (exchange.unsupported_operation).
 */
export function evaluateExchangePolicy(input: ExchangePolicyInput, config: ExchangeConfig): ExchangeDecision {
  const { clientId, request } = input;
  const op = request.operation;
  const account = config.accounts.get(request.account);
  if (account === undefined) return denyExchange("exchange.account_unknown", `unknown exchange account: ${request.account}`);
  if (!account.clients.has(clientId)) {
    return denyExchange("exchange.client_not_allowed", `client ${clientId} may not use exchange account ${request.account}`);
  }
  if (request.venue !== account.venue) {
    return denyExchange("exchange.venue_mismatch", `exchange account ${account.account} is on ${account.venue}, not ${request.venue}`);
  }
  if (account.environment === "live" && !account.liveTradingEnabled) {
    return denyExchange("exchange.live_trading_disabled", `live trading is not enabled for exchange account ${account.account}`);
  }
  const rule = exchangeRuleFor(config, clientId, account.account);
  if (rule === undefined) {
    return denyExchange("exchange.no_policy", `no trading policy allows client ${clientId} on exchange account ${account.account}`);
  }
  if (!rule.operations.has(op.type)) {
    return denyExchange("exchange.operation_not_allowed", `operation ${op.type} is not allowed on exchange account ${account.account}`);
  }
  const symbol = symbolOf(op);
  const limits = symbol === undefined ? undefined : rule.symbols.get(symbol);
  if (symbol !== undefined && limits === undefined) {
    return denyExchange("exchange.symbol_not_allowed", `symbol ${symbol} is not allowed on exchange account ${account.account}`);
  }
  if (account.vaultAddress !== undefined && rule.vaults?.has(account.vaultAddress) !== true) {
    return denyExchange("exchange.vault_not_allowed", `the vault of exchange account ${account.account} is not in the allowed vaults`);
  }
  if (op.type !== "place_order") return { allowed: true, account, rule, orderLimits: [] };
  // A place_order always names a symbol, so limits is set here.
  const sizeDenial = limits === undefined ? undefined : checkOrderSize(op, limits);
  if (sizeDenial !== undefined) return sizeDenial;
  return { allowed: true, account, rule, orderLimits: orderLimitsOf(rule) };
}
