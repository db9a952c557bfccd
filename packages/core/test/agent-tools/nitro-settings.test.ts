// The Nitro trust settings the bindings read (ElizaOS settings, MCP environment), mapped onto
// the client's `nitro` option with the client's own rules, and refused with fixed messages.
import { AirlockClient } from "@airlock/core";
import { NITRO_SETTING_NAMES, NITRO_SETTINGS, nitroTrustFromSettings, type NitroSettingName, type NitroSettingsResult } from "@airlock/core/agent-tools";
import { describe, expect, it } from "vitest";

const PCR0 = "a0".repeat(48);
const PCR0_NEXT = "b0".repeat(48);
const PCR1 = "a1".repeat(48);
const OWNER = "0x1111111111111111111111111111111111111111";
const REGISTRY = "0x2222222222222222222222222222222222222222";
const RPC_WITH_KEY = "https://rpc.example/v3/sk-live-registry-key-0123456789";

const read = (values: Partial<Record<NitroSettingName, unknown>>) => (name: NitroSettingName) => values[name];
const load = (values: Partial<Record<NitroSettingName, unknown>>): NitroSettingsResult => nitroTrustFromSettings(read(values));

function problems(values: Partial<Record<NitroSettingName, unknown>>) {
  const result = load(values);
  if (result.ok) throw new Error("expected the settings to be refused");
  return result.problems;
}

