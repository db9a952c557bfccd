import { describe, expect, it } from "vitest";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { starkKeyOf } from "@airlock/core/starknet";
import { loadConfig } from "../../src/config/env-config.js";
import { createKeystore, writeKeystoreFile } from "../../src/custody/keystore.js";
import { BASE, KEY_A, KEY_B, KEY_C, PASSPHRASE, PRODUCTION, SECRET, expectOneProblem, memoryFiles, problemsOf } from "./fixtures.js";

const STORE = createKeystore(
  { keys: [{ keyId: "vault-1", privateKey: KEY_B }, { keyId: "vault-2", privateKey: KEY_C }], exchangeCredentials: [] },
  PASSPHRASE,
  { N: 2 ** 14 },
);
const FILES = { "/k/keys.keystore.json": STORE, "/k/pass": `${PASSPHRASE}\n` };
const KS = { KEYRING_KEYSTORE_PATH: "/k/keys.keystore.json", KEYRING_KEYSTORE_PASSPHRASE_FILE: "/k/pass" };

describe("keystore keys in the configuration", () => {
  it("merges keystore keys with the environment's", () => {
    const config = loadConfig({ ...BASE, ...KS }, { readFile: memoryFiles(FILES) });
    expect(config.signer.provider.keyIds()).toEqual(["default", "vault-1", "vault-2"]);
    expect(config.signer.provider.publicKey("vault-1")).toBe(starkKeyOf(BigInt(KEY_B)));
    expect([...config.signer.secretsForScanner]).toEqual([SECRET, KEY_A, KEY_B, KEY_C]);
  });

  it("can hold every key, the default included", () => {
    const config = loadConfig({ KEYRING_HMAC_SECRET: SECRET, KEYRING_DEFAULT_KEY_ID: "vault-2", ...KS }, { readFile: memoryFiles(FILES) });
    expect(config.signer.defaultKeyId).toBe("vault-2");
  });

  it("reads real files by default", () => {
    const dir = mkdtempSync(join(tmpdir(), "airlock-config-"));
    writeKeystoreFile(join(dir, "keys.keystore.json"), { keys: [{ keyId: "default", privateKey: KEY_A }], exchangeCredentials: [] }, PASSPHRASE, { N: 2 ** 14 });
    writeFileSync(join(dir, "pass"), PASSPHRASE, { mode: 0o600 });
    const config = loadConfig({
      KEYRING_HMAC_SECRET: SECRET,
      KEYRING_KEYSTORE_PATH: join(dir, "keys.keystore.json"),
      KEYRING_KEYSTORE_PASSPHRASE_FILE: join(dir, "pass"),
    });
    expect(config.signer.provider.publicKey("default")).toBe(starkKeyOf(BigInt(KEY_A)));
  });

  it("counts keystore keys as in-process keys in production", () => {
    const { SESSION_PRIVATE_KEY: _k, ...prod } = PRODUCTION;
    const env = { ...prod, ...KS, KEYRING_DEFAULT_KEY_ID: "vault-1", KEYRING_ALLOW_INSECURE_IN_PROCESS_KEYS_IN_PRODUCTION: "false" };
    expectOneProblem(env, /^NODE_ENV=production requires explicit KEYRING_ALLOW_INSECURE_IN_PROCESS_KEYS_IN_PRODUCTION=true/, { readFile: memoryFiles(FILES) });
  });

  it("refuses a key id defined in both places", () => {
    expectOneProblem(
      { ...BASE, ...KS, KEYRING_SIGNING_KEYS_JSON: JSON.stringify([{ keyId: "default", privateKey: KEY_A }, { keyId: "vault-1", privateKey: KEY_A }]) },
      "keyId vault-1 is defined both in the environment and in the keystore",
      { readFile: memoryFiles(FILES) },
    );
  });

  it("refuses a wrong passphrase without quoting it", () => {
    expectOneProblem({ ...BASE, ...KS }, /^KEYRING_KEYSTORE_PATH: wrong keystore passphrase.*\(KEYSTORE_BAD_PASSPHRASE\)$/, {
      readFile: memoryFiles({ ...FILES, "/k/pass": "a different passphrase\n" }),
    });
  });

  it("refuses a passphrase under 12 characters", () => {
    expectOneProblem({ ...BASE, ...KS }, /\(KEYSTORE_WEAK_PASSPHRASE\)$/, { readFile: memoryFiles({ ...FILES, "/k/pass": "short\n" }) });
  });

  it("requires both variables", () => {
    expectOneProblem({ ...BASE, KEYRING_KEYSTORE_PATH: "/k/keys.keystore.json" }, "KEYRING_KEYSTORE_PATH and KEYRING_KEYSTORE_PASSPHRASE_FILE must be set together");
    expectOneProblem({ ...BASE, KEYRING_KEYSTORE_PASSPHRASE_FILE: "/k/pass" }, "KEYRING_KEYSTORE_PATH and KEYRING_KEYSTORE_PASSPHRASE_FILE must be set together");
  });

  it("reports unreadable files by error code", () => {
    expectOneProblem({ ...BASE, ...KS }, "KEYRING_KEYSTORE_PASSPHRASE_FILE could not be read (ENOENT)", { readFile: memoryFiles({}) });
    expectOneProblem({ ...BASE, ...KS }, "KEYRING_KEYSTORE_PATH could not be read (ENOENT)", { readFile: memoryFiles({ "/k/pass": PASSPHRASE }) });
  });

  it("reports a tampered keystore", () => {
    const file = JSON.parse(STORE) as { kdfParams: { N: number } };
    file.kdfParams.N = 2 ** 22;
    const problems = problemsOf({ ...BASE, ...KS }, { readFile: memoryFiles({ ...FILES, "/k/keys.keystore.json": JSON.stringify(file) }) });
    expect(problems).toEqual(["KEYRING_KEYSTORE_PATH: scrypt N must be a power of two between 2^14 and 2^20 (KEYSTORE_UNSUPPORTED)"]);
  });

  it("does not report references to keys the keystore failed to provide twice", () => {
    const clients = [{ clientId: "default", hmacSecret: SECRET, allowedKeyIds: ["vault-1"] }];
    const problems = problemsOf(
      { SESSION_PRIVATE_KEY: KEY_A, KEYRING_AUTH_CLIENTS_JSON: JSON.stringify(clients), ...KS },
      { readFile: memoryFiles({ ...FILES, "/k/pass": "a different passphrase" }) },
    );
    expect(problems).toHaveLength(2);
    expect(problems[1]).toBe("Client default references unknown keyId: vault-1");
  });
});
