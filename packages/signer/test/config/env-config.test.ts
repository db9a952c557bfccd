import { describe, expect, it } from "vitest";
import { inspect } from "node:util";
import { selectorOf, starkKeyOf } from "@airlock/core/starknet";
import { ConfigError, loadConfig } from "../../src/config/env-config.js";
import { BUILTIN_DENIED_ENTRYPOINTS } from "../../src/config/policy-file.js";
import {
  BASE,
  DFNS,
  DFNS_TOKEN,
  DFNS_UA,
  KEY_A,
  KEY_B,
  PRODUCTION,
  PUB_A,
  PUB_B,
  SECRET,
  SECRET_2,
  expectOneProblem,
  problemsOf,
} from "./fixtures.js";

describe("defaults (SISNA's)", () => {
  const config = loadConfig(BASE);

  it("uses SISNA's transport, auth and policy defaults", () => {
    expect(config.nodeEnv).toBe("development");
    expect(config.production).toBe(false);
    expect(config.port).toBe(8545);
    expect(config.host).toBe("127.0.0.1");
    expect(config.logLevel).toBe("info");
    expect(config.tls).toBeUndefined();
    expect(config.auth.defaultClientId).toBe("default");
    expect(config.auth.maxSkewMs).toBe(30_000);
    expect(config.auth.nonceTtlMs).toBe(120_000);
    expect(config.policy.maxValidityWindowSec).toBe(86_400);
    expect(config.policy.allowedChainIds.size).toBe(0);
  });

  it("uses SISNA's store, scanner and signer defaults plus Airlock's", () => {
    expect(config.stores).toEqual({
      replay: "memory",
      rateLimit: { enabled: false, backend: "memory", windowMs: 60_000, maxRequests: 120 },
      spend: "memory",
    });
    expect(config.leakScanner).toEqual({ enabled: false, action: "block" });
    expect(config.signer.defaultKeyId).toBe("default");
    expect(config.signer.securityProfile).toBe("flex");
    expect(config.signer.preflightOnStartup).toBe(false);
    expect(config.signer.provider.kind).toBe("local");
    expect(config.signer.provider.keyIds()).toEqual(["default"]);
    expect(config.signer.provider.publicKey("default")).toBe(starkKeyOf(BigInt(KEY_A)));
    expect(config.audit.file).toBeUndefined();
    expect(config.metricsEnabled).toBe(true);
  });

  it("makes the single HMAC secret the default client", () => {
    const client = config.auth.clients.get("default");
    expect(client?.hmacSecret).toBe(SECRET);
    expect(client?.allowedKeyIds).toBeUndefined();
    expect(client?.allowedAccounts).toBeUndefined();
  });

  it("denies SISNA's built-in admin entrypoints by selector", () => {
    expect(BUILTIN_DENIED_ENTRYPOINTS).toHaveLength(15);
    expect(config.policy.deniedSelectors.size).toBe(15);
    for (const name of BUILTIN_DENIED_ENTRYPOINTS) expect(config.policy.deniedSelectors.has(selectorOf(name))).toBe(true);
    expect(config.policy.clients.size).toBe(0);
    expect(config.policy.spendingLimits).toEqual([]);
  });

  it("lists every HMAC secret and private key, as given, for the leak scanner", () => {
    expect([...config.signer.secretsForScanner]).toEqual([SECRET, KEY_A]);
  });
});

describe("immutability and redaction", () => {
  const config = loadConfig({
    ...BASE,
    KEYRING_AUTH_CLIENTS_JSON: JSON.stringify([{ clientId: "default", hmacSecret: SECRET_2, allowedKeyIds: ["default"] }]),
  });

  it("is deeply frozen, including its maps and sets", () => {
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.auth)).toBe(true);
    expect(Object.isFrozen(config.stores.rateLimit)).toBe(true);
    expect(Object.isFrozen(config.policy.spendingLimits)).toBe(true);
    expect(Object.isFrozen(config.signer.secretsForScanner)).toBe(true);
    expect(() => {
      (config as { port: number }).port = 1;
    }).toThrow(TypeError);
    const clients = config.auth.clients as Map<string, unknown>;
    expect(() => clients.set("x", {})).toThrow(TypeError);
    expect(() => clients.delete("default")).toThrow(TypeError);
    const denied = config.policy.deniedSelectors as Set<bigint>;
    expect(() => denied.add(1n)).toThrow(TypeError);
    expect(() => denied.clear()).toThrow(TypeError);
    const client = config.auth.clients.get("default");
    expect(Object.isFrozen(client)).toBe(true);
    expect(() => (client?.allowedKeyIds as Set<string>).add("other")).toThrow(TypeError);
  });

  it("keeps secrets out of JSON.stringify and util.inspect of the whole configuration", () => {
    const json = JSON.stringify(config, (_k, v: unknown) =>
      v instanceof Map ? Object.fromEntries(v) : v instanceof Set ? [...v] : typeof v === "bigint" ? v.toString() : v,
    );
    const printed = inspect(config, { depth: 10 });
    for (const text of [json, printed]) {
      for (const secret of [SECRET, SECRET_2, KEY_A, KEY_A.slice(2), BigInt(KEY_A).toString()]) expect(text).not.toContain(secret);
    }
    expect(json).toContain('"clientId":"default"');
    expect(config.auth.clients.get("default")?.hmacSecret).toBe(SECRET_2);
  });
});

