// The provisioned keyring and the sealed bundle: nothing signs before the install, an install
// is exactly the declared keys and accounts (all or nothing, once), problems name fields and
// ids but never a value, and nothing secret prints or serialises.
import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { feltHex, outsideExecutionHashes, parseSessionRequest, starkKeyOf, verifyWithStarkKey } from "@airlock/core/starknet";
import type { SessionTransactionRequest } from "@airlock/core";
import { ProvisionedAccountDeclaration } from "../../src/config/exchange-account-schema.js";
import { BundleProblems, ProvisionBundle, ProvisionKeysFile, bundleOf, parseBundleBytes, parseBundleJson, type ProvisionBundle as Bundle } from "../../src/provisioning/provision-bundle.js";
import { AlreadyProvisionedError, KeysNotProvisionedError, ProvisionedKeyring } from "../../src/provisioning/provisioned-keyring.js";
import { BN_KEY, BN_SECRET, HL_KEY, KC_KEY, KC_PASS, KC_SECRET } from "../config/exchange-fixtures.js";
import { KEY_A, KEY_B, SECRET } from "../config/fixtures.js";

const SECRETS = [SECRET, KEY_A, KEY_B, KEY_A.slice(2), KEY_B.slice(2), BN_KEY, BN_SECRET, HL_KEY, HL_KEY.slice(2), KC_KEY, KC_SECRET, KC_PASS];

const declare = (entry: Record<string, unknown>) => ProvisionedAccountDeclaration.parse({ credentials: "provisioned", clients: ["agent"], ...entry });

function keyring(): ProvisionedKeyring {
  const k = new ProvisionedKeyring(["default", "ops"]);
  k.declareAccount(declare({ account: "bn", venue: "binance", environment: "testnet" }));
  k.declareAccount(declare({ account: "hl", venue: "hyperliquid", environment: "testnet", assets: { BTC: 0 } }));
  return k;
}

function bundle(overrides: Partial<Bundle> = {}): Bundle {
  return {
    v: 1,
    keys: [
      { keyId: "default", privateKey: KEY_A },
      { keyId: "ops", privateKey: KEY_B },
    ],
    clients: [],
    exchangeAccounts: [
      { account: "bn", apiKey: BN_KEY, apiSecret: BN_SECRET },
      { account: "hl", privateKey: HL_KEY },
    ],
    ...overrides,
  };
}

function problemsOf(fn: () => unknown): readonly string[] {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(BundleProblems);
    const problems = (err as BundleProblems).problems;
    for (const p of problems) for (const s of SECRETS) expect(p.toLowerCase()).not.toContain(s.toLowerCase());
    return problems;
  }
  throw new Error("expected BundleProblems");
}

function sessionInput(keyId: string) {
  const request = {
    accountAddress: "0x4a1c0ffee",
    chainId: "0x534e5f5345504f4c4941",
    nonce: "0x7",
    validUntil: Math.floor(Date.now() / 1000) + 600,
    calls: [{ contractAddress: "0x49d3", entrypoint: "transfer", calldata: ["0x1234", "10", "0"] }],
  } as SessionTransactionRequest;
  const parsed = parseSessionRequest(request);
  return { keyId, clientId: "agent", request, hashes: outsideExecutionHashes(parsed.account, parsed.chainId, parsed.execution) };
}

describe("ProvisionedKeyring before the install", () => {
  it("knows the declared ids but signs nothing and reports not ready", async () => {
    const k = keyring();
    expect(k.installed).toBe(false);
    expect(k.declaredKeyIds).toEqual(["default", "ops"]);
    expect(k.declaredAccounts).toEqual(["bn", "hl"]);
    expect(k.sessionProvider.keyIds()).toEqual(["default", "ops"]);
    expect(k.sessionProvider.publicKey("default")).toBeUndefined();
    await expect(k.sessionProvider.sign(sessionInput("default"))).rejects.toBeInstanceOf(KeysNotProvisionedError);
    await expect(k.sessionProvider.check()).resolves.toEqual({ ok: false, error: "signing keys not provisioned" });
  });

  it("declared venue signers have their settings and refuse to sign", () => {
    const k = new ProvisionedKeyring(["default"]);
    const signer = k.declareAccount(declare({ account: "bn", venue: "binance", environment: "testnet" }));
    expect(signer.settings).toEqual({ account: "bn", venue: "binance", environment: "testnet", baseUrl: "https://testnet.binance.vision" });
    expect(() => signer.sign({ type: "get_account" } as never, Date.now())).toThrow(KeysNotProvisionedError);
    expect(signer.secrets()).toEqual([]);
    expect(() => k.declareAccount(declare({ account: "bn", venue: "binance", environment: "testnet" }))).toThrow(RangeError);
  });

  it("refuses duplicate declared key ids", () => {
    expect(() => new ProvisionedKeyring(["a", "a"])).toThrow(RangeError);
  });
});

