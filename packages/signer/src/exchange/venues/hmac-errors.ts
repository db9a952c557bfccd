/**
 * Refusals of the HMAC venue signers (Binance, Bybit, OKX, KuCoin) for a request whose values do
 * not fit the venue. Messages name the rule, never a secret (they may name the venue's expected
 * format). An operation the venue or product line does not have at all is the shared
 * UnsupportedOperationError of venue-types.ts; malformed settings or credentials are the shared
 * VenueConfigError of eip712-errors.ts.
 */

export type HmacRequestErrorCode =
  /** The symbol is not spelled as this venue spells its instruments (e.g. BTCUSDT vs BTC-USDT). */
  | "INVALID_SYMBOL"
  /** The order id is not in the venue's order id format. */
  | "INVALID_ORDER_ID"
  /** The client order id uses characters the venue refuses (OKX: letters and digits only). */
  | "INVALID_CLIENT_ORDER_ID"
  /** The quantity does not fit the venue's unit (KuCoin futures: a whole number of lots). */
  | "INVALID_QUANTITY"
  /** The operation's fields contradict each other (limit without price, two cancel targets...). */
  | "INVALID_REQUEST";

/** A request an HMAC venue signer refuses to build; the caller maps `code` to a readable refusal. */
export class HmacRequestError extends Error {
  override readonly name = "HmacRequestError";
  constructor(
    readonly code: HmacRequestErrorCode,
    message: string,
  ) {
    super(message);
  }
}
