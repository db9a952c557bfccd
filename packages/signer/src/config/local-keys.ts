import { z } from "zod";
import { HEX_FELT_PATTERN, STARK_PRIME, starkKeyOf } from "@airlock/core/starknet";
import { KeystoreError, openKeystore, passphraseFromFile } from "../custody/keystore.js";
import type { LocalKey } from "../custody/local-provider.js";
import { parsePrivateKey, PRIVATE_KEY_RULE } from "../custody/private-key.js";
import { ID_PATTERN, type EnvReader } from "./env-reader.js";
import { EXCHANGE_SECRET_FIELDS, type ExchangeAccountEntry } from "./exchange-account-schema.js";
import { parseEntries, readJsonEnv, registerSecretsAt } from "./json-env.js";
import type { Problems } from "./problems.js";

const SigningKeyEntry = z.strictObject({
  keyId: z.string().regex(ID_PATTERN, "expected 1-64 of [A-Za-z0-9._:@-]"),
  privateKey: z.string().max(128),
  publicKey: z.string().max(128).optional(),
});

/** The in-process keys read from the environment and the keystore. */
export interface LocalKeys {
  /** Parsed keys, env first then keystore; duplicates already reported. */
  readonly keys: readonly LocalKey[];
  /** Every key id named, including those whose key was refused (so references to them are not reported twice). */
  readonly named: ReadonlySet<string>;
  /** The private keys exactly as written, for the leak scanner. */
  readonly secrets: readonly string[];
  /** The keystore's exchange accounts (validated by the keystore; cross-checked by exchange-accounts.ts). */
  readonly keystoreExchangeAccounts: readonly ExchangeAccountEntry[];
}

/** The error code of a failed read (ENOENT, EACCES…): enough to act on, and it quotes nothing. */
function ioCode(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" && /^[A-Z0-9_]{1,32}$/.test(code) ? code : "read failed";
}

/** Parses one key; `where` names it in problems. Checks a given publicKey against the derived Stark key. */
function parseKey(problems: Problems, where: string, keyId: string, privateKey: string, publicKey: string | undefined): LocalKey | undefined {
  const k = parsePrivateKey(privateKey);
  if (k === undefined) {
    problems.add(`${where}: private key ${PRIVATE_KEY_RULE}`);
    return undefined;
  }
  if (publicKey !== undefined) {
    if (!HEX_FELT_PATTERN.test(publicKey) || BigInt(publicKey) >= STARK_PRIME) {
      problems.add(`${where}: public key must be 0x-prefixed hex below the Stark prime`);
      return undefined;
    }
    if (BigInt(publicKey) !== starkKeyOf(k)) {
      problems.add(`${where}: public key does not match the Stark key derived from the private key`);
      return undefined;
    }
  }
  return { keyId, privateKey: k };
}

/** SISNA's env keys: KEYRING_SIGNING_KEYS_JSON when set, else SESSION_PRIVATE_KEY as the default key id. */
function readEnvKeys(env: EnvReader, problems: Problems, defaultKeyId: string, secrets: string[], named: Set<string>): LocalKey[] {
  const single = env.optional("SESSION_PRIVATE_KEY");
  problems.secret(single);
  if (single !== undefined) secrets.push(single);
  const json = readJsonEnv(env, problems, "KEYRING_SIGNING_KEYS_JSON");
  registerSecretsAt(problems, json, "privateKey");

  if (env.has("KEYRING_SIGNING_KEYS_JSON")) {
    if (json === undefined) return [];
    const entries = parseEntries(problems, "KEYRING_SIGNING_KEYS_JSON", json, SigningKeyEntry, 1, 256) ?? [];
    const keys: LocalKey[] = [];
    for (const { index, value: entry } of entries) {
      named.add(entry.keyId);
      secrets.push(entry.privateKey);
      const key = parseKey(problems, `KEYRING_SIGNING_KEYS_JSON[${index}] (keyId ${entry.keyId})`, entry.keyId, entry.privateKey, entry.publicKey);
      if (key) keys.push(key);
    }
    return keys;
  }
  if (single === undefined) return [];
  named.add(defaultKeyId);
  const key = parseKey(problems, "SESSION_PRIVATE_KEY", defaultKeyId, single, env.optional("SESSION_PUBLIC_KEY"));
  return key ? [key] : [];
}

