import { describe, expect, it } from "vitest";
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { createCipheriv, randomBytes, scryptSync } from "node:crypto";
import { join } from "node:path";
import {
  createKeystore,
  KeystoreError,
  openKeystore,
  passphraseFromFile,
  writeKeystoreFile,
  type KeystoreContents,
  type KeystoreErrorCode,
} from "../../src/custody/keystore.js";

const PASS = "correct horse battery staple";
const KEY_1 = "0x3c1e9550e66958296d11b60f8e8e7a7ad990d07fa65d5f7652c4a6c87d4e3cc";
const KEY_2 = "0x1b7ee2af2a6b0dd1d8d0b0a2e8cbd9e0f6be5b8b1a1e8a7a0f37d9f2f3a4c5d";
const FAST = { N: 2 ** 14 };
const PLAIN: KeystoreContents = {
  keys: [
    { keyId: "default", privateKey: KEY_1 },
    { keyId: "ops", privateKey: KEY_2 },
  ],
  exchangeCredentials: [
    { account: "bn", venue: "binance", environment: "testnet", apiKey: "opaque-key", apiSecret: "opaque-secret-value", clients: ["agent"] },
  ],
};
const FILE = createKeystore(PLAIN, PASS, FAST);

function keystoreError(fn: () => unknown): KeystoreError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(KeystoreError);
    const e = err as KeystoreError;
    for (const secret of [PASS, KEY_1, KEY_2, KEY_1.slice(2), "opaque-secret-value"]) expect(e.message).not.toContain(secret);
    return e;
  }
  throw new Error("expected a KeystoreError");
}

function expectCode(fn: () => unknown, code: KeystoreErrorCode): void {
  expect(keystoreError(fn).code).toBe(code);
}

/** The file as an object, edited by `edit`, back to text. */
function edited(edit: (file: Record<string, any>) => void): string {
  const file = JSON.parse(FILE) as Record<string, any>;
  edit(file);
  return JSON.stringify(file);
}

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
/** 16 bytes encode to 22 characters + "==": the 22nd carries 4 unused bits; set the lowest. */
function withSlackBit(salt16: string): string {
  const c = B64[B64.indexOf(salt16[21] ?? "A") ^ 1] ?? "A";
  const out = `${salt16.slice(0, 21)}${c}${salt16.slice(22)}`;
  expect(Buffer.from(out, "base64").equals(Buffer.from(salt16, "base64"))).toBe(true);
  return out;
}

function flipFirstByte(b64: string): string {
  const bytes = Buffer.from(b64, "base64");
  bytes[0] = (bytes[0] ?? 0) ^ 0x01;
  return bytes.toString("base64");
}

describe("round trip", () => {
  it("decrypts what it encrypted, exchange credentials included", () => {
    const opened = openKeystore(FILE, PASS);
    expect(opened).toEqual(PLAIN);
    expect(Object.isFrozen(opened.keys[0])).toBe(true);
  });

  it("writes the documented layout and never the plaintext", () => {
    const file = JSON.parse(FILE) as Record<string, any>;
    expect(Object.keys(file)).toEqual(["format", "version", "kdf", "kdfParams", "cipher", "iv", "ciphertext", "tag"]);
    expect(file).toMatchObject({ format: "airlock-keystore", version: 1, kdf: "scrypt", cipher: "aes-256-gcm", kdfParams: { N: 16384, r: 8, p: 1 } });
    expect(Buffer.from(file.kdfParams.salt, "base64")).toHaveLength(16);
    expect(Buffer.from(file.iv, "base64")).toHaveLength(12);
    expect(Buffer.from(file.tag, "base64")).toHaveLength(16);
    for (const secret of [KEY_1, KEY_1.slice(2), "opaque-secret-value"]) expect(FILE).not.toContain(secret);
  });

  it("uses N = 2^17 by default and fresh salt and iv each time", () => {
    const a = JSON.parse(createKeystore({ keys: [], exchangeCredentials: [] }, PASS)) as Record<string, any>;
    const b = JSON.parse(createKeystore({ keys: [], exchangeCredentials: [] }, PASS, FAST)) as Record<string, any>;
    expect(a.kdfParams.N).toBe(131072);
    expect(a.kdfParams.salt).not.toBe(b.kdfParams.salt);
    expect(a.iv).not.toBe(b.iv);
    expect(openKeystore(JSON.stringify(a), PASS)).toEqual({ keys: [], exchangeCredentials: [] });
  });
});

