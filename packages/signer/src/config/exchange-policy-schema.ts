import { z } from "zod";
import { VenueSymbol } from "@airlock/core";
import { ID_PATTERN } from "./env-reader.js";
import { EvmAddress } from "./exchange-account-schema.js";

/**
 * The `exchange:` section of the policy file (closed; format in exchange-policy-file.ts).
 * Operations are the exchange contract's, and nothing else: withdrawals, transfers and
 * sub-account moves have no operation, so no policy can allow them.
 */

/** Every operation type the exchange contract has. */
export const EXCHANGE_OPERATION_TYPES = [
  "place_order",
  "cancel_order",
  "cancel_all",
  "get_account",
  "get_balances",
  "get_positions",
  "get_open_orders",
] as const;

/** Bounds on the section. */
export const EXCHANGE_POLICY_LIMITS = Object.freeze({
  entries: 1024,
  symbols: 1024,
  vaults: 64,
  ordersPerMinute: 1_000_000,
  ordersPerDay: 100_000_000,
});

const quoted = (what: string) =>
  z.string({ error: (issue) => (issue.input === undefined ? "is required" : `expected ${what} as a quoted string`) });

const Id = quoted("an id").regex(ID_PATTERN, "expected 1-64 of [A-Za-z0-9._:@-]");
/** Same grammar as the wire's DecimalString; strings only, as a YAML float would lose digits. */
const Decimal = quoted("a decimal")
  .regex(/^(0|[1-9]\d{0,19})(\.\d{1,18})?$/, "expected a plain positive decimal such as 0.5 or 25000")
  .refine((v) => /[1-9]/.test(v), "must be greater than zero");

export const ExchangeSymbolLimitsFile = z.strictObject({
  maxQuantity: Decimal.optional(),
  maxNotional: Decimal.optional(),
});

/** One entry of `exchange:` (closed). */
export const ExchangePolicyEntryFile = z.strictObject({
  /** An auth client id, or "*" for every client the account names. */
  client: z.union([z.literal("*"), Id]),
  account: Id,
  operations: z
    .array(z.enum(EXCHANGE_OPERATION_TYPES))
    .min(1, "must not be empty (leave the entry out to allow nothing)")
    .max(EXCHANGE_OPERATION_TYPES.length)
    .refine((ops) => new Set(ops).size === ops.length, "lists an operation twice"),
  /** Symbols operations may name, each with optional caps; an absent symbol is refused. */
  symbols: z
    .record(VenueSymbol, ExchangeSymbolLimitsFile)
    .refine((s) => Object.keys(s).length <= EXCHANGE_POLICY_LIMITS.symbols, `at most ${EXCHANGE_POLICY_LIMITS.symbols} symbols`)
    .optional(),
  ordersPerMinute: z.number().int().min(1).max(EXCHANGE_POLICY_LIMITS.ordersPerMinute).optional(),
  ordersPerDay: z.number().int().min(1).max(EXCHANGE_POLICY_LIMITS.ordersPerDay).optional(),
  /** Hyperliquid: vault addresses the account may trade for. */
  vaults: z.array(EvmAddress).min(1, "must not be empty (leave it out on accounts without a vault)").max(EXCHANGE_POLICY_LIMITS.vaults).optional(),
});

export const ExchangePolicyFile = z.array(ExchangePolicyEntryFile).max(EXCHANGE_POLICY_LIMITS.entries);
export type ExchangePolicyFile = z.infer<typeof ExchangePolicyFile>;
export type ExchangePolicyEntryFile = z.infer<typeof ExchangePolicyEntryFile>;