describe("problems are collected, one line each", () => {
  it("reports every problem at once", () => {
    const problems = problemsOf({
      PORT: "80a",
      KEYRING_MAX_SKEW_MS: "-5",
      KEYRING_TRANSPORT: "ftp",
      KEYRING_LEAK_SCANNER_ENABLED: "maybe",
      KEYRING_REPLAY_STORE: "redis",
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        "PORT must be an integer between 0 and 65535",
        "KEYRING_MAX_SKEW_MS must be an integer between 1 and 3600000",
        "KEYRING_TRANSPORT must be one of http, https",
        "KEYRING_LEAK_SCANNER_ENABLED must be one of 1/true/yes/on or 0/false/no/off",
        "KEYRING_REDIS_URL is required when KEYRING_REPLAY_STORE=redis",
        "No auth clients configured. Set KEYRING_HMAC_SECRET or KEYRING_AUTH_CLIENTS_JSON.",
        "No signing key configured. Set SESSION_PRIVATE_KEY, KEYRING_SIGNING_KEYS_JSON or KEYRING_KEYSTORE_PATH.",
      ]),
    );
    expect(problems).toHaveLength(7);
  });

  it("throws a ConfigError with a stable code and a message listing the problems", () => {
    try {
      loadConfig({});
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).code).toBe("CONFIG_INVALID");
      expect((err as ConfigError).message).toMatch(/^invalid configuration \(2 problems\):\n {2}- /);
    }
  });
});

