import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { starkKeyOf } from "@airlock/core/starknet";
import { loadConfig } from "../../src/config/env-config.js";
import { Problems } from "../../src/config/problems.js";
import { applySecretFiles, MAX_SECRET_FILE_BYTES, readSecretFile, SECRET_FILE_VARIABLES, SecretFileError } from "../../src/config/secret-files.js";
import { DFNS, DFNS_TOKEN, DFNS_UA, KEY_A, KEY_B, SECRET, SECRET_2, expectOneProblem, memoryFiles, problemsOf } from "./fixtures.js";

const dir = mkdtempSync(join(tmpdir(), "airlock-secret-files-"));
let counter = 0;
/** A real file holding `content`, mode 0600 as a secret would be. */
function secretFile(content: string | Buffer): string {
  const path = join(dir, `secret-${++counter}`);
  writeFileSync(path, content, { mode: 0o600 });
  return path;
}

const CLIENTS_JSON = JSON.stringify([
  { clientId: "default", hmacSecret: SECRET },
  { clientId: "other", hmacSecret: SECRET_2 },
]);
const KEYS_JSON = JSON.stringify([
  { keyId: "default", privateKey: KEY_A },
  { keyId: "second", privateKey: KEY_B },
]);

describe("*_FILE secret variables in loadConfig", () => {
  it("reads KEYRING_HMAC_SECRET_FILE and SESSION_PRIVATE_KEY_FILE, dropping one trailing newline", () => {
    const config = loadConfig(
      { KEYRING_HMAC_SECRET_FILE: "/run/secrets/hmac", SESSION_PRIVATE_KEY_FILE: "/run/secrets/key" },
      { readFile: memoryFiles({ "/run/secrets/hmac": `${SECRET}\n`, "/run/secrets/key": `${KEY_A}\r\n` }) },
    );
    expect(config.auth.clients.get("default")?.hmacSecret).toBe(SECRET);
    expect(config.signer.provider.publicKey("default")).toBe(starkKeyOf(BigInt(KEY_A)));
    // Values from files reach the leak scanner like inline ones.
    expect([...config.signer.secretsForScanner]).toEqual([SECRET, KEY_A]);
  });

  it("reads KEYRING_AUTH_CLIENTS_JSON_FILE and KEYRING_SIGNING_KEYS_JSON_FILE", () => {
    const config = loadConfig(
      { KEYRING_AUTH_CLIENTS_JSON_FILE: "/s/clients.json", KEYRING_SIGNING_KEYS_JSON_FILE: "/s/keys.json" },
      { readFile: memoryFiles({ "/s/clients.json": `${CLIENTS_JSON}\n`, "/s/keys.json": KEYS_JSON }) },
    );
    expect([...config.auth.clients.keys()]).toEqual(["default", "other"]);
    expect(config.auth.clients.get("other")?.hmacSecret).toBe(SECRET_2);
    expect(config.signer.provider.keyIds()).toEqual(["default", "second"]);
  });

  it("reads the DFNS credentials from KEYRING_DFNS_AUTH_TOKEN_FILE and KEYRING_DFNS_USER_ACTION_SIGNATURE_FILE", () => {
    const { KEYRING_DFNS_AUTH_TOKEN: _t, KEYRING_DFNS_USER_ACTION_SIGNATURE: _u, ...rest } = DFNS;
    const config = loadConfig(
      { ...rest, KEYRING_DFNS_AUTH_TOKEN_FILE: "/s/token", KEYRING_DFNS_USER_ACTION_SIGNATURE_FILE: "/s/ua" },
      { readFile: memoryFiles({ "/s/token": `${DFNS_TOKEN}\n`, "/s/ua": `${DFNS_UA}\n` }) },
    );
    expect(config.signer.provider.kind).toBe("dfns");
    expect(config.signer.secretsForScanner).toContain(DFNS_TOKEN);
    expect(config.signer.secretsForScanner).toContain(DFNS_UA);
  });

  it("drops exactly one trailing newline: the rest of the content is the value", () => {
    const config = loadConfig(
      { KEYRING_HMAC_SECRET_FILE: "/s/hmac", SESSION_PRIVATE_KEY: KEY_A },
      { readFile: memoryFiles({ "/s/hmac": ` ${SECRET}\n\n` }) },
    );
    expect(config.auth.clients.get("default")?.hmacSecret).toBe(` ${SECRET}\n`);
  });

  it.each(Object.entries(SECRET_FILE_VARIABLES))("refuses %s together with %s, without reading the file", (fileVar, plainVar) => {
    let reads = 0;
    const problems = problemsOf(
      { KEYRING_HMAC_SECRET: SECRET, SESSION_PRIVATE_KEY: KEY_A, [plainVar]: plainVar === "SESSION_PRIVATE_KEY" ? KEY_A : "x", [fileVar]: "/s/f" },
      { readFile: () => (reads++, SECRET) },
    );
    expect(problems).toContain(`${plainVar} and ${fileVar} are both set; set only one`);
    expect(reads).toBe(0);
  });

  it("treats blank variables as unset, as .env.example leaves them", () => {
    const config = loadConfig(
      { KEYRING_HMAC_SECRET: "", KEYRING_HMAC_SECRET_FILE: "/s/hmac", SESSION_PRIVATE_KEY: KEY_A, SESSION_PRIVATE_KEY_FILE: " " },
      { readFile: memoryFiles({ "/s/hmac": SECRET }) },
    );
    expect(config.auth.clients.get("default")?.hmacSecret).toBe(SECRET);
  });

  it("names the variable, the path and the error code of an unreadable file", () => {
    const problems = problemsOf({ KEYRING_HMAC_SECRET_FILE: "/run/secrets/missing", SESSION_PRIVATE_KEY: KEY_A }, { readFile: memoryFiles({}) });
    expect(problems[0]).toBe("KEYRING_HMAC_SECRET_FILE (/run/secrets/missing) could not be read (ENOENT)");
  });

  it("refuses an empty file (a newline alone counts as empty)", () => {
    const problems = problemsOf({ KEYRING_HMAC_SECRET_FILE: "/s/hmac", SESSION_PRIVATE_KEY: KEY_A }, { readFile: memoryFiles({ "/s/hmac": "\n" }) });
    expect(problems[0]).toBe("KEYRING_HMAC_SECRET_FILE (/s/hmac) is empty");
  });

  it("bounds what an injected reader returns too", () => {
    const big = "a".repeat(MAX_SECRET_FILE_BYTES + 1);
    expectOneProblem(
      { KEYRING_HMAC_SECRET: SECRET, SESSION_PRIVATE_KEY: KEY_A, KEYRING_SIGNING_KEYS_JSON_FILE: "/s/keys.json" },
      "KEYRING_SIGNING_KEYS_JSON_FILE (/s/keys.json) could not be read (SECRET_FILE_TOO_LARGE)",
      { readFile: memoryFiles({ "/s/keys.json": big }) },
    );
  });

  it("does not echo a path holding control characters", () => {
    const problems = problemsOf({ KEYRING_HMAC_SECRET_FILE: "/s/\u001b[2Jx", SESSION_PRIVATE_KEY: KEY_A }, { readFile: memoryFiles({}) });
    expect(problems[0]).toBe("KEYRING_HMAC_SECRET_FILE (path not shown) could not be read (ENOENT)");
  });

  it("never quotes a file's content in the problems it causes downstream", () => {
    // A refused entry whose private key is real: the problem names the field, not the key.
    const bad = JSON.stringify([{ keyId: "default", privateKey: KEY_B, note: KEY_A }]);
    const problems = problemsOf(
      { KEYRING_HMAC_SECRET: SECRET, KEYRING_SIGNING_KEYS_JSON_FILE: "/s/keys.json" },
      { readFile: memoryFiles({ "/s/keys.json": bad }) },
    );
    // problemsOf also checks that no line holds KEY_A or KEY_B.
    expect(problems.some((p) => p.startsWith("KEYRING_SIGNING_KEYS_JSON[0]"))).toBe(true);
  });
});

