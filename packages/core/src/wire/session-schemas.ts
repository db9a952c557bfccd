import { z } from "zod";
import { DEC_FELT_PATTERN, HEX_FELT_PATTERN, parseFelt } from "../starknet/felt.js";

/**
 * zod schemas of the session-signing route: SISNA's body and response, parsed strictly.
 * Unknown keys are rejected (SISNA strips them), felts must lie below the Stark prime, and an
 * entrypoint is either a Cairo identifier or a 0x-hex raw selector.
 */

const belowPrime = (v: string) => parseFelt(v) !== undefined;

export const HexFelt = z
  .string()
  .regex(HEX_FELT_PATTERN, "expected 0x-prefixed hex of 1-64 digits")
  .refine(belowPrime, "not below the Stark prime")
  .meta({ description: "Field element as 0x-hex, below the Stark prime" });

const FELT_PATTERN = new RegExp(`${HEX_FELT_PATTERN.source}|${DEC_FELT_PATTERN.source}`);
export const Felt = z
  .string()
  .regex(FELT_PATTERN, "expected a hex or decimal felt")
  .refine(belowPrime, "not below the Stark prime")
  .meta({ description: "Field element as 0x-hex or decimal, below the Stark prime" });

/** u128 fields of the outside execution (execute_after). */
const U128_MAX = (1n << 128n) - 1n;
export const FeltU128 = Felt.refine((v) => BigInt(v) <= U128_MAX, "must fit in u128").meta({
  description: "Field element (0x-hex or decimal) that fits in u128",
});

/** Key and client ids: printable, log-safe, bounded. */
export const Identifier = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:@-]{0,63}$/, "expected 1-64 of [A-Za-z0-9._:@-]");

/** A Cairo function name, hashed with starknet_keccak, or a raw 0x selector, used as is. */
export const Entrypoint = z
  .string()
  .regex(
    new RegExp(`^[A-Za-z_][A-Za-z0-9_]{0,255}$|${HEX_FELT_PATTERN.source}`),
    "expected a Cairo identifier or a 0x-hex selector",
  )
  .refine((v) => !v.startsWith("0x") || belowPrime(v), "selector not below the Stark prime")
  .meta({ description: "Function name (hashed with starknet_keccak) or 0x-hex raw selector (used as is)" });

export const MAX_CALLS = 64;
export const MAX_CALLDATA_PER_CALL = 256;
export const MAX_CALLDATA_TOTAL = 2048;

export const SessionCall = z.strictObject({
  contractAddress: HexFelt,
  entrypoint: Entrypoint,
  calldata: z.array(Felt).max(MAX_CALLDATA_PER_CALL),
});

export const SignContext = z.strictObject({
  requester: z.string().max(128).optional(),
  tool: z.string().max(64).optional(),
  reason: z.string().max(512).optional(),
});

/** validUntil is a JSON number of unix seconds (SISNA), so it must also fit u64 exactly. */
export const UnixSeconds = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);

export const SessionTransactionRequest = z
  .strictObject({
    accountAddress: HexFelt,
    keyId: Identifier.optional(),
    chainId: Felt,
    nonce: Felt,
    validUntil: UnixSeconds,
    caller: Felt.optional(),
    executeAfter: FeltU128.optional(),
    calls: z.array(SessionCall).min(1).max(MAX_CALLS),
    context: SignContext.optional(),
  })
  .superRefine((req, ctx) => {
    const total = req.calls.reduce((n, c) => n + c.calldata.length, 0);
    if (total > MAX_CALLDATA_TOTAL) {
      ctx.addIssue({ code: "custom", path: ["calls"], message: `total calldata exceeds ${MAX_CALLDATA_TOTAL}` });
    }
    if (req.executeAfter !== undefined && BigInt(req.executeAfter) > BigInt(req.validUntil)) {
      ctx.addIssue({ code: "custom", path: ["executeAfter"], message: "executeAfter must be <= validUntil" });
    }
  });
export type SessionTransactionRequest = z.infer<typeof SessionTransactionRequest>;
export type SessionCall = z.infer<typeof SessionCall>;

const LowerHex = z.string().regex(/^0x(0|[1-9a-f][0-9a-f]{0,63})$/, "expected unpadded lowercase 0x hex");

// Responses are parsed leniently about extra fields (a newer sidecar may add some) and strictly
// about every field the client relies on.
export const SessionTransactionResponse = z.object({
  requestId: z.string().min(1).max(128),
  signatureMode: z.literal("v2_snip12"),
  signatureKind: z.literal("Snip12"),
  domainHash: LowerHex,
  messageHash: LowerHex,
  signerProvider: z.enum(["local", "dfns"]),
  sessionPublicKey: LowerHex,
  signature: z.tuple([LowerHex, LowerHex, LowerHex, LowerHex]),
});
export type SessionTransactionResponse = z.infer<typeof SessionTransactionResponse>;
