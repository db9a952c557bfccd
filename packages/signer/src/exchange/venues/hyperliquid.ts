import { inspect } from "node:util";
import type { ExchangeOperation } from "@airlock/core";
import { RECV_WINDOW_MS, UnsupportedOperationError, type SignedVenueRequest, type VenueAccountSettings, type VenueSigner } from "../venue-types.js";
import { VenueRequestError } from "./eip712-errors.js";
import { baseUrlOf, expectVenue, parseAddress, type Eip712Credentials } from "./eip712-settings.js";
import { EvmKey } from "./evm-key.js";
import { cancelAction, cancelByCloidAction, orderAction, type HyperliquidAction } from "./hyperliquid-action.js";
import { signL1Action } from "./hyperliquid-sign.js";
import { nextNonce } from "./monotonic-nonce.js";

/**
 * Hyperliquid venue signer (perps and spot by asset index). Writes go to `POST /exchange` as
 * signed L1 actions; reads are Hyperliquid's unauthenticated `POST /info` queries, returned in
 * the same SignedVenueRequest shape without any signature.
 *
 * Choices, each because of how the venue behaves:
 * - nonce: nowMs, bumped by one when this process already used it for the same signer address
 *   (Hyperliquid refuses a reused nonce);
 * - expiresAfter = nowMs + RECV_WINDOW_MS is part of every signed action (Hyperliquid's SDKs'
 *   `expires_after`): without it a signed action stays acceptable while its nonce is within the
 *   venue's multi-day window; with it the venue refuses it after expiresAtMs, like the
 *   recvWindow of the HMAC venues;
 * - market orders are IOC limit orders at referencePrice (what Hyperliquid's SDKs send);
 * - cancel_all is refused: Hyperliquid has no cancel-all L1 action (it cancels by listing oids);
 * - reads ask about the vault when one is configured, else the credentials' accountAddress (the
 *   master account of an agent wallet), else the signing address itself.
 */
export class HyperliquidSigner implements VenueSigner {
  readonly settings: VenueAccountSettings;
  /** Checksummed address of the signing key (status output; what the venue recovers). */
  readonly address: string;
  readonly #key: EvmKey;
  readonly #mainnet: boolean;
  readonly #vault: string | undefined;
  readonly #infoUser: string;
  readonly #exchangeUrl: string;
  readonly #infoUrl: string;
  readonly #nonceKey: string;

  constructor(settings: VenueAccountSettings, credentials: Eip712Credentials) {
    expectVenue(settings, "hyperliquid");
    const base = baseUrlOf(settings);
    this.#key = new EvmKey(credentials.privateKey);
    this.settings = settings;
    this.address = this.#key.address;
    this.#mainnet = settings.environment === "live";
    this.#vault = settings.vaultAddress === undefined ? undefined : parseAddress(settings.vaultAddress, "vaultAddress");
    const account = credentials.accountAddress === undefined ? undefined : parseAddress(credentials.accountAddress, "accountAddress");
    this.#infoUser = this.#vault ?? account ?? this.address.toLowerCase();
    this.#exchangeUrl = `${base}/exchange`;
    this.#infoUrl = `${base}/info`;
    this.#nonceKey = `hyperliquid:${this.address.toLowerCase()}`;
  }

  sign(op: ExchangeOperation, nowMs: number): SignedVenueRequest {
    switch (op.type) {
      case "place_order":
        return this.#exchange(orderAction(op, this.#asset(op.symbol)), nowMs);
      case "cancel_order": {
        const asset = this.#asset(op.symbol);
        if (op.orderId !== undefined && op.clientOrderId === undefined) return this.#exchange(cancelAction(asset, op.orderId), nowMs);
        if (op.clientOrderId !== undefined && op.orderId === undefined) return this.#exchange(cancelByCloidAction(asset, op.clientOrderId), nowMs);
        throw new VenueRequestError("INVALID_ORDER_ID", "give exactly one of orderId and clientOrderId");
      }
      case "cancel_all":
        throw new UnsupportedOperationError("Hyperliquid has no cancel-all action: cancel orders by id");
      case "get_account":
      case "get_positions":
        return this.#info("clearinghouseState", op.symbol, nowMs);
      case "get_balances":
        return this.#info("spotClearinghouseState", op.symbol, nowMs);
      case "get_open_orders":
        return this.#info("openOrders", op.symbol, nowMs);
      default:
        // Unreachable for a parsed ExchangeOperation; refuses anything else rather than signing it.
        throw new UnsupportedOperationError("unknown operation");
    }
  }

  secrets(): readonly string[] {
    return [this.#key.secret()];
  }

  /** The asset index configured for `symbol`. */
  #asset(symbol: string): number {
    const assets = this.settings.assets;
    const index = assets !== undefined && Object.hasOwn(assets, symbol) ? assets[symbol] : undefined;
    if (index === undefined || !Number.isSafeInteger(index) || index < 0 || index > 0xffffffff) {
      throw new VenueRequestError("UNKNOWN_SYMBOL", `no Hyperliquid asset index is configured for ${symbol}`);
    }
    return index;
  }

  #exchange(action: HyperliquidAction, nowMs: number): SignedVenueRequest {
    const nonce = nextNonce(this.#nonceKey, nowMs);
    const expiresAfter = nowMs + RECV_WINDOW_MS;
    const signed = signL1Action(this.#key, {
      action,
      nonce,
      expiresAfter,
      mainnet: this.#mainnet,
      ...(this.#vault === undefined ? {} : { vaultAddress: this.#vault }),
    });
    // Key order as Hyperliquid's SDKs post it; vaultAddress only when trading for a vault.
    const body = {
      action,
      nonce,
      signature: signed.signature,
      ...(this.#vault === undefined ? {} : { vaultAddress: this.#vault }),
      expiresAfter,
    };
    return { method: "POST", url: this.#exchangeUrl, headers: { "content-type": "application/json" }, body: JSON.stringify(body), expiresAtMs: expiresAfter };
  }

  #info(type: "clearinghouseState" | "spotClearinghouseState" | "openOrders", symbol: string | undefined, nowMs: number): SignedVenueRequest {
    // Hyperliquid's info queries take no symbol filter; a named symbol must still be configured.
    if (symbol !== undefined) this.#asset(symbol);
    const body = JSON.stringify({ type, user: this.#infoUser });
    return { method: "POST", url: this.#infoUrl, headers: { "content-type": "application/json" }, body, expiresAtMs: nowMs + RECV_WINDOW_MS };
  }

  toJSON(): Record<string, string> {
    return { venue: "hyperliquid", account: this.settings.account, address: this.address };
  }

  [inspect.custom](): string {
    return `HyperliquidSigner { account: '${this.settings.account}', address: '${this.address}', privateKey: [redacted] }`;
  }
}