describe("keys and auth clients (SISNA rules)", () => {
  it("fails without a signing key", () => {
    expectOneProblem({ KEYRING_HMAC_SECRET: SECRET }, /^No signing key configured\./);
  });

  it("fails without an auth client", () => {
    expectOneProblem({ SESSION_PRIVATE_KEY: KEY_A }, "No auth clients configured. Set KEYRING_HMAC_SECRET or KEYRING_AUTH_CLIENTS_JSON.");
  });

  it("accepts several keys from KEYRING_SIGNING_KEYS_JSON, which overrides SESSION_PRIVATE_KEY", () => {
    const config = loadConfig({
      ...BASE,
      KEYRING_SIGNING_KEYS_JSON: JSON.stringify([
        { keyId: "default", privateKey: KEY_B, publicKey: PUB_B },
        { keyId: "ops", privateKey: KEY_A },
      ]),
    });
    expect(config.signer.provider.keyIds()).toEqual(["default", "ops"]);
    expect(config.signer.provider.publicKey("default")).toBe(BigInt(PUB_B));
    expect([...config.signer.secretsForScanner]).toEqual([SECRET, KEY_A, KEY_B]);
  });

  it("fails on a duplicate keyId", () => {
    const keys = [{ keyId: "default", privateKey: KEY_A }, { keyId: "default", privateKey: KEY_B }];
    expectOneProblem({ ...BASE, KEYRING_SIGNING_KEYS_JSON: JSON.stringify(keys) }, "Duplicate keyId in signing keys: default");
  });

  it("fails when KEYRING_DEFAULT_KEY_ID names no key", () => {
    expectOneProblem(
      { KEYRING_HMAC_SECRET: SECRET, KEYRING_SIGNING_KEYS_JSON: JSON.stringify([{ keyId: "ops", privateKey: KEY_A }]) },
      "KEYRING_DEFAULT_KEY_ID (default) not present in signing keys",
    );
    expect(loadConfig({ ...BASE, KEYRING_DEFAULT_KEY_ID: "ops" }).signer.provider.keyIds()).toEqual(["ops"]);
  });

  it("checks a given public key against the derived Stark key", () => {
    expect(loadConfig({ ...BASE, SESSION_PUBLIC_KEY: PUB_A }).signer.provider.publicKey("default")).toBe(BigInt(PUB_A));
    expectOneProblem({ ...BASE, SESSION_PUBLIC_KEY: PUB_B }, "SESSION_PRIVATE_KEY: public key does not match the Stark key derived from the private key");
    expectOneProblem(
      { ...BASE, KEYRING_SIGNING_KEYS_JSON: JSON.stringify([{ keyId: "default", privateKey: KEY_A, publicKey: PUB_B }]) },
      "KEYRING_SIGNING_KEYS_JSON[0] (keyId default): public key does not match the Stark key derived from the private key",
    );
    expectOneProblem({ ...BASE, SESSION_PUBLIC_KEY: "abc" }, "SESSION_PRIVATE_KEY: public key must be 0x-prefixed hex below the Stark prime");
  });

  it("accepts private keys as 0x hex, 64 bare hex digits or decimal", () => {
    const expected = starkKeyOf(BigInt(KEY_A));
    const bare = KEY_A.slice(2).padStart(64, "0");
    for (const spelling of [KEY_A, KEY_A.toUpperCase().replace("0X", "0x"), bare, BigInt(KEY_A).toString()]) {
      expect(loadConfig({ ...BASE, SESSION_PRIVATE_KEY: spelling }).signer.provider.publicKey("default")).toBe(expected);
    }
  });

  it.each([
    ["zero", "0x0"],
    ["the curve order", "0x0800000000000010ffffffffffffffffb781126dcae7b2321e66a241adc64d2f"],
    ["non-hex", "0xzz"],
    ["bare hex of the wrong length", "abc123"],
    ["a negative number", "-5"],
    ["too many digits", `0x${"1".repeat(65)}`],
  ])("refuses a private key that is %s", (_name, key) => {
    expectOneProblem({ ...BASE, SESSION_PRIVATE_KEY: key }, /^SESSION_PRIVATE_KEY: private key must be 0x-prefixed hex/);
  });

  it("accepts KEYRING_AUTH_CLIENTS_JSON with key and account allowlists (felt-normalised)", () => {
    const config = loadConfig({
      SESSION_PRIVATE_KEY: KEY_A,
      KEYRING_AUTH_CLIENTS_JSON: JSON.stringify([
        { clientId: "default", hmacSecret: SECRET },
        { clientId: "mcp-ops", hmacSecret: SECRET_2, allowedKeyIds: ["default"], allowedAccountAddresses: ["0x00ABC", "0x1"] },
      ]),
    });
    const ops = config.auth.clients.get("mcp-ops");
    expect([...(ops?.allowedKeyIds ?? [])]).toEqual(["default"]);
    expect([...(ops?.allowedAccounts ?? [])]).toEqual([0xabcn, 1n]);
    expect([...config.signer.secretsForScanner]).toEqual([SECRET, SECRET_2, KEY_A]);
  });

  it("lets KEYRING_AUTH_CLIENTS_JSON override KEYRING_HMAC_SECRET, still scanning for the overridden one", () => {
    const config = loadConfig({ ...BASE, KEYRING_AUTH_CLIENTS_JSON: JSON.stringify([{ clientId: "default", hmacSecret: SECRET_2 }]) });
    expect(config.auth.clients.get("default")?.hmacSecret).toBe(SECRET_2);
    expect(config.signer.secretsForScanner).toContain(SECRET);
  });

  it("fails on a duplicate client id", () => {
    const clients = [{ clientId: "default", hmacSecret: SECRET }, { clientId: "default", hmacSecret: SECRET_2 }];
    expectOneProblem({ SESSION_PRIVATE_KEY: KEY_A, KEYRING_AUTH_CLIENTS_JSON: JSON.stringify(clients) }, "Duplicate auth client id: default");
  });

  it("fails when KEYRING_DEFAULT_AUTH_CLIENT_ID names no client", () => {
    expectOneProblem(
      { SESSION_PRIVATE_KEY: KEY_A, KEYRING_AUTH_CLIENTS_JSON: JSON.stringify([{ clientId: "agent", hmacSecret: SECRET }]) },
      "KEYRING_DEFAULT_AUTH_CLIENT_ID (default) not present in auth clients",
    );
    const config = loadConfig({ ...BASE, KEYRING_DEFAULT_AUTH_CLIENT_ID: "agent" });
    expect([...config.auth.clients.keys()]).toEqual(["agent"]);
  });

  it("fails when a client names an unknown keyId", () => {
    const clients = [{ clientId: "default", hmacSecret: SECRET, allowedKeyIds: ["default", "ghost"] }];
    expectOneProblem({ SESSION_PRIVATE_KEY: KEY_A, KEYRING_AUTH_CLIENTS_JSON: JSON.stringify(clients) }, "Client default references unknown keyId: ghost");
  });

  it("refuses HMAC secrets under 16 characters (SISNA's change_me)", () => {
    expectOneProblem({ ...BASE, KEYRING_HMAC_SECRET: "change_me" }, "KEYRING_HMAC_SECRET must be 16-1024 characters");
    const clients = [{ clientId: "default", hmacSecret: "short" }];
    expectOneProblem(
      { SESSION_PRIVATE_KEY: KEY_A, KEYRING_AUTH_CLIENTS_JSON: JSON.stringify(clients) },
      "KEYRING_AUTH_CLIENTS_JSON[0].hmacSecret: Too small: expected string to have >=16 characters",
    );
  });

  it("refuses unknown fields in the JSON variables (a typo must not widen access)", () => {
    const clients = [{ clientId: "default", hmacSecret: SECRET, allowedKeyID: ["default"] }];
    expectOneProblem(
      { SESSION_PRIVATE_KEY: KEY_A, KEYRING_AUTH_CLIENTS_JSON: JSON.stringify(clients) },
      'KEYRING_AUTH_CLIENTS_JSON[0]: unknown field "allowedKeyID"',
    );
    const keys = [{ keyId: "default", privateKey: KEY_A, extra: 1 }];
    expectOneProblem({ ...BASE, KEYRING_SIGNING_KEYS_JSON: JSON.stringify(keys) }, 'KEYRING_SIGNING_KEYS_JSON[0]: unknown field "extra"');
  });

  it("reports the problems of every entry, not just the first bad one", () => {
    const keys = [
      { keyId: "default", privateKey: KEY_A },
      { keyId: "bad id", privateKey: KEY_B },
      { keyId: "k2", privateKey: "0x0" },
      { keyId: "k3", privateKey: KEY_B, publicKey: PUB_A },
    ];
    expect(problemsOf({ ...BASE, KEYRING_SIGNING_KEYS_JSON: JSON.stringify(keys) })).toEqual([
      "KEYRING_SIGNING_KEYS_JSON[1].keyId: expected 1-64 of [A-Za-z0-9._:@-]",
      "KEYRING_SIGNING_KEYS_JSON[2] (keyId k2): private key must be 0x-prefixed hex, 64 unprefixed hex digits or decimal, with 1 <= key < Stark curve order",
      "KEYRING_SIGNING_KEYS_JSON[3] (keyId k3): public key does not match the Stark key derived from the private key",
    ]);
    expect(problemsOf({ ...BASE, KEYRING_SIGNING_KEYS_JSON: "[]" })).toEqual(["KEYRING_SIGNING_KEYS_JSON must hold 1-256 entries"]);
    expect(problemsOf({ ...BASE, KEYRING_AUTH_CLIENTS_JSON: "{}" })).toEqual(["KEYRING_AUTH_CLIENTS_JSON must be a JSON array"]);
  });

  it("does not name unknown fields whose name could be a secret", () => {
    const clients = [{ clientId: "default", hmacSecret: SECRET, [KEY_B.slice(2)]: 1, [SECRET_2]: 2, note: 3 }];
    expect(problemsOf({ SESSION_PRIVATE_KEY: KEY_A, KEYRING_AUTH_CLIENTS_JSON: JSON.stringify(clients) })).toEqual([
      'KEYRING_AUTH_CLIENTS_JSON[0]: unknown fields "note", 2 more whose name is not shown',
    ]);
  });

  it("reports malformed JSON without quoting it", () => {
    expectOneProblem({ ...BASE, KEYRING_SIGNING_KEYS_JSON: `[{"keyId":"default","privateKey":"${KEY_B}"` }, "KEYRING_SIGNING_KEYS_JSON is not valid JSON");
    expectOneProblem({ SESSION_PRIVATE_KEY: KEY_A, KEYRING_AUTH_CLIENTS_JSON: `{${SECRET_2}` }, "KEYRING_AUTH_CLIENTS_JSON is not valid JSON");
  });

  it("enforces the id pattern on key and client ids", () => {
    expectOneProblem({ ...BASE, KEYRING_DEFAULT_KEY_ID: "bad key" }, /^KEYRING_DEFAULT_KEY_ID must be 1-64 characters/);
    expectOneProblem({ ...BASE, KEYRING_DEFAULT_AUTH_CLIENT_ID: "-dash" }, /^KEYRING_DEFAULT_AUTH_CLIENT_ID must be 1-64 characters/);
    const keys = [{ keyId: "x".repeat(65), privateKey: KEY_A }];
    expectOneProblem({ ...BASE, KEYRING_SIGNING_KEYS_JSON: JSON.stringify(keys) }, /^KEYRING_SIGNING_KEYS_JSON\[0\]\.keyId: expected 1-64/);
    expect(loadConfig({ ...BASE, KEYRING_DEFAULT_KEY_ID: "agent-1.ops:eu@x_y" }).signer.defaultKeyId).toBe("agent-1.ops:eu@x_y");
  });

  it("refuses account addresses that are not felts", () => {
    const clients = [{ clientId: "default", hmacSecret: SECRET, allowedAccountAddresses: ["123"] }];
    expectOneProblem(
      { SESSION_PRIVATE_KEY: KEY_A, KEYRING_AUTH_CLIENTS_JSON: JSON.stringify(clients) },
      /^KEYRING_AUTH_CLIENTS_JSON\[0\]\.allowedAccountAddresses\[0\]: expected 0x-prefixed hex/,
    );
  });
});

