// The exchange-signing workload: two venue accounts (Binance USD-M futures, an HMAC venue, and
// Hyperliquid, an EIP-712 venue), a trading policy with symbol caps and order counters, and
// fresh limit-order bodies as a trading agent would send them. Every check of the sidecar stays
// on (sidecarEnv in workload.mjs); the accounts point at a closed loopback port because the
// benchmark measures signing: nothing is ever sent to a venue.
import { randomBytes } from "node:crypto";
import { Wallet } from "ethers";
import { CLIENT_ID, policyYaml, sidecarEnv } from "./workload.mjs";

export const EXCHANGE_PATH = "/v1/sign/exchange-request";
/** Origin of both accounts: port 9 (discard) on loopback, never contacted. */
export const VENUE_BASE_URL = "http://127.0.0.1:9";
export const BINANCE_ACCOUNT = "bench-binance-futures";
export const HYPERLIQUID_ACCOUNT = "bench-hyperliquid";
export const BINANCE_SYMBOL = "BTCUSDT";
export const HYPERLIQUID_SYMBOL = "BTC";
/** Hyperliquid asset indexes of the account (BTC is asset 0 on Hyperliquid perps). */
export const HYPERLIQUID_ASSETS = Object.freeze({ BTC: 0, ETH: 1 });
export const LIMIT_PRICE = "50000";

/**
 * Order counters with ceilings the benchmark never reaches: counted on every order (one store
 * operation each, two per order), never refusing. 1,000,000 a minute is the schema's maximum
 * and 16,667 orders/s, more than this machine signs; the day ceiling is its maximum too.
 */
export const ORDERS_PER_MINUTE = 1_000_000;
export const ORDERS_PER_DAY = 100_000_000;

/** Throwaway venue credentials for one run (never printed). */
export function freshExchangeSecrets() {
  const privateKey = `0x${randomBytes(32).toString("hex")}`;
  return {
    apiKey: `bench${randomBytes(24).toString("hex")}`,
    apiSecret: randomBytes(32).toString("hex"),
    hlPrivateKey: privateKey,
    hlAddress: new Wallet(privateKey).address,
  };
}

/** KEYRING_EXCHANGE_ACCOUNTS_JSON: both testnet accounts, usable by the benchmark's client. */
export function exchangeAccountsJson(ex) {
  return JSON.stringify([
    {
      account: BINANCE_ACCOUNT,
      venue: "binance_futures",
      environment: "testnet",
      baseUrl: VENUE_BASE_URL,
      apiKey: ex.apiKey,
      apiSecret: ex.apiSecret,
      clients: [CLIENT_ID],
    },
    {
      account: HYPERLIQUID_ACCOUNT,
      venue: "hyperliquid",
      environment: "testnet",
      baseUrl: VENUE_BASE_URL,
      privateKey: ex.hlPrivateKey,
      assets: HYPERLIQUID_ASSETS,
      clients: [CLIENT_ID],
    },
  ]);
}

/**
 * The session policy of the other scenarios plus a trading policy a careful operator would
 * write: per account, the operations an agent needs (no reads it does not need), two symbols
 * each with a quantity cap and a notional cap every order is checked against (in exact decimal
 * arithmetic), and per-minute and per-day order counters.
 */
export function exchangePolicyYaml() {
  const entry = (account, [a, b]) => `  - client: ${CLIENT_ID}
    account: ${account}
    operations: [place_order, cancel_order, get_open_orders]
    symbols:
      ${a}: { maxQuantity: "1", maxNotional: "60000" }
      ${b}: { maxQuantity: "20", maxNotional: "60000" }
    ordersPerMinute: ${ORDERS_PER_MINUTE}
    ordersPerDay: ${ORDERS_PER_DAY}
`;
  return `${policyYaml()}exchange:
${entry(BINANCE_ACCOUNT, [BINANCE_SYMBOL, "ETHUSDT"])}${entry(HYPERLIQUID_ACCOUNT, [HYPERLIQUID_SYMBOL, "ETH"])}`;
}

/** sidecarEnv with the two exchange accounts added. */
export function exchangeSidecarEnv(options, ex) {
  return { ...sidecarEnv(options), KEYRING_EXCHANGE_ACCOUNTS_JSON: exchangeAccountsJson(ex) };
}

let counter = 0;

/**
 * A fresh limit-order body on `venue`: a new client order id and a quantity that changes with
 * every request (0.001 to 0.999, notional at most 49,950 under the 60,000 cap), alternating
 * sides, with the context an agent framework adds.
 */
export function orderBody(venue) {
  counter += 1;
  const binance = venue === "binance_futures";
  const thousandths = (counter % 999) + 1;
  return JSON.stringify({
    account: binance ? BINANCE_ACCOUNT : HYPERLIQUID_ACCOUNT,
    venue,
    operation: {
      type: "place_order",
      symbol: binance ? BINANCE_SYMBOL : HYPERLIQUID_SYMBOL,
      side: counter % 2 === 0 ? "buy" : "sell",
      orderType: "limit",
      quantity: `0.${String(thousandths).padStart(3, "0")}`,
      price: LIMIT_PRICE,
      timeInForce: "GTC",
      clientOrderId: `bench-${process.pid}-${counter}`,
    },
    context: { requester: "bench-agent", tool: "PLACE_EXCHANGE_ORDER", reason: "rebalance 2026-11-23" },
  });
}
