import type { ExchangeAccount } from "./config-types.js";
import { createVenueSigner, venueSettingsOf } from "../exchange/venue-signers.js";
import type { EnvReader } from "./env-reader.js";
import type { ProvisionedKeyring } from "../provisioning/provisioned-keyring.js";
import { EXCHANGE_SECRET_FIELDS, ExchangeAccountEntry, MAX_EXCHANGE_ACCOUNTS, ProvisionedAccountDeclaration, scannerSecretsOf } from "./exchange-account-schema.js";
import { frozenMap, frozenSet } from "./immutable.js";
import { readJsonEnv, registerSecretsAt } from "./json-env.js";
import { addZodProblems, type Problems } from "./problems.js";

export { ExchangeAccountEntry } from "./exchange-account-schema.js";

/**
 * Exchange accounts (issue 4): KEYRING_EXCHANGE_ACCOUNTS_JSON (development; also as
 * KEYRING_EXCHANGE_ACCOUNTS_JSON_FILE) merged with the keystore's `exchangeCredentials`, in the
 * entry shape of exchange-account-schema.ts. An account id defined twice, in one source or
 * across them, is a problem; so is a client that is not an auth client. Each account's venue
 * signer is built here, once, and is the only holder of its credentials afterwards.
 *
 * With sealed provisioning (Nitro backend, AIRLOCK_PROVISIONED_KEY_IDS) an environment entry is
 * a declaration instead: `"credentials": "provisioned"` and no credential field. Its venue
 * signer comes from the provisioned keyring and signs once the sealed upload installed the
 * credentials; an entry with credentials is refused in that mode (no secret on the host).
 */

/** The development variable (the keystore is the production source). */
export const EXCHANGE_ACCOUNTS_VARIABLE = "KEYRING_EXCHANGE_ACCOUNTS_JSON";
const VARIABLE = EXCHANGE_ACCOUNTS_VARIABLE;

/** What the loader needs besides the entries. */
export interface ExchangeAccountsContext {
  /** The keystore's exchange accounts (already shape-checked by the keystore). */
  readonly keystoreEntries: readonly ExchangeAccountEntry[];
  /** Auth client ids accounts may name. */
  readonly clientIds: ReadonlySet<string>;
  /** NODE_ENV=production: http base URLs (loopback fakes) are refused. */
  readonly production: boolean;
  /** Set with sealed provisioning: declared accounts get their venue signers from it. */
  readonly provisioned?: ProvisionedKeyring | undefined;
}

export interface ExchangeAccounts {
  readonly accounts: ReadonlyMap<string, ExchangeAccount>;
  /** Every account id defined, refused ones included (so policy references are not reported twice). */
  readonly named: ReadonlySet<string>;
  /** Values the leak scanner and the audit log must never let through (see scannerSecretsOf). */
  readonly secrets: readonly string[];
}

interface SourcedEntry {
  /** The entry; for a declaration, its settings without credentials. */
  readonly entry: ExchangeAccountEntry;
  readonly source: "environment" | "keystore" | "provisioned";
  readonly where: string;
  /** Set when the credentials arrive by sealed provisioning. */
  readonly declaration?: ProvisionedAccountDeclaration;
}

/** True for an entry marked `"credentials": "provisioned"` (parsed as a declaration). */
function isDeclaration(item: unknown): boolean {
  return typeof item === "object" && item !== null && !Array.isArray(item) && (item as Record<string, unknown>)["credentials"] === "provisioned";
}

function readEnvEntries(env: EnvReader, problems: Problems): SourcedEntry[] {
  const json = readJsonEnv(env, problems, VARIABLE);
  for (const field of EXCHANGE_SECRET_FIELDS) registerSecretsAt(problems, json, field);
  if (json === undefined) return [];
  if (!Array.isArray(json)) {
    problems.add(`${VARIABLE} must be a JSON array`);
    return [];
  }
  if (json.length < 1 || json.length > MAX_EXCHANGE_ACCOUNTS) {
    problems.add(`${VARIABLE} must hold 1-${MAX_EXCHANGE_ACCOUNTS} entries`);
    return [];
  }
  const out: SourcedEntry[] = [];
  json.forEach((item: unknown, index) => {
    if (isDeclaration(item)) {
      const parsed = ProvisionedAccountDeclaration.safeParse(item);
      if (!parsed.success) return addZodProblems(problems, `${VARIABLE}[${index}]`, parsed.error);
      const { credentials: _marker, ...settings } = parsed.data;
      out.push({ entry: settings, source: "provisioned", where: `${VARIABLE}[${index}] (account ${settings.account})`, declaration: parsed.data });
      return;
    }
    const parsed = ExchangeAccountEntry.safeParse(item);
    if (!parsed.success) return addZodProblems(problems, `${VARIABLE}[${index}]`, parsed.error);
    out.push({ entry: parsed.data, source: "environment", where: `${VARIABLE}[${index}] (account ${parsed.data.account})` });
  });
  return out;
}