describe("ProvisionedKeyring.install", () => {
  it("installs exactly the declared keys and accounts, once", async () => {
    const k = keyring();
    const kcSigner = k.declareAccount(declare({ account: "kc", venue: "kucoin", environment: "live" }));
    const installed = k.install(bundle({ exchangeAccounts: [...bundle().exchangeAccounts, { account: "kc", apiKey: KC_KEY, apiSecret: KC_SECRET, passphrase: KC_PASS }] }));
    expect(k.installed).toBe(true);
    expect(installed.keys).toEqual([
      { keyId: "default", publicKey: starkKeyOf(BigInt(KEY_A)) },
      { keyId: "ops", publicKey: starkKeyOf(BigInt(KEY_B)) },
    ]);
    expect(installed.exchangeAccounts).toEqual([
      { account: "bn", venue: "binance", environment: "testnet" },
      { account: "hl", venue: "hyperliquid", environment: "testnet" },
      { account: "kc", venue: "kucoin", environment: "live" },
    ]);
    // Scanner secrets: the private keys and the API secrets, KuCoin's passphrase; not API keys.
    expect([...installed.scannerSecrets].sort()).toEqual([KEY_A, KEY_B, BN_SECRET, HL_KEY, KC_SECRET, KC_PASS].sort());

    const input = sessionInput("ops");
    const sig = await k.sessionProvider.sign(input);
    expect(sig.publicKey).toBe(starkKeyOf(BigInt(KEY_B)));
    expect(verifyWithStarkKey(input.hashes.messageHash, sig.publicKey, sig)).toBe(true);
    expect(k.sessionProvider.publicKey("default")).toBe(starkKeyOf(BigInt(KEY_A)));
    await expect(k.sessionProvider.check()).resolves.toEqual({ ok: true });
    // The venue signer declared at configuration time now signs with the installed credentials.
    const signed = kcSigner.sign({ type: "get_balances" } as never, Date.now());
    expect(signed.url.startsWith(kcSigner.settings.baseUrl)).toBe(true);
    expect(kcSigner.secrets()).toContain(KC_SECRET);

    expect(() => k.install(bundle())).toThrow(AlreadyProvisionedError);
    expect(() => k.declareAccount(declare({ account: "late", venue: "binance", environment: "testnet" }))).toThrow(AlreadyProvisionedError);
  });

  it("checks an optional public key against the private key", () => {
    expect(() => keyring().install(bundle({ keys: [{ keyId: "default", privateKey: KEY_A, publicKey: feltHex(starkKeyOf(BigInt(KEY_A))) }, { keyId: "ops", privateKey: KEY_B }] }))).not.toThrow();
    const problems = problemsOf(() => keyring().install(bundle({ keys: [{ keyId: "default", privateKey: KEY_A, publicKey: feltHex(starkKeyOf(BigInt(KEY_B))) }, { keyId: "ops", privateKey: KEY_B }] })));
    expect(problems).toEqual(["keys[0] (keyId default): public key does not match the Stark key derived from the private key"]);
  });

  it("is all or nothing: any problem installs nothing, and every problem is named", async () => {
    const cases: [Partial<Bundle>, string[]][] = [
      [{ keys: [{ keyId: "default", privateKey: KEY_A }] }, ["keys: no key for declared keyId ops"]],
      [{ keys: [...bundle().keys, { keyId: "extra", privateKey: KEY_A }] }, ["keys[2] (keyId extra): not a declared key id (AIRLOCK_PROVISIONED_KEY_IDS)"]],
      [{ keys: [{ keyId: "default", privateKey: "0x0" }, { keyId: "ops", privateKey: KEY_B }] }, [expect.stringMatching(/^keys\[0\] \(keyId default\): private key must be/) as unknown as string]],
      [{ exchangeAccounts: [bundle().exchangeAccounts[0]!] }, ["exchangeAccounts: no credentials for declared account hl"]],
      [{ exchangeAccounts: [...bundle().exchangeAccounts, { account: "nope", apiKey: BN_KEY, apiSecret: BN_SECRET }] }, ['exchangeAccounts[2] (account nope): not an account declared with "credentials": "provisioned"']],
      [{ exchangeAccounts: [{ account: "bn", privateKey: HL_KEY }, bundle().exchangeAccounts[1]!] }, [
        "exchangeAccounts[0] (account bn).apiKey: is required for binance",
        "exchangeAccounts[0] (account bn).apiSecret: is required for binance",
        "exchangeAccounts[0] (account bn).privateKey: is not used by binance (an HMAC venue: apiKey and apiSecret)",
      ]],
      [{ exchangeAccounts: [bundle().exchangeAccounts[0]!, { account: "hl", apiKey: BN_KEY, apiSecret: BN_SECRET }] }, [
        "exchangeAccounts[1] (account hl).privateKey: is required for hyperliquid",
        "exchangeAccounts[1] (account hl).apiKey: is not used by hyperliquid (an EIP-712 venue: privateKey)",
        "exchangeAccounts[1] (account hl).apiSecret: is not used by hyperliquid (an EIP-712 venue: privateKey)",
      ]],
    ];
    for (const [overrides, expected] of cases) {
      const k = keyring();
      expect(problemsOf(() => k.install(bundle(overrides)))).toEqual(expected);
      expect(k.installed).toBe(false);
      expect(k.sessionProvider.publicKey("default")).toBeUndefined();
      await expect(k.sessionProvider.check()).resolves.toMatchObject({ ok: false });
      // Still installable afterwards with the right bundle.
      expect(() => k.install(bundle())).not.toThrow();
    }
  });

  it("checks the shape itself (a caller may pass an unchecked value)", () => {
    const k = keyring();
    const unchecked = { ...bundle(), keys: [{ keyId: "default", privateKey: KEY_A, seed: KEY_B }, { keyId: "ops", privateKey: KEY_B }] } as unknown as Bundle;
    expect(problemsOf(() => k.install(unchecked))).toEqual(['secrets.keys[0]: unknown field "seed"']);
    expect(problemsOf(() => k.install({ ...bundle(), v: 2 } as unknown as Bundle))).toHaveLength(1);
    expect(k.installed).toBe(false);
  });

  it("declared auth clients: pending (a random placeholder secret) until the install, then the sealed secret", () => {
    const k = keyring();
    const agent = k.declareClient({ clientId: "agent", allowedKeyIds: new Set(["default"]) });
    expect(agent.secretPending?.()).toBe(true);
    const placeholder = agent.hmacSecret;
    expect(placeholder).toMatch(/^[0-9a-f]{64}$/);
    expect(new ProvisionedKeyring(["x"]).declareClient({ clientId: "agent" }).hmacSecret).not.toBe(placeholder);
    expect(Object.keys(agent)).not.toContain("hmacSecret");
    expect(JSON.stringify(agent)).not.toContain(placeholder);
    expect(() => k.declareClient({ clientId: "agent" })).toThrow(RangeError);

    expect(problemsOf(() => k.install(bundle()))).toEqual(["clients: no secret for declared client agent"]);
    expect(problemsOf(() => k.install(bundle({ clients: [{ clientId: "agent", hmacSecret: SECRET }, { clientId: "other", hmacSecret: SECRET }] })))).toEqual([
      "clients[1] (clientId other): not a declared auth client (KEYRING_AUTH_CLIENTS_JSON)",
    ]);
    expect(problemsOf(() => k.install(bundle({ clients: [{ clientId: "agent", hmacSecret: "short" }] })))).toEqual(["secrets.clients[0].hmacSecret: Too small: expected string to have >=16 characters"]);
    expect(agent.secretPending?.()).toBe(true);

    const installed = k.install(bundle({ clients: [{ clientId: "agent", hmacSecret: SECRET }] }));
    expect(installed.clients).toEqual(["agent"]);
    expect(installed.scannerSecrets).toContain(SECRET);
    expect(agent.secretPending?.()).toBe(false);
    expect(agent.hmacSecret).toBe(SECRET);
    expect(JSON.stringify(agent)).not.toContain(SECRET);
    expect(inspect(agent)).not.toContain(SECRET);
    expect(() => k.declareClient({ clientId: "late" })).toThrow(AlreadyProvisionedError);
  });

  it("prints and serialises without secrets", () => {
    const k = keyring();
    k.install(bundle());
    const shown = [inspect(k), JSON.stringify(k), inspect(k.sessionProvider), JSON.stringify(k.sessionProvider), inspect(k.sessionProvider, { showHidden: true, depth: 5 })].join("\n");
    for (const s of SECRETS) expect(shown.toLowerCase()).not.toContain(s.toLowerCase());
    expect(JSON.stringify(k)).toBe('{"keyIds":["default","ops"],"clients":[],"accounts":["bn","hl"],"installed":true}');
  });
});

