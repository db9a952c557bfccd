// Model-based test: bounded pseudo-random sequences of register/deprecate by three accounts over
// a few measurements. Every outcome must match a plain model, and the invariants are checked on
// the chain's own state after every step.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ZeroAddress, isError, keccak256, type Contract } from "ethers";
import { BUILD_HASH, expectRevert, history, pcr0, plainRecord, sendAndParse, startChain, type PlainRecord, type TestChain } from "./chain.js";

const PCRS = [0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5].map((b) => pcr0(b));
const STEPS = 40;

/** mulberry32: a tiny deterministic PRNG, so a failure replays exactly. */
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

type Op =
  | { kind: "register"; who: number; p: number; pcr: string; description: string }
  | { kind: "deprecate"; who: number; p: number; pcr: string };

/** The registry's rules, stated as plainly as possible. */
class Model {
  readonly first = new Map<number, number>();
  readonly active = new Map<number, number>();
  readonly hist: { p: number; deprecated: boolean; description: string }[][] = [[], [], []];

  /** The custom error the op must revert with, or null when it must succeed (and is applied). */
  apply(op: Op): string | null {
    if (op.pcr.length !== 2 + 96) return "InvalidPCR0Length";
    if (op.kind === "register") {
      if (Buffer.byteLength(op.description) > 256) return "DescriptionTooLong";
      const first = this.first.get(op.p);
      if (first !== undefined && first !== op.who) return "PCR0OwnedByAnother";
      if (this.active.has(op.p)) return "PCR0AlreadyRegistered";
      this.first.set(op.p, op.who);
      this.active.set(op.p, op.who);
      this.hist[op.who]!.push({ p: op.p, deprecated: false, description: op.description });
      return null;
    }
    const owner = this.active.get(op.p);
    if (owner === undefined) return "PCR0NotFound";
    if (owner !== op.who) return "NotOwnerOfPCR0";
    const rec = this.hist[op.who]!.findLast((r) => r.p === op.p && !r.deprecated);
    rec!.deprecated = true;
    this.active.delete(op.p);
    return null;
  }
}

/**
 * The next operation. Half of them are what an honest owner does (register a measurement free or
 * its own, retire one of its active ones), the rest are arbitrary (often someone else's
 * measurement), so every rule is exercised, not only the refusals.
 */
function nextOp(rand: () => number, model: Model): Op {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const who = Math.floor(rand() * 3);
  const indexes = PCRS.map((_, i) => i);
  const myActive = indexes.filter((i) => model.active.get(i) === who);
  const registrable = indexes.filter((i) => !model.active.has(i) && (model.first.get(i) ?? who) === who);
  const r = rand();
  let kind: Op["kind"];
  let p: number;
  if (r < 0.3 && myActive.length > 0) [kind, p] = ["deprecate", pick(myActive)];
  else if (r < 0.55 && registrable.length > 0) [kind, p] = ["register", pick(registrable)];
  else [kind, p] = [rand() < 0.5 ? "register" : "deprecate", pick(indexes)];
  // About one op in twelve carries a malformed measurement or an oversized description.
  const pcr = rand() < 0.08 ? pcr0(0xa0 + p, rand() < 0.5 ? 47 : 49) : PCRS[p]!;
  if (kind === "deprecate") return { kind, who, p, pcr };
  return { kind, who, p, pcr, description: rand() < 0.08 ? "d".repeat(257) : `op by ${who}` };
}

let chain: TestChain;
let accounts: string[];
// A fresh chain per sequence: the model starts empty.
beforeEach(async () => {
  chain = await startChain();
  accounts = await Promise.all(chain.signers.map((s) => s.getAddress()));
});
afterEach(async () => {
  await chain.close();
});

async function activeOf(registry: Contract, who: string): Promise<PlainRecord | null> {
  try {
    return plainRecord(await registry.getFunction("getActivePCR0")(who));
  } catch (e) {
    if (isError(e, "CALL_EXCEPTION") && e.revert?.name === "PCR0NotFound") return null;
    throw e;
  }
}

interface Snapshot {
  histories: PlainRecord[][];
  activeRecords: (PlainRecord | null)[];
  pcrs: { isActive: [boolean, string]; activeOwner: string; firstOwner: string }[];
}

/** Everything the registry says about the test's accounts and measurements, read in parallel. */
async function snapshot(registry: Contract): Promise<Snapshot> {
  const call = (name: string, ...args: unknown[]) => registry.getFunction(name)(...args) as Promise<unknown>;
  const [histories, activeRecords, pcrs] = await Promise.all([
    Promise.all(accounts.map((a) => history(registry, a))),
    Promise.all(accounts.map((a) => activeOf(registry, a))),
    Promise.all(
      PCRS.map(async (pcr) => {
        const [isActive, activeOwner, firstOwner] = await Promise.all([
          call("isPCR0Active", pcr),
          call("activePCR0OwnerByHash", keccak256(pcr)),
          call("firstOwnerByHash", keccak256(pcr)),
        ]);
        const [active, owner] = isActive as [boolean, string];
        return { isActive: [active, owner] as [boolean, string], activeOwner: activeOwner as string, firstOwner: firstOwner as string };
      }),
    ),
  ]);
  return { histories, activeRecords, pcrs };
}

