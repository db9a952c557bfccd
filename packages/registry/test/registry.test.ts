// AirlockPcr0Registry on ganache: registration, deprecation, events, bounds, rotation and the
// squatter scenario of Usenami's finding H-1.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ZeroAddress, keccak256, parseEther } from "ethers";
import { compileRegistry, deployRegistry } from "@airlock/registry";
import { BUILD_HASH, expectRevert, history, pcr0, plainRecord, sendAndParse, startChain, type TestChain } from "./chain.js";

let chain: TestChain;
let owner: string;
let attacker: string;

beforeEach(async () => {
  chain = await startChain();
  owner = await chain.signers[0]!.getAddress();
  attacker = await chain.signers[2]!.getAddress();
});
afterEach(async () => {
  await chain.close();
});

const isActive = async (p: string): Promise<[boolean, string]> => {
  const [active, who] = (await chain.registry.getFunction("isPCR0Active")(p)) as [boolean, string];
  return [active, who];
};
const activeRecord = async (who: string) => plainRecord(await chain.registry.getFunction("getActivePCR0")(who));

describe("deployment", () => {
  it("deploys exactly the compiled runtime code", async () => {
    const code = await chain.provider.getCode(await chain.registry.getAddress());
    expect(code).toBe(compileRegistry().deployedBytecode);
  });

  it("refuses a provider that cannot sign", async () => {
    await expect(deployRegistry(chain.provider)).rejects.toThrow(TypeError);
  });

  it("accepts no ether (no payable entry point)", async () => {
    const to = await chain.registry.getAddress();
    await expect(chain.signers[1]!.sendTransaction({ to, value: parseEther("1") }).then((t) => t.wait())).rejects.toThrow();
    expect(await chain.provider.getBalance(to)).toBe(0n);
  });

  it("exposes its bounds", async () => {
    expect(await chain.registry.getFunction("MAX_DESCRIPTION_LENGTH")()).toBe(256n);
    expect(await chain.registry.getFunction("PCR0_LENGTH")()).toBe(48n);
  });
});

describe("register and deprecate", () => {
  it("registers: event, lookups, history and active record", async () => {
    const p = pcr0(0xab);
    const { events, timestamp } = await sendAndParse(chain.registry, "registerPCR0", [p, BUILD_HASH, "build 1"]);
    expect(events).toHaveLength(1);
    const ev = events[0]!;
    expect(ev.name).toBe("PCR0Registered");
    expect([...ev.args]).toEqual([owner, keccak256(p), p, BUILD_HASH, "build 1"]);

    expect(await isActive(p)).toEqual([true, owner]);
    expect(await chain.registry.getFunction("activePCR0OwnerByHash")(keccak256(p))).toBe(owner);
    expect(await chain.registry.getFunction("firstOwnerByHash")(keccak256(p))).toBe(owner);
    const expected = { pcr0: p, registeredAt: timestamp, deprecatedAt: 0n, buildHash: BUILD_HASH, description: "build 1" };
    expect(await history(chain.registry, owner)).toEqual([expected]);
    expect(plainRecord(await chain.registry.getFunction("records")(owner, 0))).toEqual(expected);
    expect(await activeRecord(owner)).toEqual(expected);
    expect(timestamp).toBeGreaterThan(0n);
  });

  it("refuses to register an active measurement twice", async () => {
    const p = pcr0(1);
    await sendAndParse(chain.registry, "registerPCR0", [p, BUILD_HASH, ""]);
    await expectRevert(chain.registry, "registerPCR0", [p, BUILD_HASH, "again"], "PCR0AlreadyRegistered");
    await expectRevert(chain.as(chain.signers[1]!), "registerPCR0", [p, BUILD_HASH, ""], "PCR0OwnedByAnother");
    expect(await history(chain.registry, owner)).toHaveLength(1);
  });

  it("deprecates: event, lookups cleared, record stamped", async () => {
    const p = pcr0(2);
    const reg = await sendAndParse(chain.registry, "registerPCR0", [p, BUILD_HASH, "d"]);
    const { events, timestamp } = await sendAndParse(chain.registry, "deprecatePCR0", [p]);
    expect(events.map((e) => [e.name, ...e.args])).toEqual([["PCR0Deprecated", owner, keccak256(p), p]]);

    expect(await isActive(p)).toEqual([false, ZeroAddress]);
    expect(await chain.registry.getFunction("activePCR0OwnerByHash")(keccak256(p))).toBe(ZeroAddress);
    expect(await chain.registry.getFunction("firstOwnerByHash")(keccak256(p))).toBe(owner);
    expect(await history(chain.registry, owner)).toEqual([
      { pcr0: p, registeredAt: reg.timestamp, deprecatedAt: timestamp, buildHash: BUILD_HASH, description: "d" },
    ]);
    expect(timestamp).toBeGreaterThan(0n);
    await expectRevert(chain.registry, "getActivePCR0", [owner], "PCR0NotFound");
    await expectRevert(chain.registry, "deprecatePCR0", [p], "PCR0NotFound");
  });

  it("lets only the owner deprecate", async () => {
    const p = pcr0(3);
    await sendAndParse(chain.registry, "registerPCR0", [p, BUILD_HASH, ""]);
    await expectRevert(chain.as(chain.signers[2]!), "deprecatePCR0", [p], "NotOwnerOfPCR0");
    expect(await isActive(p)).toEqual([true, owner]);
  });

  it("reports never-registered measurements as inactive and not found", async () => {
    expect(await isActive(pcr0(9))).toEqual([false, ZeroAddress]);
    await expectRevert(chain.registry, "deprecatePCR0", [pcr0(9)], "PCR0NotFound");
    await expectRevert(chain.registry, "getActivePCR0", [attacker], "PCR0NotFound");
    expect(await history(chain.registry, attacker)).toEqual([]);
  });
});