describe("scalar parsing is strict", () => {
  it.each(["1", "true", "yes", "on", "TRUE", " On "])("reads %j as true", (word) => {
    expect(loadConfig({ ...BASE, KEYRING_LEAK_SCANNER_ENABLED: word }).leakScanner.enabled).toBe(true);
  });

  it.each(["0", "false", "no", "off", "", "OFF"])("reads %j as false", (word) => {
    expect(loadConfig({ ...BASE, KEYRING_METRICS_ENABLED: word }).metricsEnabled).toBe(false);
  });

  it.each(["maybe", "2", "truee", "y"])("refuses the boolean %j", (word) => {
    expectOneProblem({ ...BASE, KEYRING_RATE_LIMIT_ENABLED: word }, "KEYRING_RATE_LIMIT_ENABLED must be one of 1/true/yes/on or 0/false/no/off");
  });

  it.each(["12abc", "-5", "1e3", " 5", "5.0", "0x10", "0", "99999999999999999"])("refuses the integer %j", (value) => {
    expectOneProblem({ ...BASE, KEYRING_RATE_LIMIT_MAX_REQUESTS: value }, "KEYRING_RATE_LIMIT_MAX_REQUESTS must be an integer between 1 and 1000000");
  });

  it("reads integers and enums", () => {
    const config = loadConfig({
      ...BASE,
      PORT: "0",
      HOST: "0.0.0.0",
      LOG_LEVEL: "debug",
      KEYRING_MAX_SKEW_MS: "1000",
      KEYRING_NONCE_TTL_MS: "2000",
      KEYRING_MAX_VALIDITY_WINDOW_SEC: "60",
      KEYRING_RATE_LIMIT_ENABLED: "1",
      KEYRING_RATE_LIMIT_WINDOW_MS: "1000",
      KEYRING_RATE_LIMIT_MAX_REQUESTS: "5",
      KEYRING_LEAK_SCANNER_ACTION: "warn",
      KEYRING_AUDIT_LOG_FILE: "/var/log/airlock/audit.jsonl",
    });
    expect(config.port).toBe(0);
    expect(config.host).toBe("0.0.0.0");
    expect(config.logLevel).toBe("debug");
    expect(config.auth.maxSkewMs).toBe(1000);
    expect(config.auth.nonceTtlMs).toBe(2000);
    expect(config.policy.maxValidityWindowSec).toBe(60);
    expect(config.stores.rateLimit).toEqual({ enabled: true, backend: "memory", windowMs: 1000, maxRequests: 5 });
    expect(config.leakScanner.action).toBe("warn");
    expect(config.audit.file).toBe("/var/log/airlock/audit.jsonl");
  });

  it("refuses out-of-range ports and unknown enum values", () => {
    expectOneProblem({ ...BASE, PORT: "65536" }, "PORT must be an integer between 0 and 65535");
    expectOneProblem({ ...BASE, LOG_LEVEL: "verbose" }, "LOG_LEVEL must be one of debug, info, warn, error, silent");
    expectOneProblem({ ...BASE, KEYRING_LEAK_SCANNER_ACTION: "drop" }, "KEYRING_LEAK_SCANNER_ACTION must be one of block, warn");
    expectOneProblem({ ...BASE, KEYRING_SIGNER_PROVIDER: "kms" }, "KEYRING_SIGNER_PROVIDER must be one of local, dfns");
  });

  it("accepts only the v2_snip12 session signature mode", () => {
    expect(loadConfig({ ...BASE, KEYRING_SESSION_SIGNATURE_MODE: "v2_snip12" }).signer.provider.kind).toBe("local");
    expectOneProblem({ ...BASE, KEYRING_SESSION_SIGNATURE_MODE: "v1_legacy" }, "KEYRING_SESSION_SIGNATURE_MODE must be one of v2_snip12");
  });

  it("treats blank values as unset", () => {
    const config = loadConfig({ ...BASE, PORT: "", KEYRING_REDIS_URL: "", KEYRING_TLS_CERT_PATH: "", KEYRING_POLICY_FILE: "" });
    expect(config.port).toBe(8545);
    expect(config.stores.redis).toBeUndefined();
  });

  it("parses the chain allowlist CSV as felts (SISNA drops empty entries)", () => {
    const config = loadConfig({ ...BASE, KEYRING_ALLOWED_CHAIN_IDS: " 0x534e5f5345504f4c4941, ,393402133025997798000961,0x534E5F4D41494E" });
    expect([...config.policy.allowedChainIds]).toEqual([0x534e5f5345504f4c4941n, 0x534e5f4d41494en]);
    expectOneProblem({ ...BASE, KEYRING_ALLOWED_CHAIN_IDS: "0x1,SN_SEPOLIA" }, /^KEYRING_ALLOWED_CHAIN_IDS entry 2 is not a felt/);
  });

  it("requires the nonce TTL to cover twice the clock skew (beyond SISNA)", () => {
    expectOneProblem({ ...BASE, KEYRING_MAX_SKEW_MS: "60000", KEYRING_NONCE_TTL_MS: "90000" }, "KEYRING_NONCE_TTL_MS must be at least twice KEYRING_MAX_SKEW_MS");
  });
});

