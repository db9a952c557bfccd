import { describe, expect, it } from "vitest";
import { POLICY_RULE_IDS, type PolicyRuleId } from "../../src/policy/rule-ids.js";
import type { PolicyDecision } from "../../src/policy/policy-decision.js";
import {
  ACCOUNT,
  ALICE,
  DEX,
  DEX_HEX,
  evaluate,
  limit,
  makeAuthClient,
  makePolicy,
  makeRequest,
  NOW,
  SEPOLIA,
  sel,
  TOKEN,
  transfer,
  withClient,
  type EvalOptions,
} from "./fixtures.js";

/** A client with every restriction switched on, and a request that passes all of them. */
const strict = withClient(
  {
    allowedKeyIds: new Set(["default"]),
    allowedAccounts: new Set([ACCOUNT]),
    allowedContracts: new Set([DEX, TOKEN]),
    allowedSelectors: new Set([sel("swap"), sel("transfer")]),
    deniedSelectors: new Set([sel("withdraw_all")]),
    allowedChainIds: new Set([SEPOLIA]),
    maxValidityWindowSec: 3_600,
  },
  {
    allowedChainIds: new Set([SEPOLIA]),
    spendingLimits: [limit({ maxPerCall: 1_000n, maxPerWindow: 5_000n, allowedRecipients: new Set([ALICE]) })],
  },
);
const authClient = makeAuthClient({ allowedKeyIds: new Set(["default", "ops"]), allowedAccounts: new Set([ACCOUNT]) });
const goodCalls = [{ contractAddress: DEX_HEX, entrypoint: "swap" }, transfer(ALICE, 1_000n)];
const base: EvalOptions = { policy: strict, authClient };

