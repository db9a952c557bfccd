import { closeSync, constants, fstatSync, openSync, readSync } from "node:fs";
import type { Problems } from "./problems.js";

/**
 * `*_FILE` variants of the secret-bearing variables: each names a file whose content is the
 * plain variable's value, as container orchestrators mount secrets (`/run/secrets/NAME`), so
 * the secret never sits in the process environment of the container definition.
 */
export const SECRET_FILE_VARIABLES: Readonly<Record<string, string>> = Object.freeze({
  KEYRING_HMAC_SECRET_FILE: "KEYRING_HMAC_SECRET",
  KEYRING_AUTH_CLIENTS_JSON_FILE: "KEYRING_AUTH_CLIENTS_JSON",
  SESSION_PRIVATE_KEY_FILE: "SESSION_PRIVATE_KEY",
  KEYRING_SIGNING_KEYS_JSON_FILE: "KEYRING_SIGNING_KEYS_JSON",
  KEYRING_DFNS_AUTH_TOKEN_FILE: "KEYRING_DFNS_AUTH_TOKEN",
  KEYRING_DFNS_USER_ACTION_SIGNATURE_FILE: "KEYRING_DFNS_USER_ACTION_SIGNATURE",
  KEYRING_EXCHANGE_ACCOUNTS_JSON_FILE: "KEYRING_EXCHANGE_ACCOUNTS_JSON",
  // Public, not secret: a file is simply the convenient way to pass a PEM.
  AIRLOCK_ADMIN_PUBLIC_KEY_FILE: "AIRLOCK_ADMIN_PUBLIC_KEY",
});

/** Largest secret file read: the loader's bound for a JSON variable, so any value it accepts inline it accepts from a file. */
export const MAX_SECRET_FILE_BYTES = 256 * 1024;

/** A secret file that is not a bounded, regular, UTF-8 file. */
export class SecretFileError extends Error {
  override readonly name = "SecretFileError";
  constructor(readonly code: "SECRET_FILE_NOT_REGULAR" | "SECRET_FILE_TOO_LARGE" | "SECRET_FILE_NOT_UTF8") {
    super(code);
  }
}

/**
 * Reads a secret file with a size bound checked before and while reading. Refuses anything but
 * a regular file (O_NONBLOCK keeps a FIFO from blocking startup) and text that is not UTF-8.
 */
export function readSecretFile(path: string): string {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new SecretFileError("SECRET_FILE_NOT_REGULAR");
    if (stat.size > MAX_SECRET_FILE_BYTES) throw new SecretFileError("SECRET_FILE_TOO_LARGE");
    // One byte of room detects a file that grew after fstat.
    const buf = Buffer.alloc(MAX_SECRET_FILE_BYTES + 1);
    let length = 0;
    for (;;) {
      const n = readSync(fd, buf, length, buf.length - length, null);
      if (n === 0) break;
      length += n;
      if (length > MAX_SECRET_FILE_BYTES) throw new SecretFileError("SECRET_FILE_TOO_LARGE");
    }
    try {
      return new TextDecoder("utf-8", { fatal: true }).decode(buf.subarray(0, length));
    } catch {
      throw new SecretFileError("SECRET_FILE_NOT_UTF8");
    } finally {
      buf.fill(0);
    }
  } finally {
    closeSync(fd);
  }
}

/** The error's code (ENOENT, EACCES, SECRET_FILE_TOO_LARGE…): enough to act on, and it quotes nothing. */
function errorCode(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" && /^[A-Z0-9_]{1,32}$/.test(code) ? code : "read failed";
}

/** The path for a problem line: operators need it; a path with control characters is not echoed. */
function shownPath(path: string): string {
  return /^[\x20-\x7e]{1,512}$/.test(path) ? path : "path not shown";
}

/** Drops one trailing newline (\n or \r\n), which editors and `echo` add; keeps everything else. */
function withoutFinalNewline(text: string): string {
  if (text.endsWith("\r\n")) return text.slice(0, -2);
  if (text.endsWith("\n")) return text.slice(0, -1);
  return text;
}

const isSet = (value: string | undefined): value is string => value !== undefined && value.trim() !== "";

/**
 * Resolves the `*_FILE` variables into their plain variables, once, before anything else reads
 * the environment. A variant and its plain variable both set, an unreadable, oversized, non-UTF-8
 * or empty file: each is a problem naming the variable and the path, never the content. Blank
 * variables count as unset. Returns a new environment; `env` is not modified.
 */
export function applySecretFiles(
  env: Readonly<Record<string, string | undefined>>,
  problems: Problems,
  readFile: (path: string) => string = readSecretFile,
): Readonly<Record<string, string | undefined>> {
  const resolved: Record<string, string | undefined> = { ...env };
  for (const [fileVar, plainVar] of Object.entries(SECRET_FILE_VARIABLES)) {
    const path = env[fileVar];
    if (!isSet(path)) continue;
    const where = `${fileVar} (${shownPath(path)})`;
    if (isSet(env[plainVar])) {
      problems.add(`${plainVar} and ${fileVar} are both set; set only one`);
      continue;
    }
    let text: string;
    try {
      text = readFile(path);
    } catch (err) {
      problems.add(`${where} could not be read (${errorCode(err)})`);
      continue;
    }
    // An injected reader (tests) skips readSecretFile's bound, so it is checked again here.
    if (Buffer.byteLength(text, "utf8") > MAX_SECRET_FILE_BYTES) {
      problems.add(`${where} could not be read (SECRET_FILE_TOO_LARGE)`);
      continue;
    }
    const value = withoutFinalNewline(text);
    problems.secret(value);
    if (value.trim() === "") {
      problems.add(`${where} is empty`);
      continue;
    }
    resolved[plainVar] = value;
  }
  return resolved;
}
