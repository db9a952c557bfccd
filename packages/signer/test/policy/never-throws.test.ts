import { SessionTransactionRequest } from "@airlock/core";
import { parseSessionRequest, selectorOf, STARK_PRIME } from "@airlock/core/starknet";
import { describe, expect, it } from "vitest";
import type { AuthClient, PolicyConfig } from "../../src/config/config-types.js";
import { isPolicyRuleId } from "../../src/policy/rule-ids.js";
import { SPENDING_ENTRYPOINTS } from "../../src/policy/spending-selectors.js";
import { evaluateSessionPolicy } from "../../src/policy/session-policy.js";
import { ACCOUNT, ALICE, BOB, DEX, KNOWN_KEYS, limit, MAINNET, makePolicy, NOW, OTHER_TOKEN, SEPOLIA, sel, TOKEN, U128 } from "./fixtures.js";

/** Deterministic PRNG (mulberry32), so a failure is reproducible from its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ENTRYPOINTS = [
  ...["transfer", "transfer", "approve", "increase_allowance", "increaseAllowance", "transfer_from", "transferFrom"],
  ...["swap", "swap", "swap", "balance_of", "deposit", "upgrade", "set_agent_id"],
];
const ADDRESSES = [ACCOUNT, DEX, TOKEN, OTHER_TOKEN, ALICE, BOB, 0x1n, STARK_PRIME - 1n];

function generator(seed: number) {
  const r = prng(seed);
  const int = (n: number) => Math.floor(r() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  const bigBelow = (bound: bigint): bigint => {
    let n = 0n;
    for (let i = 0; i < 8; i++) n = (n << 32n) | BigInt(int(2 ** 32));
    return n % bound;
  };
  // Spellings the schema accepts: lowercase, uppercase, zero-padded hex, decimal.
  const spell = (n: bigint, hexOnly = false): string => {
    const h = n.toString(16);
    switch (int(hexOnly ? 3 : 4)) {
      case 0: return `0x${h}`;
      case 1: return `0x${h.toUpperCase()}`;
      case 2: return `0x${h.padStart(Math.min(64, h.length + int(4)), "0")}`;
      default: return n.toString(10);
    }
  };
  const felt = (): bigint => pick([() => BigInt(int(1000)), () => bigBelow(U128), () => U128 + BigInt(int(3)), () => bigBelow(STARK_PRIME), () => pick(ADDRESSES)])();
  const amountLimb = (): bigint => pick([() => BigInt(int(600)), () => BigInt(int(600)), () => 0n, () => bigBelow(U128), () => U128])();
  // Mostly well-shaped ERC-20 calldata for the spending entrypoints, so the spending rules run.
  const calldataFor = (name: string): bigint[] => {
    if (int(4) === 0) return Array.from({ length: int(6) }, felt);
    const party = (): bigint => pick([ALICE, ALICE, ALICE, BOB, felt()]);
    const amount = [amountLimb(), int(5) === 0 ? amountLimb() : 0n];
    return name.startsWith("transfer") && name !== "transfer" ? [party(), party(), ...amount] : [party(), ...amount];
  };
  const call = () => {
    const name = pick(ENTRYPOINTS);
    return {
      contractAddress: spell(int(5) === 0 ? pick(ADDRESSES) : pick([TOKEN, TOKEN, TOKEN, OTHER_TOKEN, DEX]), true),
      entrypoint: int(4) === 0 ? spell(selectorOf(name), true) : name,
      calldata: calldataFor(name).map((d) => spell(d)),
    };
  };
  // Each request-level field is usually fine and sometimes wrong, so later rules get reached.
  const sometimes = <T>(good: T, bad: readonly T[]): T => (int(8) === 0 ? pick(bad) : good);
  return (): unknown => {
    const validUntil = NOW + sometimes(pick([1, 60, 600, 3_600]), [-10, 0, 3_601, 86_400, 86_401, 10 ** 9]);
    return {
      accountAddress: spell(sometimes(ACCOUNT, [DEX, 0x99n]), true),
      ...(int(2) === 0 ? { keyId: sometimes(pick(["default", "ops"]), ["treasury", "ghost"]) } : {}),
      chainId: spell(sometimes(SEPOLIA, [MAINNET, 0x1n])),
      nonce: spell(felt()),
      validUntil,
      ...(int(3) === 0 ? { caller: spell(felt()) } : {}),
      ...(int(3) === 0 ? { executeAfter: String(Math.max(0, validUntil - 100)) } : {}),
      calls: Array.from({ length: 1 + int(3) }, call),
    };
  };
}

const policies: PolicyConfig[] = [
  makePolicy(),
  makePolicy({
    allowedChainIds: new Set([SEPOLIA]),
    spendingLimits: [
      limit({ maxPerCall: 500n, maxPerWindow: 1_000n, allowedRecipients: new Set([ALICE]) }),
      limit({ keyId: "ops", token: OTHER_TOKEN, maxPerCall: U128, maxPerWindow: U128 * 2n, windowMs: 60_000 }),
      limit({ keyId: "default", maxPerWindow: 700n }),
    ],
    clients: new Map([
      ["agent", { allowedContracts: new Set([DEX, TOKEN, OTHER_TOKEN]), allowedSelectors: new Set(["swap", ...SPENDING_ENTRYPOINTS].map(sel)), maxValidityWindowSec: 3_600 }],
    ]),
  }),
];
const authClients: AuthClient[] = [
  { clientId: "agent", hmacSecret: "not-a-real-secret-0123456789" },
  { clientId: "agent", hmacSecret: "not-a-real-secret-0123456789", allowedKeyIds: new Set(["default", "ops"]), allowedAccounts: new Set([ACCOUNT, DEX]) },
];

describe("the engine on generated requests", () => {
  it("never throws, always answers a well-formed decision, and never allows what a rule forbids", () => {
    const next = generator(20_260_221);
    const seenRules = new Set<string>();
    let allowed = 0;
    let charged = 0;
    for (let i = 0; i < 500; i++) {
      const request = SessionTransactionRequest.parse(next());
      const parsed = parseSessionRequest(request);
      const policy = policies[i % policies.length]!;
      const authClient = authClients[Math.floor(i / 2) % authClients.length]!;
      const keyId = request.keyId ?? "default";
      const decision = evaluateSessionPolicy({ clientId: "agent", authClient, keyId, knownKeyIds: KNOWN_KEYS, request, parsed, nowSec: NOW }, policy);

      if (!decision.allowed) {
        seenRules.add(decision.ruleId);
        expect(isPolicyRuleId(decision.ruleId)).toBe(true);
        expect(decision.message.length).toBeGreaterThan(0);
        expect(decision.message.length).toBeLessThanOrEqual(1024);
        if (decision.callIndex !== undefined) expect(decision.callIndex).toBeLessThan(request.calls.length);
        continue;
      }
      allowed++;
      if (decision.charges.length > 0) charged++;
      // Independent oracle for what an allowed request can never contain.
      expect(KNOWN_KEYS.has(keyId)).toBe(true);
      const own = policy.clients.get("agent");
      expect(request.validUntil).toBeGreaterThan(NOW);
      expect(request.validUntil).toBeLessThanOrEqual(NOW + Math.min(policy.maxValidityWindowSec, own?.maxValidityWindowSec ?? Infinity));
      if (policy.allowedChainIds.size > 0) expect(policy.allowedChainIds.has(parsed.chainId)).toBe(true);
      for (const c of parsed.execution.calls) {
        expect(c.to).not.toBe(parsed.account);
        expect(policy.deniedSelectors.has(c.selector)).toBe(false);
        if (own?.allowedContracts) expect(own.allowedContracts.has(c.to)).toBe(true);
        if (own?.allowedSelectors) expect(own.allowedSelectors.has(c.selector)).toBe(true);
      }
      for (const charge of decision.charges) {
        const call = parsed.execution.calls[charge.callIndex]!;
        expect(call.to).toBe(charge.token);
        expect(charge.amount).toBeLessThan(1n << 256n);
        if (charge.token === TOKEN) expect(charge.amount).toBeLessThanOrEqual(500n); // the "*" per-call cap
        expect(charge.key.startsWith(`${keyId}:0x${charge.token.toString(16)}:`)).toBe(true);
      }
    }
    // The generator must exercise both outcomes and a good spread of rules, or this proves little.
    expect(allowed).toBeGreaterThan(40);
    expect(charged).toBeGreaterThanOrEqual(5);
    expect(seenRules.size).toBeGreaterThanOrEqual(12);
  });
});
