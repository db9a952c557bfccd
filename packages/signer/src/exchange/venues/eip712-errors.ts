/**
 * Errors of the EIP-712 venue signers (Hyperliquid, Asterdex). Their messages name the rule and
 * never repeat a key or any other secret. An operation the venue does not have at all is the
 * shared UnsupportedOperationError of venue-types.ts; these are the other refusals.
 */

export type VenueRequestErrorCode =
  /** The symbol has no Hyperliquid asset index in the account's settings. */
  | "UNKNOWN_SYMBOL"
  /** A Hyperliquid market order needs a referencePrice (it is sent as an IOC limit at that price). */
  | "REFERENCE_PRICE_REQUIRED"
  /** The order id is not the venue's numeric order id. */
  | "INVALID_ORDER_ID"
  /** A price or size has more decimals than the venue's wire format carries. */
  | "PRECISION_UNSUPPORTED"
  /** The order is not well formed (a limit order without a price); the wire schema normally prevents it. */
  | "INVALID_ORDER";

/** A request the venue signer refuses to build; the caller maps `code` to a readable refusal. */
export class VenueRequestError extends Error {
  override readonly name = "VenueRequestError";
  constructor(
    readonly code: VenueRequestErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** The account's settings or credentials cannot be used (wrong venue, malformed key or address). */
export class VenueConfigError extends Error {
  override readonly name = "VenueConfigError";
  readonly code = "INVALID_VENUE_CONFIG" as const;
}
