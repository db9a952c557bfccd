// Strict validation of the registry check's options: every malformed value is a CONFIG error,
// raised when the check is created, before anything is sent.
import { describe, expect, it } from "vitest";
import { createPcr0RegistryCheck, RegistryError, type Pcr0RegistryOptions } from "@airlock/core/registry";

const OWNER = "0x21538eBF6598e5866BA496A954dE8E39097bFB59";
const REGISTRY = "0x38b42eED740b0fDeb211bBDf773F2238cAEec240";
const base: Pcr0RegistryOptions = { rpcUrl: "https://mainnet.base.org", address: REGISTRY, owner: OWNER };

function configError(opts: unknown): string {
  try {
    createPcr0RegistryCheck(opts as Pcr0RegistryOptions);
  } catch (e) {
    expect(e).toBeInstanceOf(RegistryError);
    expect((e as RegistryError).code).toBe("CONFIG");
    return (e as RegistryError).message;
  }
  return expect.fail("the options were accepted");
}

describe("registry check options", () => {
  it("accepts valid options, lower-case addresses included", () => {
    expect(typeof createPcr0RegistryCheck(base).check).toBe("function");
    const lower = { ...base, address: REGISTRY.toLowerCase(), owner: OWNER.toLowerCase(), rpcUrl: "http://127.0.0.1:8545" };
    expect(typeof createPcr0RegistryCheck({ ...lower, chainId: 8453, cacheTtlMs: 0, timeoutMs: 1 }).check).toBe("function");
    createPcr0RegistryCheck({ ...base, rpcUrl: "http://localhost:8545/", cacheTtlMs: 3_600_000, timeoutMs: 60_000 });
    createPcr0RegistryCheck({ ...base, rpcUrl: "http://[::1]:8545/" });
    createPcr0RegistryCheck({ ...base, rpcUrl: "https://u:p@rpc.example.com/v3/key?x=1" });
  });

  it.each([null, undefined, "opts", [], 42])("refuses options that are not an object (%s)", (opts) => {
    expect(configError(opts)).toMatch(/options must be an object/);
  });

  it("refuses unknown options, naming them only when they look like a name", () => {
    expect(configError({ ...base, cacheTTL: 5 })).toMatch(/unknown option cacheTTL/);
    expect(configError({ ...base, "https://secret@x": 1 })).toMatch(/unknown option \(unnamed\)/);
  });

  it.each([
    ["not a string", 42],
    ["empty", ""],
    ["not a URL", "not a url"],
    ["websocket", "wss://rpc.example.com"],
    ["file", "file:///etc/passwd"],
    ["plain http off loopback", "http://rpc.example.com"],
    ["plain http to a private address", "http://10.0.0.5:8545"],
    ["a fragment", "https://rpc.example.com/#x"],
    ["too long", `https://rpc.example.com/${"a".repeat(2048)}`],
    ["a colon in the user name", "https://a%3Ab:c@rpc.example.com"],
    ["malformed percent-encoding", "https://%E0%A4%A@rpc.example.com"],
  ])("refuses an rpcUrl with %s", (_what, rpcUrl) => {
    expect(configError({ ...base, rpcUrl })).toMatch(/^rpcUrl /);
  });

  it.each([
    ["too short", REGISTRY.slice(0, -1)],
    ["too long", `${REGISTRY}0`],
    ["without 0x", REGISTRY.slice(2)],
    ["non-hex", `0x${"g".repeat(40)}`],
    ["a wrong checksum", REGISTRY.replace("eED", "eEd")],
    ["the zero address", `0x${"0".repeat(40)}`],
    ["an ENS name", "registry.eth"],
    ["not a string", 1234],
  ])("refuses an address or owner that is %s", (_what, value) => {
    expect(configError({ ...base, address: value })).toMatch(/^address /);
    expect(configError({ ...base, owner: value })).toMatch(/^owner /);
  });

  it.each([
    ["chainId", 0],
    ["chainId", -1],
    ["chainId", 1.5],
    ["chainId", "8453"],
    ["chainId", Number.MAX_SAFE_INTEGER + 1],
    ["cacheTtlMs", -1],
    ["cacheTtlMs", 3_600_001],
    ["cacheTtlMs", 0.5],
    ["cacheTtlMs", Number.NaN],
    ["timeoutMs", 0],
    ["timeoutMs", 60_001],
    ["timeoutMs", Number.POSITIVE_INFINITY],
    ["timeoutMs", "5000"],
  ])("refuses %s = %s", (key, value) => {
    expect(configError({ ...base, [key]: value })).toMatch(new RegExp(`^${key} must be an integer`));
  });
});
