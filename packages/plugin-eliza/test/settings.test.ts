import { AgentRuntime, type Character, type IAgentRuntime } from "@elizaos/core";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pkg from "../package.json" with { type: "json" };
import { AirlockService, AirlockSettingsError, airlockPlugin, loadAirlockSettings, SETTING_NAMES, SETTINGS } from "../src/index.js";

const SECRET = "0123456789abcdef-test-secret-0123456789";
const URL_OK = "http://127.0.0.1:8545";

type Settings = NonNullable<Character["settings"]>;
function runtime(opts: { settings?: Settings; secrets?: Record<string, string | number | boolean>; env?: Record<string, string> } = {}): AgentRuntime {
  const character: Character = {
    name: "Settings Agent",
    bio: "x",
    ...(opts.settings === undefined ? {} : { settings: opts.settings }),
    ...(opts.secrets === undefined ? {} : { secrets: opts.secrets }),
  };
  return new AgentRuntime({ character, settings: opts.env ?? {} });
}

async function settingsError(rt: IAgentRuntime): Promise<AirlockSettingsError> {
  const err = await loadAirlockSettings(rt).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AirlockSettingsError);
  expect((err as AirlockSettingsError).code).toBe("AIRLOCK_SETTINGS");
  return err as AirlockSettingsError;
}

