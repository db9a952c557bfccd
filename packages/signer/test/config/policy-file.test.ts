import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { selectorOf } from "@airlock/core/starknet";
import { loadConfig } from "../../src/config/env-config.js";
import { BUILTIN_DENIED_ENTRYPOINTS } from "../../src/config/policy-file.js";
import { BASE, KEY_A, KEY_B, SECRET, SECRET_2, expectOneProblem, memoryFiles, problemsOf } from "./fixtures.js";

const EXAMPLE_YAML = readFileSync(fileURLToPath(new URL("../../examples/policy.example.yaml", import.meta.url)), "utf8");
const ETH = "0x049d36570d4e46f48e99674bd3fcc84644ddd6b96f7c741b1562b82f9e004dc7";
const STRK = "0x04718f5a0fc34cc1af16a1cdee98ffb20c31f5cd61d6ab07201858f4287c938d";
const SEPOLIA = 0x534e5f5345504f4c4941n;
const MAINNET = 0x534e5f4d41494en;

/** Two keys and two clients; agent-1 may only use key "agent". */
const ENV = {
  KEYRING_SIGNING_KEYS_JSON: JSON.stringify([
    { keyId: "default", privateKey: KEY_A },
    { keyId: "agent", privateKey: KEY_B },
  ]),
  KEYRING_AUTH_CLIENTS_JSON: JSON.stringify([
    { clientId: "default", hmacSecret: SECRET },
    { clientId: "agent-1", hmacSecret: SECRET_2, allowedKeyIds: ["agent"], allowedAccountAddresses: ["0x123", "0x456"] },
  ]),
};

function withPolicy(path: string, text: string, env: Record<string, string> = ENV) {
  return { env: { ...env, KEYRING_POLICY_FILE: path }, opts: { readFile: memoryFiles({ [path]: text }) } };
}

function load(path: string, text: string, env?: Record<string, string>) {
  const { env: e, opts } = withPolicy(path, text, env);
  return loadConfig(e, opts);
}

function problems(path: string, text: string, env?: Record<string, string>) {
  const { env: e, opts } = withPolicy(path, text, env);
  return problemsOf(e, opts);
}

