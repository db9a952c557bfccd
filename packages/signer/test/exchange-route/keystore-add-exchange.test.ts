import { describe, expect, it } from "vitest";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { runKeystoreAddExchange, type CliIo, type KeystoreAddExchangeOptions } from "../../src/cli/keystore-add-exchange.js";
import { loadConfig } from "../../src/config/env-config.js";
import { openKeystore } from "../../src/custody/keystore.js";
import { runCli } from "../../../../test/support/cli-process.js";

// Throwaway credentials: never used anywhere real.
const PASSPHRASE = "keystore-passphrase-for-tests";
const HMAC_SECRET = "client-hmac-secret-TESTONLY-0123456789";
const BN = { apiKey: "bn-cli-key-TESTONLY-5a6b7c8d9e0f1a2b", apiSecret: "bn-cli-secret-TESTONLY-c3d4e5f60718293a4b5c" };
const HL_KEY = "0x6c2f7a1e9b3d5f8a0c4e6b2d8f1a3c5e7b9d0f2a4c6e8b1d3f5a7c9e0b2d4f6a";
const SECRETS = [PASSPHRASE, BN.apiKey, BN.apiSecret, HL_KEY, HL_KEY.slice(2)];

function tempFiles(): { dir: string; keystore: string; pass: string } {
  const dir = mkdtempSync(join(tmpdir(), "airlock-add-exchange-"));
  const pass = join(dir, "pass");
  writeFileSync(pass, `${PASSPHRASE}\n`, { mode: 0o600 });
  return { dir, keystore: join(dir, "keys.keystore.json"), pass };
}

/** Runs the command in process with `stdin` as its input; returns the exit code and what it printed. */
async function run(opts: Partial<KeystoreAddExchangeOptions>, stdin = ""): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const io: CliIo = { stdin: Readable.from([Buffer.from(stdin, "utf8")]), stdout: { write: (t: string) => (out += t) }, stderr: { write: (t: string) => (err += t) } };
  const code = await runKeystoreAddExchange(
    { keystore: undefined, passphraseFile: undefined, account: undefined, venue: undefined, environment: undefined, credentialsFile: undefined, ...opts },
    io,
  );
  for (const s of SECRETS) {
    expect(out).not.toContain(s);
    expect(err).not.toContain(s);
  }
  return { code, out, err };
}

