import { validateCharacter, type Character } from "@elizaos/core";
import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newClient, newKey, sidecarEnv, startTestSidecar, type TestSidecar } from "../../../test/support/sidecar-harness.js";
import { AIRLOCK_SIGNER_STATUS, AirlockSettingsError, loadAirlockSettings, SETTING_NAMES, SIGN_STARKNET_SESSION_TX } from "../src/index.js";
import { runAction, startAgent, type TestAgent } from "./support/test-agent.js";
import { AgentRuntime } from "@elizaos/core";

const EXAMPLE = new URL("../../../examples/eliza-agent/", import.meta.url);
const PLACEHOLDER = "<REPLACE_ME>";

let character: Character;
let readme: string;
beforeAll(async () => {
  character = JSON.parse(await readFile(new URL("character.json", EXAMPLE), "utf8")) as Character;
  readme = await readFile(new URL("README.md", EXAMPLE), "utf8");
});

describe("examples/eliza-agent/character.json", () => {
  it("is a valid ElizaOS character that loads the plugin", () => {
    const result = validateCharacter(character);
    expect(result.error).toBeUndefined();
    expect(result.success).toBe(true);
    expect(character.plugins).toContain("@airlock/plugin-eliza");
  });

  it("declares only known settings, and keeps the HMAC secret in secrets, as a placeholder", () => {
    const airlockKeys = [...Object.keys(character.settings ?? {}), ...Object.keys(character.secrets ?? {})].filter((k) => k.startsWith("AIRLOCK_"));
    for (const k of airlockKeys) expect(SETTING_NAMES).toContain(k);
    expect(character.settings).not.toHaveProperty("AIRLOCK_HMAC_SECRET");
    expect(character.secrets).toHaveProperty("AIRLOCK_HMAC_SECRET");
    for (const value of Object.values(character.secrets ?? {})) expect(value).toBe(PLACEHOLDER);
  });

  it("does not start as shipped: the placeholders must be replaced first", async () => {
    const rt = new AgentRuntime({ character, settings: {} });
    const err = await loadAirlockSettings(rt).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AirlockSettingsError);
    expect(["AIRLOCK_HMAC_SECRET", "AIRLOCK_ACCOUNT_ADDRESS"]).toContain((err as AirlockSettingsError).setting);
  });

  it("the README explains every setting and the commands it relies on", () => {
    for (const name of SETTING_NAMES) expect(readme).toContain(name);
    expect(readme).toContain("npx airlock-signer dev");
    expect(readme).toContain("elizaos start --character");
  });
});

describe("the example character, placeholders filled, against a live dev-like sidecar", () => {
  const dev = newClient("dev");
  const key = newKey("default");
  let sc: TestSidecar;
  let agent: TestAgent;
  beforeAll(async () => {
    sc = await startTestSidecar(sidecarEnv({ clients: [dev], keys: [key] }));
    agent = await startAgent({
      name: character.name,
      settings: { ...(character.settings as Record<string, string | number>), AIRLOCK_URL: sc.url, AIRLOCK_ACCOUNT_ADDRESS: "0x4a11ce" },
      secrets: { ...character.secrets, AIRLOCK_HMAC_SECRET: dev.secret },
    });
  });
  afterAll(async () => {
    await agent?.stop();
    await sc?.close();
  });

  it("reaches the signer and signs with the configured account and chain", async () => {
    expect((await runAction(agent, AIRLOCK_SIGNER_STATUS, { text: "status" })).result.success).toBe(true);
    const call = { contractAddress: "0x49d3", entrypoint: "transfer", calldata: ["0x1", "5", "0"] };
    const { result } = await runAction(agent, SIGN_STARKNET_SESSION_TX, { text: "", calls: [call] });
    expect(result).toMatchObject({ success: true, data: { ok: true, data: { accountAddress: "0x4a11ce", chainId: "0x534e5f5345504f4c4941" } } });
  });
});