/** A factory refusal as a problem: a VenueConfigError's message names the rule only; anything else is named by class. */
function signerProblem(err: unknown): string {
  const e = err as { name?: unknown; message?: unknown } | null;
  if (e?.name === "VenueConfigError" && typeof e.message === "string") return e.message.slice(0, 200);
  return typeof e?.name === "string" ? e.name.slice(0, 64) : "refused";
}

/** Cross-checks one entry and builds its account, or adds problems and returns undefined. */
function buildAccount(item: SourcedEntry, ctx: ExchangeAccountsContext, problems: Problems): ExchangeAccount | undefined {
  const { entry, where } = item;
  let ok = true;
  for (const clientId of entry.clients ?? []) {
    if (!ctx.clientIds.has(clientId)) {
      problems.add(`${where}.clients: no auth client with id ${clientId}`);
      ok = false;
    }
  }
  const settings = venueSettingsOf(entry);
  if (ctx.production && settings.baseUrl.startsWith("http:")) {
    problems.add(`${where}.baseUrl: NODE_ENV=production requires https`);
    ok = false;
  }
  if (item.declaration !== undefined && ctx.provisioned === undefined) {
    problems.add(`${where}: "credentials": "provisioned" needs sealed provisioning (AIRLOCK_BACKEND=nitro, AIRLOCK_ADMIN_PUBLIC_KEY, AIRLOCK_PROVISIONED_KEY_IDS)`);
    ok = false;
  }
  if (item.declaration === undefined && ctx.provisioned !== undefined) {
    problems.add(`${where}: with sealed provisioning credentials arrive sealed, never from the configuration; declare the account with "credentials": "provisioned" and no credential field`);
    ok = false;
  }
  if (!ok) return undefined;
  if (item.declaration !== undefined) {
    return { ...accountFields(item, settings), signer: ctx.provisioned!.declareAccount(item.declaration) };
  }
  let signer;
  try {
    signer = createVenueSigner(entry);
  } catch (err) {
    problems.add(`${where}: the ${entry.venue} signer refused the account (${signerProblem(err)})`);
    return undefined;
  }
  return { ...accountFields(item, settings), signer };
}

/** Everything of an account but its signer. */
function accountFields(item: SourcedEntry, settings: ReturnType<typeof venueSettingsOf>): Omit<ExchangeAccount, "signer"> {
  const { entry } = item;
  return {
    account: entry.account,
    venue: entry.venue,
    environment: entry.environment,
    baseUrl: settings.baseUrl,
    clients: frozenSet(entry.clients ?? []),
    liveTradingEnabled: entry.liveTradingEnabled === true,
    ...(settings.vaultAddress !== undefined ? { vaultAddress: settings.vaultAddress } : {}),
    source: item.source,
  };
}

/**
 * Reads, merges and cross-checks the exchange accounts and builds their venue signers. Problems
 * name the variable or the keystore, the entry and the rule; never a value.
 */
export function readExchangeAccounts(env: EnvReader, problems: Problems, ctx: ExchangeAccountsContext): ExchangeAccounts {
  const fromEnv = readEnvEntries(env, problems);
  const fromStore: SourcedEntry[] = ctx.keystoreEntries.map((entry, i) => ({ entry, source: "keystore", where: `keystore exchange account ${i} (account ${entry.account})` }));

  const named = new Set<string>();
  const firstSource = new Map<string, SourcedEntry["source"]>();
  const accounts: [string, ExchangeAccount][] = [];
  const secrets: string[] = [];
  for (const item of [...fromEnv, ...fromStore]) {
    const id = item.entry.account;
    named.add(id);
    secrets.push(...scannerSecretsOf(item.entry));
    const first = firstSource.get(id);
    if (first !== undefined) {
      const firstIsKeystore = first === "keystore";
      const thisIsKeystore = item.source === "keystore";
      problems.add(
        firstIsKeystore === thisIsKeystore
          ? `Duplicate exchange account id in the ${thisIsKeystore ? "keystore" : VARIABLE}: ${id}`
          : `exchange account ${id} is defined both in the environment and in the keystore`,
      );
      continue;
    }
    firstSource.set(id, item.source);
    const account = buildAccount(item, ctx, problems);
    if (account) accounts.push([id, account]);
  }
  return {
    accounts: frozenMap(accounts),
    named: frozenSet(named),
    secrets: [...new Set(secrets)],
  };
}
