import type { ExchangeAccount } from "./config-types.js";
import { createVenueSigner, venueSettingsOf } from "../exchange/venue-signers.js";
import type { EnvReader } from "./env-reader.js";
import { EXCHANGE_SECRET_FIELDS, ExchangeAccountEntry, MAX_EXCHANGE_ACCOUNTS, scannerSecretsOf } from "./exchange-account-schema.js";
import { frozenMap, frozenSet } from "./immutable.js";
import { parseEntries, readJsonEnv, registerSecretsAt } from "./json-env.js";
import type { Problems } from "./problems.js";

export { ExchangeAccountEntry } from "./exchange-account-schema.js";

/**
 * Exchange accounts (issue 4): KEYRING_EXCHANGE_ACCOUNTS_JSON (development; also as
 * KEYRING_EXCHANGE_ACCOUNTS_JSON_FILE) merged with the keystore's `exchangeCredentials`, in the
 * entry shape of exchange-account-schema.ts. An account id defined twice, in one source or
 * across them, is a problem; so is a client that is not an auth client. Each account's venue
 * signer is built here, once, and is the only holder of its credentials afterwards.
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
}

export interface ExchangeAccounts {
  readonly accounts: ReadonlyMap<string, ExchangeAccount>;
  /** Every account id defined, refused ones included (so policy references are not reported twice). */
  readonly named: ReadonlySet<string>;
  /** Values the leak scanner and the audit log must never let through (see scannerSecretsOf). */
  readonly secrets: readonly string[];
}

interface SourcedEntry {
  readonly entry: ExchangeAccountEntry;
  readonly source: "environment" | "keystore";
  readonly where: string;
}

function readEnvEntries(env: EnvReader, problems: Problems): SourcedEntry[] {
  const json = readJsonEnv(env, problems, VARIABLE);
  for (const field of EXCHANGE_SECRET_FIELDS) registerSecretsAt(problems, json, field);
  if (json === undefined) return [];
  const entries = parseEntries(problems, VARIABLE, json, ExchangeAccountEntry, 1, MAX_EXCHANGE_ACCOUNTS) ?? [];
  return entries.map(({ index, value }) => ({ entry: value, source: "environment", where: `${VARIABLE}[${index}] (account ${value.account})` }));
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
  if (!ok) return undefined;
  let signer;
  try {
    signer = createVenueSigner(entry);
  } catch (err) {
    problems.add(`${where}: the ${entry.venue} signer refused the account (${signerProblem(err)})`);
    return undefined;
  }
  return {
    account: entry.account,
    venue: entry.venue,
    environment: entry.environment,
    baseUrl: settings.baseUrl,
    clients: frozenSet(entry.clients ?? []),
    liveTradingEnabled: entry.liveTradingEnabled === true,
    ...(settings.vaultAddress !== undefined ? { vaultAddress: settings.vaultAddress } : {}),
    source: item.source,
    signer,
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
      problems.add(
        first === item.source
          ? `Duplicate exchange account id in the ${item.source === "environment" ? VARIABLE : "keystore"}: ${id}`
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
