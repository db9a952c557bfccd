import { expect } from "vitest";
import { starkKeyOf, feltHex } from "@airlock/core/starknet";
import { ConfigError, loadConfig, type LoadConfigOptions } from "../../src/config/env-config.js";

/** Throwaway test keys and secrets; every one is checked to never appear in a problem line. */
// Not the .env.example key: production refuses that one.
export const KEY_A = "0x2f3e4d5c6b7a8998a7b6c5d4e3f2011223344556677889900aabbccddeeff01";
export const KEY_B = "0x1b7ee2af2a6b0dd1d8d0b0a2e8cbd9e0f6be5b8b1a1e8a7a0f37d9f2f3a4c5d";
export const KEY_C = "0x06a7c5d1e2f3041526374859a0b1c2d3e4f5061728394a5b6c7d8e9f0a1b2c3";
export const SECRET = "hmac-secret-value-for-tests-0123456789";
export const SECRET_2 = "second-client-secret-abcdefghijklmnop";
export const DFNS_TOKEN = "dfns-bearer-token-TESTONLY-9f8e7d6c";
export const DFNS_UA = "dfns-user-action-signature-TESTONLY-1a2b3c";
export const PASSPHRASE = "correct horse battery staple";

export const PUB_A = feltHex(starkKeyOf(BigInt(KEY_A)));
export const PUB_B = feltHex(starkKeyOf(BigInt(KEY_B)));

export const ALL_SECRETS = [KEY_A, KEY_B, KEY_C, KEY_A.slice(2), KEY_B.slice(2), SECRET, SECRET_2, DFNS_TOKEN, DFNS_UA, PASSPHRASE];

/** The smallest valid environment: one HMAC secret, one session key. */
export const BASE: Readonly<Record<string, string>> = Object.freeze({
  KEYRING_HMAC_SECRET: SECRET,
  SESSION_PRIVATE_KEY: KEY_A,
});

/** A complete production environment (https + mTLS + rediss + acknowledged in-process keys). */
export const PRODUCTION: Readonly<Record<string, string>> = Object.freeze({
  ...BASE,
  NODE_ENV: "production",
  KEYRING_TRANSPORT: "https",
  KEYRING_TLS_CERT_PATH: "/tls/cert.pem",
  KEYRING_TLS_KEY_PATH: "/tls/key.pem",
  KEYRING_TLS_CA_PATH: "/tls/ca.pem",
  KEYRING_MTLS_REQUIRED: "true",
  KEYRING_REPLAY_STORE: "redis",
  KEYRING_REDIS_URL: "rediss://redis.internal:6380",
  KEYRING_ALLOW_INSECURE_IN_PROCESS_KEYS_IN_PRODUCTION: "true",
});

/** A DFNS environment without local keys. */
export const DFNS: Readonly<Record<string, string>> = Object.freeze({
  KEYRING_HMAC_SECRET: SECRET,
  KEYRING_SIGNER_PROVIDER: "dfns",
  KEYRING_DFNS_SIGNER_URL: "https://dfns-signer.internal/v1/sign",
  KEYRING_DFNS_AUTH_TOKEN: DFNS_TOKEN,
  KEYRING_DFNS_USER_ACTION_SIGNATURE: DFNS_UA,
  KEYRING_DFNS_PINNED_PUBKEYS_JSON: JSON.stringify({ default: PUB_A }),
});

function assertNoSecrets(text: string): void {
  for (const secret of ALL_SECRETS) expect(text).not.toContain(secret);
}

/** The problems loadConfig reports for `env` (fails the test when it does not throw ConfigError). */
export function problemsOf(env: Record<string, string | undefined>, opts?: LoadConfigOptions): readonly string[] {
  try {
    loadConfig(env, opts);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    const problems = (err as ConfigError).problems;
    assertNoSecrets((err as Error).message);
    for (const p of problems) {
      assertNoSecrets(p);
      expect(p).not.toContain("\n");
    }
    return problems;
  }
  throw new Error("expected loadConfig to throw ConfigError");
}

/** Asserts that exactly one problem is reported and that it matches `pattern`. */
export function expectOneProblem(env: Record<string, string | undefined>, pattern: RegExp | string, opts?: LoadConfigOptions): void {
  const problems = problemsOf(env, opts);
  expect(problems).toHaveLength(1);
  if (typeof pattern === "string") expect(problems[0]).toBe(pattern);
  else expect(problems[0]).toMatch(pattern);
}

/** A readFile over an in-memory map of files (ENOENT otherwise). */
export function memoryFiles(files: Record<string, string>): (path: string) => string {
  return (path) => {
    const text = files[path];
    if (text === undefined) throw Object.assign(new Error(`ENOENT: no such file ${path}`), { code: "ENOENT" });
    return text;
  };
}