describe("stores", () => {
  it("fails on KEYRING_REPLAY_STORE=redis without a URL", () => {
    expectOneProblem({ ...BASE, KEYRING_REPLAY_STORE: "redis" }, "KEYRING_REDIS_URL is required when KEYRING_REPLAY_STORE=redis");
  });

  it("fails on a redis rate limiter without a URL, only when rate limiting is on", () => {
    expectOneProblem(
      { ...BASE, KEYRING_RATE_LIMIT_ENABLED: "true", KEYRING_RATE_LIMIT_BACKEND: "redis" },
      "KEYRING_REDIS_URL is required when KEYRING_RATE_LIMIT_BACKEND=redis",
    );
    expect(loadConfig({ ...BASE, KEYRING_RATE_LIMIT_BACKEND: "redis" }).stores.redis).toBeUndefined();
  });

  it("configures redis (and the spend store) when a store uses it", () => {
    const config = loadConfig({
      ...BASE,
      KEYRING_RATE_LIMIT_ENABLED: "on",
      KEYRING_RATE_LIMIT_BACKEND: "redis",
      KEYRING_REDIS_URL: "redis://127.0.0.1:6379/2",
    });
    expect(config.stores.replay).toBe("memory");
    expect(config.stores.redis).toEqual({
      url: "redis://127.0.0.1:6379/2",
      noncePrefix: "starknet-keyring-proxy:nonce:",
      rateLimitPrefix: "starknet-keyring-proxy:ratelimit:",
      spendPrefix: "airlock:spend:",
    });
    expect(config.stores.spend).toBe("redis");
  });

  it("reads the redis prefixes", () => {
    const config = loadConfig({
      ...BASE,
      KEYRING_REPLAY_STORE: "redis",
      KEYRING_REDIS_URL: "redis://127.0.0.1:6379",
      KEYRING_REDIS_NONCE_PREFIX: "n:",
      KEYRING_REDIS_RATE_LIMIT_PREFIX: "r:",
      KEYRING_REDIS_SPEND_PREFIX: "s:",
    });
    expect(config.stores.redis).toMatchObject({ noncePrefix: "n:", rateLimitPrefix: "r:", spendPrefix: "s:" });
    expectOneProblem({ ...BASE, KEYRING_REDIS_SPEND_PREFIX: "has space" }, "KEYRING_REDIS_SPEND_PREFIX must be 1-128 printable ASCII characters without spaces");
  });

  it("keeps spending budgets in Redis whenever a URL is given, even with nonces and rate limits in memory", () => {
    const config = loadConfig({ ...BASE, KEYRING_REDIS_URL: "redis://127.0.0.1:6379" });
    expect(config.stores.redis?.url).toBe("redis://127.0.0.1:6379");
    expect(config.stores.replay).toBe("memory");
    expect(config.stores.spend).toBe("redis");
  });

  it("refuses a URL that is not redis:// or rediss://, without quoting its password", () => {
    expectOneProblem({ ...BASE, KEYRING_REDIS_URL: "http://user:hunter2hunter2@cache:6379" }, "KEYRING_REDIS_URL must be a redis:// or rediss:// URL");
    const problems = problemsOf({ ...BASE, KEYRING_REDIS_URL: "not a url hunter2hunter2" });
    expect(problems.join(" ")).not.toContain("hunter2");
  });
});

