import type { PlaceOrder } from "@airlock/core";
import { getBytes, keccak256, toUtf8Bytes } from "ethers";
import { UnsupportedOperationError } from "../venue-types.js";
import { VenueRequestError } from "./eip712-errors.js";
import { encodeMsgpack, type MsgpackValue } from "./msgpack.js";

/**
 * Hyperliquid L1 actions, built exactly as the venue hashes them. Hyperliquid deserialises the
 * posted action into its own structs and hashes their msgpack encoding, so the key order below
 * is the venue's struct field order (a,b,p,s,r,t,c for an order; not alphabetical), prices and
 * sizes are strings without trailing zeros, and optional fields are absent, never null.
 *
 *   connectionId = keccak256(msgpack(action) || nonce u64 BE || 0x00            (no vault)
 *                                                            || 0x01 || vault20 (vault)
 *                            [|| 0x00 || expiresAfter u64 BE])                  (when set)
 */

export type HyperliquidTif = "Gtc" | "Ioc" | "Alo";

/** One order as Hyperliquid's `order` action carries it. */
export interface HyperliquidOrderWire {
  readonly a: number;
  readonly b: boolean;
  readonly p: string;
  readonly s: string;
  readonly r: boolean;
  readonly t: { readonly limit: { readonly tif: HyperliquidTif } };
  readonly c?: string;
}

export interface HyperliquidOrderAction {
  readonly type: "order";
  readonly orders: readonly HyperliquidOrderWire[];
  readonly grouping: "na";
}

export interface HyperliquidCancelAction {
  readonly type: "cancel";
  readonly cancels: readonly { readonly a: number; readonly o: number }[];
}

export interface HyperliquidCancelByCloidAction {
  readonly type: "cancelByCloid";
  readonly cancels: readonly { readonly asset: number; readonly cloid: string }[];
}

export type HyperliquidAction = HyperliquidOrderAction | HyperliquidCancelAction | HyperliquidCancelByCloidAction;

/** Most decimals Hyperliquid's wire format carries (its SDKs' float_to_wire rounds to 8). */
const MAX_WIRE_DECIMALS = 8;

/**
 * A DecimalString in Hyperliquid's wire spelling: no trailing zeros after the point, no bare
 * point, no exponent ("50000.000" → "50000", "0.0010" → "0.001"). More than 8 significant
 * decimals is refused: Hyperliquid's SDKs cannot express it and the venue would reject it.
 */
export function hyperliquidDecimal(value: string, field: "price" | "size"): string {
  if (!/^(0|[1-9]\d*)(\.\d+)?$/.test(value)) throw new VenueRequestError("PRECISION_UNSUPPORTED", `${field} must be a plain decimal`);
  const [int, frac = ""] = value.split(".") as [string, string?];
  const trimmed = frac.replace(/0+$/, "");
  if (trimmed.length > MAX_WIRE_DECIMALS) {
    throw new VenueRequestError("PRECISION_UNSUPPORTED", `Hyperliquid ${field}s carry at most ${MAX_WIRE_DECIMALS} decimals`);
  }
  return trimmed.length === 0 ? int : `${int}.${trimmed}`;
}

/**
 * The 128-bit Hyperliquid client order id for one of our client order ids, deterministically,
 * so cancel-by-client-id finds the order placed with the same id:
 * - exactly 32 hex digits are taken as the cloid itself (lowercased), so an agent can name an
 *   order it sees in Hyperliquid's openOrders;
 * - any other id maps to the first 16 bytes of keccak256(UTF-8 id).
 */
export function hyperliquidCloid(clientOrderId: string): string {
  if (/^[0-9a-fA-F]{32}$/.test(clientOrderId)) return `0x${clientOrderId.toLowerCase()}`;
  return keccak256(toUtf8Bytes(clientOrderId)).slice(0, 34);
}

const TIF: ReadonlyMap<string, HyperliquidTif> = new Map<string, HyperliquidTif>([
  ["GTC", "Gtc"],
  ["IOC", "Ioc"],
  ["POST_ONLY", "Alo"],
]);

/**
 * The `order` action for a place_order. A market order is what Hyperliquid's own SDKs send for
 * one: an IOC limit order at the worst acceptable price, here the caller's referencePrice.
 */
