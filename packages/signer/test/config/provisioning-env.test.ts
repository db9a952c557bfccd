// Sealed provisioning configuration: AIRLOCK_ADMIN_PUBLIC_KEY(_FILE) + AIRLOCK_PROVISIONED_KEY_IDS
// with the Nitro backend; declared exchange accounts ("credentials": "provisioned"); the
// startup rules this mode relaxes (no key in the configuration) and the ones it adds (no secret
// in the configuration at all).
import { generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { adminKeyIdOf } from "@airlock/core/provisioning";
import { loadConfig } from "../../src/config/env-config.js";
import { BN_KEY, BN_SECRET } from "./exchange-fixtures.js";
import { DFNS, KEY_A, PRODUCTION, SECRET, expectOneProblem, memoryFiles, problemsOf } from "./fixtures.js";

const admin = generateKeyPairSync("ed25519");
const ADMIN_DER = (admin.publicKey.export({ format: "der", type: "spki" }) as Buffer).toString("base64");
const ADMIN_PEM = admin.publicKey.export({ format: "pem", type: "spki" }) as string;

const NITRO: Readonly<Record<string, string>> = Object.freeze({
  KEYRING_AUTH_CLIENTS_JSON: JSON.stringify([{ clientId: "default" }]),
  AIRLOCK_BACKEND: "nitro",
  AIRLOCK_ATTESTATION_SOURCE: "emulator",
  AIRLOCK_ADMIN_PUBLIC_KEY: ADMIN_DER,
  AIRLOCK_PROVISIONED_KEY_IDS: "default,ops",
});

const DECLARED = { account: "bn", venue: "binance", environment: "testnet", clients: ["default"], credentials: "provisioned" };

describe("sealed provisioning configuration", () => {
  it("starts without any key: declared ids, an empty provider that refuses to sign, not ready", async () => {
    const config = loadConfig(NITRO);
    expect(config.provisioning?.adminKeyId).toBe(adminKeyIdOf(admin.publicKey));
    expect(config.provisioning?.keyring.declaredKeyIds).toEqual(["default", "ops"]);
    expect(config.provisioning?.keyring.installed).toBe(false);
    expect(config.signer.provider.kind).toBe("local");
    expect(config.signer.provider.keyIds()).toEqual(["default", "ops"]);
    expect(config.signer.provider.publicKey("default")).toBeUndefined();
    await expect(config.signer.provider.check()).resolves.toEqual({ ok: false, error: "signing keys not provisioned" });
    expect([...config.signer.secretsForScanner]).toEqual([]);
    const client = config.auth.clients.get("default")!;
    expect(client.secretPending?.()).toBe(true);
    expect(config.provisioning?.keyring.declaredClients).toEqual(["default"]);
  });

  it("clients are declared without a secret: an inline hmacSecret or KEYRING_HMAC_SECRET is refused", () => {
    const inline = problemsOf({ ...NITRO, KEYRING_AUTH_CLIENTS_JSON: JSON.stringify([{ clientId: "default", hmacSecret: SECRET }]) });
    expect(inline).toEqual(["KEYRING_AUTH_CLIENTS_JSON[0]: with sealed provisioning client secrets arrive sealed; remove hmacSecret"]);
    const single = problemsOf({ ...NITRO, KEYRING_AUTH_CLIENTS_JSON: undefined, KEYRING_HMAC_SECRET: SECRET });
    expect(single).toEqual([
      "KEYRING_HMAC_SECRET: with sealed provisioning client secrets arrive sealed; declare the clients in KEYRING_AUTH_CLIENTS_JSON without hmacSecret",
      "No auth clients configured. With sealed provisioning, declare them in KEYRING_AUTH_CLIENTS_JSON (clientId and allowlists, no hmacSecret).",
    ]);
    expect(problemsOf({ ...NITRO, KEYRING_AUTH_CLIENTS_JSON: JSON.stringify([{ clientId: "default" }, { clientId: "default" }]) })).toEqual(["Duplicate auth client id: default"]);
    expect(problemsOf({ ...NITRO, KEYRING_AUTH_CLIENTS_JSON: JSON.stringify([{ clientId: "agent" }]) })).toEqual(["KEYRING_DEFAULT_AUTH_CLIENT_ID (default) not present in auth clients"]);
    expect(problemsOf({ ...NITRO, KEYRING_AUTH_CLIENTS_JSON: JSON.stringify([{ clientId: "default", allowedKeyIds: ["ops"], extra: 1 }]) })).toEqual(['KEYRING_AUTH_CLIENTS_JSON[0]: unknown field "extra"']);
    expect(problemsOf({ ...NITRO, KEYRING_AUTH_CLIENTS_JSON: JSON.stringify({}) })).toEqual(["KEYRING_AUTH_CLIENTS_JSON must be a JSON array of 1-256 entries"]);
    // Allowlists of declared clients work as usual.
    const config = loadConfig({ ...NITRO, KEYRING_AUTH_CLIENTS_JSON: JSON.stringify([{ clientId: "default", allowedKeyIds: ["ops"] }]) });
    expect([...config.auth.clients.get("default")!.allowedKeyIds!]).toEqual(["ops"]);
  });

  it("reads the admin key as PEM, from a file too", () => {
    expect(loadConfig({ ...NITRO, AIRLOCK_ADMIN_PUBLIC_KEY: ADMIN_PEM }).provisioning?.adminKeyId).toBe(adminKeyIdOf(admin.publicKey));
    const { AIRLOCK_ADMIN_PUBLIC_KEY: _inline, ...rest } = NITRO;
    const config = loadConfig({ ...rest, AIRLOCK_ADMIN_PUBLIC_KEY_FILE: "/run/secrets/admin.pem" }, { readFile: memoryFiles({ "/run/secrets/admin.pem": ADMIN_PEM }) });
    expect(config.provisioning?.adminKeyId).toBe(adminKeyIdOf(admin.publicKey));
  });

  it("declares exchange accounts without credentials; the policy hash is the same as with them", () => {
    const config = loadConfig({ ...NITRO, KEYRING_EXCHANGE_ACCOUNTS_JSON: JSON.stringify([DECLARED]) });
    const account = config.exchange.accounts.get("bn")!;
    expect(account).toMatchObject({ account: "bn", venue: "binance", environment: "testnet", source: "provisioned", baseUrl: "https://testnet.binance.vision" });
    expect(account.signer.secrets()).toEqual([]);
    expect(() => account.signer.sign({ type: "get_account" } as never, Date.now())).toThrow(/not provisioned/);
    expect(config.provisioning?.keyring.declaredAccounts).toEqual(["bn"]);
    // What the policy hash covers does not depend on where the credentials come from.
    const keyring = loadConfig({
      KEYRING_HMAC_SECRET: SECRET,
      KEYRING_SIGNING_KEYS_JSON: JSON.stringify([{ keyId: "default", privateKey: KEY_A }, { keyId: "ops", privateKey: KEY_A }]),
      KEYRING_EXCHANGE_ACCOUNTS_JSON: JSON.stringify([{ ...DECLARED, credentials: undefined, apiKey: BN_KEY, apiSecret: BN_SECRET }]),
    });
    expect(config.policyHash).toBe(keyring.policyHash);
  });

  it("needs the Nitro backend and both variables", () => {
    const { AIRLOCK_BACKEND: _b, AIRLOCK_ATTESTATION_SOURCE: _s, ...keyring } = NITRO;
    expect(problemsOf(keyring)).toContain("AIRLOCK_ADMIN_PUBLIC_KEY and AIRLOCK_PROVISIONED_KEY_IDS need AIRLOCK_BACKEND=nitro: keys are sealed to an attested enclave");
    expect(problemsOf({ ...NITRO, AIRLOCK_PROVISIONED_KEY_IDS: undefined })).toContain("AIRLOCK_ADMIN_PUBLIC_KEY and AIRLOCK_PROVISIONED_KEY_IDS must be set together");
    expect(problemsOf({ ...NITRO, AIRLOCK_ADMIN_PUBLIC_KEY: undefined })).toContain("AIRLOCK_ADMIN_PUBLIC_KEY and AIRLOCK_PROVISIONED_KEY_IDS must be set together");
  });

  it("refuses an admin key that is not an Ed25519 public key, without quoting it", () => {
    const privatePem = admin.privateKey.export({ format: "pem", type: "pkcs8" }) as string;
    const ec = (generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey.export({ format: "der", type: "spki" }) as Buffer).toString("base64");
    for (const bad of [privatePem, ec, "not-a-key", `${ADMIN_DER}x`]) {
      const problems = problemsOf({ ...NITRO, AIRLOCK_ADMIN_PUBLIC_KEY: bad });
      expect(problems).toEqual([expect.stringMatching(/^AIRLOCK_ADMIN_PUBLIC_KEY must be an Ed25519 public key/)]);
      expect(problems.join("\n")).not.toContain(bad.slice(0, 30));
    }
  });

  it("refuses malformed, duplicate and unknown-default key ids", () => {
    for (const bad of ["default,", "default,,ops", "default,bad id", ",default"]) {
      expectOneProblem({ ...NITRO, AIRLOCK_PROVISIONED_KEY_IDS: bad }, /^AIRLOCK_PROVISIONED_KEY_IDS must be a comma-separated list/);
    }
    expectOneProblem({ ...NITRO, AIRLOCK_PROVISIONED_KEY_IDS: "default,ops,default" }, "AIRLOCK_PROVISIONED_KEY_IDS lists a key id twice");
    expectOneProblem({ ...NITRO, AIRLOCK_PROVISIONED_KEY_IDS: "ops" }, "KEYRING_DEFAULT_KEY_ID (default) not present in signing keys");
    expect(loadConfig({ ...NITRO, AIRLOCK_PROVISIONED_KEY_IDS: " default , ops " }).signer.provider.keyIds()).toEqual(["default", "ops"]);
  });

  it("checks client key references against the declared ids", () => {
    const clients = JSON.stringify([{ clientId: "default", allowedKeyIds: ["ops", "nope"] }]);
    expectOneProblem({ ...NITRO, KEYRING_AUTH_CLIENTS_JSON: clients }, "Client default references unknown keyId: nope");
  });

  it("refuses any key or credential in the configuration, and DFNS", () => {
    expect(problemsOf({ ...NITRO, SESSION_PRIVATE_KEY: KEY_A })).toContain("AIRLOCK_PROVISIONED_KEY_IDS: signing keys arrive sealed; remove SESSION_PRIVATE_KEY, KEYRING_SIGNING_KEYS_JSON and the keystore");
    const withCredentials = problemsOf({ ...NITRO, KEYRING_EXCHANGE_ACCOUNTS_JSON: JSON.stringify([{ ...DECLARED, credentials: undefined, apiKey: BN_KEY, apiSecret: BN_SECRET }]) });
    expect(withCredentials).toEqual([expect.stringMatching(/^KEYRING_EXCHANGE_ACCOUNTS_JSON\[0\] \(account bn\): with sealed provisioning credentials arrive sealed/)]);
    const dfns = problemsOf({ ...DFNS, ...NITRO, KEYRING_HMAC_SECRET: undefined });
    expect(dfns).toContain("AIRLOCK_PROVISIONED_KEY_IDS needs KEYRING_SIGNER_PROVIDER=local (the default) without a fallback: provisioned keys are held in enclave memory");
  });

  it("a declaration carries no credential field and needs sealed provisioning", () => {
    const mixed = problemsOf({ ...NITRO, KEYRING_EXCHANGE_ACCOUNTS_JSON: JSON.stringify([{ ...DECLARED, apiSecret: BN_SECRET }]) });
    expect(mixed).toEqual(['KEYRING_EXCHANGE_ACCOUNTS_JSON[0]: unknown field "apiSecret"']);
    const withoutMode = problemsOf({ KEYRING_HMAC_SECRET: SECRET, SESSION_PRIVATE_KEY: KEY_A, KEYRING_EXCHANGE_ACCOUNTS_JSON: JSON.stringify([DECLARED]) });
    expect(withoutMode).toEqual([expect.stringMatching(/needs sealed provisioning \(AIRLOCK_BACKEND=nitro, AIRLOCK_ADMIN_PUBLIC_KEY, AIRLOCK_PROVISIONED_KEY_IDS\)$/)]);
    // The settings rules still apply to a declaration.
    expect(problemsOf({ ...NITRO, KEYRING_EXCHANGE_ACCOUNTS_JSON: JSON.stringify([{ ...DECLARED, liveTradingEnabled: true }]) })).toEqual([
      "KEYRING_EXCHANGE_ACCOUNTS_JSON[0].liveTradingEnabled: applies to live accounts only",
    ]);
    expect(problemsOf({ ...NITRO, KEYRING_EXCHANGE_ACCOUNTS_JSON: JSON.stringify([{ ...DECLARED, credentials: "inline" }]) })).toContain(
      "KEYRING_EXCHANGE_ACCOUNTS_JSON[0]: unknown field \"credentials\"",
    );
    expect(problemsOf({ ...NITRO, KEYRING_EXCHANGE_ACCOUNTS_JSON: JSON.stringify([DECLARED, DECLARED]) })).toContain("Duplicate exchange account id in the KEYRING_EXCHANGE_ACCOUNTS_JSON: bn");
  });

  it("production: no acknowledgement of in-process keys is needed (they never touch the host), the emulator is still refused", () => {
    const env = { ...NITRO, NODE_ENV: "production", AIRLOCK_ATTESTATION_SOURCE: "nsm" };
    const config = loadConfig(env);
    expect(config.production).toBe(true);
    expect(config.provisioning).toBeDefined();
    expect(problemsOf({ ...env, AIRLOCK_ATTESTATION_SOURCE: "emulator" })).toEqual([
      "AIRLOCK_ATTESTATION_SOURCE=emulator is refused with NODE_ENV=production: the emulator's test PKI proves nothing",
    ]);
  });

  it("production in an enclave: loopback http behind the vsock bridge, but no host-side Redis and no secret in the image", () => {
    const env = { ...NITRO, NODE_ENV: "production", AIRLOCK_ATTESTATION_SOURCE: "nsm" };
    // No https/mTLS requirement: the listener is loopback inside the enclave.
    expect(loadConfig(env).tls).toBeUndefined();
    expect(problemsOf({ ...env, KEYRING_REPLAY_STORE: "redis", KEYRING_REDIS_URL: "rediss://redis.internal:6380" })).toEqual([
      "NODE_ENV=production with AIRLOCK_BACKEND=nitro refuses Redis stores: Redis would run on the untrusted host, which could reset nonces, budgets and order counters",
    ]);
    const { AIRLOCK_ADMIN_PUBLIC_KEY: _a, AIRLOCK_PROVISIONED_KEY_IDS: _p, ...unsealed } = env;
    expect(problemsOf({ ...unsealed, KEYRING_AUTH_CLIENTS_JSON: JSON.stringify([{ clientId: "default", hmacSecret: SECRET }]), SESSION_PRIVATE_KEY: KEY_A })).toContain(
      "NODE_ENV=production with AIRLOCK_BACKEND=nitro requires sealed provisioning (AIRLOCK_ADMIN_PUBLIC_KEY): no secret may be part of the image",
    );
    // The keyring backend keeps its own production rules.
    expect(PRODUCTION.KEYRING_TRANSPORT).toBe("https");
  });

  it("prints and serialises without secrets or internals", () => {
    const config = loadConfig({ ...NITRO, KEYRING_EXCHANGE_ACCOUNTS_JSON: JSON.stringify([DECLARED]) });
    expect(JSON.stringify(config.provisioning?.keyring)).toBe('{"keyIds":["default","ops"],"clients":["default"],"accounts":["bn"],"installed":false}');
    expect(JSON.stringify(config.signer.provider)).toBe('{"kind":"local","keyIds":["default","ops"],"provisioned":false}');
  });
});