/** The invariants, from the chain's state alone. */
function checkInvariants({ histories, activeRecords, pcrs }: Snapshot): void {
  for (const [p, pcr] of PCRS.entries()) {
    const { isActive, activeOwner, firstOwner } = pcrs[p]!;
    expect(isActive).toEqual([activeOwner !== ZeroAddress, activeOwner]);

    const withHash = histories.flatMap((recs, i) => recs.filter((r) => r.pcr0 === pcr).map((r) => ({ r, owner: accounts[i]! })));
    // A measurement only ever has records of its first owner.
    for (const { owner } of withHash) expect(owner).toBe(firstOwner);
    if (withHash.length === 0) expect(firstOwner).toBe(ZeroAddress);
    // At most one live record per hash; the mapping points to its owner exactly when one exists.
    const live = withHash.filter(({ r }) => r.deprecatedAt === 0n);
    expect(live.length).toBeLessThanOrEqual(1);
    expect(activeOwner).toBe(live[0]?.owner ?? ZeroAddress);
    // deprecatedAt > 0 on the latest record of a hash ⇒ the hash is not active.
    const latest = withHash.at(-1)?.r;
    if (latest !== undefined && latest.deprecatedAt > 0n) expect(activeOwner).toBe(ZeroAddress);
    // The live record, if any, is the latest of its hash.
    if (live.length === 1) expect(live[0]!.r).toBe(latest);
  }
  for (const [i, recs] of histories.entries()) {
    for (const r of recs) {
      expect(r.registeredAt).toBeGreaterThan(0n);
      if (r.deprecatedAt !== 0n) expect(r.deprecatedAt).toBeGreaterThanOrEqual(r.registeredAt);
    }
    // getActivePCR0 is the most recently registered live record.
    expect(activeRecords[i]).toEqual(recs.findLast((r) => r.deprecatedAt === 0n) ?? null);
  }
}

describe("registry model", () => {
  it.each([[20250517], [7]])(
    "agrees with the model and keeps its invariants (seed %i)",
    async (seed) => {
      const rand = prng(seed);
      const model = new Model();
      const outcomes = new Map<string, number>();
      for (let step = 0; step < STEPS; step++) {
        const op = nextOp(rand, model);
        const again = op.kind === "register" && model.first.get(op.p) === op.who;
        const expectedError = model.apply(op);
        const registry = chain.as(chain.signers[op.who]!);
        const args = op.kind === "register" ? [op.pcr, BUILD_HASH, op.description] : [op.pcr];
        const method = op.kind === "register" ? "registerPCR0" : "deprecatePCR0";
        const label = `step ${step}: ${method} by ${op.who} of #${op.p}`;
        if (expectedError !== null) {
          await expectRevert(registry, method, args, expectedError);
        } else {
          const { events } = await sendAndParse(registry, method, args);
          const name = op.kind === "register" ? "PCR0Registered" : "PCR0Deprecated";
          expect(events.map((e) => [e.name, e.args[0], e.args[1], e.args[2]]), label).toEqual([
            [name, accounts[op.who], keccak256(op.pcr), op.pcr],
          ]);
        }
        const outcome = expectedError ?? `${again ? "register-again" : op.kind}:ok`;
        outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);

        // The chain matches the model ...
        const snap = await snapshot(chain.registry);
        expect(
          snap.pcrs.map((x) => x.isActive),
          label,
        ).toEqual(PCRS.map((_, p) => [model.active.has(p), accounts[model.active.get(p) ?? -1] ?? ZeroAddress]));
        expect(
          snap.histories.map((recs) => recs.map((r) => [r.pcr0, r.deprecatedAt > 0n, r.description])),
          label,
        ).toEqual(model.hist.map((recs) => recs.map((r) => [PCRS[r.p], r.deprecated, r.description])));
        // ... and its own invariants hold.
        checkInvariants(snap);
        // Count the states where getActivePCR0 must skip a retired newer record.
        if (model.hist.some((h) => h.at(-1)?.deprecated === true && h.some((r) => !r.deprecated))) {
          outcomes.set("active-fallback", (outcomes.get("active-fallback") ?? 0) + 1);
        }
      }
      // The sequence exercised every rule, so the agreement above means something.
      const rules = ["register:ok", "register-again:ok", "deprecate:ok", "PCR0OwnedByAnother", "PCR0AlreadyRegistered"];
      rules.push("PCR0NotFound", "NotOwnerOfPCR0", "InvalidPCR0Length", "DescriptionTooLong", "active-fallback");
      for (const k of rules) {
        expect(outcomes.get(k) ?? 0, k).toBeGreaterThan(0);
      }
    },
    120_000,
  );
});
