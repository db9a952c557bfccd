import { describe, expect, it } from "vitest";
import { isPolicyRuleId, POLICY_RULE_IDS, POLICY_RULES } from "../../src/policy/rule-ids.js";

describe("rule id registry", () => {
  it("lists exactly the engine's and the route's rule ids, in evaluation order", () => {
    expect(POLICY_RULE_IDS).toEqual([
      "key.unknown",
      "key.not_allowed",
      "account.not_allowed",
      "validity.expired",
      "validity.too_far",
      "chain.not_allowed",
      "call.self_call",
      "call.denied_selector",
      "call.contract_not_allowed",
      "call.entrypoint_not_allowed",
      "spend.malformed_amount",
      "spend.per_call_exceeded",
      "spend.recipient_not_allowed",
      "spend.window_exceeded",
    ]);
  });

  it("is frozen", () => {
    expect(Object.isFrozen(POLICY_RULES)).toBe(true);
    expect(Object.isFrozen(POLICY_RULE_IDS)).toBe(true);
    expect(() => {
      (POLICY_RULES as Record<string, string>)["key.unknown"] = "changed";
    }).toThrow(TypeError);
  });

  it("describes every rule in one short line", () => {
    for (const id of POLICY_RULE_IDS) {
      expect(id).toMatch(/^[a-z]+\.[a-z_]+$/);
      const text = POLICY_RULES[id];
      expect(text.length).toBeGreaterThan(10);
      expect(text.length).toBeLessThanOrEqual(160);
      expect(text).not.toContain("\n");
    }
  });

  it("recognises registered ids only", () => {
    expect(isPolicyRuleId("chain.not_allowed")).toBe(true);
    expect(isPolicyRuleId("chain.allowed")).toBe(false);
    expect(isPolicyRuleId("toString")).toBe(false);
    expect(isPolicyRuleId(42)).toBe(false);
  });
});
