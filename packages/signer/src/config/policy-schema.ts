import { z } from "zod";
import { Entrypoint } from "@airlock/core";
import { DEC_FELT_PATTERN, HEX_FELT_PATTERN, STARK_PRIME } from "@airlock/core/starknet";
import { ID_PATTERN } from "./env-reader.js";
import { ExchangePolicyFile } from "./exchange-policy-schema.js";

/** Bounds on everything a policy file may list. */
export const POLICY_LIMITS = Object.freeze({
  clients: 256,
  listItems: 256,
  chainIds: 64,
  spendingLimits: 256,
  maxValidityWindowSec: 315_360_000, // ten years
  windowSeconds: 31_536_000, // one year
});

const U256_MAX = (1n << 256n) - 1n;

/** Strings only: unquoted hex in YAML is a number and would lose precision. */
const quoted = (what: string) =>
  z.string({ error: (issue) => (issue.input === undefined ? "is required" : `expected ${what} as a quoted string`) });

const Id = quoted("an id").regex(ID_PATTERN, "expected 1-64 of [A-Za-z0-9._:@-]");
const HexFelt = quoted("0x hex")
  .regex(HEX_FELT_PATTERN, "expected 0x-prefixed hex of 1-64 digits")
  .refine((v) => BigInt(v) < STARK_PRIME, "not below the Stark prime");
const Felt = quoted("a felt")
  .refine((v) => HEX_FELT_PATTERN.test(v) || DEC_FELT_PATTERN.test(v), "expected 0x hex or decimal")
  .refine((v) => (HEX_FELT_PATTERN.test(v) || DEC_FELT_PATTERN.test(v)) && BigInt(v) < STARK_PRIME, "not below the Stark prime");
const Amount = quoted("an amount")
  .regex(/^(0x[0-9a-fA-F]{1,64}|[0-9]{1,78})$/, "expected a decimal or 0x-hex u256 amount")
  .refine((v) => /^(0x[0-9a-fA-F]{1,64}|[0-9]{1,78})$/.test(v) && BigInt(v) <= U256_MAX, "exceeds u256");
const EntrypointName = quoted("an entrypoint").pipe(Entrypoint);
const Seconds = (max: number) => z.number().int().min(1).max(max);

/** A non-empty bounded list: an empty allowlist would read as "nothing", so omit the field instead. */
const nonEmptyList = <T extends z.ZodType>(item: T, max: number) =>
  z.array(item).min(1, "must not be empty (omit the field to allow any)").max(max);

/** One entry of `clients:` (closed). */
export const ClientPolicyFile = z.strictObject({
  allowedKeyIds: nonEmptyList(Id, POLICY_LIMITS.listItems).optional(),
  allowedAccounts: nonEmptyList(HexFelt, POLICY_LIMITS.listItems).optional(),
  allowedContracts: nonEmptyList(HexFelt, POLICY_LIMITS.listItems).optional(),
  allowedEntrypoints: nonEmptyList(EntrypointName, POLICY_LIMITS.listItems).optional(),
  deniedEntrypoints: z.array(EntrypointName).max(POLICY_LIMITS.listItems).optional(),
  allowedChainIds: nonEmptyList(Felt, POLICY_LIMITS.chainIds).optional(),
  maxValidityWindowSec: Seconds(POLICY_LIMITS.maxValidityWindowSec).optional(),
});

/** One entry of `spendingLimits:` (closed). */
export const SpendingLimitFile = z
  .strictObject({
    keyId: z.union([z.literal("*"), Id]),
    token: HexFelt,
    maxPerCall: Amount.optional(),
    maxPerWindow: Amount.optional(),
    windowSeconds: Seconds(POLICY_LIMITS.windowSeconds).optional(),
    allowedRecipients: nonEmptyList(HexFelt, POLICY_LIMITS.listItems).optional(),
  })
  .superRefine((limit, ctx) => {
    if (limit.maxPerCall === undefined && limit.maxPerWindow === undefined && limit.allowedRecipients === undefined) {
      ctx.addIssue({ code: "custom", message: "needs maxPerCall, maxPerWindow or allowedRecipients" });
    }
    if (limit.maxPerWindow !== undefined && limit.windowSeconds === undefined) {
      ctx.addIssue({ code: "custom", path: ["windowSeconds"], message: "is required with maxPerWindow" });
    }
    if (limit.maxPerWindow === undefined && limit.windowSeconds !== undefined) {
      ctx.addIssue({ code: "custom", path: ["windowSeconds"], message: "only applies with maxPerWindow" });
    }
  });

/** The whole policy file, version 1 (closed; see policy-file.ts for the format). */
export const PolicyFile = z.strictObject({
  version: z.literal(1),
  defaults: z
    .strictObject({
      maxValidityWindowSec: Seconds(POLICY_LIMITS.maxValidityWindowSec).optional(),
      allowedChainIds: nonEmptyList(Felt, POLICY_LIMITS.chainIds).optional(),
      deniedEntrypoints: z.array(EntrypointName).max(POLICY_LIMITS.listItems).optional(),
    })
    .optional(),
  clients: z
    .record(Id, ClientPolicyFile)
    .refine((c) => Object.keys(c).length <= POLICY_LIMITS.clients, `at most ${POLICY_LIMITS.clients} clients`)
    .optional(),
  spendingLimits: z.array(SpendingLimitFile).max(POLICY_LIMITS.spendingLimits).optional(),
  /** The trading policy (exchange-policy-file.ts). */
  exchange: ExchangePolicyFile.optional(),
});
export type PolicyFile = z.infer<typeof PolicyFile>;
export type ClientPolicyFile = z.infer<typeof ClientPolicyFile>;