export function orderAction(op: PlaceOrder, asset: number): HyperliquidOrderAction {
  let price: string;
  let tif: HyperliquidTif;
  if (op.orderType === "market") {
    if (op.referencePrice === undefined) {
      throw new VenueRequestError("REFERENCE_PRICE_REQUIRED", "a Hyperliquid market order needs a referencePrice (sent as an IOC limit price)");
    }
    price = hyperliquidDecimal(op.referencePrice, "price");
    tif = "Ioc";
  } else {
    if (op.price === undefined) throw new VenueRequestError("INVALID_ORDER", "a limit order needs a price");
    price = hyperliquidDecimal(op.price, "price");
    const requested = op.timeInForce ?? "GTC";
    const mapped = TIF.get(requested);
    if (mapped === undefined) throw new UnsupportedOperationError(`Hyperliquid has no ${requested} time in force`);
    tif = mapped;
  }
  // Key order is the venue's struct order: a, b, p, s, r, t, then c only when present.
  const base = { a: asset, b: op.side === "buy", p: price, s: hyperliquidDecimal(op.quantity, "size"), r: op.reduceOnly ?? false, t: { limit: { tif } } };
  const order: HyperliquidOrderWire = op.clientOrderId === undefined ? base : { ...base, c: hyperliquidCloid(op.clientOrderId) };
  return { type: "order", orders: [order], grouping: "na" };
}

/** The `cancel` action for a venue order id (decimal digits, at most 2^53 - 1). */
export function cancelAction(asset: number, orderId: string): HyperliquidCancelAction {
  if (!/^[0-9]{1,16}$/.test(orderId) || !Number.isSafeInteger(Number(orderId))) {
    throw new VenueRequestError("INVALID_ORDER_ID", "a Hyperliquid order id is a decimal number (oid)");
  }
  return { type: "cancel", cancels: [{ a: asset, o: Number(orderId) }] };
}

/** The `cancelByCloid` action for one of our client order ids. */
export function cancelByCloidAction(asset: number, clientOrderId: string): HyperliquidCancelByCloidAction {
  return { type: "cancelByCloid", cancels: [{ asset, cloid: hyperliquidCloid(clientOrderId) }] };
}

export interface ActionHashInput {
  readonly action: HyperliquidAction;
  /** Epoch ms, unique per signer. */
  readonly nonce: number;
  /** 20-byte vault / sub-account address (0x hex), when trading for one. */
  readonly vaultAddress?: string;
  /** Epoch ms after which the venue refuses the action, when set. */
  readonly expiresAfter?: number;
}

export interface ActionHash {
  /** The msgpack bytes of the action. */
  readonly msgpack: Uint8Array;
  /** keccak256 of the hashed bytes: the Agent struct's connectionId (0x + 64 hex). */
  readonly connectionId: string;
}

function writeU64(out: Uint8Array, at: number, value: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${what} must be a non-negative safe integer`);
  new DataView(out.buffer, out.byteOffset, out.byteLength).setBigUint64(at, BigInt(value));
}

/** Hyperliquid's action hash (see the module comment). */
export function actionHash(input: ActionHashInput): ActionHash {
  const packed = encodeMsgpack(input.action as unknown as MsgpackValue);
  const vault = input.vaultAddress === undefined ? undefined : getBytes(input.vaultAddress);
  if (vault !== undefined && vault.length !== 20) throw new RangeError("vault address must be 20 bytes");
  const tail = 8 + (vault === undefined ? 1 : 21) + (input.expiresAfter === undefined ? 0 : 9);
  const data = new Uint8Array(packed.length + tail);
  data.set(packed, 0);
  let at = packed.length;
  writeU64(data, at, input.nonce, "nonce");
  at += 8;
  if (vault === undefined) data[at++] = 0x00;
  else {
    data[at++] = 0x01;
    data.set(vault, at);
    at += 20;
  }
  if (input.expiresAfter !== undefined) {
    data[at++] = 0x00;
    writeU64(data, at, input.expiresAfter, "expiresAfter");
  }
  return { msgpack: packed, connectionId: keccak256(data) };
}