describe("evaluateSessionPolicy", () => {
  it("allows a request that passes every rule, with its charges", () => {
    expect(evaluate({ ...base, request: makeRequest({ calls: goodCalls }) })).toEqual({
      allowed: true,
      charges: [{ key: `default:0x${TOKEN.toString(16)}:86400000`, amount: 1_000n, max: 5_000n, windowMs: 86_400_000, token: TOKEN, callIndex: 1 }],
    });
  });

  // One breach per rule, on top of the good request; each must be refused by exactly that rule.
  const breaches: [PolicyRuleId, EvalOptions][] = [
    ["key.unknown", { keyId: "nope" }],
    ["key.not_allowed", { keyId: "ops" }],
    ["account.not_allowed", { request: makeRequest({ accountAddress: "0x99", calls: goodCalls }) }],
    ["validity.expired", { request: makeRequest({ validUntil: NOW, calls: goodCalls }) }],
    ["validity.too_far", { request: makeRequest({ validUntil: NOW + 3_601, calls: goodCalls }) }],
    ["chain.not_allowed", { request: makeRequest({ chainId: "0x1", calls: goodCalls }) }],
    ["call.self_call", { request: makeRequest({ calls: [...goodCalls, { contractAddress: "0x1234abcd" }] }) }],
    ["call.denied_selector", { request: makeRequest({ calls: [...goodCalls, { entrypoint: "withdraw_all" }] }) }],
    ["call.contract_not_allowed", { request: makeRequest({ calls: [...goodCalls, { contractAddress: "0x77" }] }) }],
    ["call.entrypoint_not_allowed", { request: makeRequest({ calls: [...goodCalls, { entrypoint: "deposit" }] }) }],
    ["spend.malformed_amount", { request: makeRequest({ calls: [...goodCalls, { contractAddress: `0x${TOKEN.toString(16)}`, entrypoint: "transfer", calldata: ["0x1"] }] }) }],
    ["spend.per_call_exceeded", { request: makeRequest({ calls: [...goodCalls, transfer(ALICE, 1_001n)] }) }],
    ["spend.recipient_not_allowed", { request: makeRequest({ calls: [...goodCalls, transfer(0xdeadn, 1n)] }) }],
  ];
  it.each(breaches)("refuses by %s", (ruleId, opts) => {
    const decision = evaluate({ ...base, request: makeRequest({ calls: goodCalls }), ...opts });
    expect(decision).toMatchObject({ allowed: false, ruleId });
    if (ruleId.startsWith("call.") || ruleId.startsWith("spend.")) expect(decision).toMatchObject({ callIndex: 2 });
    else expect(decision).not.toHaveProperty("callIndex");
  });

  it("covers every registered rule except the store's window check", () => {
    expect(new Set(breaches.map(([id]) => id))).toEqual(new Set(POLICY_RULE_IDS.filter((id) => id !== "spend.window_exceeded")));
  });

  it("applies the rules in the documented order (each earlier rule wins over every later one)", () => {
    // Break every rule at once, then repair them one at a time from the front.
    const all: EvalOptions = {
      keyId: "nope",
      authClient: makeAuthClient({ allowedKeyIds: new Set(["default"]), allowedAccounts: new Set([0x99n]) }),
      policy: strict,
      request: makeRequest({
        validUntil: NOW,
        chainId: "0x1",
        calls: [{ contractAddress: "0x1234abcd", entrypoint: "withdraw_all" }, transfer(0xdeadn, 10_000n)],
      }),
    };
    const seen: (string | undefined)[] = [];
    const ruleOf = (d: PolicyDecision) => (d.allowed ? "allowed" : d.ruleId);
    seen.push(ruleOf(evaluate(all)));
    seen.push(ruleOf(evaluate({ ...all, keyId: "ops" })));
    seen.push(ruleOf(evaluate({ ...all, keyId: "default" })));
    const repaired = { ...all, keyId: "default", authClient };
    seen.push(ruleOf(evaluate(repaired)));
    const req = (o: Record<string, unknown>) => makeRequest({ validUntil: NOW, chainId: "0x1", calls: [{ contractAddress: "0x1234abcd", entrypoint: "withdraw_all" }, transfer(0xdeadn, 10_000n)], ...o });
    seen.push(ruleOf(evaluate({ ...repaired, request: req({ validUntil: NOW + 60 }) })));
    seen.push(ruleOf(evaluate({ ...repaired, request: req({ validUntil: NOW + 60, chainId: "0x534e5f5345504f4c4941" }) })));
    const ok = { validUntil: NOW + 60, chainId: "0x534e5f5345504f4c4941" };
    seen.push(ruleOf(evaluate({ ...repaired, request: req({ ...ok, calls: [{ entrypoint: "withdraw_all" }, transfer(0xdeadn, 10_000n)] }) })));
    seen.push(ruleOf(evaluate({ ...repaired, request: req({ ...ok, calls: [{ contractAddress: "0x77" }, transfer(0xdeadn, 10_000n)] }) })));
    seen.push(ruleOf(evaluate({ ...repaired, request: req({ ...ok, calls: [{ contractAddress: DEX_HEX, entrypoint: "deposit" }, transfer(0xdeadn, 10_000n)] }) })));
    seen.push(ruleOf(evaluate({ ...repaired, request: req({ ...ok, calls: [{ contractAddress: DEX_HEX }, transfer(0xdeadn, 10_000n)] }) })));
    seen.push(ruleOf(evaluate({ ...repaired, request: req({ ...ok, calls: [{ contractAddress: DEX_HEX }, transfer(0xdeadn, 1n)] }) })));
    seen.push(ruleOf(evaluate({ ...repaired, request: req({ ...ok, calls: [{ contractAddress: DEX_HEX }, transfer(ALICE, 1n)] }) })));
    expect(seen).toEqual([
      "key.unknown",
      "key.not_allowed",
      "account.not_allowed",
      "validity.expired",
      "chain.not_allowed",
      "call.self_call",
      "call.denied_selector",
      "call.contract_not_allowed",
      "call.entrypoint_not_allowed",
      "spend.per_call_exceeded",
      "spend.recipient_not_allowed",
      "allowed",
    ]);
  });

  it("returns a fresh charges array each time (callers may keep or change it)", () => {
    const a = evaluate({ ...base, request: makeRequest({ calls: goodCalls }) });
    const b = evaluate({ ...base, request: makeRequest({ calls: goodCalls }) });
    if (!a.allowed || !b.allowed) throw new Error("expected allowed decisions");
    expect(a.charges).not.toBe(b.charges);
    const none = evaluate({ policy: makePolicy() });
    const none2 = evaluate({ policy: makePolicy() });
    if (!none.allowed || !none2.allowed) throw new Error("expected allowed decisions");
    expect(none.charges).not.toBe(none2.charges);
  });
});