describe("applySecretFiles", () => {
  it("returns a new environment and leaves the given one untouched", () => {
    const env = Object.freeze({ KEYRING_HMAC_SECRET_FILE: "/s/hmac", OTHER: "kept" });
    const problems = new Problems();
    const out = applySecretFiles(env, problems, memoryFiles({ "/s/hmac": SECRET }));
    expect(out).toEqual({ KEYRING_HMAC_SECRET_FILE: "/s/hmac", OTHER: "kept", KEYRING_HMAC_SECRET: SECRET });
    expect(env).toEqual({ KEYRING_HMAC_SECRET_FILE: "/s/hmac", OTHER: "kept" });
    expect(problems.count).toBe(0);
  });

  it("resolves only the eight listed variants (KEYRING_KEYSTORE_PASSPHRASE_FILE is already a path)", () => {
    expect(Object.keys(SECRET_FILE_VARIABLES).sort()).toEqual([
      "AIRLOCK_ADMIN_PUBLIC_KEY_FILE",
      "KEYRING_AUTH_CLIENTS_JSON_FILE",
      "KEYRING_DFNS_AUTH_TOKEN_FILE",
      "KEYRING_DFNS_USER_ACTION_SIGNATURE_FILE",
      "KEYRING_EXCHANGE_ACCOUNTS_JSON_FILE",
      "KEYRING_HMAC_SECRET_FILE",
      "KEYRING_SIGNING_KEYS_JSON_FILE",
      "SESSION_PRIVATE_KEY_FILE",
    ]);
    const problems = new Problems();
    const out = applySecretFiles({ KEYRING_KEYSTORE_PASSPHRASE_FILE: "/s/pass", KEYRING_POLICY_FILE: "/s/p.yaml" }, problems, () => {
      throw new Error("must not read");
    });
    expect(out).toEqual({ KEYRING_KEYSTORE_PASSPHRASE_FILE: "/s/pass", KEYRING_POLICY_FILE: "/s/p.yaml" });
  });

  it("registers a file's value for redaction in problem lines", () => {
    const problems = new Problems();
    applySecretFiles({ KEYRING_HMAC_SECRET_FILE: "/s/hmac" }, problems, memoryFiles({ "/s/hmac": `${SECRET}\n` }));
    problems.add(`a line that somehow quotes ${SECRET}`);
    expect(problems.lines()).toEqual(["a line that somehow quotes [redacted]"]);
  });

  it("is documented in docs/configuration.md and .env.example", () => {
    const docs = readFileSync(new URL("../../../../docs/configuration.md", import.meta.url), "utf8");
    const example = readFileSync(new URL("../../.env.example", import.meta.url), "utf8");
    for (const [fileVar, plainVar] of Object.entries(SECRET_FILE_VARIABLES)) {
      expect(docs).toContain(`| \`${fileVar}\` | \`${plainVar}\` |`);
      expect(example).toMatch(new RegExp(`^${fileVar}=$`, "m"));
    }
  });
});

