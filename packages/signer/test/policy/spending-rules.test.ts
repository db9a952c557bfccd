import { describe, expect, it } from "vitest";
import { spendBudgetKey, spendWindowExceeded } from "../../src/policy/spending-rules.js";
import { SPENDING_ENTRYPOINTS } from "../../src/policy/spending-selectors.js";
import {
  ALICE,
  BOB,
  denial,
  evaluate,
  hex,
  hex64,
  limit,
  makePolicy,
  makeRequest,
  OTHER_TOKEN,
  sel,
  TOKEN,
  TOKEN_HEX,
  transfer,
  U128,
  type CallSpec,
} from "./fixtures.js";
import type { SpendingLimit } from "../../src/config/config-types.js";

const DAY_MS = 86_400_000;
const withLimits = (...limits: SpendingLimit[]) => makePolicy({ spendingLimits: limits });
const run = (limits: SpendingLimit[], calls: CallSpec[], keyId = "default") =>
  evaluate({ policy: withLimits(...limits), request: makeRequest({ calls }), keyId });

describe("which calls spend", () => {
  it("knows the six ERC-20 entrypoints", () => {
    expect([...SPENDING_ENTRYPOINTS].sort()).toEqual(
      ["approve", "increaseAllowance", "increase_allowance", "transfer", "transferFrom", "transfer_from"].sort(),
    );
  });

  const threeFelt = ["transfer", "approve", "increase_allowance", "increaseAllowance", hex(sel("transfer")), hex64(sel("approve"))];
  it.each(threeFelt)("%s [counterparty, low, high] is capped", (entrypoint) => {
    const limits = [limit({ maxPerCall: 100n })];
    expect(run(limits, [{ contractAddress: TOKEN_HEX, entrypoint, calldata: [ALICE, 100n, 0n] }]).allowed).toBe(true);
    expect(run(limits, [{ contractAddress: TOKEN_HEX, entrypoint, calldata: [ALICE, 101n, 0n] }])).toMatchObject({
      ruleId: "spend.per_call_exceeded",
    });
  });

  it.each(["transfer_from", "transferFrom"])("%s [sender, recipient, low, high] is capped", (entrypoint) => {
    const limits = [limit({ maxPerCall: 100n, allowedRecipients: new Set([ALICE]) })];
    const at = (sender: bigint, recipient: bigint, amount: bigint) =>
      run(limits, [{ contractAddress: TOKEN_HEX, entrypoint, calldata: [sender, recipient, amount, 0n] }]);
    expect(at(BOB, ALICE, 100n).allowed).toBe(true);
    expect(at(BOB, ALICE, 101n)).toMatchObject({ ruleId: "spend.per_call_exceeded" });
    // The recipient is the second felt; the sender is not checked against the allowlist.
    expect(at(ALICE, BOB, 1n)).toMatchObject({ ruleId: "spend.recipient_not_allowed" });
  });

  it.each(["balance_of", "decrease_allowance", "transfer_ownership", "swap"])("%s is not a spend", (entrypoint) => {
    const limits = [limit({ maxPerCall: 0n, maxPerWindow: 0n })];
    expect(run(limits, [{ contractAddress: TOKEN_HEX, entrypoint, calldata: [ALICE, 10n ** 30n, 0n] }])).toEqual({
      allowed: true,
      charges: [],
    });
  });

  it("ignores tokens without limits and limits of other keys", () => {
    const limits = [limit({ token: OTHER_TOKEN, maxPerCall: 0n }), limit({ keyId: "ops", maxPerCall: 0n })];
    expect(run(limits, [transfer(ALICE, 10n ** 20n)])).toEqual({ allowed: true, charges: [] });
    expect(run(limits, [transfer(ALICE, 10n ** 20n)], "ops")).toMatchObject({ ruleId: "spend.per_call_exceeded" });
  });
});