describe("sealed bundle parsing", () => {
  const text = JSON.stringify(bundle());

  it("parses the plaintext strictly", () => {
    expect(parseBundleBytes(Buffer.from(text))).toEqual(bundle());
    expect(ProvisionBundle.safeParse({ ...bundle(), extra: 1 }).success).toBe(false);
  });

  it("refuses non-UTF-8, non-JSON, repeated keys and unknown fields without quoting values", () => {
    expect(problemsOf(() => parseBundleBytes(Buffer.from([0xff, 0xfe])))).toEqual(["the sealed secrets are not UTF-8"]);
    expect(problemsOf(() => parseBundleBytes(Buffer.from("{")))).toEqual(["secrets is not JSON, or an object in it repeats a key"]);
    const shadowed = text.replace('{"keyId":"default",', `{"keyId":"default","privateKey":"${KEY_B}",`);
    expect(problemsOf(() => parseBundleBytes(Buffer.from(shadowed)))).toEqual(["secrets is not JSON, or an object in it repeats a key"]);
    const unknown = JSON.stringify({ ...bundle(), keys: [{ keyId: "default", privateKey: KEY_A, seed: KEY_B }] });
    expect(problemsOf(() => parseBundleBytes(Buffer.from(unknown)))).toEqual(['secrets.keys[0]: unknown field "seed"']);
    // Credentials only: settings (venue, clients, origin…) come from the configuration, never from an upload.
    const settings = JSON.stringify({ ...bundle(), exchangeAccounts: [{ account: "bn", apiKey: BN_KEY, apiSecret: BN_SECRET, clients: ["intruder"], baseUrl: "https://evil.example" }] });
    expect(problemsOf(() => parseBundleBytes(Buffer.from(settings)))).toEqual(['secrets.exchangeAccounts[0]: unknown fields "clients", "baseUrl"']);
    const duplicate = JSON.stringify({ ...bundle(), keys: [{ keyId: "default", privateKey: KEY_A }, { keyId: "default", privateKey: KEY_B }] });
    expect(problemsOf(() => parseBundleBytes(Buffer.from(duplicate)))).toEqual(["secrets.keys: lists a keyId twice"]);
    expect(problemsOf(() => parseBundleBytes(Buffer.from(JSON.stringify({ ...bundle(), v: 2 }))))).toHaveLength(1);
    // A secret in a field of the wrong type is not echoed either.
    const wrongType = JSON.stringify({ ...bundle(), exchangeAccounts: [{ account: "bn", apiKey: BN_KEY, apiSecret: BN_SECRET, passphrase: 7 }] });
    expect(problemsOf(() => parseBundleBytes(Buffer.from(wrongType)))).toHaveLength(1);
  });

  it("a keys file becomes a bundle (v: 1, accounts default to none)", () => {
    const file = parseBundleJson(JSON.stringify({ keys: [{ keyId: "default", privateKey: KEY_A }] }), ProvisionKeysFile, "keys-file");
    expect(bundleOf(file)).toEqual({ v: 1, keys: [{ keyId: "default", privateKey: KEY_A }], clients: [], exchangeAccounts: [] });
    expect(problemsOf(() => parseBundleJson(JSON.stringify({ v: 1, keys: [] }), ProvisionKeysFile, "keys-file"))).toEqual(['keys-file: unknown field "v"']);
  });
});
