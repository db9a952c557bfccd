import { z } from "zod";
import { Venue } from "../wire/exchange-schemas.js";

/**
 * What the model fills in for the exchange tools. Loose on purpose (types, enums and lengths
 * only): the exact rules are the wire contract's (ExchangeRequest), applied by the run
 * functions, whose refusals name the field in words the model can act on. Account and venue are
 * optional here because the operator may have fixed them; the run functions insist otherwise.
 */

/** Models write sizes and prices as numbers as often as strings: both are taken. */
const Decimal = z.union([z.string().max(40), z.number()]);

const account = z.string().max(64).optional().describe("Exchange account configured in the signer; omit to use the configured one");
const venue = Venue.optional().describe("Exchange of that account (binance, binance_futures, bybit, okx, kucoin, kucoin_futures, hyperliquid, asterdex); omit to use the configured one");
const symbol = z.string().max(40).describe("Symbol as the exchange spells it: BTCUSDT (Binance, Bybit, Asterdex), BTC-USDT (OKX, KuCoin), XBTUSDTM (KuCoin futures), BTC (Hyperliquid)");
const reason = z.string().max(512).optional().describe("One sentence on why; recorded in the signer's audit log");

export const PlaceExchangeOrderToolInput = z.object({
  symbol,
  side: z.enum(["buy", "sell"]).describe("buy or sell"),
  orderType: z.enum(["market", "limit"]).describe("market or limit"),
  quantity: Decimal.describe('Order size in the exchange\'s unit for that symbol (base asset, or contracts where the exchange counts contracts), e.g. "0.001"'),
  price: Decimal.optional().describe("Limit price: required for a limit order, not allowed for a market order"),
  timeInForce: z.enum(["GTC", "IOC", "FOK", "POST_ONLY"]).optional().describe("Limit orders only (default GTC)"),
  reduceOnly: z.boolean().optional().describe("Only reduce an open position (derivatives)"),
  clientOrderId: z.string().max(32).optional().describe("Your own id for the order: 1-32 of A-Z a-z 0-9 _ -"),
  referencePrice: Decimal.optional().describe("Market orders: the worst price you accept; the signer bounds the order's value with it and may require it"),
  account,
  venue,
  dryRun: z.boolean().optional().describe("true: only ask whether the signer's policy allows this order; nothing is signed or sent"),
  reason,
});
export type PlaceExchangeOrderToolInput = z.infer<typeof PlaceExchangeOrderToolInput>;

export const CancelExchangeOrderToolInput = z.object({
  symbol,
  orderId: z.union([z.string().max(64), z.number().int().nonnegative()]).optional().describe("The exchange's order id"),
  clientOrderId: z.string().max(32).optional().describe("The client order id given when the order was placed"),
  all: z.boolean().optional().describe("true: cancel every open order of the symbol (then give no order id)"),
  account,
  venue,
  reason,
});
export type CancelExchangeOrderToolInput = z.infer<typeof CancelExchangeOrderToolInput>;

export const GetExchangeAccountToolInput = z.object({
  what: z.enum(["account", "balances", "positions", "open_orders"]).optional().describe("What to read (default account)"),
  symbol: symbol.optional().describe("Only this symbol, where the exchange filters by symbol"),
  account,
  venue,
  reason,
});
export type GetExchangeAccountToolInput = z.infer<typeof GetExchangeAccountToolInput>;
