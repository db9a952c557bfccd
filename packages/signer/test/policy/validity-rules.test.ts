import { describe, expect, it } from "vitest";
import { effectiveValidityWindowSec } from "../../src/policy/validity-rules.js";
import { denial, evaluate, makePolicy, makeRequest, NOW, withClient } from "./fixtures.js";

const EXPIRED = denial("validity.expired", "validUntil is already expired");
const TOO_FAR = denial("validity.too_far", "validUntil exceeds maximum allowed future window");

describe("validity window (SISNA's texts)", () => {
  const W = 3_600;
  const cases: [label: string, validUntil: number, expected: "ok" | "expired" | "too_far"][] = [
    ["in the past", NOW - 1, "expired"],
    ["equal to now", NOW, "expired"],
    ["one second ahead", NOW + 1, "ok"],
    ["exactly at the window's end", NOW + W, "ok"],
    ["one second past the window", NOW + W + 1, "too_far"],
    ["far in the future", Number.MAX_SAFE_INTEGER, "too_far"],
  ];
  it.each(cases)("validUntil %s", (_label, validUntil, expected) => {
    const decision = evaluate({ request: makeRequest({ validUntil }), policy: makePolicy({ maxValidityWindowSec: W }) });
    if (expected === "ok") expect(decision.allowed).toBe(true);
    else expect(decision).toEqual(expected === "expired" ? EXPIRED : TOO_FAR);
  });

  it("uses the client's window when it is smaller", () => {
    const policy = withClient({ maxValidityWindowSec: 60 }, { maxValidityWindowSec: 3_600 });
    expect(evaluate({ policy, request: makeRequest({ validUntil: NOW + 60 }) }).allowed).toBe(true);
    expect(evaluate({ policy, request: makeRequest({ validUntil: NOW + 61 }) })).toEqual(TOO_FAR);
    // Another client keeps the global window.
    expect(evaluate({ policy, clientId: "other", request: makeRequest({ validUntil: NOW + 3_600 }) }).allowed).toBe(true);
  });

  it("never widens the global window with a larger client one", () => {
    const policy = withClient({ maxValidityWindowSec: 86_400 }, { maxValidityWindowSec: 600 });
    expect(effectiveValidityWindowSec(policy, policy.clients.get("agent"))).toBe(600);
    expect(evaluate({ policy, request: makeRequest({ validUntil: NOW + 601 }) })).toEqual(TOO_FAR);
  });

  it("fails closed on a NaN window or clock", () => {
    expect(evaluate({ policy: makePolicy({ maxValidityWindowSec: Number.NaN }) })).toEqual(TOO_FAR);
    expect(evaluate({ nowSec: Number.NaN })).toEqual(EXPIRED);
  });

  it("is checked after the account and before the chain", () => {
    const policy = makePolicy({ allowedChainIds: new Set([1n]) });
    expect(evaluate({ policy, request: makeRequest({ validUntil: NOW }) })).toEqual(EXPIRED);
    expect(evaluate({ policy })).toMatchObject({ ruleId: "chain.not_allowed" });
  });
});
