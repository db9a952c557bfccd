import type { ExchangeOperation, Venue } from "@airlock/core";

/**
 * The seam between the exchange route and the venue signers. A venue signer builds the exact
 * venue request for a typed operation (method, path, query, body, the venue timestamp and
 * recvWindow, which the sidecar sets itself) and signs it with credentials it holds privately.
 * The route has already authenticated the caller and applied the trading policy.
 */

/** How long a signed venue request stays acceptable to the venue (its recvWindow). */
export const RECV_WINDOW_MS = 5_000;

export interface VenueAccountSettings {
  /** Configured account id (what requests name). */
  readonly account: string;
  readonly venue: Venue;
  readonly environment: "testnet" | "live";
  /** Origin the venue's API lives at for this environment, e.g. https://testnet.binance.vision. */
  readonly baseUrl: string;
  /** OKX: send `x-simulated-trading: 1` (demo trading). */
  readonly demo?: boolean;
  /** Hyperliquid: vault/sub-account the orders are for (0x address), if any. */
  readonly vaultAddress?: string;
  /** Hyperliquid: asset index per symbol (e.g. { BTC: 0, ETH: 1 }). */
  readonly assets?: Readonly<Record<string, number>>;
}

/** The signed request to hand back: exactly what the agent sends to the venue. */
export interface SignedVenueRequest {
  readonly method: "GET" | "POST" | "DELETE";
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
  /** Epoch ms after which the venue refuses it (timestamp + recvWindow). */
  readonly expiresAtMs: number;
}

/** An operation this venue (or product line) does not have: reported as a policy-style refusal. */
export class UnsupportedOperationError extends Error {
  override readonly name = "UnsupportedOperationError";
}

/**
 * One venue account's signer. Construct it with the credentials (kept in private fields, never
 * logged, never returned); `sign` is synchronous and pure apart from the clock value it is given.
 */
export interface VenueSigner {
  readonly settings: VenueAccountSettings;
  /** Builds and signs the venue request for `op` at `nowMs` (the venue timestamp). */
  sign(op: ExchangeOperation, nowMs: number): SignedVenueRequest;
  /** Secrets this signer holds, for the leak scanner (API secret, passphrase, private key). */
  secrets(): readonly string[];
}