describe("transport", () => {
  it("fails on https without certificate and key", () => {
    expectOneProblem(
      { ...BASE, KEYRING_TRANSPORT: "https", KEYRING_TLS_CERT_PATH: "/c.pem" },
      "KEYRING_TLS_CERT_PATH and KEYRING_TLS_KEY_PATH are required when KEYRING_TRANSPORT=https",
    );
  });

  it("configures https without mTLS", () => {
    const config = loadConfig({ ...BASE, KEYRING_TRANSPORT: "https", KEYRING_TLS_CERT_PATH: "/c.pem", KEYRING_TLS_KEY_PATH: "/k.pem" });
    expect(config.tls).toEqual({ certPath: "/c.pem", keyPath: "/k.pem", mtlsRequired: false });
  });

  it("fails on mTLS without https", () => {
    expectOneProblem({ ...BASE, KEYRING_MTLS_REQUIRED: "true", KEYRING_TLS_CA_PATH: "/ca.pem" }, "KEYRING_MTLS_REQUIRED=true requires KEYRING_TRANSPORT=https");
  });

  it("fails on mTLS without a CA", () => {
    expectOneProblem(
      { ...BASE, KEYRING_TRANSPORT: "https", KEYRING_TLS_CERT_PATH: "/c.pem", KEYRING_TLS_KEY_PATH: "/k.pem", KEYRING_MTLS_REQUIRED: "yes" },
      "KEYRING_TLS_CA_PATH is required when KEYRING_MTLS_REQUIRED=true",
    );
  });

  it("configures mTLS", () => {
    const config = loadConfig({
      ...BASE,
      KEYRING_TRANSPORT: "https",
      KEYRING_TLS_CERT_PATH: "/c.pem",
      KEYRING_TLS_KEY_PATH: "/k.pem",
      KEYRING_TLS_CA_PATH: "/ca.pem",
      KEYRING_MTLS_REQUIRED: "1",
    });
    expect(config.tls).toEqual({ certPath: "/c.pem", keyPath: "/k.pem", caPath: "/ca.pem", mtlsRequired: true });
  });
});

describe("production", () => {
  it("accepts https + mTLS + rediss + acknowledged in-process keys", () => {
    const config = loadConfig(PRODUCTION);
    expect(config.production).toBe(true);
    expect(config.nodeEnv).toBe("production");
    expect(config.stores.redis?.url).toBe("rediss://redis.internal:6380");
  });

  it("reads NODE_ENV case-insensitively, as SISNA", () => {
    expect(loadConfig({ ...PRODUCTION, NODE_ENV: "Production" }).production).toBe(true);
  });

  it("requires https", () => {
    const { KEYRING_TRANSPORT: _t, KEYRING_MTLS_REQUIRED: _m, ...env } = PRODUCTION;
    expect(problemsOf(env)).toEqual([
      "NODE_ENV=production requires KEYRING_TRANSPORT=https",
      "NODE_ENV=production requires KEYRING_MTLS_REQUIRED=true",
    ]);
  });

  it("requires mTLS", () => {
    expectOneProblem({ ...PRODUCTION, KEYRING_MTLS_REQUIRED: "false" }, "NODE_ENV=production requires KEYRING_MTLS_REQUIRED=true");
  });

  it("requires rediss:// when redis is used", () => {
    expectOneProblem({ ...PRODUCTION, KEYRING_REDIS_URL: "redis://redis.internal:6379" }, "NODE_ENV=production requires KEYRING_REDIS_URL to use rediss://");
  });

  it("requires the acknowledgement to sign with in-process keys", () => {
    expectOneProblem(
      { ...PRODUCTION, KEYRING_ALLOW_INSECURE_IN_PROCESS_KEYS_IN_PRODUCTION: "false" },
      /^NODE_ENV=production requires explicit KEYRING_ALLOW_INSECURE_IN_PROCESS_KEYS_IN_PRODUCTION=true/,
    );
  });

  it("accepts the secure DFNS profile without the acknowledgement", () => {
    const { SESSION_PRIVATE_KEY: _k, KEYRING_ALLOW_INSECURE_IN_PROCESS_KEYS_IN_PRODUCTION: _a, ...prod } = PRODUCTION;
    const config = loadConfig({ ...prod, ...DFNS, KEYRING_SECURITY_PROFILE: "secure" });
    expect(config.signer.provider.kind).toBe("dfns");
    expect(config.signer.securityProfile).toBe("secure");
  });

  it("requires https for a remote DFNS endpoint (beyond SISNA; loopback http allowed)", () => {
    const { SESSION_PRIVATE_KEY: _k, ...prod } = PRODUCTION;
    expectOneProblem(
      { ...prod, ...DFNS, KEYRING_DFNS_SIGNER_URL: "http://dfns.example.com/sign" },
      /^NODE_ENV=production requires KEYRING_DFNS_SIGNER_URL to use https:\/\//,
    );
    expect(loadConfig({ ...prod, ...DFNS, KEYRING_DFNS_SIGNER_URL: "http://127.0.0.1:9000/sign" }).signer.provider.kind).toBe("dfns");
  });
});

