// The secrets a sealed upload carries (the envelope's plaintext), and the operator's keys file
// they are made from. Only secrets travel: which key ids and exchange accounts exist, and under
// which policy, is the configuration's (and so the attested policy hash's) business.
//
// Keys file (`airlock-signer provision --keys-file`):
//   { "keys": [{ "keyId": "default", "privateKey": "0x…" }],
//     "clients": [{ "clientId": "agent-1", "hmacSecret": "…" }],
//     "exchangeAccounts": [{ "account": "binance-main", "apiKey": "…", "apiSecret": "…" }] }
// Plaintext: the same with "v": 1 and all three lists present.
import { z } from "zod";
import { Identifier } from "@airlock/core";
import { MAX_EXCHANGE_ACCOUNTS, ProvisionedAccountCredentials } from "../config/exchange-account-schema.js";
import { addZodProblems, Problems } from "../config/problems.js";
import { HttpError } from "../server/http-error.js";
import { parseStrictJson } from "../server/strict-json.js";

/** Most session keys one upload installs. */
export const MAX_PROVISIONED_KEYS = 256;

const KeySecret = z.strictObject({
  keyId: Identifier,
  privateKey: z.string().min(1).max(128),
  /** Optional check: the Stark public key the private key must derive. */
  publicKey: z.string().max(128).optional(),
});

const keyList = z
  .array(KeySecret)
  .max(MAX_PROVISIONED_KEYS)
  .refine((keys) => new Set(keys.map((k) => k.keyId)).size === keys.length, "lists a keyId twice");
const clientList = z
  .array(z.strictObject({ clientId: Identifier, hmacSecret: z.string().min(16).max(1024) }))
  .max(256)
  .refine((clients) => new Set(clients.map((c) => c.clientId)).size === clients.length, "lists a clientId twice");
const accountList = z
  .array(ProvisionedAccountCredentials)
  .max(MAX_EXCHANGE_ACCOUNTS)
  .refine((accounts) => new Set(accounts.map((a) => a.account)).size === accounts.length, "lists an account twice");

/** The operator's keys file. */
export const ProvisionKeysFile = z.strictObject({ keys: keyList, clients: clientList.optional(), exchangeAccounts: accountList.optional() });
export type ProvisionKeysFile = z.infer<typeof ProvisionKeysFile>;

/** The plaintext inside a sealed envelope. */
export const ProvisionBundle = z.strictObject({ v: z.literal(1), keys: keyList, clients: clientList, exchangeAccounts: accountList });
export type ProvisionBundle = z.infer<typeof ProvisionBundle>;

/** A bundle or keys file that is not acceptable; `problems` name fields and rules, never values. */
export class BundleProblems extends Error {
  override readonly name = "BundleProblems";
  constructor(readonly problems: readonly string[]) {
    super("the provisioned secrets are not acceptable");
  }
}

const SECRET_FIELDS = ["privateKey", "hmacSecret", "apiKey", "apiSecret", "passphrase"] as const;

/** Registers every string under a secret-named field, so no problem line can echo one. */
export function registerBundleSecrets(problems: Problems, value: unknown): void {
  const record = typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {};
  const lists = [record["keys"], record["clients"], record["exchangeAccounts"]];
  for (const list of lists) {
    if (!Array.isArray(list)) continue;
    for (const entry of list) {
      if (typeof entry !== "object" || entry === null) continue;
      for (const field of SECRET_FIELDS) {
        const v = (entry as Record<string, unknown>)[field];
        if (typeof v === "string") problems.secret(v);
      }
    }
  }
}

/**
 * Parses UTF-8 JSON text of a bundle (or keys file) strictly: no repeated keys, the closed
 * schema. Throws BundleProblems.
 */
export function parseBundleJson<T>(text: string, schema: z.ZodType<T>, where: string): T {
  let value: unknown;
  try {
    // A repeated key would let a shadowed value go unchecked: refused like in request bodies.
    value = parseStrictJson(text);
  } catch (err) {
    if (err instanceof HttpError) throw new BundleProblems([`${where} is not JSON, or an object in it repeats a key`]);
    throw err;
  }
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const problems = new Problems();
  registerBundleSecrets(problems, value);
  addZodProblems(problems, where, parsed.error);
  throw new BundleProblems(problems.lines());
}

/** Decodes the envelope plaintext (fatal UTF-8) and parses it as a bundle. */
export function parseBundleBytes(bytes: Uint8Array): ProvisionBundle {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new BundleProblems(["the sealed secrets are not UTF-8"]);
  }
  return parseBundleJson(text, ProvisionBundle, "secrets");
}

/** The bundle for a keys file: what the CLI seals. */
export function bundleOf(file: ProvisionKeysFile): ProvisionBundle {
  return { v: 1, keys: file.keys, clients: file.clients ?? [], exchangeAccounts: file.exchangeAccounts ?? [] };
}