interface KeystoreRead {
  readonly keys: LocalKey[];
  readonly exchange: readonly ExchangeAccountEntry[];
}

const NOTHING: KeystoreRead = { keys: [], exchange: [] };

/**
 * Keys and exchange accounts from the encrypted keystore (KEYRING_KEYSTORE_PATH +
 * KEYRING_KEYSTORE_PASSPHRASE_FILE), decrypted once.
 */
function readKeystore(
  env: EnvReader,
  problems: Problems,
  readFile: (path: string) => string,
  secrets: string[],
  named: Set<string>,
): KeystoreRead {
  const path = env.optional("KEYRING_KEYSTORE_PATH");
  const passphrasePath = env.optional("KEYRING_KEYSTORE_PASSPHRASE_FILE");
  if (path === undefined && passphrasePath === undefined) return NOTHING;
  if (path === undefined || passphrasePath === undefined) {
    problems.add("KEYRING_KEYSTORE_PATH and KEYRING_KEYSTORE_PASSPHRASE_FILE must be set together");
    return NOTHING;
  }
  let passphrase: string;
  let fileText: string;
  try {
    passphrase = passphraseFromFile(readFile(passphrasePath));
  } catch (err) {
    problems.add(`KEYRING_KEYSTORE_PASSPHRASE_FILE could not be read (${ioCode(err)})`);
    return NOTHING;
  }
  problems.secret(passphrase);
  try {
    fileText = readFile(path);
  } catch (err) {
    problems.add(`KEYRING_KEYSTORE_PATH could not be read (${ioCode(err)})`);
    return NOTHING;
  }
  try {
    const contents = openKeystore(fileText, passphrase);
    const keys: LocalKey[] = [];
    contents.keys.forEach((entry, i) => {
      problems.secret(entry.privateKey);
      secrets.push(entry.privateKey);
      named.add(entry.keyId);
      const key = parseKey(problems, `keystore key ${i} (keyId ${entry.keyId})`, entry.keyId, entry.privateKey, undefined);
      if (key) keys.push(key);
    });
    for (const entry of contents.exchangeCredentials) {
      for (const field of EXCHANGE_SECRET_FIELDS) problems.secret(entry[field]);
    }
    return { keys, exchange: contents.exchangeCredentials };
  } catch (err) {
    if (err instanceof KeystoreError) {
      problems.add(`KEYRING_KEYSTORE_PATH: ${err.message} (${err.code})`);
      return NOTHING;
    }
    throw err;
  }
}

/**
 * All in-process keys: the environment's (SISNA's variables) merged with the keystore's. A key
 * id defined twice, in either source or across them, is a problem. The keystore's exchange
 * accounts come back as well, so the keystore is decrypted (an expensive scrypt) only once.
 */
export function readLocalKeys(env: EnvReader, problems: Problems, defaultKeyId: string, readFile: (path: string) => string): LocalKeys {
  const secrets: string[] = [];
  const named = new Set<string>();
  const envKeys = readEnvKeys(env, problems, defaultKeyId, secrets, named);
  const store = readKeystore(env, problems, readFile, secrets, named);
  const storeKeys = store.keys;
  const seen = new Map<string, string>();
  const keys: LocalKey[] = [];
  for (const [source, list] of [["environment", envKeys], ["keystore", storeKeys]] as const) {
    for (const key of list) {
      const first = seen.get(key.keyId);
      if (first === undefined) {
        seen.set(key.keyId, source);
        keys.push(key);
      } else if (first === source) {
        problems.add(`Duplicate keyId in signing keys: ${key.keyId}`);
      } else {
        problems.add(`keyId ${key.keyId} is defined both in the environment and in the keystore`);
      }
    }
  }
  return { keys, named, secrets: [...new Set(secrets)], keystoreExchangeAccounts: store.exchange };
}
