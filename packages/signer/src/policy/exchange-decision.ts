import type { ExchangeRequest } from "@airlock/core";
import type { ExchangeAccount, ExchangePolicyRule } from "../config/config-types.js";
import type { ExchangeRuleId } from "./exchange-rule-ids.js";

/** Everything the trading policy judges one exchange request by (the caller authenticated the client and validated the body). */
export interface ExchangePolicyInput {
  readonly clientId: string;
  readonly request: ExchangeRequest;
}

/** One order counter an allowed place_order must pass: at most `max` orders per `windowMs`. */
export interface OrderLimit {
  readonly ruleId: "exchange.orders_per_minute_exceeded" | "exchange.orders_per_day_exceeded";
  readonly windowMs: number;
  readonly max: number;
}

/** A refusal: the rule that refused and a plain message (request ids and config numbers only, never a secret). */
export interface ExchangeDenial {
  readonly allowed: false;
  readonly ruleId: ExchangeRuleId;
  readonly message: string;
}

/** Allowed, with the account to sign for, the rule that allowed it, and the order counters to pass (place_order only). */
export interface ExchangeAllowed {
  readonly allowed: true;
  readonly account: ExchangeAccount;
  readonly rule: ExchangePolicyRule;
  readonly orderLimits: readonly OrderLimit[];
}

export type ExchangeDecision = ExchangeAllowed | ExchangeDenial;

/** Builds a denial. */
export function denyExchange(ruleId: ExchangeRuleId, message: string): ExchangeDenial {
  return { allowed: false, ruleId, message };
}
