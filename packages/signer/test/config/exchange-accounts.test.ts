import { describe, expect, it } from "vitest";
import { inspect } from "node:util";
import { loadConfig } from "../../src/config/env-config.js";
import { createKeystore } from "../../src/custody/keystore.js";
import { BASE, PASSPHRASE, PRODUCTION, memoryFiles } from "./fixtures.js";
import {
  AS_KEY,
  BINANCE,
  BN_KEY,
  BN_SECRET,
  EXCHANGE_SECRETS,
  HL_KEY,
  HYPERLIQUID,
  KC_PASS,
  KC_SECRET,
  KUCOIN,
  OKX,
  OKX_PASS,
  OKX_SECRET,
  exchangeProblemsOf,
  withAccounts,
} from "./exchange-fixtures.js";

describe("exchange accounts from KEYRING_EXCHANGE_ACCOUNTS_JSON", () => {
  it("builds one venue signer per account, with the venue's default origin for the environment", () => {
    const config = loadConfig(withAccounts([BINANCE, OKX, KUCOIN, HYPERLIQUID]));
    const accounts = config.exchange.accounts;
    expect([...accounts.keys()]).toEqual(["bn", "okx", "kc", "hl"]);
    const bn = accounts.get("bn")!;
    expect(bn).toMatchObject({ venue: "binance", environment: "testnet", baseUrl: "https://testnet.binance.vision", liveTradingEnabled: false, source: "environment" });
    expect([...bn.clients]).toEqual(["default"]);
    expect(bn.signer.settings).toMatchObject({ account: "bn", venue: "binance", environment: "testnet", baseUrl: "https://testnet.binance.vision" });
    expect(accounts.get("okx")!.signer.settings).toMatchObject({ baseUrl: "https://www.okx.com", demo: true });
    expect(accounts.get("kc")!.baseUrl).toBe("https://api.kucoin.com");
    expect(accounts.get("hl")!.signer.settings).toMatchObject({ baseUrl: "https://api.hyperliquid-testnet.xyz", assets: { BTC: 0, ETH: 1 } });
    expect(config.exchange.rules.size).toBe(0);
  });

  it.each([
    ["binance", "testnet", "https://testnet.binance.vision"],
    ["binance", "live", "https://api.binance.com"],
    ["binance_futures", "testnet", "https://testnet.binancefuture.com"],
    ["binance_futures", "live", "https://fapi.binance.com"],
    ["bybit", "testnet", "https://api-testnet.bybit.com"],
    ["bybit", "live", "https://api.bybit.com"],
    ["okx", "live", "https://www.okx.com"],
    ["kucoin_futures", "live", "https://api-futures.kucoin.com"],
    ["hyperliquid", "live", "https://api.hyperliquid.xyz"],
    ["asterdex", "live", "https://fapi.asterdex.com"],
  ])("%s %s defaults to %s", (venue, environment, url) => {
    const creds =
      venue === "hyperliquid" || venue === "asterdex"
        ? { privateKey: AS_KEY }
        : { apiKey: BN_KEY, apiSecret: BN_SECRET, ...(venue === "okx" || venue.startsWith("kucoin") ? { passphrase: KC_PASS } : {}) };
    const config = loadConfig(withAccounts([{ account: "a", venue, environment, ...creds }]));
    expect(config.exchange.accounts.get("a")!.baseUrl).toBe(url);
  });

  it("takes a baseUrl override as an origin (loopback http for local fakes)", () => {
    const config = loadConfig(withAccounts([{ ...BINANCE, baseUrl: "http://127.0.0.1:8123/" }, { ...KUCOIN, account: "kc-t", environment: "testnet", baseUrl: "https://kucoin-sandbox.example" }]));
    expect(config.exchange.accounts.get("bn")!.baseUrl).toBe("http://127.0.0.1:8123");
    expect(config.exchange.accounts.get("kc-t")!.signer.settings.baseUrl).toBe("https://kucoin-sandbox.example");
  });

  it("gives an account no clients unless it names them, and keeps liveTradingEnabled explicit", () => {
    const { clients: _c, ...noClients } = BINANCE;
    const config = loadConfig(withAccounts([noClients, { ...BINANCE, account: "live", environment: "live", liveTradingEnabled: true }]));
    expect(config.exchange.accounts.get("bn")!.clients.size).toBe(0);
    expect(config.exchange.accounts.get("live")!.liveTradingEnabled).toBe(true);
  });

  it("reads the *_FILE variant", () => {
    const config = loadConfig({ ...BASE, KEYRING_EXCHANGE_ACCOUNTS_JSON_FILE: "/run/secrets/ex" }, { readFile: memoryFiles({ "/run/secrets/ex": `${JSON.stringify([BINANCE])}\n` }) });
    expect(config.exchange.accounts.has("bn")).toBe(true);
  });

  it("puts API secrets, KuCoin passphrases and private keys in secretsForScanner, not API keys or OKX passphrases", () => {
    const config = loadConfig(withAccounts([BINANCE, OKX, KUCOIN, HYPERLIQUID]));
    const secrets = [...config.signer.secretsForScanner];
    for (const s of [BN_SECRET, OKX_SECRET, KC_SECRET, KC_PASS, HL_KEY]) expect(secrets).toContain(s);
    // OKX takes its passphrase as a header value, and every venue its API key: both are part of what the agent sends.
    for (const s of [BN_KEY, OKX_PASS]) expect(secrets).not.toContain(s);
  });

  it("never shows a credential when the configuration is printed or serialised", () => {
    const config = loadConfig(withAccounts([BINANCE, OKX, KUCOIN, HYPERLIQUID]));
    const shown = `${JSON.stringify(config)}\n${inspect(config, { depth: 12, showHidden: true })}`.toLowerCase();
    for (const s of EXCHANGE_SECRETS.filter((v) => v !== BN_KEY && !v.startsWith("okx-api-key") && !v.startsWith("kucoin-api-key"))) {
      expect(shown).not.toContain(s.toLowerCase());
    }
  });

  it("is deeply frozen, and the signers still sign", () => {
    const config = loadConfig(withAccounts([HYPERLIQUID]));
    const hl = config.exchange.accounts.get("hl")!;
    expect(Object.isFrozen(hl)).toBe(true);
    expect(() => (config.exchange.accounts as Map<string, unknown>).set("x", hl)).toThrow(TypeError);
    const signed = hl.signer.sign({ type: "get_balances" }, 1_700_000_000_000);
    expect(signed.url.startsWith("https://api.hyperliquid-testnet.xyz/")).toBe(true);
  });
});

