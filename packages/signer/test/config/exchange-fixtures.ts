import { expect } from "vitest";
import { BASE, problemsOf } from "./fixtures.js";

/** Throwaway exchange credentials; each is checked never to appear in a problem line. */
export const BN_KEY = "bn-api-key-TESTONLY-4f1c2d3e5a6b7c8d9e0f";
export const BN_SECRET = "bn-api-secret-TESTONLY-9a8b7c6d5e4f3a2b1c0d";
export const OKX_KEY = "okx-api-key-TESTONLY-0011223344556677";
export const OKX_SECRET = "okx-api-secret-TESTONLY-8899aabbccddeeff";
export const OKX_PASS = "okx-passphrase-TESTONLY-77aa";
export const KC_KEY = "kucoin-api-key-TESTONLY-1357924680ab";
export const KC_SECRET = "kucoin-api-secret-TESTONLY-2468013579cd";
export const KC_PASS = "kucoin-passphrase-TESTONLY-5566";
export const HL_KEY = "0x8f2a55949038a9610f50fb23b5883af3b4ecb3c3bb792cbcefbd1542c692be63";
export const AS_KEY = "0x1b2c3d4e5f60718293a4b5c6d7e8f90112233445566778899aabbccddeeff00a";

export const EXCHANGE_SECRETS = [BN_KEY, BN_SECRET, OKX_KEY, OKX_SECRET, OKX_PASS, KC_KEY, KC_SECRET, KC_PASS, HL_KEY, HL_KEY.slice(2), AS_KEY, AS_KEY.slice(2)];

/** One valid account per venue family, testnet. */
export const BINANCE = { account: "bn", venue: "binance", environment: "testnet", apiKey: BN_KEY, apiSecret: BN_SECRET, clients: ["default"] };
export const OKX = { account: "okx", venue: "okx", environment: "testnet", apiKey: OKX_KEY, apiSecret: OKX_SECRET, passphrase: OKX_PASS, clients: ["default"] };
export const KUCOIN = {
  account: "kc",
  venue: "kucoin",
  environment: "live",
  apiKey: KC_KEY,
  apiSecret: KC_SECRET,
  passphrase: KC_PASS,
  clients: ["default"],
};
export const HYPERLIQUID = { account: "hl", venue: "hyperliquid", environment: "testnet", privateKey: HL_KEY, assets: { BTC: 0, ETH: 1 }, clients: ["default"] };

/** BASE plus KEYRING_EXCHANGE_ACCOUNTS_JSON holding `accounts`. */
export function withAccounts(accounts: readonly unknown[], extra: Record<string, string> = {}): Record<string, string> {
  return { ...BASE, KEYRING_EXCHANGE_ACCOUNTS_JSON: JSON.stringify(accounts), ...extra };
}

/** The problems of `env`, checked to quote no exchange secret either. */
export function exchangeProblemsOf(env: Record<string, string | undefined>, opts?: Parameters<typeof problemsOf>[1]): readonly string[] {
  const problems = problemsOf(env, opts);
  for (const p of problems) for (const s of EXCHANGE_SECRETS) expect(p.toLowerCase()).not.toContain(s.toLowerCase());
  return problems;
}
