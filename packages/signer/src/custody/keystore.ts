/**
 * Encrypted keystore file for in-process keys (KEYRING_KEYSTORE_PATH), so keys need not sit in
 * the environment. Format version 1, a JSON object (docs/keystore.md has the full description):
 *
 * ```json
 * { "format": "airlock-keystore", "version": 1,
 *   "kdf": "scrypt", "kdfParams": { "N": 131072, "r": 8, "p": 1, "salt": "<base64, 16-64 bytes>" },
 *   "cipher": "aes-256-gcm", "iv": "<base64, 12 bytes>", "ciphertext": "<base64>", "tag": "<base64, 16 bytes>" }
 * ```
 *
 * - key = scrypt(UTF-8 bytes of the passphrase, salt, 32 bytes, N, r, p).
 * - AES-256-GCM with the header as additional authenticated data:
 *   AAD = UTF-8 of JSON.stringify({format, version, kdf, kdfParams: {N, r, p, salt}, cipher}),
 *   keys in exactly that order, so any change to the header fails decryption.
 * - Plaintext = JSON `{"keys":[{"keyId":"…","privateKey":"0x…"}],"exchangeCredentials":[]}`;
 *   exchangeCredentials holds exchange accounts in the KEYRING_EXCHANGE_ACCOUNTS_JSON entry
 *   shape (config/exchange-account-schema.ts), at most 64, account ids unique.
 *
 * Reading bounds everything a hostile file controls before any work is done: file size, field
 * sizes, and scrypt cost (N a power of two in [2^14, 2^20], r in [1, 16], p in [1, 4],
 * 128·N·r ≤ 1 GiB, N·r·p ≤ 2^23), so a planted file cannot stall or exhaust startup.
 * Errors are KeystoreError with a stable code and never repeat the file's content.
 */
import { closeSync, fsyncSync, fchmodSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from "node:crypto";
import { z } from "zod";
import { Identifier } from "@airlock/core";
import { ExchangeAccountEntry } from "../config/exchange-account-schema.js";
import { parsePrivateKey } from "./private-key.js";

/** Format identifiers and the scrypt bounds documented above. */
export const KEYSTORE_FORMAT = "airlock-keystore";
export const KEYSTORE_VERSION = 1;
export const KEYSTORE_DEFAULT_N = 2 ** 17;
export const KEYSTORE_MIN_N = 2 ** 14;
export const KEYSTORE_MAX_N = 2 ** 20;
export const MIN_PASSPHRASE_CHARS = 12;
const MAX_PASSPHRASE_CHARS = 1024;
const MAX_FILE_CHARS = 1024 * 1024;
const MAX_CIPHERTEXT_BYTES = 512 * 1024;
const MAX_SCRYPT_MEMORY = 2 ** 30;
const MAX_SCRYPT_WORK = 2 ** 23;
const MAX_KEYS = 256;
const MAX_EXCHANGE_CREDENTIALS = 64;

/** Stable codes of KeystoreError (see docs/keystore.md). */
export type KeystoreErrorCode =
  | "KEYSTORE_BAD_PASSPHRASE"
  | "KEYSTORE_MALFORMED"
  | "KEYSTORE_UNSUPPORTED"
  | "KEYSTORE_WEAK_PASSPHRASE";

/** A keystore could not be created or opened; the message never repeats file content or passphrase. */
export class KeystoreError extends Error {
  override readonly name = "KeystoreError";
  constructor(readonly code: KeystoreErrorCode, message: string) {
    super(message);
  }
}

/** One key in the keystore plaintext. */
export interface KeystoreKey {
  readonly keyId: string;
  /** `0x` hex, 1 <= key < Stark curve order. */
  readonly privateKey: string;
}

/** The keystore plaintext. */
export interface KeystoreContents {
  readonly keys: readonly KeystoreKey[];
  /** Exchange accounts with their credentials (the KEYRING_EXCHANGE_ACCOUNTS_JSON entry shape). */
  readonly exchangeCredentials: readonly ExchangeAccountEntry[];
}

/** scrypt cost for new keystores (defaults N=2^17, r=8, p=1). */
export interface ScryptParams {
  N?: number;
  r?: number;
  p?: number;
}

const PlainSchema = z.strictObject({
  keys: z
    .array(
      z.strictObject({
        keyId: Identifier,
        privateKey: z.string().regex(/^0x[0-9a-fA-F]{1,64}$/).refine((k) => parsePrivateKey(k) !== undefined),
      }),
    )
    .max(MAX_KEYS)
    .refine((keys) => new Set(keys.map((k) => k.keyId)).size === keys.length, "duplicate keyId"),
  exchangeCredentials: z
    .array(ExchangeAccountEntry)
    .max(MAX_EXCHANGE_CREDENTIALS)
    .refine((entries) => new Set(entries.map((e) => e.account)).size === entries.length, "duplicate exchange account"),
});

const FileSchema = z.strictObject({
  format: z.string(),
  version: z.number(),
  kdf: z.string(),
  kdfParams: z.strictObject({ N: z.number(), r: z.number(), p: z.number(), salt: z.string().max(128) }),
  cipher: z.string(),
  iv: z.string().max(64),
  ciphertext: z.string().max(Math.ceil(MAX_CIPHERTEXT_BYTES / 3) * 4),
  tag: z.string().max(64),
});

/** Strict base64: only the canonical encoding of some byte string is accepted. */
function decodeBase64(text: string, minBytes: number, maxBytes: number): Buffer | undefined {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) return undefined;
  const bytes = Buffer.from(text, "base64");
  if (bytes.toString("base64") !== text) return undefined;
  return bytes.length >= minBytes && bytes.length <= maxBytes ? bytes : undefined;
}