let dir: string;
let pem: { ca: string; cert: string; key: string; notPem: string };
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "airlock-eliza-"));
  const block = (label: string) => `-----BEGIN ${label}-----\nMIIBfake\n-----END ${label}-----\n`;
  pem = { ca: join(dir, "ca.pem"), cert: join(dir, "client.pem"), key: join(dir, "client.key"), notPem: join(dir, "notes.txt") };
  await writeFile(pem.ca, block("CERTIFICATE"));
  await writeFile(pem.cert, block("CERTIFICATE"));
  await writeFile(pem.key, block("PRIVATE KEY"));
  await writeFile(pem.notPem, "just some text\n");
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("loadAirlockSettings", () => {
  it("needs only the URL and the secret", async () => {
    const s = await loadAirlockSettings(runtime({ settings: { AIRLOCK_URL: `${URL_OK}/` }, secrets: { AIRLOCK_HMAC_SECRET: SECRET } }));
    expect(s).toEqual({ clientOptions: { baseUrl: URL_OK, hmacSecret: SECRET }, operator: {} });
  });

  it("reads every setting, from the character and from the runtime settings (the environment)", async () => {
    const pin = Buffer.alloc(32, 7).toString("base64");
    const rt = runtime({
      settings: {
        AIRLOCK_URL: "https://signer.internal:8545",
        AIRLOCK_CLIENT_ID: "agent-1",
        AIRLOCK_KEY_ID: "default",
        AIRLOCK_ACCOUNT_ADDRESS: "0x00ABC",
        AIRLOCK_CHAIN_ID: "SN_MAIN",
        AIRLOCK_DEFAULT_VALID_FOR_SECONDS: 120,
        AIRLOCK_TLS_CA: pem.ca,
        AIRLOCK_TLS_PINNED_SPKI_SHA256: `${pin}, ${pin}`,
        AIRLOCK_EXPECTED_SESSION_PUBLIC_KEYS: '{"default":"0x1f2e"}',
      },
      secrets: { AIRLOCK_HMAC_SECRET: SECRET },
      env: { AIRLOCK_TIMEOUT_MS: "2500", AIRLOCK_TLS_CERT: pem.cert, AIRLOCK_TLS_KEY: pem.key },
    });
    const s = await loadAirlockSettings(rt);
    expect(s.operator).toEqual({ keyId: "default", accountAddress: "0xabc", chainId: "0x534e5f4d41494e", defaultValidForSeconds: 120 });
    expect(s.clientOptions).toMatchObject({
      baseUrl: "https://signer.internal:8545",
      clientId: "agent-1",
      keyId: "default",
      timeoutMs: 2500,
      expectedSessionPublicKeys: { default: "0x1f2e" },
      tls: { pinnedPublicKeySha256: [pin, pin] },
    });
    expect(s.clientOptions.tls?.ca).toContain("BEGIN CERTIFICATE");
    expect(s.clientOptions.tls?.key).toContain("BEGIN PRIVATE KEY");
    // The client accepts what the settings produced.
    const service = await AirlockService.start(rt);
    expect(service.client.baseUrl).toBe("https://signer.internal:8545");
    expect(service.operator.requester).toBe("Settings Agent");
    await service.stop();
  });

  it("takes the secret from secrets, settings.secrets or the environment; an empty .env line is unset", async () => {
    const places = [
      runtime({ settings: { AIRLOCK_URL: URL_OK }, secrets: { AIRLOCK_HMAC_SECRET: SECRET } }),
      runtime({ settings: { AIRLOCK_URL: URL_OK, secrets: { AIRLOCK_HMAC_SECRET: SECRET } } }),
      runtime({ env: { AIRLOCK_URL: URL_OK, AIRLOCK_HMAC_SECRET: SECRET, AIRLOCK_CLIENT_ID: "" } }),
    ];
    for (const rt of places) expect((await loadAirlockSettings(rt)).clientOptions).toEqual({ baseUrl: URL_OK, hmacSecret: SECRET });
  });

  it("refuses a secret in plain character settings, even with a copy in secrets, and does not echo it", async () => {
    for (const rt of [
      runtime({ settings: { AIRLOCK_URL: URL_OK, AIRLOCK_HMAC_SECRET: SECRET } }),
      runtime({ settings: { AIRLOCK_URL: URL_OK, AIRLOCK_HMAC_SECRET: SECRET }, secrets: { AIRLOCK_HMAC_SECRET: SECRET } }),
    ]) {
      const err = await settingsError(rt);
      expect(err.setting).toBe("AIRLOCK_HMAC_SECRET");
      expect(err.message).toMatch(/plain `settings`.*move it to the character's `secrets`/);
      expect(err.message).not.toContain(SECRET);
    }
  });

  it("names a missing required setting", async () => {
    const noUrl = await settingsError(runtime({ secrets: { AIRLOCK_HMAC_SECRET: SECRET } }));
    expect(noUrl.setting).toBe("AIRLOCK_URL");
    expect(noUrl.message).toMatch(/^AIRLOCK_URL is not set; it is required/);
    expect(noUrl.message).not.toContain(SECRET);
    const noSecret = await settingsError(runtime({ settings: { AIRLOCK_URL: URL_OK } }));
    expect(noSecret.setting).toBe("AIRLOCK_HMAC_SECRET");
    expect(noSecret.message).toMatch(/^AIRLOCK_HMAC_SECRET is not set/);
  });

  const https = { AIRLOCK_URL: "https://signer.internal:8545" };
  const malformed: [name: string, value: string | number, extra?: Settings][] = [
    ["AIRLOCK_URL", "http://operator:hunter2-hunter2@127.0.0.1:8545"],
    ["AIRLOCK_URL", "ftp://127.0.0.1:8545"],
    ["AIRLOCK_URL", "http://127.0.0.1:8545/v1/sign"],
    ["AIRLOCK_URL", "http://127.0.0.1:8545?token=abcdefgh"],
    ["AIRLOCK_URL", "signer-host-without-scheme"],
    ["AIRLOCK_CLIENT_ID", "client id with spaces"],
    ["AIRLOCK_CLIENT_ID", "true"],
    ["AIRLOCK_HMAC_SECRET", "short-secret"],
    ["AIRLOCK_KEY_ID", "key/with/slashes"],
    ["AIRLOCK_ACCOUNT_ADDRESS", "0x0"],
    ["AIRLOCK_ACCOUNT_ADDRESS", "123456789"],
    ["AIRLOCK_ACCOUNT_ADDRESS", `0x${"f".repeat(64)}`],
    ["AIRLOCK_CHAIN_ID", "sepolia-lowercase"],
    ["AIRLOCK_CHAIN_ID", 534],
    ["AIRLOCK_DEFAULT_VALID_FOR_SECONDS", "000000"],
    ["AIRLOCK_DEFAULT_VALID_FOR_SECONDS", 90_000],
    ["AIRLOCK_TIMEOUT_MS", "12.5"],
    ["AIRLOCK_TIMEOUT_MS", "fast-please"],
    ["AIRLOCK_TLS_PINNED_SPKI_SHA256", "not-a-pin-value", https],
    ["AIRLOCK_EXPECTED_SESSION_PUBLIC_KEYS", "{not-json-at-all"],
    ["AIRLOCK_EXPECTED_SESSION_PUBLIC_KEYS", '{"default":"0x0"}'],
    ["AIRLOCK_EXPECTED_SESSION_PUBLIC_KEYS", '["0x1f2e0badbeef"]'],
    ["AIRLOCK_EXPECTED_SESSION_PUBLIC_KEYS", '{"bad key id!":"0x1f2e"}'],
  ];
  it.each(malformed)("names %s when it is malformed (%s), without echoing the value", async (name, value, extra) => {
    const settings: Settings = { AIRLOCK_URL: URL_OK, ...extra, [name]: value };
    const secrets = name === "AIRLOCK_HMAC_SECRET" ? { AIRLOCK_HMAC_SECRET: String(value) } : { AIRLOCK_HMAC_SECRET: SECRET };
    if (name === "AIRLOCK_HMAC_SECRET") delete settings[name];
    const err = await settingsError(runtime({ settings, secrets }));
    expect(err.setting).toBe(name);
    expect(err.message).toMatch(new RegExp(`^${name} must be`));
    expect(err.message).not.toContain(String(value));
    expect(err.message).not.toContain(SECRET);
  });

  it("checks the TLS settings together and reads the files at start", async () => {
    const base = { secrets: { AIRLOCK_HMAC_SECRET: SECRET } };
    const plain = await settingsError(runtime({ ...base, settings: { AIRLOCK_URL: URL_OK, AIRLOCK_TLS_CA: pem.ca } }));
    expect(plain).toMatchObject({ setting: "AIRLOCK_URL", message: expect.stringContaining("https") });
    const half = await settingsError(runtime({ ...base, settings: { ...https, AIRLOCK_TLS_CERT: pem.cert } }));
    expect(half).toMatchObject({ setting: "AIRLOCK_TLS_CERT", message: expect.stringContaining("go together") });
    const missing = await settingsError(runtime({ ...base, settings: { ...https, AIRLOCK_TLS_CA: join(dir, "absent.pem") } }));
    expect(missing).toMatchObject({ setting: "AIRLOCK_TLS_CA", message: "AIRLOCK_TLS_CA names a file that could not be read (ENOENT)." });
    const notPem = await settingsError(runtime({ ...base, settings: { ...https, AIRLOCK_TLS_KEY: pem.notPem, AIRLOCK_TLS_CERT: pem.cert } }));
    expect(notPem.setting).toBe("AIRLOCK_TLS_KEY");
    expect(notPem.message).not.toContain(dir);
    const directory = await settingsError(runtime({ ...base, settings: { ...https, AIRLOCK_TLS_CA: dir } }));
    expect(directory.setting).toBe("AIRLOCK_TLS_CA");
  });
});

describe("the Nitro trust settings", () => {
  const PCR0 = "a0".repeat(48);
  const RPC = "https://rpc.example/v3/sk-eliza-rpc-key-0123456789";
  const OWNER = "0x1111111111111111111111111111111111111111";
  const REGISTRY = "0x2222222222222222222222222222222222222222";

  it("map onto the client's nitro option, from settings and secrets, numbers as numbers or digits", async () => {
    const rt = runtime({
      settings: {
        AIRLOCK_URL: URL_OK,
        AIRLOCK_NITRO_EXPECTED_PCR0: `${PCR0}, ${"b0".repeat(48)}`,
        AIRLOCK_NITRO_EXPECTED_PCR8: "a8".repeat(48),
        AIRLOCK_NITRO_MAX_AGE_MS: 120_000,
        AIRLOCK_REGISTRY_ADDRESS: REGISTRY,
        AIRLOCK_REGISTRY_OWNER: OWNER,
      },
      secrets: { AIRLOCK_HMAC_SECRET: SECRET, AIRLOCK_REGISTRY_RPC_URL: RPC },
      env: { AIRLOCK_REGISTRY_CHAIN_ID: "8453", AIRLOCK_NITRO_ROOT_SHA256: "cd".repeat(32) },
    });
    const s = await loadAirlockSettings(rt);
    expect(s.clientOptions.nitro).toEqual({
      allowedPcrs: { "0": [PCR0, "b0".repeat(48)], "8": ["a8".repeat(48)] },
      rootFingerprintSha256: "cd".repeat(32),
      maxAttestationAgeMs: 120_000,
      registry: { rpcUrl: RPC, address: REGISTRY, owner: OWNER, chainId: 8453 },
    });
    const service = await AirlockService.start(rt);
    expect(service.client.attestedSigner).toBeUndefined();
    await service.stop();
  });

  it("are absent (keyring backend) when none is set", async () => {
    const s = await loadAirlockSettings(runtime({ settings: { AIRLOCK_URL: URL_OK, AIRLOCK_NITRO_EXPECTED_PCR0: "" }, secrets: { AIRLOCK_HMAC_SECRET: SECRET } }));
    expect(s.clientOptions).not.toHaveProperty("nitro");
  });

  const malformed: [string, Settings, RegExp][] = [
    ["AIRLOCK_NITRO_EXPECTED_PCR0", { AIRLOCK_NITRO_EXPECTED_PCR0: "not-hex-at-all" }, /^AIRLOCK_NITRO_EXPECTED_PCR0 must hold 48-byte measurements as hex\.$/],
    ["AIRLOCK_NITRO_EXPECTED_PCR0", { AIRLOCK_NITRO_EXPECTED_PCR0: `${PCR0},,${PCR0}` }, /^AIRLOCK_NITRO_EXPECTED_PCR0 has an empty entry/],
    ["AIRLOCK_NITRO_EXPECTED_PCR0", { AIRLOCK_NITRO_EXPECTED_PCR0: Array(17).fill(PCR0).join(",") }, /must be a list of 1 to 16 measurements/],
    ["AIRLOCK_NITRO_EXPECTED_PCR2", { AIRLOCK_NITRO_EXPECTED_PCR0: PCR0, AIRLOCK_NITRO_EXPECTED_PCR2: "a2".repeat(40) }, /^AIRLOCK_NITRO_EXPECTED_PCR2 must hold 48-byte/],
    ["AIRLOCK_NITRO_MAX_AGE_MS", { AIRLOCK_NITRO_EXPECTED_PCR0: PCR0, AIRLOCK_NITRO_MAX_AGE_MS: 500 }, /^AIRLOCK_NITRO_MAX_AGE_MS must be an integer from 10000 to 86400000\.$/],
    ["AIRLOCK_NITRO_POLICY_HASH", { AIRLOCK_NITRO_EXPECTED_PCR0: PCR0, AIRLOCK_NITRO_POLICY_HASH: "policy-v2" }, /^AIRLOCK_NITRO_POLICY_HASH must be 64 lowercase hex/],
    ["AIRLOCK_NITRO_EXPECTED_PCR0", { AIRLOCK_NITRO_EXPECTED_PCR1: "a1".repeat(48) }, /^AIRLOCK_NITRO_EXPECTED_PCR0 is not set, but other Nitro trust settings are/],
    ["AIRLOCK_REGISTRY_ADDRESS", { AIRLOCK_NITRO_EXPECTED_PCR0: PCR0, AIRLOCK_REGISTRY_RPC_URL: RPC }, /^AIRLOCK_REGISTRY_ADDRESS is not set: .* go together/],
    ["AIRLOCK_REGISTRY_RPC_URL", { AIRLOCK_NITRO_EXPECTED_PCR0: PCR0, AIRLOCK_REGISTRY_RPC_URL: "ftp://rpc.example/sk-eliza-rpc-key-0123456789", AIRLOCK_REGISTRY_ADDRESS: REGISTRY, AIRLOCK_REGISTRY_OWNER: OWNER }, /^AIRLOCK_REGISTRY_RPC_URL must be the JSON-RPC URL/],
    ["AIRLOCK_REGISTRY_OWNER", { AIRLOCK_NITRO_EXPECTED_PCR0: PCR0, AIRLOCK_REGISTRY_RPC_URL: RPC, AIRLOCK_REGISTRY_ADDRESS: REGISTRY, AIRLOCK_REGISTRY_OWNER: "me" }, /^AIRLOCK_REGISTRY_OWNER must be the 0x address/],
  ];
  it.each(malformed)("refuse a malformed or incomplete set, naming %s (case %#), without echoing a value", async (name, values, message) => {
    const err = await settingsError(runtime({ settings: { AIRLOCK_URL: URL_OK, ...values }, secrets: { AIRLOCK_HMAC_SECRET: SECRET } }));
    expect(err.setting).toBe(name);
    expect(err.message).toMatch(message);
    for (const v of Object.values(values)) expect(err.message).not.toContain(String(v).slice(0, 24));
    expect(err.message).not.toContain("sk-eliza-rpc-key");
    expect(err.message).not.toContain(SECRET);
  });

  it("a malformed PCR list stops the service through ElizaOS's registration, naming the setting", async () => {
    const rt = runtime({ settings: { AIRLOCK_URL: URL_OK, AIRLOCK_NITRO_EXPECTED_PCR0: "zz-not-a-pcr" }, secrets: { AIRLOCK_HMAC_SECRET: SECRET } });
    await rt.registerPlugin(airlockPlugin);
    const loaded = rt.getServiceLoadPromise("airlock");
    (rt as unknown as { initResolver: () => void }).initResolver();
    const err = await loaded.then(
      () => new Error("the service started"),
      (e: unknown) => e as Error,
    );
    expect(err.message).toContain("AIRLOCK_NITRO_EXPECTED_PCR0 must hold 48-byte measurements as hex.");
    expect(rt.getService("airlock")).toBeNull();
  });
});

describe("declared settings (package.json agentConfig)", () => {
  const declared = (pkg as unknown as { agentConfig: { pluginType: string; pluginParameters: Record<string, Record<string, unknown>> } }).agentConfig;

  it("declares exactly the settings the code reads, with the same flags", async () => {
    expect(declared.pluginType).toBe("elizaos:plugin:1.0.0");
    expect(Object.keys(declared.pluginParameters).sort()).toEqual([...SETTING_NAMES].sort());
    for (const [name, spec] of Object.entries(SETTINGS)) {
      const p = declared.pluginParameters[name]!;
      expect(p).toMatchObject({ required: spec.required, sensitive: spec.sensitive });
      expect(["string", "number"]).toContain(p["type"]);
      expect(typeof p["description"]).toBe("string");
    }
    // The keys the plugin really asks the runtime for.
    const rt = runtime({ settings: { AIRLOCK_URL: URL_OK }, secrets: { AIRLOCK_HMAC_SECRET: SECRET } });
    const read = new Set<string>();
    const getSetting = rt.getSetting.bind(rt);
    rt.getSetting = (k: string) => (read.add(k), getSetting(k));
    await loadAirlockSettings(rt);
    expect([...read].sort()).toEqual([...SETTING_NAMES].sort());
    // The secret, and the registry's RPC URL (not a secret, but it may embed an API key).
    expect(Object.entries(declared.pluginParameters).filter(([, p]) => p["sensitive"] === true).map(([n]) => n)).toEqual(["AIRLOCK_HMAC_SECRET", "AIRLOCK_REGISTRY_RPC_URL"]);
  });
});

describe("service start through ElizaOS's plugin registration", () => {
  async function registrationError(rt: AgentRuntime, logs: string[]): Promise<Error> {
    const logger = rt.logger as unknown as Record<string, unknown>;
    for (const level of ["debug", "info", "warn", "error"]) logger[level] = (...args: unknown[]) => void logs.push(JSON.stringify(args));
    await rt.registerPlugin(airlockPlugin);
    const loaded = rt.getServiceLoadPromise("airlock");
    (rt as unknown as { initResolver: () => void }).initResolver();
    return loaded.then(
      () => new Error("the service started"),
      (e: unknown) => e as Error,
    );
  }

  it("fails naming AIRLOCK_URL when it is missing; the runtime logs the name, not the secret", async () => {
    const logs: string[] = [];
    const rt = runtime({ secrets: { AIRLOCK_HMAC_SECRET: SECRET } });
    const err = await registrationError(rt, logs);
    expect(err.message).toContain("AIRLOCK_URL is not set");
    expect(rt.getService("airlock")).toBeNull();
    expect(logs.some((l) => l.includes("Service registration failed") && l.includes("AIRLOCK_URL"))).toBe(true);
    expect(logs.join("\n")).not.toContain(SECRET);
  });

  it("refuses a secret in plain settings", async () => {
    const logs: string[] = [];
    const err = await registrationError(runtime({ settings: { AIRLOCK_URL: URL_OK, AIRLOCK_HMAC_SECRET: SECRET } }), logs);
    expect(err.message).toContain("move it to the character's `secrets`");
    expect(`${err.message}\n${logs.join("\n")}`).not.toContain(SECRET);
  });
});
