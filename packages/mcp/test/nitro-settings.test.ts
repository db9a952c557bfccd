import { clientFromSettings, ENV_VARS, loadMcpSettings, McpSettingsError } from "@airlock/mcp";
import { describe, expect, it } from "vitest";

const SECRET = "Sup3r$ecret!-0123456789abcdef";
const BASE = { AIRLOCK_URL: "http://127.0.0.1:8545", AIRLOCK_HMAC_SECRET: SECRET };
const PCR0 = "a0".repeat(48);
const RPC = "https://rpc.example/v3/sk-mcp-rpc-key-0123456789";
const OWNER = "0x1111111111111111111111111111111111111111";
const REGISTRY = "0x2222222222222222222222222222222222222222";

function failure(env: Record<string, string>): McpSettingsError {
  try {
    loadMcpSettings(env);
  } catch (err) {
    expect(err).toBeInstanceOf(McpSettingsError);
    return err as McpSettingsError;
  }
  throw new Error("expected the settings to be refused");
}

describe("the Nitro trust variables of airlock-mcp", () => {
  it("map onto the client's nitro option; the client accepts it", async () => {
    const settings = loadMcpSettings({
      ...BASE,
      [ENV_VARS.nitroExpectedPcr0]: `${PCR0},${"b0".repeat(48)}`,
      [ENV_VARS.nitroExpectedPcr1]: "a1".repeat(48),
      [ENV_VARS.nitroExpectedPcr2]: "a2".repeat(48),
      [ENV_VARS.nitroExpectedPcr8]: "a8".repeat(48),
      [ENV_VARS.nitroRootSha256]: "cd".repeat(32),
      [ENV_VARS.nitroMaxAgeMs]: "30000",
      [ENV_VARS.nitroPolicyHash]: "ef".repeat(32),
      [ENV_VARS.registryRpcUrl]: RPC,
      [ENV_VARS.registryAddress]: REGISTRY,
      [ENV_VARS.registryOwner]: OWNER,
      [ENV_VARS.registryChainId]: "1",
    });
    expect(settings.client.nitro).toEqual({
      allowedPcrs: { "0": [PCR0, "b0".repeat(48)], "1": ["a1".repeat(48)], "2": ["a2".repeat(48)], "8": ["a8".repeat(48)] },
      rootFingerprintSha256: "cd".repeat(32),
      maxAttestationAgeMs: 30_000,
      expectedPolicyHash: "ef".repeat(32),
      registry: { rpcUrl: RPC, address: REGISTRY, owner: OWNER, chainId: 1 },
    });
    expect(settings.warnings).toEqual([]);
    const client = clientFromSettings(settings);
    expect(client.attestedSigner).toBeUndefined();
    expect(JSON.stringify(client)).not.toContain("sk-mcp-rpc-key");
    await client.close();
  });

  it("leave the client without nitro (keyring backend) when unset or empty", () => {
    expect(loadMcpSettings({ ...BASE, [ENV_VARS.nitroExpectedPcr0]: "" }).client).not.toHaveProperty("nitro");
  });

  it("report a malformed PCR list with every other problem at once, under each variable, never quoting a value", () => {
    const err = failure({
      ...BASE,
      AIRLOCK_CLIENT_ID: "no spaces allowed",
      [ENV_VARS.nitroExpectedPcr0]: `${PCR0},not-a-measurement`,
      [ENV_VARS.nitroExpectedPcr2]: `${"a2".repeat(48)},`,
      [ENV_VARS.nitroMaxAgeMs]: "forever",
      [ENV_VARS.registryRpcUrl]: "ftp://rpc.example/sk-mcp-rpc-key-0123456789",
      [ENV_VARS.registryAddress]: REGISTRY,
      [ENV_VARS.registryOwner]: OWNER,
    });
    expect(err.problems).toEqual(
      expect.arrayContaining([
        { variable: "AIRLOCK_CLIENT_ID", message: expect.any(String) },
        { variable: "AIRLOCK_NITRO_EXPECTED_PCR0", message: "must hold 48-byte measurements as hex" },
        { variable: "AIRLOCK_NITRO_EXPECTED_PCR2", message: "has an empty entry: separate the measurements with single commas" },
        { variable: "AIRLOCK_NITRO_MAX_AGE_MS", message: expect.stringMatching(/^must be an integer from 10000 to 86400000/) },
        { variable: "AIRLOCK_REGISTRY_RPC_URL", message: expect.stringMatching(/^must be the JSON-RPC URL/) },
      ]),
    );
    expect(err.problems).toHaveLength(5);
    for (const v of ["not-a-measurement", "forever", "sk-mcp-rpc-key", "rpc.example", REGISTRY, OWNER]) expect(err.message).not.toContain(v);
  });

  it("need PCR0 with any other one, and the registry's URL, address and owner together", () => {
    expect(failure({ ...BASE, [ENV_VARS.registryRpcUrl]: RPC, [ENV_VARS.registryChainId]: "1" }).problems.map((p) => p.variable).sort()).toEqual([
      "AIRLOCK_NITRO_EXPECTED_PCR0",
      "AIRLOCK_REGISTRY_ADDRESS",
      "AIRLOCK_REGISTRY_OWNER",
    ]);
    expect(failure({ ...BASE, [ENV_VARS.nitroExpectedPcr0]: PCR0, [ENV_VARS.registryChainId]: "1" }).problems).toEqual([
      { variable: "AIRLOCK_REGISTRY_CHAIN_ID", message: expect.stringContaining("is set without the registry") },
    ]);
    // PCR3 is not pinnable: a misspelt or unsupported variable is refused, not ignored.
    expect(failure({ ...BASE, [ENV_VARS.nitroExpectedPcr0]: PCR0, AIRLOCK_NITRO_EXPECTED_PCR3: PCR0 }).problems).toEqual([
      { variable: "AIRLOCK_NITRO_EXPECTED_PCR3", message: "is not a setting of airlock-mcp (check its spelling)" },
    ]);
  });
});
