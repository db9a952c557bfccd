import { z } from "zod";
import { Identifier, SignContext } from "./session-schemas.js";

/**
 * The exchange-signing contract. The agent never sends a string to sign: it names a venue
 * account and a typed operation; the sidecar checks it against the trading policy, builds the
 * exact venue request itself (path, query, body, timestamp, recvWindow), signs it and returns
 * exactly what to send.
 */

/** Venues and product lines the sidecar can sign for. */
export const Venue = z.enum(["binance", "binance_futures", "bybit", "okx", "kucoin", "kucoin_futures", "hyperliquid", "asterdex"]);
export type Venue = z.infer<typeof Venue>;

/** Positive decimal without exponent or sign, as venues take quantities and prices. */
export const DecimalString = z
  .string()
  .regex(/^(0|[1-9]\d{0,19})(\.\d{1,18})?$/, "expected a plain positive decimal such as 0.001 or 50000")
  .refine((v) => /[1-9]/.test(v), "must be greater than zero");

/** Venue symbol as the venue spells it (BTCUSDT, BTC-USDT, BTC for Hyperliquid perps). */
export const VenueSymbol = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:/-]{0,39}$/, "expected a venue symbol such as BTCUSDT or BTC-USDT");

/** Client order ids: venues accept at most 32-36 of these characters. */
export const ClientOrderId = z.string().regex(/^[A-Za-z0-9_-]{1,32}$/, "expected 1-32 of [A-Za-z0-9_-]");

export const PlaceOrder = z.strictObject({
  type: z.literal("place_order"),
  symbol: VenueSymbol,
  side: z.enum(["buy", "sell"]),
  orderType: z.enum(["market", "limit"]),
  quantity: DecimalString,
  /** Required for limit orders; refused for market orders. */
  price: DecimalString.optional(),
  /** Limit orders only (default GTC). */
  timeInForce: z.enum(["GTC", "IOC", "FOK", "POST_ONLY"]).optional(),
  reduceOnly: z.boolean().optional(),
  clientOrderId: ClientOrderId.optional(),
  /**
   * For market orders under a notional cap: the worst price the caller accepts. The sidecar
   * bounds the notional with it (and, where the venue supports it, sends it as a protection).
   */
  referencePrice: DecimalString.optional(),
});

export const CancelOrder = z.strictObject({
  type: z.literal("cancel_order"),
  symbol: VenueSymbol,
  orderId: z.string().regex(/^[0-9A-Za-z_-]{1,64}$/).optional(),
  clientOrderId: ClientOrderId.optional(),
});

export const CancelAll = z.strictObject({ type: z.literal("cancel_all"), symbol: VenueSymbol });

/** Reads: account summary, balances, positions, open orders (symbol optional where the venue allows). */
export const ReadOperation = z.strictObject({
  type: z.enum(["get_account", "get_balances", "get_positions", "get_open_orders"]),
  symbol: VenueSymbol.optional(),
});

export const ExchangeOperation = z.discriminatedUnion("type", [PlaceOrder, CancelOrder, CancelAll, ReadOperation]);
export type ExchangeOperation = z.infer<typeof ExchangeOperation>;
export type PlaceOrder = z.infer<typeof PlaceOrder>;

export const ExchangeRequest = z
  .strictObject({
    /** A venue account configured in the sidecar (its credentials never leave it). */
    account: Identifier,
    /** Must equal the configured venue of that account (a cross-check, not a choice). */
    venue: Venue,
    operation: ExchangeOperation,
    context: SignContext.optional(),
  })
  .superRefine((req, ctx) => {
    const op = req.operation;
    if (op.type === "place_order") {
      if (op.orderType === "limit" && op.price === undefined) ctx.addIssue({ code: "custom", path: ["operation", "price"], message: "a limit order needs a price" });
      if (op.orderType === "market" && op.price !== undefined) ctx.addIssue({ code: "custom", path: ["operation", "price"], message: "a market order takes no price (use referencePrice)" });
      if (op.orderType === "market" && op.timeInForce !== undefined) ctx.addIssue({ code: "custom", path: ["operation", "timeInForce"], message: "timeInForce applies to limit orders" });
    }
    if (op.type === "cancel_order" && (op.orderId === undefined) === (op.clientOrderId === undefined)) {
      ctx.addIssue({ code: "custom", path: ["operation"], message: "give exactly one of orderId and clientOrderId" });
    }
  });
export type ExchangeRequest = z.infer<typeof ExchangeRequest>;

/** What to send to the venue, exactly: nothing the sidecar did not check was signed. */
export const SignedExchangeRequest = z.object({
  requestId: z.string().min(1).max(128),
  venue: Venue,
  account: z.string().max(64),
  environment: z.enum(["testnet", "live"]),
  method: z.enum(["GET", "POST", "DELETE"]),
  url: z.string().url().max(8192),
  /** Headers to send as given (API key header, signature headers, content-type): never a secret. */
  headers: z.record(z.string().max(64), z.string().max(1024)),
  /** Body to send verbatim (its bytes are what was signed), when the method has one. */
  body: z.string().max(65536).optional(),
  /** The venue rejects the request after this time (timestamp + recvWindow), epoch ms. */
  expiresAtMs: z.number().int().positive(),
});
export type SignedExchangeRequest = z.infer<typeof SignedExchangeRequest>;