describe("tampering and wrong passphrases", () => {
  it("refuses a wrong passphrase", () => {
    expectCode(() => openKeystore(FILE, `${PASS}!`), "KEYSTORE_BAD_PASSPHRASE");
  });

  it.each([
    ["ciphertext", (f: Record<string, any>): void => void (f.ciphertext = flipFirstByte(f.ciphertext))],
    ["tag", (f: Record<string, any>): void => void (f.tag = flipFirstByte(f.tag))],
    ["iv", (f: Record<string, any>): void => void (f.iv = flipFirstByte(f.iv))],
    ["salt", (f: Record<string, any>): void => void (f.kdfParams.salt = flipFirstByte(f.kdfParams.salt))],
    ["N", (f: Record<string, any>): void => void (f.kdfParams.N = 2 ** 15)],
    ["r", (f: Record<string, any>): void => void (f.kdfParams.r = 7)],
    ["p", (f: Record<string, any>): void => void (f.kdfParams.p = 2)],
  ])("refuses a modified %s", (_field, edit) => {
    expectCode(() => openKeystore(edited(edit), PASS), "KEYSTORE_BAD_PASSPHRASE");
  });

  it.each([
    ["format", (f: Record<string, any>): void => void (f.format = "other-keystore"), "KEYSTORE_MALFORMED"],
    ["version", (f: Record<string, any>): void => void (f.version = 2), "KEYSTORE_UNSUPPORTED"],
    ["kdf", (f: Record<string, any>): void => void (f.kdf = "pbkdf2"), "KEYSTORE_UNSUPPORTED"],
    ["cipher", (f: Record<string, any>): void => void (f.cipher = "aes-128-gcm"), "KEYSTORE_UNSUPPORTED"],
  ] as [string, (f: Record<string, any>) => void, KeystoreErrorCode][])("refuses a modified header field %s", (_field, edit, code) => {
    expectCode(() => openKeystore(edited(edit), PASS), code);
  });
});