function checkScryptParams(N: number, r: number, p: number): string | undefined {
  if (!Number.isSafeInteger(N) || N < KEYSTORE_MIN_N || N > KEYSTORE_MAX_N || (N & (N - 1)) !== 0) {
    return `scrypt N must be a power of two between 2^14 and 2^20`;
  }
  if (!Number.isSafeInteger(r) || r < 1 || r > 16) return "scrypt r must be between 1 and 16";
  if (!Number.isSafeInteger(p) || p < 1 || p > 4) return "scrypt p must be between 1 and 4";
  if (128 * N * r > MAX_SCRYPT_MEMORY) return "scrypt parameters need more than 1 GiB of memory";
  if (N * r * p > MAX_SCRYPT_WORK) return "scrypt parameters exceed the accepted work factor";
  return undefined;
}

function checkPassphrase(passphrase: string): void {
  const chars = [...passphrase].length;
  if (chars < MIN_PASSPHRASE_CHARS) {
    throw new KeystoreError("KEYSTORE_WEAK_PASSPHRASE", `keystore passphrase must be at least ${MIN_PASSPHRASE_CHARS} characters`);
  }
  if (chars > MAX_PASSPHRASE_CHARS) {
    throw new KeystoreError("KEYSTORE_WEAK_PASSPHRASE", `keystore passphrase must be at most ${MAX_PASSPHRASE_CHARS} characters`);
  }
}

interface Header {
  N: number;
  r: number;
  p: number;
  salt: string;
}

function additionalData(h: Header): Buffer {
  return Buffer.from(
    JSON.stringify({
      format: KEYSTORE_FORMAT,
      version: KEYSTORE_VERSION,
      kdf: "scrypt",
      kdfParams: { N: h.N, r: h.r, p: h.p, salt: h.salt },
      cipher: "aes-256-gcm",
    }),
    "utf8",
  );
}

function deriveKey(passphrase: string, salt: Buffer, h: Header): Buffer {
  return scryptSync(Buffer.from(passphrase, "utf8"), salt, 32, { N: h.N, r: h.r, p: h.p, maxmem: 256 * h.N * h.r + 1024 * 1024 });
}

function validatePlain(plain: unknown): KeystoreContents {
  const parsed = PlainSchema.safeParse(plain);
  if (!parsed.success) throw new KeystoreError("KEYSTORE_MALFORMED", "keystore content is invalid");
  return parsed.data;
}

/** The passphrase held in a passphrase file: its text minus one trailing newline (LF or CRLF). */
export function passphraseFromFile(text: string): string {
  if (text.endsWith("\r\n")) return text.slice(0, -2);
  if (text.endsWith("\n")) return text.slice(0, -1);
  return text;
}