/** Sets as arrays, so frozen sets compare with expected literals. */
function plain(value: unknown): unknown {
  if (value instanceof Set) return [...value].map(plain);
  if (value instanceof Map) return Object.fromEntries([...value].map(([k, v]) => [k, plain(v)]));
  if (Array.isArray(value)) return value.map(plain);
  if (value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  return value;
}

const yaml = (body: string) => `version: 1\n${body}`;
const json = (body: object) => JSON.stringify({ version: 1, ...body });

describe("the example policy", () => {
  it("loads with the example environment's default client and key", () => {
    const config = load("/etc/airlock/policy.example.yaml", EXAMPLE_YAML, BASE);
    expect(config.policy.maxValidityWindowSec).toBe(3600);
    expect([...config.policy.allowedChainIds]).toEqual([SEPOLIA]);
    expect(config.policy.deniedSelectors.size).toBe(BUILTIN_DENIED_ENTRYPOINTS.length + 2);
    expect(config.policy.deniedSelectors.has(selectorOf("set_owner"))).toBe(true);
    const client = config.policy.clients.get("default");
    expect([...(client?.allowedKeyIds ?? [])]).toEqual(["default"]);
    expect([...(client?.allowedContracts ?? [])]).toEqual([BigInt(ETH), BigInt(STRK)]);
    expect([...(client?.allowedSelectors ?? [])]).toEqual([selectorOf("transfer"), selectorOf("approve")]);
    expect(client?.maxValidityWindowSec).toBe(600);
    expect(plain(config.policy.spendingLimits)).toEqual([
      { keyId: "*", token: BigInt(STRK), maxPerCall: 10n ** 18n, maxPerWindow: 5n * 10n ** 18n, windowMs: 86_400_000 },
      {
        keyId: "default",
        token: BigInt(ETH),
        maxPerCall: 0x2386f26fc10000n,
        windowMs: 86_400_000,
        allowedRecipients: [0x0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcden],
      },
    ]);
  });
});

describe("JSON and YAML", () => {
  const body = {
    defaults: { maxValidityWindowSec: 1200, allowedChainIds: ["0x534e5f5345504f4c4941", "0x534e5f4d41494e"], deniedEntrypoints: ["some_admin_fn", "0x1234"] },
    clients: {
      "agent-1": {
        allowedKeyIds: ["agent"],
        allowedAccounts: ["0x0123"],
        allowedContracts: [ETH],
        allowedEntrypoints: ["transfer", "0xabc"],
        deniedEntrypoints: ["approve"],
        allowedChainIds: ["393402133025997798000961"],
        maxValidityWindowSec: 600,
      },
    },
    spendingLimits: [{ keyId: "agent", token: ETH, maxPerWindow: "0x10", windowSeconds: 60 }],
  };
  const yamlText = `version: 1
defaults:
  maxValidityWindowSec: 1200
  allowedChainIds: ["0x534e5f5345504f4c4941", "0x534e5f4d41494e"]
  deniedEntrypoints: [some_admin_fn, "0x1234"]
clients:
  agent-1:
    allowedKeyIds: [agent]
    allowedAccounts: ["0x0123"]
    allowedContracts: ["${ETH}"]
    allowedEntrypoints: [transfer, "0xabc"]
    deniedEntrypoints: [approve]
    allowedChainIds: ["393402133025997798000961"]
    maxValidityWindowSec: 600
spendingLimits:
  - keyId: agent
    token: "${ETH}"
    maxPerWindow: "0x10"
    windowSeconds: 60
`;

  it("produces the same policy from .json, .yaml and .yml", () => {
    const fromJson = load("/p/policy.json", json(body)).policy;
    const fromYaml = load("/p/policy.yaml", yamlText).policy;
    const fromYml = load("/p/POLICY.YML", yamlText).policy;
    expect(plain(fromYaml)).toEqual(plain(fromJson));
    expect(plain(fromYml)).toEqual(plain(fromJson));
    expect(plain(fromJson)).not.toEqual(plain(load("/p/policy.json", json({})).policy));
  });

  it("applies defaults over the env, extends the denylist and converts names to selectors", () => {
    const policy = load("/p/policy.json", json(body), { ...ENV, KEYRING_MAX_VALIDITY_WINDOW_SEC: "7200", KEYRING_ALLOWED_CHAIN_IDS: "0x1" }).policy;
    expect(policy.maxValidityWindowSec).toBe(1200);
    expect([...policy.allowedChainIds]).toEqual([SEPOLIA, MAINNET]);
    expect(policy.deniedSelectors.has(selectorOf("some_admin_fn"))).toBe(true);
    expect(policy.deniedSelectors.has(0x1234n)).toBe(true);
    expect(policy.deniedSelectors.has(selectorOf("upgrade"))).toBe(true);
    const client = policy.clients.get("agent-1");
    expect(plain(client)).toEqual({
      allowedKeyIds: ["agent"],
      allowedAccounts: [0x123n],
      allowedContracts: [BigInt(ETH)],
      allowedSelectors: [selectorOf("transfer"), 0xabcn],
      deniedSelectors: [selectorOf("approve")],
      allowedChainIds: [SEPOLIA],
      maxValidityWindowSec: 600,
    });
    expect(policy.spendingLimits).toEqual([{ keyId: "agent", token: BigInt(ETH), maxPerWindow: 16n, windowMs: 60_000 }]);
  });

  it("keeps the env values when the file has no defaults", () => {
    const policy = load("/p/policy.yaml", yaml(""), { ...ENV, KEYRING_MAX_VALIDITY_WINDOW_SEC: "7200", KEYRING_ALLOWED_CHAIN_IDS: "0x534e5f4d41494e" }).policy;
    expect(policy.maxValidityWindowSec).toBe(7200);
    expect([...policy.allowedChainIds]).toEqual([MAINNET]);
    expect(policy.deniedSelectors.size).toBe(15);
  });

  it("freezes the policy's collections", () => {
    const policy = load("/p/policy.json", json(body)).policy;
    expect(() => (policy.clients as Map<string, unknown>).set("x", {})).toThrow(TypeError);
    expect(() => (policy.clients.get("agent-1")?.allowedSelectors as Set<bigint>).add(1n)).toThrow(TypeError);
    expect(Object.isFrozen(policy.spendingLimits[0])).toBe(true);
  });
});

describe("rejected files", () => {
  it("refuses other file types", () => {
    expectOneProblem(withPolicy("/p/policy.toml", "version = 1").env, "KEYRING_POLICY_FILE must end in .json, .yaml or .yml", withPolicy("/p/policy.toml", "").opts);
  });

  it("reports an unreadable file by error code", () => {
    expectOneProblem({ ...ENV, KEYRING_POLICY_FILE: "/missing.yaml" }, "KEYRING_POLICY_FILE could not be read (ENOENT)", { readFile: memoryFiles({}) });
  });

  it("reports syntax errors", () => {
    expect(problems("/p/p.json", "{version: 1}")).toEqual([expect.stringMatching(/^KEYRING_POLICY_FILE is not valid JSON: /)]);
    expect(problems("/p/p.yaml", "version: [1\n")).toEqual([expect.stringMatching(/^KEYRING_POLICY_FILE is not valid YAML: /)]);
  });

  it("refuses duplicate YAML keys", () => {
    expect(problems("/p/p.yaml", "version: 1\nversion: 1\n")).toEqual([expect.stringMatching(/^KEYRING_POLICY_FILE is not valid YAML: .*unique/i)]);
  });

  it("requires version 1", () => {
    expect(problems("/p/p.json", JSON.stringify({ version: 2 }))).toEqual([expect.stringMatching(/^KEYRING_POLICY_FILE\.version: /)]);
    expect(problems("/p/p.json", JSON.stringify({}))).toEqual([expect.stringMatching(/^KEYRING_POLICY_FILE\.version: /)]);
  });

  it.each([
    ["top level", { extra: true }, 'KEYRING_POLICY_FILE: unknown field "extra"'],
    ["defaults", { defaults: { maxValidity: 3 } }, 'KEYRING_POLICY_FILE.defaults: unknown field "maxValidity"'],
    ["a client", { clients: { "agent-1": { allowedContract: [ETH] } } }, 'KEYRING_POLICY_FILE.clients.agent-1: unknown field "allowedContract"'],
    ["a spending limit", { spendingLimits: [{ keyId: "*", token: ETH, maxPerCall: "1", perDay: "2" }] }, 'KEYRING_POLICY_FILE.spendingLimits[0]: unknown field "perDay"'],
  ])("refuses unknown fields in %s", (_where, body, expected) => {
    expectOneProblem(withPolicy("/p/p.json", json(body)).env, expected, withPolicy("/p/p.json", json(body)).opts);
  });

  it("asks for quotes around YAML hex numbers", () => {
    expect(problems("/p/p.yaml", yaml("defaults:\n  allowedChainIds: [0x534e5f5345504f4c4941]\n"))).toEqual([
      "KEYRING_POLICY_FILE.defaults.allowedChainIds[0]: expected a felt as a quoted string",
    ]);
  });

  it("bounds list sizes", () => {
    const many = Array.from({ length: 257 }, (_, i) => `0x${(i + 1).toString(16)}`);
    expect(problems("/p/p.json", json({ clients: { "agent-1": { allowedContracts: many } } }))).toEqual([
      "KEYRING_POLICY_FILE.clients.agent-1.allowedContracts: Too big: expected array to have <=256 items",
    ]);
  });

  it("refuses empty allowlists (omit the field to allow any)", () => {
    expect(problems("/p/p.json", json({ clients: { "agent-1": { allowedEntrypoints: [] } } }))).toEqual([
      "KEYRING_POLICY_FILE.clients.agent-1.allowedEntrypoints: must not be empty (omit the field to allow any)",
    ]);
  });

  it("refuses malformed felts, entrypoints and amounts", () => {
    const limit = { keyId: "*", token: ETH, maxPerCall: String(2n ** 256n) };
    expect(problems("/p/p.json", json({ spendingLimits: [limit] }))).toEqual(["KEYRING_POLICY_FILE.spendingLimits[0].maxPerCall: exceeds u256"]);
    expect(problems("/p/p.json", json({ clients: { "agent-1": { allowedEntrypoints: ["not-a-name"] } } }))[0]).toMatch(
      /^KEYRING_POLICY_FILE\.clients\.agent-1\.allowedEntrypoints\[0\]: expected a Cairo identifier/,
    );
    expect(problems("/p/p.json", json({ clients: { "agent-1": { allowedContracts: ["123"] } } }))[0]).toMatch(/expected 0x-prefixed hex/);
  });

  it("ties windowSeconds to maxPerWindow and requires some limit", () => {
    expect(problems("/p/p.json", json({ spendingLimits: [{ keyId: "*", token: ETH, maxPerWindow: "5" }] }))).toEqual([
      "KEYRING_POLICY_FILE.spendingLimits[0].windowSeconds: is required with maxPerWindow",
    ]);
    expect(problems("/p/p.json", json({ spendingLimits: [{ keyId: "*", token: ETH, maxPerCall: "5", windowSeconds: 5 }] }))).toEqual([
      "KEYRING_POLICY_FILE.spendingLimits[0].windowSeconds: only applies with maxPerWindow",
    ]);
    expect(problems("/p/p.json", json({ spendingLimits: [{ keyId: "*", token: ETH }] }))).toEqual([
      "KEYRING_POLICY_FILE.spendingLimits[0]: needs maxPerCall, maxPerWindow or allowedRecipients",
    ]);
  });
});

describe("cross-checks against clients and keys", () => {
  it("refuses a client that is not an auth client", () => {
    expect(problems("/p/p.json", json({ clients: { ghost: { maxValidityWindowSec: 10 } } }))).toEqual([
      "KEYRING_POLICY_FILE clients.ghost: no auth client with this id (KEYRING_AUTH_CLIENTS_JSON / KEYRING_DEFAULT_AUTH_CLIENT_ID)",
    ]);
  });

  it("refuses unknown key ids in clients and spending limits", () => {
    expect(
      problems("/p/p.json", json({ clients: { default: { allowedKeyIds: ["ghost"] } }, spendingLimits: [{ keyId: "phantom", token: ETH, maxPerCall: "1" }] })),
    ).toEqual([
      "KEYRING_POLICY_FILE clients.default.allowedKeyIds: unknown keyId ghost",
      "KEYRING_POLICY_FILE spendingLimits[0].keyId: unknown keyId phantom",
    ]);
  });

  it("only narrows the env's per-client key and account allowlists", () => {
    expect(problems("/p/p.json", json({ clients: { "agent-1": { allowedKeyIds: ["default"], allowedAccounts: ["0x999"] } } }))).toEqual([
      "KEYRING_POLICY_FILE clients.agent-1.allowedKeyIds: keyId default is not allowed for this client by KEYRING_AUTH_CLIENTS_JSON (policy can only narrow)",
      "KEYRING_POLICY_FILE clients.agent-1.allowedAccounts[0]: not among the client's allowedAccountAddresses (policy can only narrow)",
    ]);
  });

  it("intersects a client's chains with the global allowlist and refuses an empty intersection", () => {
    const env = { ...ENV, KEYRING_ALLOWED_CHAIN_IDS: "0x534e5f5345504f4c4941" };
    const policy = load("/p/p.json", json({ clients: { default: { allowedChainIds: ["0x534e5f5345504f4c4941", "0x534e5f4d41494e"] } } }), env).policy;
    expect([...(policy.clients.get("default")?.allowedChainIds ?? [])]).toEqual([SEPOLIA]);
    expect(problems("/p/p.json", json({ clients: { default: { allowedChainIds: ["0x534e5f4d41494e"] } } }), env)).toEqual([
      "KEYRING_POLICY_FILE clients.default.allowedChainIds: no chain id in common with the global allowlist",
    ]);
    const open = load("/p/p.json", json({ clients: { default: { allowedChainIds: ["0x534e5f4d41494e"] } } })).policy;
    expect([...(open.clients.get("default")?.allowedChainIds ?? [])]).toEqual([MAINNET]);
  });

  it("refuses a client validity window larger than the global one", () => {
    expect(problems("/p/p.json", json({ defaults: { maxValidityWindowSec: 100 }, clients: { default: { maxValidityWindowSec: 101 } } }))).toEqual([
      "KEYRING_POLICY_FILE clients.default.maxValidityWindowSec: larger than the global 100 (policy can only narrow)",
    ]);
  });

  it("refuses allowing an entrypoint that is denied", () => {
    const sel = `0x${selectorOf("upgrade").toString(16)}`;
    expect(problems("/p/p.json", json({ defaults: { deniedEntrypoints: ["mint"] }, clients: { default: { allowedEntrypoints: ["transfer", sel, "mint", "burn"], deniedEntrypoints: ["burn"] } } }))).toEqual([
      `KEYRING_POLICY_FILE clients.default.allowedEntrypoints[1]: ${sel} is also denied`,
      "KEYRING_POLICY_FILE clients.default.allowedEntrypoints[2]: mint is also denied",
      "KEYRING_POLICY_FILE clients.default.allowedEntrypoints[3]: burn is also denied",
    ]);
  });

  it("refuses duplicate keyId/token spending limits but allows '*' beside a key", () => {
    const a = { keyId: "agent", token: ETH, maxPerCall: "1" };
    expect(problems("/p/p.json", json({ spendingLimits: [a, { ...a, token: ETH.replace("0x0", "0x") }] }))).toEqual([
      "KEYRING_POLICY_FILE spendingLimits[1]: same keyId and token as spendingLimits[0]",
    ]);
    expect(load("/p/p.json", json({ spendingLimits: [a, { ...a, keyId: "*" }] })).policy.spendingLimits).toHaveLength(2);
  });

  it("checks policy client key ids against the DFNS pins in dfns mode", () => {
    const env = {
      KEYRING_HMAC_SECRET: SECRET,
      KEYRING_SIGNER_PROVIDER: "dfns",
      KEYRING_DFNS_SIGNER_URL: "https://dfns.internal/sign",
      KEYRING_DFNS_AUTH_TOKEN: "token-abcdefgh",
      KEYRING_DFNS_USER_ACTION_SIGNATURE: "ua-abcdefgh",
      KEYRING_DFNS_PINNED_PUBKEYS_JSON: JSON.stringify({ default: "0x1234" }),
    };
    expect(problems("/p/p.json", json({ clients: { default: { allowedKeyIds: ["agent"] } } }), env)).toEqual([
      "KEYRING_POLICY_FILE clients.default.allowedKeyIds: unknown keyId agent",
    ]);
  });
});