describe("spend.per_call_exceeded", () => {
  it("allows exactly the limit and denies one more, naming token and limit in plain numbers", () => {
    const limits = [limit({ maxPerCall: 1_000_000_000_000_000_000n })];
    expect(run(limits, [transfer(ALICE, 1_000_000_000_000_000_000n)]).allowed).toBe(true);
    expect(run(limits, [transfer(ALICE, 1_000_000_000_000_000_001n)])).toEqual(
      denial(
        "spend.per_call_exceeded",
        `amount 1000000000000000001 exceeds the per-call limit 1000000000000000000 for token ${TOKEN_HEX}`,
        0,
      ),
    );
  });

  it("reads amounts as low + high·2^128", () => {
    const limits = [limit({ maxPerCall: U128 })];
    const raw = (low: bigint, high: bigint) => run(limits, [{ contractAddress: TOKEN_HEX, entrypoint: "transfer", calldata: [ALICE, low, high] }]);
    expect(raw(U128 - 1n, 0n).allowed).toBe(true);
    expect(raw(0n, 1n).allowed).toBe(true); // exactly 2^128
    expect(raw(1n, 1n)).toEqual(
      denial("spend.per_call_exceeded", `amount ${U128 + 1n} exceeds the per-call limit ${U128} for token ${TOKEN_HEX}`, 0),
    );
    expect(raw(0n, U128 - 1n)).toMatchObject({ ruleId: "spend.per_call_exceeded" });
  });

  it("applies the smallest cap when several limits match the key", () => {
    const limits = [limit({ maxPerCall: 50n }), limit({ keyId: "default", maxPerCall: 80n })];
    expect(run(limits, [transfer(ALICE, 50n)]).allowed).toBe(true);
    expect(run(limits, [transfer(ALICE, 51n)])).toEqual(
      denial("spend.per_call_exceeded", `amount 51 exceeds the per-call limit 50 for token ${TOKEN_HEX}`, 0),
    );
  });

  it("caps each call on its own (the window budget is the store's job)", () => {
    const limits = [limit({ maxPerCall: 10n })];
    expect(run(limits, [transfer(ALICE, 10n), transfer(ALICE, 10n), transfer(ALICE, 10n)]).allowed).toBe(true);
    expect(run(limits, [transfer(ALICE, 10n), transfer(ALICE, 10n), transfer(ALICE, 11n)])).toMatchObject({
      ruleId: "spend.per_call_exceeded",
      callIndex: 2,
    });
  });
});

describe("spend.malformed_amount", () => {
  const limits = [limit({ maxPerCall: 10n ** 30n })];
  const message = (name: string, n: number) =>
    `malformed ${name} calldata for token ${TOKEN_HEX}: expected ${n} felts with u128 amount limbs`;
  const cases: [label: string, entrypoint: string, calldata: bigint[], name: string, n: number][] = [
    ["too short", "transfer", [ALICE, 1n], "transfer", 3],
    ["too long", "transfer", [ALICE, 1n, 0n, 0n], "transfer", 3],
    ["empty", "approve", [], "approve", 3],
    ["low limb = 2^128", "transfer", [ALICE, U128, 0n], "transfer", 3],
    ["high limb = 2^128", "increase_allowance", [ALICE, 0n, U128], "increase_allowance", 3],
    ["transfer_from too short", "transfer_from", [BOB, ALICE, 1n], "transfer_from", 4],
    ["transferFrom high limb too big", "transferFrom", [BOB, ALICE, 0n, 1n << 250n], "transferFrom", 4],
  ];
  it.each(cases)("denies %s", (_label, entrypoint, calldata, name, n) => {
    expect(run(limits, [{ contractAddress: TOKEN_HEX, entrypoint, calldata }])).toEqual(denial("spend.malformed_amount", message(name, n), 0));
  });

  it("names the canonical entrypoint when a raw selector was sent", () => {
    const call = { contractAddress: TOKEN_HEX, entrypoint: hex64(sel("transfer")), calldata: [ALICE] };
    expect(run(limits, [call])).toEqual(denial("spend.malformed_amount", message("transfer", 3), 0));
  });

  it("accepts the largest well-formed limbs", () => {
    const big = [limit({ maxPerCall: (1n << 256n) - 1n })];
    const call = { contractAddress: TOKEN_HEX, entrypoint: "transfer", calldata: [ALICE, U128 - 1n, U128 - 1n] };
    expect(run(big, [call]).allowed).toBe(true);
  });

  it("applies only to tokens with a limit for the key (other calldata is not ours to judge)", () => {
    const call = { contractAddress: TOKEN_HEX, entrypoint: "transfer", calldata: [ALICE] };
    expect(run([], [call]).allowed).toBe(true);
    expect(run([limit({ keyId: "ops" })], [call]).allowed).toBe(true);
    // A limit without any maximum still requires well-formed calldata.
    expect(run([limit()], [call])).toMatchObject({ ruleId: "spend.malformed_amount" });
  });
});

describe("spend.recipient_not_allowed", () => {
  const limits = [limit({ allowedRecipients: new Set([ALICE]) })];

  it.each([hex(ALICE), hex64(ALICE), ALICE.toString(10), "0xA11CE"])("allows the listed recipient spelled %s", (recipient) => {
    expect(run(limits, [{ contractAddress: TOKEN_HEX, entrypoint: "transfer", calldata: [recipient, "0x5", "0x0"] }]).allowed).toBe(true);
  });

  it("denies another recipient", () => {
    expect(run(limits, [transfer(BOB, 1n)])).toEqual(
      denial("spend.recipient_not_allowed", `recipient 0xb0b is not allowed for token ${TOKEN_HEX}`, 0),
    );
  });

  it("calls an approval's counterparty the spender", () => {
    const call = { contractAddress: TOKEN_HEX, entrypoint: "approve", calldata: [BOB, 1n, 0n] };
    expect(run(limits, [call])).toEqual(denial("spend.recipient_not_allowed", `spender 0xb0b is not allowed for token ${TOKEN_HEX}`, 0));
  });

  it("requires the recipient on every matching limit's list", () => {
    const two = [limit({ allowedRecipients: new Set([ALICE, BOB]) }), limit({ keyId: "default", allowedRecipients: new Set([ALICE]) })];
    expect(run(two, [transfer(ALICE, 1n)]).allowed).toBe(true);
    expect(run(two, [transfer(BOB, 1n)])).toMatchObject({ ruleId: "spend.recipient_not_allowed" });
    expect(run(two, [transfer(BOB, 1n)], "ops").allowed).toBe(true);
  });

  it("is checked after the per-call cap", () => {
    const both = [limit({ maxPerCall: 1n, allowedRecipients: new Set([ALICE]) })];
    expect(run(both, [transfer(BOB, 2n)])).toMatchObject({ ruleId: "spend.per_call_exceeded" });
  });
});