describe("exchange account problems (each named, no value quoted)", () => {
  const one = (entry: Record<string, unknown>, extra: Record<string, string> = {}) => exchangeProblemsOf(withAccounts([entry], extra));

  it.each<[string, Record<string, unknown>, RegExp]>([
    ["an unknown field", { ...BINANCE, withdrawals: true }, /KEYRING_EXCHANGE_ACCOUNTS_JSON\[0\]: unknown field "withdrawals"/],
    ["an unknown venue", { ...BINANCE, venue: "ftx" }, /\[0\]\.venue: /],
    ["an unknown environment", { ...BINANCE, environment: "mainnet" }, /\[0\]\.environment: /],
    ["a bad account id", { ...BINANCE, account: "bad id" }, /\[0\]\.account: /],
    ["a missing apiKey", { ...BINANCE, apiKey: undefined }, /\[0\]\.apiKey: is required for binance/],
    ["a missing apiSecret", { ...BINANCE, apiSecret: undefined }, /\[0\]\.apiSecret: is required for binance/],
    ["an apiKey with a space", { ...BINANCE, apiKey: "has space in it" }, /\[0\]\.apiKey: expected printable ASCII without spaces/],
    ["a missing OKX passphrase", { ...OKX, passphrase: undefined }, /\[0\]\.passphrase: is required for okx/],
    ["a missing KuCoin passphrase", { ...KUCOIN, passphrase: undefined }, /\[0\]\.passphrase: is required for kucoin/],
    ["a passphrase on binance", { ...BINANCE, passphrase: OKX_PASS }, /\[0\]\.passphrase: is not used by binance/],
    ["a privateKey on binance", { ...BINANCE, privateKey: HL_KEY }, /\[0\]\.privateKey: is not used by binance/],
    ["an accountAddress on binance", { ...BINANCE, accountAddress: `0x${"ab".repeat(20)}` }, /\[0\]\.accountAddress: is not used by binance/],
    ["a missing privateKey", { ...HYPERLIQUID, privateKey: undefined }, /\[0\]\.privateKey: is required for hyperliquid/],
    ["an apiSecret on hyperliquid", { ...HYPERLIQUID, apiSecret: BN_SECRET }, /\[0\]\.apiSecret: is not used by hyperliquid/],
    ["a zero private key", { ...HYPERLIQUID, privateKey: `0x${"0".repeat(64)}` }, /\[0\]\.privateKey: not a valid secp256k1 private key/],
    ["a private key above the order", { ...HYPERLIQUID, privateKey: `0x${"f".repeat(64)}` }, /\[0\]\.privateKey: not a valid secp256k1 private key/],
    ["a short private key", { ...HYPERLIQUID, privateKey: HL_KEY.slice(0, 40) }, /\[0\]\.privateKey: expected 64 hex digits/],
    ["demo on binance", { ...BINANCE, demo: true }, /\[0\]\.demo: applies to okx only/],
    ["demo off on an OKX testnet account", { ...OKX, demo: false }, /\[0\]\.demo: must match the environment on okx/],
    ["demo on an OKX live account", { ...OKX, environment: "live", demo: true }, /\[0\]\.demo: must match the environment on okx/],
    ["a vault on binance", { ...BINANCE, vaultAddress: `0x${"ab".repeat(20)}` }, /\[0\]\.vaultAddress: applies to hyperliquid only/],
    ["assets on binance", { ...BINANCE, assets: { BTC: 0 } }, /\[0\]\.assets: applies to hyperliquid only/],
    ["a malformed vault", { ...HYPERLIQUID, vaultAddress: "0x1234" }, /\[0\]\.vaultAddress: expected a 0x-prefixed 40-hex-digit address/],
    ["a negative asset index", { ...HYPERLIQUID, assets: { BTC: -1 } }, /\[0\]\.assets\.BTC: /],
    ["liveTradingEnabled on testnet", { ...BINANCE, liveTradingEnabled: true }, /\[0\]\.liveTradingEnabled: applies to live accounts only/],
    ["a KuCoin testnet without baseUrl", { ...KUCOIN, environment: "testnet" }, /\[0\]\.baseUrl: is required: kucoin has no public testnet/],
    ["an Asterdex testnet without baseUrl", { account: "as", venue: "asterdex", environment: "testnet", privateKey: AS_KEY }, /\[0\]\.baseUrl: is required: asterdex has no public testnet/],
    ["an http baseUrl off loopback", { ...BINANCE, baseUrl: "http://exchange.example" }, /\[0\]\.baseUrl: must use https/],
    ["a baseUrl with a path", { ...BINANCE, baseUrl: "https://exchange.example/api" }, /\[0\]\.baseUrl: must be an origin without a path/],
    ["a baseUrl with a query", { ...BINANCE, baseUrl: "https://exchange.example/?a=1" }, /\[0\]\.baseUrl: must be an origin/],
    ["a baseUrl with credentials", { ...BINANCE, baseUrl: "https://user:pw@exchange.example" }, /\[0\]\.baseUrl: must not carry credentials/],
    ["a ftp baseUrl", { ...BINANCE, baseUrl: "ftp://127.0.0.1" }, /\[0\]\.baseUrl: must use https/],
    ["a testnet account on a live origin", { ...BINANCE, baseUrl: "https://api.binance.com" }, /\[0\]\.baseUrl: is a live trading origin, but the account is testnet/],
    ["a client listed twice", { ...BINANCE, clients: ["default", "default"] }, /\[0\]\.clients: lists a client twice/],
  ])("refuses %s", (_name, entry, pattern) => {
    const problems = one(entry);
    expect(problems.some((p) => pattern.test(p)), problems.join("\n")).toBe(true);
  });

  it("refuses a client that is not an auth client", () => {
    expect(one({ ...BINANCE, clients: ["ghost"] })).toEqual(["KEYRING_EXCHANGE_ACCOUNTS_JSON[0] (account bn).clients: no auth client with id ghost"]);
  });

  it("refuses malformed JSON without quoting it", () => {
    const problems = exchangeProblemsOf({ ...BASE, KEYRING_EXCHANGE_ACCOUNTS_JSON: `[{"apiSecret":"${BN_SECRET}"` });
    expect(problems).toEqual(["KEYRING_EXCHANGE_ACCOUNTS_JSON is not valid JSON"]);
  });

  it("refuses a non-array and an empty array", () => {
    expect(exchangeProblemsOf({ ...BASE, KEYRING_EXCHANGE_ACCOUNTS_JSON: JSON.stringify(BINANCE) })).toEqual(["KEYRING_EXCHANGE_ACCOUNTS_JSON must be a JSON array"]);
    expect(exchangeProblemsOf({ ...BASE, KEYRING_EXCHANGE_ACCOUNTS_JSON: "[]" })).toEqual(["KEYRING_EXCHANGE_ACCOUNTS_JSON must hold 1-64 entries"]);
  });

  it("refuses a duplicate account id", () => {
    expect(exchangeProblemsOf(withAccounts([BINANCE, { ...BINANCE, venue: "bybit" }]))).toEqual(["Duplicate exchange account id in the KEYRING_EXCHANGE_ACCOUNTS_JSON: bn"]);
  });

  it("refuses the variable together with its _FILE variant", () => {
    const problems = exchangeProblemsOf(withAccounts([BINANCE], { KEYRING_EXCHANGE_ACCOUNTS_JSON_FILE: "/x" }), { readFile: memoryFiles({ "/x": "[]" }) });
    expect(problems).toEqual(["KEYRING_EXCHANGE_ACCOUNTS_JSON and KEYRING_EXCHANGE_ACCOUNTS_JSON_FILE are both set; set only one"]);
  });

  it("refuses http base URLs in production, even on loopback", () => {
    const problems = exchangeProblemsOf({ ...PRODUCTION, KEYRING_EXCHANGE_ACCOUNTS_JSON: JSON.stringify([{ ...BINANCE, baseUrl: "http://127.0.0.1:9000" }]) });
    expect(problems).toEqual(["KEYRING_EXCHANGE_ACCOUNTS_JSON[0] (account bn).baseUrl: NODE_ENV=production requires https"]);
  });

  it("refuses in-process exchange credentials under the secure profile", () => {
    const problems = exchangeProblemsOf({
      KEYRING_HMAC_SECRET: BASE.KEYRING_HMAC_SECRET!,
      KEYRING_SECURITY_PROFILE: "secure",
      KEYRING_SIGNER_PROVIDER: "dfns",
      KEYRING_DFNS_SIGNER_URL: "https://dfns-signer.internal/v1/sign",
      KEYRING_DFNS_AUTH_TOKEN: "dfns-bearer-token-TESTONLY-9f8e7d6c",
      KEYRING_DFNS_USER_ACTION_SIGNATURE: "dfns-user-action-signature-TESTONLY-1a2b3c",
      KEYRING_DFNS_PINNED_PUBKEYS_JSON: JSON.stringify({ default: "0x1234" }),
      KEYRING_EXCHANGE_ACCOUNTS_JSON: JSON.stringify([BINANCE]),
    });
    expect(problems).toContain("KEYRING_SECURITY_PROFILE=secure forbids in-process exchange credentials (KEYRING_EXCHANGE_ACCOUNTS_JSON)");
  });

  it("reports every broken entry, never a secret, in one error", () => {
    const problems = exchangeProblemsOf(
      withAccounts([
        { ...BINANCE, apiSecret: undefined },
        { ...OKX, passphrase: undefined },
        { ...HYPERLIQUID, privateKey: `0x${"f".repeat(64)}` },
        { ...KUCOIN, clients: ["ghost"] },
      ]),
    );
    expect(problems).toHaveLength(4);
  });
});