describe("airlock-signer keystore add-exchange", () => {
  it("adds accounts from a credentials file and from stdin, and the sidecar loads them", async () => {
    const { dir, keystore, pass } = tempFiles();
    const creds = join(dir, "bn.json");
    writeFileSync(creds, JSON.stringify({ ...BN, clients: ["default"] }), { mode: 0o600 });
    const first = await run({ keystore, passphraseFile: pass, account: "bn", venue: "binance", environment: "testnet", credentialsFile: creds });
    expect(first).toMatchObject({ code: 0, err: "" });
    expect(JSON.parse(first.out)).toEqual({ account: "bn", venue: "binance", environment: "testnet", keystore });

    const second = await run(
      { keystore, passphraseFile: pass, account: "hl", venue: "hyperliquid", environment: "live" },
      JSON.stringify({ privateKey: HL_KEY, assets: { BTC: 0 }, clients: ["default"], liveTradingEnabled: true }),
    );
    expect(second.code).toBe(0);

    const contents = openKeystore(readFileSync(keystore, "utf8"), PASSPHRASE);
    expect(contents.exchangeCredentials.map((e) => e.account)).toEqual(["bn", "hl"]);
    expect(readFileSync(keystore, "utf8")).not.toContain(BN.apiSecret);

    const config = loadConfig({ KEYRING_HMAC_SECRET: HMAC_SECRET, KEYRING_KEYSTORE_PATH: keystore, KEYRING_KEYSTORE_PASSPHRASE_FILE: pass, SESSION_PRIVATE_KEY: `0x${"12".repeat(31)}` });
    expect(config.exchange.accounts.get("bn")).toMatchObject({ venue: "binance", environment: "testnet", source: "keystore" });
    expect(config.exchange.accounts.get("hl")).toMatchObject({ venue: "hyperliquid", environment: "live", liveTradingEnabled: true });
  });

  it("keeps the Stark keys already in the keystore", async () => {
    const { keystore, pass } = tempFiles();
    const made = await runCli(["keygen", "--keystore", keystore, "--passphrase-file", pass, "--key-id", "default"], {});
    expect(made.code).toBe(0);
    expect((await run({ keystore, passphraseFile: pass, account: "bn", venue: "binance", environment: "testnet" }, JSON.stringify(BN))).code).toBe(0);
    const contents = openKeystore(readFileSync(keystore, "utf8"), PASSPHRASE);
    expect(contents.keys.map((k) => k.keyId)).toEqual(["default"]);
    expect(contents.exchangeCredentials).toHaveLength(1);
  });

  it("refuses a second account with the same id, leaving the keystore as it was", async () => {
    const { keystore, pass } = tempFiles();
    const flags = { keystore, passphraseFile: pass, account: "bn", venue: "binance", environment: "testnet" };
    expect((await run(flags, JSON.stringify(BN))).code).toBe(0);
    const before = readFileSync(keystore, "utf8");
    const again = await run(flags, JSON.stringify(BN));
    expect(again).toMatchObject({ code: 1, out: "" });
    expect(again.err).toBe('airlock-signer keystore add-exchange: exchange account "bn" already exists in the keystore\n');
    expect(readFileSync(keystore, "utf8")).toBe(before);
  });

  it("validates the credentials with the sidecar's schema, naming rules and never values", async () => {
    const { keystore, pass } = tempFiles();
    const flags = { keystore, passphraseFile: pass, account: "okx-1", venue: "okx", environment: "testnet" };
    const bad = await run(flags, JSON.stringify({ ...BN, privateKey: HL_KEY }));
    expect(bad.code).toBe(1);
    expect(bad.err).toContain("credentials.passphrase: is required for okx");
    expect(bad.err).toContain("credentials.privateKey: is not used by okx");
    expect(existsSync(keystore)).toBe(false);
  });

  it.each<[string, Partial<KeystoreAddExchangeOptions>, string, RegExp]>([
    ["missing flags", { venue: undefined }, "{}", /--keystore, --passphrase-file, --account, --venue and --environment are required/],
    ["an unknown venue", { venue: "ftx" }, "{}", /--venue must be one of binance, /],
    ["an unknown environment", { environment: "mainnet" }, "{}", /--environment must be testnet or live/],
    ["a bad account id", { account: "no spaces" }, "{}", /--account must be 1-64/],
    ["non-JSON credentials", {}, `{"apiSecret": "${BN.apiSecret}"`, /the credentials are not valid JSON/],
    ["a JSON array", {}, "[]", /the credentials must be a JSON object/],
    ["account in the credentials", {}, JSON.stringify({ ...BN, account: "other" }), /give account as a flag \(--account\)/],
    ["oversized credentials", {}, " ".repeat(64 * 1024 + 1), /the credentials are larger than 65536 bytes/],
  ])("refuses %s", async (_name, flags, stdin, pattern) => {
    const { keystore, pass } = tempFiles();
    const result = await run({ keystore, passphraseFile: pass, account: "bn", venue: "binance", environment: "testnet", ...flags }, stdin);
    expect(result.code).toBe(2);
    expect(result.err).toMatch(pattern);
    expect(existsSync(keystore)).toBe(false);
  });

  it("reports a wrong passphrase and an unreadable credentials file without details", async () => {
    const { dir, keystore, pass } = tempFiles();
    expect((await run({ keystore, passphraseFile: pass, account: "a", venue: "binance", environment: "testnet" }, JSON.stringify(BN))).code).toBe(0);
    const wrong = join(dir, "wrong");
    writeFileSync(wrong, "another-passphrase-entirely");
    const bad = await run({ keystore, passphraseFile: wrong, account: "b", venue: "binance", environment: "testnet" }, JSON.stringify(BN));
    expect(bad).toMatchObject({ code: 1, err: "airlock-signer keystore add-exchange: wrong keystore passphrase, or the keystore was modified\n" });
    const missing = await run({ keystore, passphraseFile: pass, account: "c", venue: "binance", environment: "testnet", credentialsFile: join(dir, "nope.json") });
    expect(missing).toMatchObject({ code: 1, err: "airlock-signer keystore add-exchange: a file could not be read or written (ENOENT)\n" });
  });

  it("is wired into the CLI", async () => {
    const { dir, keystore, pass } = tempFiles();
    const creds = join(dir, "creds.json");
    writeFileSync(creds, JSON.stringify(BN));
    const args = ["keystore", "add-exchange", "--keystore", keystore, "--passphrase-file", pass, "--account", "bn", "--venue", "binance", "--environment", "testnet", "--credentials-file", creds];
    const result = await runCli(args, {});
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ account: "bn", venue: "binance" });
    for (const s of SECRETS) expect(result.stdout + result.stderr).not.toContain(s);
    const help = await runCli(["--help"], {});
    expect(help.stdout).toContain("airlock-signer keystore add-exchange --keystore FILE --passphrase-file FILE --account ID");
    const unknown = await runCli(["keystore", "remove"], {});
    expect(unknown.code).toBe(2);
  });
});