describe("charges", () => {
  const key = (keyId: string, token = TOKEN, windowMs = DAY_MS) => `${keyId}:${hex(token)}:${windowMs}`;

  it("formats budget keys as keyId:tokenHex:windowMs", () => {
    expect(spendBudgetKey("ops", TOKEN_HEX, 60_000)).toBe(`ops:${TOKEN_HEX}:60000`);
  });

  it("charges one amount per call against each window budget; calls on one token share the key", () => {
    const limits = [limit({ maxPerWindow: 1_000n }), limit({ token: OTHER_TOKEN, maxPerWindow: 5n, windowMs: 60_000 })];
    const decision = run(limits, [transfer(ALICE, 100n), { entrypoint: "swap" }, transfer(BOB, 250n), transfer(ALICE, 3n, hex(OTHER_TOKEN))]);
    expect(decision).toEqual({
      allowed: true,
      charges: [
        { key: key("default"), amount: 100n, max: 1_000n, windowMs: DAY_MS, token: TOKEN, callIndex: 0 },
        { key: key("default"), amount: 250n, max: 1_000n, windowMs: DAY_MS, token: TOKEN, callIndex: 2 },
        { key: key("default", OTHER_TOKEN, 60_000), amount: 3n, max: 5n, windowMs: 60_000, token: OTHER_TOKEN, callIndex: 3 },
      ],
    });
  });

  it("charges each key its own budget under a \"*\" limit", () => {
    const limits = [limit({ maxPerWindow: 1_000n })];
    expect(run(limits, [transfer(ALICE, 1n)], "ops")).toMatchObject({ charges: [{ key: key("ops") }] });
    expect(run(limits, [transfer(ALICE, 1n)], "treasury")).toMatchObject({ charges: [{ key: key("treasury") }] });
  });

  it("merges a key's own limit and a \"*\" limit of the same window into one charge at the smaller maximum", () => {
    const limits = [limit({ maxPerWindow: 1_000n }), limit({ keyId: "default", maxPerWindow: 300n })];
    expect(run(limits, [transfer(ALICE, 7n)])).toEqual({
      allowed: true,
      charges: [{ key: key("default"), amount: 7n, max: 300n, windowMs: DAY_MS, token: TOKEN, callIndex: 0 }],
    });
    // Another key only has the "*" limit.
    expect(run(limits, [transfer(ALICE, 7n)], "ops")).toMatchObject({ charges: [{ key: key("ops"), max: 1_000n }] });
  });

  it("charges one budget per distinct window", () => {
    const limits = [limit({ maxPerWindow: 100n, windowMs: 3_600_000 }), limit({ keyId: "default", maxPerWindow: 1_000n })];
    const decision = run(limits, [transfer(ALICE, 7n)]);
    expect(decision).toMatchObject({
      charges: [
        { key: key("default", TOKEN, 3_600_000), max: 100n, windowMs: 3_600_000 },
        { key: key("default"), max: 1_000n, windowMs: DAY_MS },
      ],
    });
  });

  it("charges nothing for limits without a window maximum", () => {
    expect(run([limit({ maxPerCall: 10n })], [transfer(ALICE, 10n)])).toEqual({ allowed: true, charges: [] });
  });

  it("charges nothing when any call is denied, even after charged calls", () => {
    const limits = [limit({ maxPerWindow: 1_000n, maxPerCall: 500n })];
    const decision = run(limits, [transfer(ALICE, 100n), transfer(ALICE, 200n), transfer(ALICE, 501n)]);
    expect(decision).toEqual(
      denial("spend.per_call_exceeded", `amount 501 exceeds the per-call limit 500 for token ${TOKEN_HEX}`, 2),
    );
  });

  it("builds the window denial the route returns when the store refuses a charge", () => {
    const decision = run([limit({ maxPerWindow: 1_000n })], [{ entrypoint: "swap" }, transfer(ALICE, 400n)]);
    if (!decision.allowed) throw new Error("expected an allowed decision");
    expect(spendWindowExceeded(decision.charges[0]!, 700n)).toEqual(
      denial(
        "spend.window_exceeded",
        `spending limit for token ${TOKEN_HEX} exceeded: 700 already spent within ${DAY_MS} ms, 400 more would pass the limit 1000`,
        1,
      ),
    );
  });
});