describe("nitroTrustFromSettings", () => {
  it("gives no nitro option when no Nitro setting is set (undefined, null and empty mean unset)", () => {
    expect(load({})).toEqual({ ok: true, nitro: undefined });
    expect(load({ AIRLOCK_NITRO_EXPECTED_PCR0: "", AIRLOCK_REGISTRY_RPC_URL: null })).toEqual({ ok: true, nitro: undefined });
  });

  it("maps every setting onto the client's nitro option, and the client accepts it", async () => {
    const result = load({
      AIRLOCK_NITRO_EXPECTED_PCR0: `${PCR0}, ${PCR0_NEXT}`,
      AIRLOCK_NITRO_EXPECTED_PCR1: PCR1,
      AIRLOCK_NITRO_EXPECTED_PCR2: "a2".repeat(48),
      AIRLOCK_NITRO_EXPECTED_PCR8: "a8".repeat(48),
      AIRLOCK_NITRO_ROOT_SHA256: "cd".repeat(32),
      AIRLOCK_NITRO_MAX_AGE_MS: "60000",
      AIRLOCK_NITRO_POLICY_HASH: "ef".repeat(32),
      AIRLOCK_REGISTRY_RPC_URL: RPC_WITH_KEY,
      AIRLOCK_REGISTRY_ADDRESS: REGISTRY,
      AIRLOCK_REGISTRY_OWNER: OWNER,
      AIRLOCK_REGISTRY_CHAIN_ID: 8453,
    });
    expect(result).toEqual({
      ok: true,
      nitro: {
        allowedPcrs: { "0": [PCR0, PCR0_NEXT], "1": [PCR1], "2": ["a2".repeat(48)], "8": ["a8".repeat(48)] },
        rootFingerprintSha256: "cd".repeat(32),
        maxAttestationAgeMs: 60_000,
        expectedPolicyHash: "ef".repeat(32),
        registry: { rpcUrl: RPC_WITH_KEY, address: REGISTRY, owner: OWNER, chainId: 8453 },
      },
    });
    if (!result.ok || result.nitro === undefined) throw new Error("expected a nitro option");
    const client = new AirlockClient({ baseUrl: "http://127.0.0.1:9", hmacSecret: "0123456789abcdef0123", nitro: result.nitro });
    expect(JSON.stringify(client)).not.toContain("sk-live-registry-key");
    await client.close();
  });

  it("takes integers as numbers (character JSON) or digits (the environment)", () => {
    const a = load({ AIRLOCK_NITRO_EXPECTED_PCR0: PCR0, AIRLOCK_NITRO_MAX_AGE_MS: 30_000 });
    const b = load({ AIRLOCK_NITRO_EXPECTED_PCR0: PCR0, AIRLOCK_NITRO_MAX_AGE_MS: "30000" });
    expect(a).toEqual(b);
    expect(a).toMatchObject({ ok: true, nitro: { maxAttestationAgeMs: 30_000 } });
  });

  const cases: [Partial<Record<NitroSettingName, unknown>>, NitroSettingName, RegExp][] = [
    [{ AIRLOCK_NITRO_EXPECTED_PCR0: "not-a-measurement" }, "AIRLOCK_NITRO_EXPECTED_PCR0", /^must hold 48-byte measurements as hex$/],
    [{ AIRLOCK_NITRO_EXPECTED_PCR0: "a0".repeat(47) }, "AIRLOCK_NITRO_EXPECTED_PCR0", /^must hold 48-byte measurements as hex$/],
    [{ AIRLOCK_NITRO_EXPECTED_PCR0: `${PCR0},` }, "AIRLOCK_NITRO_EXPECTED_PCR0", /^has an empty entry/],
    [{ AIRLOCK_NITRO_EXPECTED_PCR0: Array(17).fill(PCR0).join(",") }, "AIRLOCK_NITRO_EXPECTED_PCR0", /^must be a list of 1 to 16 measurements$/],
    [{ AIRLOCK_NITRO_EXPECTED_PCR0: 42 }, "AIRLOCK_NITRO_EXPECTED_PCR0", /^must be a comma-separated list/],
    [{ AIRLOCK_NITRO_EXPECTED_PCR0: PCR0, AIRLOCK_NITRO_EXPECTED_PCR1: `${PCR1},zz` }, "AIRLOCK_NITRO_EXPECTED_PCR1", /^must hold 48-byte measurements as hex$/],
    [{ AIRLOCK_NITRO_EXPECTED_PCR0: PCR0, AIRLOCK_NITRO_EXPECTED_PCR8: true }, "AIRLOCK_NITRO_EXPECTED_PCR8", /^must be a comma-separated list/],
    [{ AIRLOCK_NITRO_EXPECTED_PCR0: PCR0, AIRLOCK_NITRO_ROOT_SHA256: "aws" }, "AIRLOCK_NITRO_ROOT_SHA256", /^must be a SHA-256 hex fingerprint$/],
    [{ AIRLOCK_NITRO_EXPECTED_PCR0: PCR0, AIRLOCK_NITRO_MAX_AGE_MS: "soon" }, "AIRLOCK_NITRO_MAX_AGE_MS", /^must be an integer from 10000/],
    [{ AIRLOCK_NITRO_EXPECTED_PCR0: PCR0, AIRLOCK_NITRO_MAX_AGE_MS: "5000" }, "AIRLOCK_NITRO_MAX_AGE_MS", /^must be an integer from 10000 to 86400000$/],
    [{ AIRLOCK_NITRO_EXPECTED_PCR0: PCR0, AIRLOCK_NITRO_MAX_AGE_MS: 12_500.5 }, "AIRLOCK_NITRO_MAX_AGE_MS", /^must be an integer from 10000/],
    [{ AIRLOCK_NITRO_EXPECTED_PCR0: PCR0, AIRLOCK_NITRO_POLICY_HASH: "EF".repeat(32) }, "AIRLOCK_NITRO_POLICY_HASH", /^must be 64 lowercase hex characters$/],
    [{ AIRLOCK_NITRO_POLICY_HASH: "ef".repeat(32) }, "AIRLOCK_NITRO_EXPECTED_PCR0", /^is not set, but other Nitro trust settings are/],
    [{ AIRLOCK_NITRO_EXPECTED_PCR0: PCR0, AIRLOCK_REGISTRY_ADDRESS: "0x1234" }, "AIRLOCK_REGISTRY_ADDRESS", /^must be the 0x address/],
    [{ AIRLOCK_NITRO_EXPECTED_PCR0: PCR0, AIRLOCK_REGISTRY_CHAIN_ID: "0" }, "AIRLOCK_REGISTRY_CHAIN_ID", /^must be the registry chain's id/],
    [{ AIRLOCK_NITRO_EXPECTED_PCR0: PCR0, AIRLOCK_REGISTRY_CHAIN_ID: "1" }, "AIRLOCK_REGISTRY_CHAIN_ID", /^is set without the registry/],
  ];
  it.each(cases)("refuses %j naming %s", (values, setting, message) => {
    const found = problems(values);
    expect(found.map((p) => p.setting)).toContain(setting);
    expect(found.find((p) => p.setting === setting)!.message).toMatch(message);
  });

  it("needs the registry's RPC URL, address and owner together, and PCR0 with them", () => {
    const found = problems({ AIRLOCK_REGISTRY_RPC_URL: RPC_WITH_KEY, AIRLOCK_REGISTRY_OWNER: OWNER });
    expect(found.map((p) => p.setting).sort()).toEqual(["AIRLOCK_NITRO_EXPECTED_PCR0", "AIRLOCK_REGISTRY_ADDRESS"]);
    expect(found.find((p) => p.setting === "AIRLOCK_REGISTRY_ADDRESS")!.message).toContain("go together");
  });

  it("reports every malformed setting at once", () => {
    const found = problems({
      AIRLOCK_NITRO_EXPECTED_PCR0: "zz",
      AIRLOCK_NITRO_EXPECTED_PCR2: "yy",
      AIRLOCK_NITRO_MAX_AGE_MS: "1",
      AIRLOCK_NITRO_ROOT_SHA256: "nope",
    });
    expect(found.map((p) => p.setting).sort()).toEqual(["AIRLOCK_NITRO_EXPECTED_PCR0", "AIRLOCK_NITRO_EXPECTED_PCR2", "AIRLOCK_NITRO_MAX_AGE_MS", "AIRLOCK_NITRO_ROOT_SHA256"]);
  });

  it("never quotes a value in a problem, above all the RPC URL (it may embed an API key)", () => {
    const values = {
      AIRLOCK_NITRO_EXPECTED_PCR0: "deadbeef-pcr-value",
      AIRLOCK_REGISTRY_RPC_URL: "ftp://rpc.example/sk-live-registry-key-0123456789",
      AIRLOCK_REGISTRY_ADDRESS: "0xnot-an-address-value",
      AIRLOCK_REGISTRY_OWNER: OWNER,
    };
    const found = problems(values);
    expect(found.map((p) => p.setting).sort()).toEqual(["AIRLOCK_NITRO_EXPECTED_PCR0", "AIRLOCK_REGISTRY_ADDRESS", "AIRLOCK_REGISTRY_RPC_URL"]);
    const text = JSON.stringify(found);
    for (const v of [...Object.values(values), "sk-live", "rpc.example", "deadbeef"]) if (v !== OWNER) expect(text).not.toContain(v);
    expect(problems({ AIRLOCK_NITRO_EXPECTED_PCR0: PCR0, AIRLOCK_REGISTRY_RPC_URL: "not a url sk-live-registry-key", AIRLOCK_REGISTRY_ADDRESS: REGISTRY, AIRLOCK_REGISTRY_OWNER: OWNER })).toEqual([
      { setting: "AIRLOCK_REGISTRY_RPC_URL", message: `must be ${NITRO_SETTINGS.AIRLOCK_REGISTRY_RPC_URL.expected}` },
    ]);
  });

  it("declares eleven settings, only the RPC URL sensitive, each naming a client option", () => {
    expect(NITRO_SETTING_NAMES).toHaveLength(11);
    expect(NITRO_SETTING_NAMES.filter((n) => NITRO_SETTINGS[n].sensitive)).toEqual(["AIRLOCK_REGISTRY_RPC_URL"]);
    for (const n of NITRO_SETTING_NAMES) expect(NITRO_SETTINGS[n].option).toMatch(/^nitro\.(allowedPcrs\.[0128]|rootFingerprintSha256|maxAttestationAgeMs|expectedPolicyHash|registry\.(rpcUrl|address|owner|chainId))$/);
  });
});