describe("hostile or malformed files", () => {
  it.each([
    ["N above 2^20", { N: 2 ** 21 }],
    ["a huge N", { N: 2 ** 40 }],
    ["N not a power of two", { N: 20000 }],
    ["N below 2^14", { N: 2 ** 10 }],
    ["a fractional N", { N: 16384.5 }],
    ["a large r", { r: 1000 }],
    ["r = 0", { r: 0 }],
    ["a large p", { p: 64 }],
    ["too much memory (N=2^20, r=16)", { N: 2 ** 20, r: 16 }],
    ["too much work (N=2^20, r=8, p=2)", { N: 2 ** 20, p: 2 }],
  ])("refuses scrypt parameters with %s before deriving", (_name, params) => {
    expectCode(() => openKeystore(edited((f) => Object.assign(f.kdfParams, params)), PASS), "KEYSTORE_UNSUPPORTED");
  });

  it.each([
    ["not JSON", "{nope"],
    ["a JSON array", "[]"],
    ["an extra field", edited((f) => (f.note = "x"))],
    ["an extra kdf field", edited((f) => (f.kdfParams.dkLen = 32))],
    ["a missing tag", edited((f) => delete f.tag)],
    ["a short iv", edited((f) => (f.iv = Buffer.alloc(8).toString("base64")))],
    ["a short tag", edited((f) => (f.tag = Buffer.alloc(12).toString("base64")))],
    ["a short salt", edited((f) => (f.kdfParams.salt = Buffer.alloc(8).toString("base64")))],
    ["a truncated iv", edited((f) => (f.iv = `${f.iv.slice(0, -1)}`))],
    // Same bytes, different text (slack bits set): would change the AAD if it were accepted.
    ["non-canonical base64", edited((f) => (f.kdfParams.salt = withSlackBit(f.kdfParams.salt)))],
    ["base64url", edited((f) => (f.ciphertext = f.ciphertext.replace(/\+/g, "-").replace(/\//g, "_") + "-"))],
    ["a string version", edited((f) => (f.version = "1"))],
    ["an oversized file", " ".repeat(1024 * 1024 + 1)],
  ])("refuses %s as malformed", (_name, text) => {
    expectCode(() => openKeystore(text, PASS), "KEYSTORE_MALFORMED");
  });

  it("refuses invalid content on creation", () => {
    const none: KeystoreContents["exchangeCredentials"] = [];
    expectCode(() => createKeystore({ keys: [{ keyId: "a", privateKey: KEY_1 }, { keyId: "a", privateKey: KEY_2 }], exchangeCredentials: none }, PASS, FAST), "KEYSTORE_MALFORMED");
    expectCode(() => createKeystore({ keys: [{ keyId: "a", privateKey: "0x0" }], exchangeCredentials: none }, PASS, FAST), "KEYSTORE_MALFORMED");
    expectCode(() => createKeystore({ keys: [{ keyId: "bad id", privateKey: KEY_1 }], exchangeCredentials: none }, PASS, FAST), "KEYSTORE_MALFORMED");
    type Entry = KeystoreContents["exchangeCredentials"][number];
    expectCode(() => createKeystore({ keys: [], exchangeCredentials: ["x" as unknown as Entry] }, PASS, FAST), "KEYSTORE_MALFORMED");
    // Exchange credentials must have the account entry shape (no longer carried opaquely).
    expectCode(() => createKeystore({ keys: [], exchangeCredentials: [{ exchange: "example" } as unknown as Entry] }, PASS, FAST), "KEYSTORE_MALFORMED");
  });
});

/** An independent encryptor written from docs/keystore.md, to prove the format as documented. */
function encryptPerDocs(plaintext: string, passphrase: string): string {
  const salt = randomBytes(16).toString("base64");
  const header = { format: "airlock-keystore", version: 1, kdf: "scrypt", kdfParams: { N: 16384, r: 8, p: 1, salt }, cipher: "aes-256-gcm" };
  const key = scryptSync(passphrase, Buffer.from(salt, "base64"), 32, { N: 16384, r: 8, p: 1 });
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(Buffer.from(JSON.stringify(header)));
  const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return JSON.stringify({ ...header, iv: iv.toString("base64"), ciphertext: ciphertext.toString("base64"), tag: cipher.getAuthTag().toString("base64") });
}

describe("the documented format", () => {
  it("opens a keystore produced independently from docs/keystore.md", () => {
    const text = encryptPerDocs(JSON.stringify({ keys: [{ keyId: "default", privateKey: KEY_1 }], exchangeCredentials: [] }), PASS);
    expect(openKeystore(text, PASS)).toEqual({ keys: [{ keyId: "default", privateKey: KEY_1 }], exchangeCredentials: [] });
  });

  it.each([
    ["not JSON", "not json"],
    ["missing exchangeCredentials", JSON.stringify({ keys: [] })],
    ["an unknown field", JSON.stringify({ keys: [], exchangeCredentials: [], extra: 1 })],
    ["a duplicate keyId", JSON.stringify({ keys: [{ keyId: "a", privateKey: KEY_1 }, { keyId: "a", privateKey: KEY_2 }], exchangeCredentials: [] })],
    ["a private key out of range", JSON.stringify({ keys: [{ keyId: "a", privateKey: `0x${"f".repeat(64)}` }], exchangeCredentials: [] })],
  ])("refuses decrypted content that is %s", (_name, plaintext) => {
    expectCode(() => openKeystore(encryptPerDocs(plaintext, PASS), PASS), "KEYSTORE_MALFORMED");
  });
});

describe("passphrases", () => {
  it("requires at least 12 characters", () => {
    expectCode(() => createKeystore(PLAIN, "short-pass1", FAST), "KEYSTORE_WEAK_PASSPHRASE");
    expectCode(() => openKeystore(FILE, "short-pass1"), "KEYSTORE_WEAK_PASSPHRASE");
    expect(() => createKeystore(PLAIN, "exactly12chr", FAST)).not.toThrow();
  });

  it("trims exactly one trailing newline from a passphrase file", () => {
    expect(passphraseFromFile("secret passphrase\n")).toBe("secret passphrase");
    expect(passphraseFromFile("secret passphrase\r\n")).toBe("secret passphrase");
    expect(passphraseFromFile("secret passphrase\n\n")).toBe("secret passphrase\n");
    expect(passphraseFromFile(" secret passphrase ")).toBe(" secret passphrase ");
  });
});

describe("writeKeystoreFile", () => {
  it("writes mode 0600 atomically, replacing an older file and leaving no temporary file", () => {
    const dir = mkdtempSync(join(tmpdir(), "airlock-keystore-"));
    const path = join(dir, "keys.keystore.json");
    writeFileSync(path, "old", { mode: 0o644 });
    writeKeystoreFile(path, PLAIN, PASS, FAST);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(["keys.keystore.json"]);
    expect(openKeystore(readFileSync(path, "utf8"), PASS)).toEqual(PLAIN);
  });

  it("writes nothing when the content is invalid", () => {
    const dir = mkdtempSync(join(tmpdir(), "airlock-keystore-"));
    expectCode(() => writeKeystoreFile(join(dir, "k.json"), PLAIN, "too short", FAST), "KEYSTORE_WEAK_PASSPHRASE");
    expect(readdirSync(dir)).toEqual([]);
  });
});