describe("exchange accounts from the keystore", () => {
  const keystore = (exchangeCredentials: unknown[]) =>
    createKeystore({ keys: [], exchangeCredentials: exchangeCredentials as never }, PASSPHRASE, { N: 2 ** 14 });
  const KS = { KEYRING_KEYSTORE_PATH: "/k/ks.json", KEYRING_KEYSTORE_PASSPHRASE_FILE: "/k/pass" };

  it("merges the keystore's accounts with the environment's", () => {
    const files = memoryFiles({ "/k/ks.json": keystore([HYPERLIQUID, KUCOIN]), "/k/pass": PASSPHRASE });
    const config = loadConfig({ ...withAccounts([BINANCE]), ...KS }, { readFile: files });
    expect([...config.exchange.accounts.keys()]).toEqual(["bn", "hl", "kc"]);
    expect(config.exchange.accounts.get("hl")!.source).toBe("keystore");
    expect([...config.signer.secretsForScanner]).toEqual(expect.arrayContaining([BN_SECRET, HL_KEY, KC_SECRET, KC_PASS]));
  });

  it("refuses an account defined in both, and a keystore account naming an unknown client", () => {
    const files = memoryFiles({ "/k/ks.json": keystore([BINANCE, { ...HYPERLIQUID, clients: ["ghost"] }]), "/k/pass": PASSPHRASE });
    const problems = exchangeProblemsOf({ ...withAccounts([BINANCE]), ...KS }, { readFile: files });
    expect(problems).toEqual([
      "exchange account bn is defined both in the environment and in the keystore",
      "keystore exchange account 1 (account hl).clients: no auth client with id ghost",
    ]);
  });

  it("refuses to write a keystore whose exchange credentials break the entry shape", () => {
    expect(() => keystore([{ ...BINANCE, apiSecret: undefined }])).toThrow(expect.objectContaining({ code: "KEYSTORE_MALFORMED" }));
    expect(() => keystore([BINANCE, BINANCE])).toThrow(expect.objectContaining({ code: "KEYSTORE_MALFORMED" }));
    expect(() => keystore([{ exchange: "opaque" }])).toThrow(expect.objectContaining({ code: "KEYSTORE_MALFORMED" }));
  });
});
