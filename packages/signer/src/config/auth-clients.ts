import { z } from "zod";
import { HEX_FELT_PATTERN, STARK_PRIME } from "@airlock/core/starknet";
import type { ProvisionedKeyring } from "../provisioning/provisioned-keyring.js";
import type { AuthClient } from "./config-types.js";
import { ID_PATTERN, type EnvReader } from "./env-reader.js";
import { frozenSet } from "./immutable.js";
import { authClient } from "./secret-holders.js";
import { parseEntries, readJsonEnv, registerSecretsAt } from "./json-env.js";
import { addZodProblems, type Problems } from "./problems.js";

const MAX_CLIENTS = 256;
const MIN_SECRET = 16;
const MAX_SECRET = 1024;

const Id = z.string().regex(ID_PATTERN, "expected 1-64 of [A-Za-z0-9._:@-]");
const Account = z
  .string()
  .regex(HEX_FELT_PATTERN, "expected 0x-prefixed hex of 1-64 digits")
  .refine((v) => BigInt(v) < STARK_PRIME, "not below the Stark prime");

/** SISNA's KEYRING_AUTH_CLIENTS_JSON entry; unknown fields are refused (a typo must not widen access). */
const AuthClientEntry = z.strictObject({
  clientId: Id,
  hmacSecret: z.string().min(MIN_SECRET).max(MAX_SECRET),
  allowedKeyIds: z.array(Id).max(256).optional(),
  allowedAccountAddresses: z.array(Account).max(1024).optional(),
});

/** A client whose secret arrives by sealed provisioning: the entry without hmacSecret. */
const AuthClientDeclaration = AuthClientEntry.omit({ hmacSecret: true });

/** The auth clients read from the environment. */
export interface AuthClients {
  readonly clients: readonly AuthClient[];
  /** Every HMAC secret configured, including an overridden KEYRING_HMAC_SECRET. */
  readonly secrets: readonly string[];
}

/**
 * SISNA's auth clients: KEYRING_AUTH_CLIENTS_JSON when set, else one client named
 * KEYRING_DEFAULT_AUTH_CLIENT_ID with KEYRING_HMAC_SECRET. Checks duplicates and the default
 * client; key ids are checked by the caller once the keys are known.
 */
export function readAuthClients(env: EnvReader, problems: Problems, defaultClientId: string, provisioned?: ProvisionedKeyring): AuthClients {
  if (provisioned !== undefined) return readDeclaredClients(env, problems, defaultClientId, provisioned);
  const single = env.optional("KEYRING_HMAC_SECRET");
  problems.secret(single);
  const secrets: string[] = [];
  const json = readJsonEnv(env, problems, "KEYRING_AUTH_CLIENTS_JSON");
  registerSecretsAt(problems, json, "hmacSecret");
  const jsonGiven = env.has("KEYRING_AUTH_CLIENTS_JSON");

  // SISNA checks KEYRING_HMAC_SECRET's length even when KEYRING_AUTH_CLIENTS_JSON overrides it.
  const singleOk = single === undefined || (single.length >= MIN_SECRET && single.length <= MAX_SECRET);
  if (!singleOk) problems.add(`KEYRING_HMAC_SECRET must be ${MIN_SECRET}-${MAX_SECRET} characters`);
  if (single !== undefined) secrets.push(single);

  let clients: AuthClient[] = [];
  if (jsonGiven) {
    if (json !== undefined) {
      const entries = parseEntries(problems, "KEYRING_AUTH_CLIENTS_JSON", json, AuthClientEntry, 1, MAX_CLIENTS) ?? [];
      clients = entries.map(({ value: c }) =>
        authClient({
          clientId: c.clientId,
          hmacSecret: c.hmacSecret,
          ...(c.allowedKeyIds ? { allowedKeyIds: frozenSet(c.allowedKeyIds) } : {}),
          ...(c.allowedAccountAddresses ? { allowedAccounts: frozenSet(c.allowedAccountAddresses.map((a) => BigInt(a))) } : {}),
        }),
      );
    }
  } else if (single !== undefined) {
    if (singleOk) clients = [authClient({ clientId: defaultClientId, hmacSecret: single })];
  } else {
    problems.add("No auth clients configured. Set KEYRING_HMAC_SECRET or KEYRING_AUTH_CLIENTS_JSON.");
  }

  const seen = new Set<string>();
  for (const c of clients) {
    if (seen.has(c.clientId)) problems.add(`Duplicate auth client id: ${c.clientId}`);
    seen.add(c.clientId);
    secrets.push(c.hmacSecret);
  }
  if (clients.length > 0 && !seen.has(defaultClientId)) {
    problems.add(`KEYRING_DEFAULT_AUTH_CLIENT_ID (${defaultClientId}) not present in auth clients`);
  }
  return { clients, secrets: [...new Set(secrets)] };
}