describe("bounds", () => {
  it("accepts a 256-byte description and refuses 257", async () => {
    await sendAndParse(chain.registry, "registerPCR0", [pcr0(4), BUILD_HASH, "x".repeat(256)]);
    await expectRevert(chain.registry, "registerPCR0", [pcr0(5), BUILD_HASH, "x".repeat(257)], "DescriptionTooLong");
    expect((await activeRecord(owner)).description).toBe("x".repeat(256));
  });

  it("counts the description in UTF-8 bytes, not characters", async () => {
    await sendAndParse(chain.registry, "registerPCR0", [pcr0(4), BUILD_HASH, "é".repeat(128)]);
    await expectRevert(chain.registry, "registerPCR0", [pcr0(5), BUILD_HASH, "é".repeat(129)], "DescriptionTooLong");
  });

  it("refuses measurements that are not exactly 48 bytes", async () => {
    for (const len of [0, 32, 47, 49, 96]) {
      const p = pcr0(6, len);
      await expectRevert(chain.registry, "registerPCR0", [p, BUILD_HASH, ""], "InvalidPCR0Length");
      await expectRevert(chain.registry, "deprecatePCR0", [p], "InvalidPCR0Length");
      expect(await isActive(p)).toEqual([false, ZeroAddress]);
    }
    expect(await history(chain.registry, owner)).toEqual([]);
  });
});

describe("rotation without a gap", () => {
  it("keeps the old build active beside the new one until it is retired", async () => {
    const [oldP, newP] = [pcr0(0x10), pcr0(0x20)];
    await sendAndParse(chain.registry, "registerPCR0", [oldP, BUILD_HASH, "v1"]);
    await sendAndParse(chain.registry, "registerPCR0", [newP, BUILD_HASH, "v2"]);
    expect(await isActive(oldP)).toEqual([true, owner]);
    expect(await isActive(newP)).toEqual([true, owner]);
    expect((await activeRecord(owner)).pcr0).toBe(newP);

    await sendAndParse(chain.registry, "deprecatePCR0", [oldP]);
    expect(await isActive(oldP)).toEqual([false, ZeroAddress]);
    expect(await isActive(newP)).toEqual([true, owner]);
    expect((await activeRecord(owner)).pcr0).toBe(newP);
    expect((await history(chain.registry, owner)).map((r) => r.deprecatedAt > 0n)).toEqual([true, false]);
  });

  it("getActivePCR0 falls back to the most recent record still active", async () => {
    const [a, b, c] = [pcr0(0x31), pcr0(0x32), pcr0(0x33)];
    for (const p of [a, b, c]) await sendAndParse(chain.registry, "registerPCR0", [p, BUILD_HASH, ""]);
    await sendAndParse(chain.registry, "deprecatePCR0", [c]);
    expect((await activeRecord(owner)).pcr0).toBe(b);
    await sendAndParse(chain.registry, "deprecatePCR0", [b]);
    expect((await activeRecord(owner)).pcr0).toBe(a);
    await sendAndParse(chain.registry, "deprecatePCR0", [a]);
    await expectRevert(chain.registry, "getActivePCR0", [owner], "PCR0NotFound");
  });
});

describe("squatting (Usenami H-1)", () => {
  it("a retired measurement can be registered again by its owner only", async () => {
    const p = pcr0(0x7c);
    const squatter = chain.as(chain.signers[2]!);
    await sendAndParse(chain.registry, "registerPCR0", [p, BUILD_HASH, "v1"]);
    await sendAndParse(chain.registry, "deprecatePCR0", [p]);

    await expectRevert(squatter, "registerPCR0", [p, BUILD_HASH, "mine now"], "PCR0OwnedByAnother");
    expect(await isActive(p)).toEqual([false, ZeroAddress]);
    expect(await history(chain.registry, attacker)).toEqual([]);

    const again = await sendAndParse(chain.registry, "registerPCR0", [p, BUILD_HASH, "v1 again"]);
    expect(again.events.map((e) => e.name)).toEqual(["PCR0Registered"]);
    expect(await isActive(p)).toEqual([true, owner]);
    const h = await history(chain.registry, owner);
    expect(h.map((r) => [r.pcr0, r.deprecatedAt > 0n, r.description])).toEqual([
      [p, true, "v1"],
      [p, false, "v1 again"],
    ]);

    // The owner keeps full control of it: the squatter can neither take nor retire it.
    await expectRevert(squatter, "deprecatePCR0", [p], "NotOwnerOfPCR0");
    await expectRevert(squatter, "registerPCR0", [p, BUILD_HASH, ""], "PCR0OwnedByAnother");
    await sendAndParse(chain.registry, "deprecatePCR0", [p]);
    expect(await isActive(p)).toEqual([false, ZeroAddress]);
  });

  it("whoever registers a measurement first keeps it, so clients must pin the owner", async () => {
    // First come, first bound: a measurement someone else published first (or front-ran) can
    // never become the owner's. This is a denial of service on that build, never a trust
    // break, because the client requires owner == pinned owner.
    const p = pcr0(0x99);
    await sendAndParse(chain.as(chain.signers[2]!), "registerPCR0", [p, BUILD_HASH, "squat"]);
    await expectRevert(chain.registry, "registerPCR0", [p, BUILD_HASH, "real"], "PCR0OwnedByAnother");
    expect(await isActive(p)).toEqual([true, attacker]);
  });
});