describe("signer providers and profiles", () => {
  it("builds a DFNS provider with SISNA's defaults", () => {
    const config = loadConfig(DFNS);
    const provider = config.signer.provider;
    expect(provider.kind).toBe("dfns");
    expect(provider.keyIds()).toEqual(["default"]);
    expect(provider.publicKey("default")).toBe(BigInt(PUB_A));
    expect(typeof provider.preflight).toBe("function");
    expect([...config.signer.secretsForScanner]).toEqual([SECRET, DFNS_TOKEN, DFNS_UA]);
    expect(JSON.stringify(provider)).not.toContain(DFNS_TOKEN);
    expect(inspect(provider)).not.toContain(DFNS_UA);
    expect(loadConfig({ ...DFNS, KEYRING_DFNS_PREFLIGHT_ON_STARTUP: "true" }).signer.preflightOnStartup).toBe(true);
  });

  it("fails on dfns without URL, token, user-action signature or pins", () => {
    expect(problemsOf({ KEYRING_HMAC_SECRET: SECRET, KEYRING_SIGNER_PROVIDER: "dfns" })).toEqual([
      "KEYRING_DFNS_SIGNER_URL is required when KEYRING_SIGNER_PROVIDER=dfns",
      "KEYRING_DFNS_AUTH_TOKEN is required when KEYRING_SIGNER_PROVIDER=dfns",
      "KEYRING_DFNS_USER_ACTION_SIGNATURE is required when KEYRING_SIGNER_PROVIDER=dfns",
      "KEYRING_DFNS_PINNED_PUBKEYS_JSON is required when KEYRING_SIGNER_PROVIDER=dfns",
    ]);
  });

  it("fails on dfns without a pin for the default keyId", () => {
    expectOneProblem(
      { ...DFNS, KEYRING_DFNS_PINNED_PUBKEYS_JSON: JSON.stringify({ ops: PUB_A }) },
      "KEYRING_DFNS_PINNED_PUBKEYS_JSON has no pin for KEYRING_DEFAULT_KEY_ID (default)",
    );
  });

  it("fails on a pin for an unknown keyId when local keys are configured", () => {
    expectOneProblem(
      { ...DFNS, SESSION_PRIVATE_KEY: KEY_A, KEYRING_SIGNER_FALLBACK_PROVIDER: "local", KEYRING_DFNS_PINNED_PUBKEYS_JSON: JSON.stringify({ default: PUB_A, ghost: PUB_B }) },
      "KEYRING_DFNS_PINNED_PUBKEYS_JSON pins unknown keyId: ghost",
    );
  });

  it("refuses malformed pins", () => {
    expectOneProblem({ ...DFNS, KEYRING_DFNS_PINNED_PUBKEYS_JSON: JSON.stringify({ default: "0x0" }) }, /^KEYRING_DFNS_PINNED_PUBKEYS_JSON\.default: must be a non-zero felt/);
    expectOneProblem({ ...DFNS, KEYRING_DFNS_PINNED_PUBKEYS_JSON: "[]" }, /^KEYRING_DFNS_PINNED_PUBKEYS_JSON: /);
    expect(problemsOf({ ...DFNS, KEYRING_DFNS_PINNED_PUBKEYS_JSON: JSON.stringify({ default: PUB_A, "bad key": PUB_B }) })[0]).toMatch(
      /^KEYRING_DFNS_PINNED_PUBKEYS_JSON\.<key>: invalid key/,
    );
  });

  it("refuses DFNS URLs with credentials and header values that could inject headers", () => {
    expectOneProblem({ ...DFNS, KEYRING_DFNS_SIGNER_URL: "https://user:pw@dfns.example/sign" }, /^KEYRING_DFNS_SIGNER_URL must not embed credentials/);
    expectOneProblem({ ...DFNS, KEYRING_DFNS_SIGNER_URL: "ftp://dfns.example/sign" }, "KEYRING_DFNS_SIGNER_URL must be an absolute http:// or https:// URL");
    expectOneProblem({ ...DFNS, KEYRING_DFNS_AUTH_TOKEN: `${DFNS_TOKEN}\r\nx-evil: 1` }, "KEYRING_DFNS_AUTH_TOKEN must be 1-8192 printable ASCII characters without spaces");
  });

  it("reads the DFNS timeouts strictly", () => {
    expectOneProblem({ ...DFNS, KEYRING_DFNS_TIMEOUT_MS: "7s" }, "KEYRING_DFNS_TIMEOUT_MS must be an integer between 1 and 120000");
    expectOneProblem({ ...DFNS, KEYRING_DFNS_PREFLIGHT_TIMEOUT_MS: "0" }, "KEYRING_DFNS_PREFLIGHT_TIMEOUT_MS must be an integer between 1 and 120000");
  });

  it("fails on a fallback without dfns", () => {
    expectOneProblem({ ...BASE, KEYRING_SIGNER_FALLBACK_PROVIDER: "local" }, "KEYRING_SIGNER_FALLBACK_PROVIDER=local requires KEYRING_SIGNER_PROVIDER=dfns");
  });

  it("builds DFNS with a local fallback, which needs local keys", () => {
    const config = loadConfig({ ...DFNS, KEYRING_SIGNER_FALLBACK_PROVIDER: "local", SESSION_PRIVATE_KEY: KEY_A });
    expect(config.signer.provider.kind).toBe("dfns");
    expect(config.signer.provider.keyIds()).toEqual(["default"]);
    expect(inspect(config.signer.provider)).toMatch(/^FallbackSessionSignerProvider/);
    expectOneProblem({ ...DFNS, KEYRING_SIGNER_FALLBACK_PROVIDER: "local" }, /^No signing key configured\./);
  });

  it("fails on the secure profile without dfns", () => {
    expect(problemsOf({ ...BASE, KEYRING_SECURITY_PROFILE: "secure" })).toEqual([
      "KEYRING_SECURITY_PROFILE=secure requires KEYRING_SIGNER_PROVIDER=dfns",
      "KEYRING_SECURITY_PROFILE=secure forbids in-process keys (SESSION_PRIVATE_KEY, KEYRING_SIGNING_KEYS_JSON, KEYRING_KEYSTORE_PATH)",
    ]);
  });

  it("fails on the secure profile with a fallback", () => {
    const problems = problemsOf({ ...DFNS, SESSION_PRIVATE_KEY: KEY_A, KEYRING_SECURITY_PROFILE: "secure", KEYRING_SIGNER_FALLBACK_PROVIDER: "local" });
    expect(problems).toContain("KEYRING_SECURITY_PROFILE=secure requires KEYRING_SIGNER_FALLBACK_PROVIDER=none");
  });

  it("refuses in-process keys in the secure profile (beyond SISNA)", () => {
    expectOneProblem({ ...DFNS, SESSION_PRIVATE_KEY: KEY_A, KEYRING_SECURITY_PROFILE: "secure" }, /^KEYRING_SECURITY_PROFILE=secure forbids in-process keys/);
  });

  it("checks client key ids against the pinned keys in dfns mode", () => {
    const clients = [{ clientId: "default", hmacSecret: SECRET, allowedKeyIds: ["default", "local-only"] }];
    expectOneProblem({ ...DFNS, KEYRING_AUTH_CLIENTS_JSON: JSON.stringify(clients) }, "Client default references unknown keyId: local-only");
  });

});