describe("readSecretFile (the default reader)", () => {
  const codeOf = (path: string): string => {
    try {
      readSecretFile(path);
    } catch (err) {
      return (err as { code: string }).code;
    }
    return "read";
  };

  it("reads a real file as UTF-8, up to the bound inclusive", () => {
    expect(readSecretFile(secretFile(`${SECRET}\n`))).toBe(`${SECRET}\n`);
    expect(readSecretFile(secretFile("pässphrase ✓"))).toBe("pässphrase ✓");
    expect(readSecretFile(secretFile("b".repeat(MAX_SECRET_FILE_BYTES)))).toHaveLength(MAX_SECRET_FILE_BYTES);
  });

  it("refuses a file over the bound, a directory, and bytes that are not UTF-8", () => {
    expect(codeOf(secretFile("b".repeat(MAX_SECRET_FILE_BYTES + 1)))).toBe("SECRET_FILE_TOO_LARGE");
    const sub = join(dir, "a-directory");
    mkdirSync(sub);
    expect(codeOf(sub)).toBe("SECRET_FILE_NOT_REGULAR");
    expect(codeOf(secretFile(Buffer.from([0x73, 0xff, 0xfe, 0x0a])))).toBe("SECRET_FILE_NOT_UTF8");
    expect(codeOf(join(dir, "absent"))).toBe("ENOENT");
  });

  it.skipIf(process.platform === "win32")("refuses a FIFO without blocking on it", () => {
    const fifo = join(dir, "a-fifo");
    const made = spawnSync("mkfifo", [fifo]);
    expect(made.status, "mkfifo is part of coreutils").toBe(0);
    expect(codeOf(fifo)).toBe("SECRET_FILE_NOT_REGULAR");
  });

  it.skipIf(process.getuid?.() === 0)("reports EACCES for a file the process may not read", () => {
    const path = secretFile(SECRET);
    spawnSync("chmod", ["000", path]);
    expect(codeOf(path)).toBe("EACCES");
  });

  it("is loadConfig's reader when none is injected", () => {
    const config = loadConfig({ KEYRING_HMAC_SECRET_FILE: secretFile(`${SECRET}\n`), SESSION_PRIVATE_KEY_FILE: secretFile(`${KEY_A}\n`) });
    expect(config.auth.clients.get("default")?.hmacSecret).toBe(SECRET);
    const big = secretFile("c".repeat(MAX_SECRET_FILE_BYTES + 1));
    const problems = problemsOf({ KEYRING_HMAC_SECRET_FILE: big, SESSION_PRIVATE_KEY: KEY_A });
    expect(problems[0]).toBe(`KEYRING_HMAC_SECRET_FILE (${big}) could not be read (SECRET_FILE_TOO_LARGE)`);
    expect(new SecretFileError("SECRET_FILE_TOO_LARGE").message).toBe("SECRET_FILE_TOO_LARGE");
  });
});