/**
 * With sealed provisioning every client's HMAC secret arrives sealed: KEYRING_AUTH_CLIENTS_JSON
 * declares ids and allowlists only (no hmacSecret), KEYRING_HMAC_SECRET is refused. The
 * configuration is baked into the enclave image, which anyone can read.
 */
function readDeclaredClients(env: EnvReader, problems: Problems, defaultClientId: string, provisioned: ProvisionedKeyring): AuthClients {
  const json = readJsonEnv(env, problems, "KEYRING_AUTH_CLIENTS_JSON");
  registerSecretsAt(problems, json, "hmacSecret");
  if (env.has("KEYRING_HMAC_SECRET")) {
    problems.secret(env.optional("KEYRING_HMAC_SECRET"));
    problems.add("KEYRING_HMAC_SECRET: with sealed provisioning client secrets arrive sealed; declare the clients in KEYRING_AUTH_CLIENTS_JSON without hmacSecret");
  }
  if (!env.has("KEYRING_AUTH_CLIENTS_JSON")) {
    problems.add("No auth clients configured. With sealed provisioning, declare them in KEYRING_AUTH_CLIENTS_JSON (clientId and allowlists, no hmacSecret).");
    return { clients: [], secrets: [] };
  }
  if (json === undefined) return { clients: [], secrets: [] };
  if (!Array.isArray(json) || json.length < 1 || json.length > MAX_CLIENTS) {
    problems.add(`KEYRING_AUTH_CLIENTS_JSON must be a JSON array of 1-${MAX_CLIENTS} entries`);
    return { clients: [], secrets: [] };
  }
  const clients: AuthClient[] = [];
  const seen = new Set<string>();
  json.forEach((item: unknown, index) => {
    const where = `KEYRING_AUTH_CLIENTS_JSON[${index}]`;
    if (typeof item === "object" && item !== null && "hmacSecret" in item) {
      problems.add(`${where}: with sealed provisioning client secrets arrive sealed; remove hmacSecret`);
      return;
    }
    const parsed = AuthClientDeclaration.safeParse(item);
    if (!parsed.success) return addZodProblems(problems, where, parsed.error);
    const c = parsed.data;
    if (seen.has(c.clientId)) {
      problems.add(`Duplicate auth client id: ${c.clientId}`);
      return;
    }
    seen.add(c.clientId);
    clients.push(
      provisioned.declareClient({
        clientId: c.clientId,
        ...(c.allowedKeyIds ? { allowedKeyIds: frozenSet(c.allowedKeyIds) } : {}),
        ...(c.allowedAccountAddresses ? { allowedAccounts: frozenSet(c.allowedAccountAddresses.map((a) => BigInt(a))) } : {}),
      }),
    );
  });
  if (clients.length > 0 && !seen.has(defaultClientId)) {
    problems.add(`KEYRING_DEFAULT_AUTH_CLIENT_ID (${defaultClientId}) not present in auth clients`);
  }
  return { clients, secrets: [] };
}