/** Encrypts `plain` under `passphrase`; returns the keystore file text. */
export function createKeystore(plain: KeystoreContents, passphrase: string, params: ScryptParams = {}): string {
  checkPassphrase(passphrase);
  const contents = validatePlain(plain);
  const N = params.N ?? KEYSTORE_DEFAULT_N;
  const r = params.r ?? 8;
  const p = params.p ?? 1;
  const problem = checkScryptParams(N, r, p);
  if (problem) throw new KeystoreError("KEYSTORE_UNSUPPORTED", problem);

  const saltBytes = randomBytes(16);
  const header: Header = { N, r, p, salt: saltBytes.toString("base64") };
  const iv = randomBytes(12);
  const key = deriveKey(passphrase, saltBytes, header);
  const plaintext = Buffer.from(JSON.stringify({ keys: contents.keys, exchangeCredentials: contents.exchangeCredentials }), "utf8");
  try {
    const cipher = createCipheriv("aes-256-gcm", key, iv, { authTagLength: 16 });
    cipher.setAAD(additionalData(header));
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    if (ciphertext.length > MAX_CIPHERTEXT_BYTES) throw new KeystoreError("KEYSTORE_MALFORMED", "keystore content is too large");
    const file = {
      format: KEYSTORE_FORMAT,
      version: KEYSTORE_VERSION,
      kdf: "scrypt",
      kdfParams: { N, r, p, salt: header.salt },
      cipher: "aes-256-gcm",
      iv: iv.toString("base64"),
      ciphertext: ciphertext.toString("base64"),
      tag: cipher.getAuthTag().toString("base64"),
    };
    return `${JSON.stringify(file, null, 2)}\n`;
  } finally {
    key.fill(0);
    plaintext.fill(0);
  }
}

/** Decrypts a keystore file. Throws KeystoreError; a wrong passphrase and tampering look alike. */
export function openKeystore(fileText: string, passphrase: string): KeystoreContents {
  if (fileText.length > MAX_FILE_CHARS) throw new KeystoreError("KEYSTORE_MALFORMED", "keystore file is too large");
  let json: unknown;
  try {
    json = JSON.parse(fileText);
  } catch {
    throw new KeystoreError("KEYSTORE_MALFORMED", "keystore file is not valid JSON");
  }
  const parsed = FileSchema.safeParse(json);
  if (!parsed.success) throw new KeystoreError("KEYSTORE_MALFORMED", "keystore file does not have the keystore layout");
  const f = parsed.data;
  if (f.format !== KEYSTORE_FORMAT) throw new KeystoreError("KEYSTORE_MALFORMED", "file is not an airlock keystore");
  if (f.version !== KEYSTORE_VERSION) throw new KeystoreError("KEYSTORE_UNSUPPORTED", "unsupported keystore version");
  if (f.kdf !== "scrypt") throw new KeystoreError("KEYSTORE_UNSUPPORTED", "unsupported keystore kdf");
  if (f.cipher !== "aes-256-gcm") throw new KeystoreError("KEYSTORE_UNSUPPORTED", "unsupported keystore cipher");
  const { N, r, p, salt } = f.kdfParams;
  const problem = checkScryptParams(N, r, p);
  if (problem) throw new KeystoreError("KEYSTORE_UNSUPPORTED", problem);
  const saltBytes = decodeBase64(salt, 16, 64);
  const iv = decodeBase64(f.iv, 12, 12);
  const tag = decodeBase64(f.tag, 16, 16);
  const ciphertext = decodeBase64(f.ciphertext, 1, MAX_CIPHERTEXT_BYTES);
  if (!saltBytes || !iv || !tag || !ciphertext) {
    throw new KeystoreError("KEYSTORE_MALFORMED", "keystore salt, iv, tag or ciphertext is malformed");
  }
  checkPassphrase(passphrase);

  const header: Header = { N, r, p, salt };
  const key = deriveKey(passphrase, saltBytes, header);
  let plaintext: Buffer;
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, iv, { authTagLength: 16 });
    decipher.setAAD(additionalData(header));
    decipher.setAuthTag(tag);
    plaintext = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  } catch {
    throw new KeystoreError("KEYSTORE_BAD_PASSPHRASE", "wrong keystore passphrase, or the keystore was modified");
  } finally {
    key.fill(0);
  }
  try {
    let plain: unknown;
    try {
      plain = JSON.parse(plaintext.toString("utf8"));
    } catch {
      throw new KeystoreError("KEYSTORE_MALFORMED", "keystore content is invalid");
    }
    return deepFreeze(validatePlain(plain));
  } finally {
    plaintext.fill(0);
  }
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/**
 * Writes a new keystore atomically: a fresh temporary file in the same directory, created
 * with mode 0600, synced, then renamed over `path` (so readers see the old or the new file,
 * never half of one).
 */
export function writeKeystoreFile(path: string, plain: KeystoreContents, passphrase: string, params: ScryptParams = {}): void {
  const text = createKeystore(plain, passphrase, params);
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`);
  const fd = openSync(tmp, "wx", 0o600);
  try {
    try {
      fchmodSync(fd, 0o600); // the umask may have narrowed it further; make it exact
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
  try {
    const dirFd = openSync(dir, "r");
    try {
      fsyncSync(dirFd);
    } finally {
      closeSync(dirFd);
    }
  } catch {
    // Directory fsync is not possible everywhere; the rename itself already happened.
  }
}