describe("secrets never appear in problems", () => {
  it("keeps every secret out of a configuration with everything wrong", () => {
    const problems = problemsOf({
      KEYRING_HMAC_SECRET: "short",
      SESSION_PRIVATE_KEY: `${KEY_A}zz`,
      SESSION_PUBLIC_KEY: SECRET,
      KEYRING_AUTH_CLIENTS_JSON: JSON.stringify([{ clientId: SECRET_2, hmacSecret: SECRET, [KEY_B]: 1 }]),
      KEYRING_SIGNING_KEYS_JSON: JSON.stringify([{ keyId: "k", privateKey: `${KEY_B}0`, publicKey: SECRET_2 }, { keyId: KEY_A, privateKey: KEY_B }]),
      KEYRING_DEFAULT_KEY_ID: KEY_B,
      KEYRING_DEFAULT_AUTH_CLIENT_ID: SECRET,
      KEYRING_SIGNER_PROVIDER: "dfns",
      KEYRING_DFNS_SIGNER_URL: `https://x:${DFNS_TOKEN}@dfns.example/`,
      KEYRING_DFNS_AUTH_TOKEN: `${DFNS_TOKEN} with space`,
      KEYRING_DFNS_USER_ACTION_SIGNATURE: DFNS_UA,
      KEYRING_DFNS_PINNED_PUBKEYS_JSON: JSON.stringify({ [DFNS_UA]: KEY_A }),
      KEYRING_REDIS_URL: `redis://:${SECRET}@`,
    });
    expect(problems.length).toBeGreaterThan(5);
  });
});
