import { existsSync, readFileSync } from "node:fs";
import { Identifier, Venue } from "@airlock/core";
import { EXCHANGE_SECRET_FIELDS, ExchangeAccountEntry } from "../config/exchange-account-schema.js";
import { Problems, addZodProblems } from "../config/problems.js";
import { readSecretFile } from "../config/secret-files.js";
import { KeystoreError, openKeystore, passphraseFromFile, writeKeystoreFile, type KeystoreContents } from "../custody/keystore.js";

/** Largest credentials document read (file or stdin). */
const MAX_CREDENTIALS_BYTES = 64 * 1024;

export interface KeystoreAddExchangeOptions {
  readonly keystore: string | undefined;
  readonly passphraseFile: string | undefined;
  readonly account: string | undefined;
  readonly venue: string | undefined;
  readonly environment: string | undefined;
  /** Where the credential JSON is; stdin when undefined. */
  readonly credentialsFile: string | undefined;
}

/** Where the command reads and writes (tests inject these). */
export interface CliIo {
  readonly stdin: AsyncIterable<Buffer | string>;
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
}

const PROCESS_IO: CliIo = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr };

class UsageError extends Error {}

/** Reads stdin up to the bound; more is refused rather than cut. */
async function readBounded(input: AsyncIterable<Buffer | string>): Promise<string> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of input) {
    const buf = typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk;
    length += buf.length;
    if (length > MAX_CREDENTIALS_BYTES) throw new UsageError(`the credentials are larger than ${MAX_CREDENTIALS_BYTES} bytes`);
    chunks.push(buf);
  }
  const all = Buffer.concat(chunks);
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(all);
  } finally {
    all.fill(0);
  }
}

/** The credential document: a JSON object with the entry's fields except account, venue and environment. */
function parseCredentials(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // The parser's message quotes the input, which holds secrets.
    throw new UsageError("the credentials are not valid JSON");
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw new UsageError("the credentials must be a JSON object");
  for (const field of ["account", "venue", "environment"]) {
    if (Object.prototype.hasOwnProperty.call(value, field)) throw new UsageError(`give ${field} as a flag (--${field}), not in the credentials`);
  }
  return value as Record<string, unknown>;
}

function checkFlags(opts: KeystoreAddExchangeOptions): { keystore: string; passphraseFile: string; account: string; venue: Venue; environment: "testnet" | "live" } {
  const { keystore, passphraseFile, account, venue, environment } = opts;
  if (!keystore || !passphraseFile || !account || !venue || !environment) {
    throw new UsageError("--keystore, --passphrase-file, --account, --venue and --environment are required");
  }
  if (!Identifier.safeParse(account).success) throw new UsageError("--account must be 1-64 of [A-Za-z0-9._:@-], starting with a letter or digit");
  const v = Venue.safeParse(venue);
  if (!v.success) throw new UsageError(`--venue must be one of ${Venue.options.join(", ")}`);
  if (environment !== "testnet" && environment !== "live") throw new UsageError("--environment must be testnet or live");
  return { keystore, passphraseFile, account, venue: v.data, environment };
}

/**
 * `airlock-signer keystore add-exchange`: adds one exchange account with its credentials to an
 * encrypted keystore (created when missing, re-encrypted with a fresh salt and IV otherwise).
 * The credential JSON (apiKey/apiSecret/passphrase or privateKey, plus the optional fields of
 * an account entry) comes from --credentials-file or stdin and is checked with the very schema
 * the sidecar loads it with. Prints the account, venue and environment; never a secret, and no
 * error repeats one.
 */
export async function runKeystoreAddExchange(opts: KeystoreAddExchangeOptions, io: CliIo = PROCESS_IO): Promise<number> {
  const fail = (message: string, code: number): number => {
    io.stderr.write(`airlock-signer keystore add-exchange: ${message}\n`);
    return code;
  };
  try {
    const flags = checkFlags(opts);
    const text = opts.credentialsFile !== undefined ? readSecretFile(opts.credentialsFile) : await readBounded(io.stdin);
    const candidate = { account: flags.account, venue: flags.venue, environment: flags.environment, ...parseCredentials(text) };
    const parsed = ExchangeAccountEntry.safeParse(candidate);
    if (!parsed.success) {
      const problems = new Problems();
      for (const field of EXCHANGE_SECRET_FIELDS) {
        const value = candidate[field as keyof typeof candidate];
        if (typeof value === "string") problems.secret(value);
      }
      addZodProblems(problems, "credentials", parsed.error);
      return fail(`invalid credentials:\n${problems.lines().map((l) => `  - ${l}`).join("\n")}`, 1);
    }
    const passphrase = passphraseFromFile(readFileSync(flags.passphraseFile, "utf8"));
    const existing: KeystoreContents = existsSync(flags.keystore)
      ? openKeystore(readFileSync(flags.keystore, "utf8"), passphrase)
      : { keys: [], exchangeCredentials: [] };
    if (existing.exchangeCredentials.some((e) => e.account === flags.account)) {
      return fail(`exchange account "${flags.account}" already exists in the keystore`, 1);
    }
    writeKeystoreFile(flags.keystore, { ...existing, exchangeCredentials: [...existing.exchangeCredentials, parsed.data] }, passphrase);
    io.stdout.write(`${JSON.stringify({ account: flags.account, venue: flags.venue, environment: flags.environment, keystore: flags.keystore })}\n`);
    return 0;
  } catch (err) {
    if (err instanceof UsageError) return fail(err.message, 2);
    if (err instanceof KeystoreError) return fail(err.message, 1);
    const code = (err as { code?: unknown } | null)?.code;
    if (typeof code === "string" && /^[A-Z0-9_]{1,40}$/.test(code)) return fail(`a file could not be read or written (${code})`, 1);
    throw err;
  }
}
