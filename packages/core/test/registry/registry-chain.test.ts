// The registry check against the real AirlockPcr0Registry on ganache, over loopback HTTP.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { Wallet, hexlify } from "ethers";
import { createPcr0RegistryCheck, RegistryError, type RegistryErrorCode } from "@airlock/core/registry";
import { startRegistryChain, type RegistryChain } from "./rpc-servers.js";

const BUILD = `0x${"11".repeat(32)}`;
const pcr0 = (b: number): string => hexlify(new Uint8Array(48).fill(b));

let chain: RegistryChain;
let owner: string;

async function send(i: number, method: "registerPCR0" | "deprecatePCR0", ...args: unknown[]): Promise<void> {
  const receipt = await (await chain.as(i).getFunction(method).send(...args)).wait();
  expect(receipt?.status).toBe(1);
}

async function codeOf(p: Promise<unknown>): Promise<RegistryErrorCode> {
  const e = await p.then(
    () => expect.fail("the check passed"),
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(RegistryError);
  return (e as RegistryError).code;
}

beforeAll(async () => {
  chain = await startRegistryChain();
  owner = chain.accounts[0]!;
  await send(0, "registerPCR0", pcr0(1), BUILD, "live build");
  await send(0, "registerPCR0", pcr0(2), BUILD, "retired build");
  await send(0, "deprecatePCR0", pcr0(2));
  await send(1, "registerPCR0", pcr0(3), BUILD, "someone else's build");
});
afterAll(async () => {
  await chain.close();
});
afterEach(() => {
  vi.useRealTimers();
});

const checker = (extra: { cacheTtlMs?: number; chainId?: number; address?: string } = {}) =>
  createPcr0RegistryCheck({ rpcUrl: chain.url, address: chain.registryAddress, owner, ...extra });

describe("registry check on ganache", () => {
  it("passes for a measurement active for the pinned owner", async () => {
    const before = Date.now();
    const status = await checker().check(pcr0(1));
    expect(status).toEqual({ active: true, owner, registry: chain.registryAddress, checkedAt: expect.any(Number) });
    expect(status.checkedAt).toBeGreaterThanOrEqual(before);
  });

  it("accepts the PCR0 with or without 0x, in either case", async () => {
    const c = checker({ cacheTtlMs: 0 });
    const hex = pcr0(1).slice(2);
    for (const form of [hex, hex.toUpperCase(), `0x${hex}`]) expect((await c.check(form)).owner).toBe(owner);
  });

  it("refuses a deprecated measurement", async () => {
    expect(await codeOf(checker().check(pcr0(2)))).toBe("NOT_ACTIVE");
  });

  it("refuses a measurement never registered", async () => {
    expect(await codeOf(checker().check(pcr0(9)))).toBe("NOT_ACTIVE");
  });

  it("refuses a measurement registered by another account", async () => {
    const e = await checker().check(pcr0(3)).catch((err: unknown) => err as RegistryError);
    expect(e).toBeInstanceOf(RegistryError);
    expect((e as RegistryError).code).toBe("OWNER_MISMATCH");
    expect((e as RegistryError).message).toContain(chain.accounts[1]);
  });

  it("refuses when the pinned owner is someone else, even for an active measurement", async () => {
    const c = createPcr0RegistryCheck({ rpcUrl: chain.url, address: chain.registryAddress, owner: chain.accounts[2]! });
    expect(await codeOf(c.check(pcr0(1)))).toBe("OWNER_MISMATCH");
  });

  it("refuses an address without a contract", async () => {
    expect(await codeOf(checker({ address: Wallet.createRandom().address }).check(pcr0(1)))).toBe("BAD_RESPONSE");
  });

  it("refuses a malformed PCR0 without sending anything", async () => {
    const sent = chain.methods.length;
    const c = checker();
    for (const bad of [pcr0(1).slice(0, -2), `${pcr0(1)}00`, `0x${"zz".repeat(48)}`, "", `0X${pcr0(1).slice(2)}`, 42 as unknown as string]) {
      expect(await codeOf(c.check(bad))).toBe("CONFIG");
    }
    expect(chain.methods.length).toBe(sent);
  });
});

describe("chain pinning", () => {
  it("checks eth_chainId once when chainId is set", async () => {
    const [chainIds, calls] = [chain.count("eth_chainId"), chain.count("eth_call")];
    const c = checker({ chainId: 1337, cacheTtlMs: 0 });
    await c.check(pcr0(1));
    await c.check(pcr0(1));
    expect(chain.count("eth_chainId") - chainIds).toBe(1);
    expect(chain.count("eth_call") - calls).toBe(2);
  });

  it("refuses an RPC of another chain before asking the registry", async () => {
    const calls = chain.count("eth_call");
    expect(await codeOf(checker({ chainId: 8453 }).check(pcr0(1)))).toBe("CONFIG");
    expect(chain.count("eth_call")).toBe(calls);
  });

  it("sends no network detection at all without chainId", async () => {
    const chainIds = chain.count("eth_chainId");
    await checker({ cacheTtlMs: 0 }).check(pcr0(1));
    expect(chain.count("eth_chainId")).toBe(chainIds);
  });
});

describe("cache", () => {
  it("reuses a success for cacheTtlMs, then asks again", async () => {
    vi.useFakeTimers({ toFake: ["Date", "performance"] });
    const c = checker({ cacheTtlMs: 60_000 });
    const calls = chain.count("eth_call");
    const first = await c.check(pcr0(1));
    vi.advanceTimersByTime(59_999);
    expect(await c.check(pcr0(1).slice(2).toUpperCase())).toBe(first);
    expect(chain.count("eth_call") - calls).toBe(1);
    vi.advanceTimersByTime(1);
    const second = await c.check(pcr0(1));
    expect(chain.count("eth_call") - calls).toBe(2);
    expect(second.checkedAt).toBe(first.checkedAt + 60_000);
  });

  it("uses the 60 s default", async () => {
    vi.useFakeTimers({ toFake: ["Date", "performance"] });
    const c = checker();
    const calls = chain.count("eth_call");
    await c.check(pcr0(1));
    vi.advanceTimersByTime(59_000);
    await c.check(pcr0(1));
    expect(chain.count("eth_call") - calls).toBe(1);
    vi.advanceTimersByTime(2_000);
    await c.check(pcr0(1));
    expect(chain.count("eth_call") - calls).toBe(2);
  });

  it("keeps the TTL when the wall clock is set back", async () => {
    vi.useFakeTimers({ toFake: ["Date", "performance"] });
    const c = checker({ cacheTtlMs: 1_000 });
    const calls = chain.count("eth_call");
    await c.check(pcr0(1));
    vi.advanceTimersByTime(1_000);
    vi.setSystemTime(Date.now() - 3_600_000);
    await c.check(pcr0(1));
    expect(chain.count("eth_call") - calls).toBe(2);
  });

  it("cacheTtlMs 0 asks every time", async () => {
    const c = checker({ cacheTtlMs: 0 });
    const calls = chain.count("eth_call");
    for (let i = 0; i < 3; i++) await c.check(pcr0(1));
    expect(chain.count("eth_call") - calls).toBe(3);
  });

  it("never caches a failure", async () => {
    const c = checker({ cacheTtlMs: 60_000 });
    const calls = chain.count("eth_call");
    for (let i = 0; i < 3; i++) expect(await codeOf(c.check(pcr0(9)))).toBe("NOT_ACTIVE");
    expect(chain.count("eth_call") - calls).toBe(3);
  });

  it("concurrent checks of one PCR0 share one call (cached or not)", async () => {
    for (const cacheTtlMs of [0, 60_000]) {
      const c = checker({ cacheTtlMs });
      const calls = chain.count("eth_call");
      const results = await Promise.all(Array.from({ length: 5 }, () => c.check(pcr0(1))));
      expect(chain.count("eth_call") - calls).toBe(1);
      for (const r of results) expect(r).toBe(results[0]);
      const failures = await Promise.all(Array.from({ length: 4 }, () => codeOf(c.check(pcr0(9)))));
      expect(failures).toEqual(["NOT_ACTIVE", "NOT_ACTIVE", "NOT_ACTIVE", "NOT_ACTIVE"]);
      expect(chain.count("eth_call") - calls).toBe(2);
    }
  });

  it("sees a deprecation once the cached success expires", async () => {
    await send(0, "registerPCR0", pcr0(5), BUILD, "short-lived");
    vi.useFakeTimers({ toFake: ["Date", "performance"] });
    const c = checker({ cacheTtlMs: 1_000 });
    await c.check(pcr0(5));
    await send(0, "deprecatePCR0", pcr0(5));
    expect((await c.check(pcr0(5))).active).toBe(true); // still cached: the documented staleness
    vi.advanceTimersByTime(1_000);
    expect(await codeOf(c.check(pcr0(5)))).toBe("NOT_ACTIVE");
  });

  it("a cached status cannot be altered by a caller", async () => {
    const status = await checker().check(pcr0(1));
    expect(Object.isFrozen(status)).toBe(true);
  });
});
