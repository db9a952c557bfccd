import type { ExchangeOperation, SignedExchangeRequest, Venue } from "../wire/exchange-schemas.js";

/**
 * A light consistency check between the operation the client asked for and the venue request
 * the sidecar signed. The client does not rebuild venue requests (that is the sidecar's job and
 * the venue's format), so this is deliberately venue-agnostic: the method must be the one the
 * venue uses for that kind of operation, and the requested values must appear among the values
 * the signed request carries (path segments, query parameters, JSON or form body leaves),
 * compared case-insensitively, decimals by value ("0.0010" = "0.001"). It catches a sidecar
 * that signs another symbol, side, size or order than asked; it does not prove the request is
 * byte-for-byte what the venue will execute.
 *
 * What is looked for: place_order the symbol, side and quantity; cancel_all the symbol;
 * cancel_order the order id or client order id (the order's identity: some venues, KuCoin,
 * cancel by id alone, without the symbol). Hyperliquid is the one venue whose orders do not
 * spell the symbol or the side: it carries an asset index (configured in the sidecar) and
 * `"b": true|false`, and hashes client order ids. There the side is read from
 * `action.orders[0].b`, and the symbol and client order id are not checked.
 */

type Method = SignedExchangeRequest["method"];

/** How each venue cancels (cancel_order and cancel_all), from the venues' API documentation. */
const CANCEL_METHOD: Readonly<Record<Venue, Method>> = {
  binance: "DELETE", // DELETE /api/v3/order, /api/v3/openOrders
  binance_futures: "DELETE", // DELETE /fapi/v1/order, /fapi/v1/allOpenOrders
  bybit: "POST", // POST /v5/order/cancel, /v5/order/cancel-all
  okx: "POST", // POST /api/v5/trade/cancel-order
  kucoin: "DELETE", // DELETE /api/v1/orders/{id}, /api/v1/orders?symbol=
  kucoin_futures: "DELETE",
  hyperliquid: "POST", // POST /exchange
  asterdex: "DELETE", // DELETE /fapi/v3/order, /fapi/v3/allOpenOrders
};

/** The method the venue uses for an operation: orders are POSTs, reads GETs (Hyperliquid: POST /info). */
export function expectedMethod(venue: Venue, type: ExchangeOperation["type"]): Method {
  switch (type) {
    case "place_order":
      return "POST";
    case "cancel_order":
    case "cancel_all":
      return CANCEL_METHOD[venue];
    default:
      return venue === "hyperliquid" ? "POST" : "GET";
  }
}

const MAX_DEPTH = 8;
const MAX_VALUES = 10_000;

/** The lowercased leaf values a signed request carries, and its body as JSON when it is JSON. */
function carriedValues(signed: SignedExchangeRequest): { values: Set<string>; json: unknown } {
  const values = new Set<string>();
  const add = (v: string) => {
    if (values.size < MAX_VALUES) values.add(v.toLowerCase());
  };
  const url = new URL(signed.url);
  for (const segment of url.pathname.split("/")) {
    try {
      add(decodeURIComponent(segment));
    } catch {
      add(segment);
    }
  }
  for (const [, v] of url.searchParams) add(v);
  let json: unknown;
  if (signed.body !== undefined) {
    try {
      json = JSON.parse(signed.body);
    } catch {
      json = undefined;
    }
    if (json === undefined) for (const [, v] of new URLSearchParams(signed.body)) add(v);
    else walk(json, 0, add);
  }
  return { values, json };
}

function walk(value: unknown, depth: number, add: (v: string) => void): void {
  if (depth > MAX_DEPTH) return;
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") add(String(value));
  else if (Array.isArray(value)) for (const item of value.slice(0, 1000)) walk(item, depth + 1, add);
  else if (typeof value === "object" && value !== null) for (const item of Object.values(value).slice(0, 1000)) walk(item, depth + 1, add);
}

/** A plain decimal in canonical form (no leading or trailing zeros), or undefined. */
export function canonicalDecimal(text: string): string | undefined {
  const m = /^(\d+)(?:\.(\d+))?$/.exec(text);
  if (m === null) return undefined;
  const int = m[1]!.replace(/^0+(?=\d)/, "");
  const frac = (m[2] ?? "").replace(/0+$/, "");
  return frac === "" ? int : `${int}.${frac}`;
}

function hasDecimal(values: ReadonlySet<string>, wanted: string): boolean {
  const target = canonicalDecimal(wanted);
  if (target === undefined) return false;
  for (const v of values) if (canonicalDecimal(v) === target) return true;
  return false;
}

/** Hyperliquid's side flag of the first order in an `order` action, if there is one. */
function hyperliquidBuyFlag(json: unknown): boolean | undefined {
  const orders = (json as { action?: { orders?: unknown } } | undefined)?.action?.orders;
  const b = Array.isArray(orders) ? (orders[0] as { b?: unknown } | undefined)?.b : undefined;
  return typeof b === "boolean" ? b : undefined;
}

/**
 * The first requested value the signed request does not carry ("symbol", "side", "quantity",
 * "orderId", "clientOrderId"), or undefined when everything asked for is there. Reads are not
 * checked beyond the method: venues differ in whether they take a symbol filter at all.
 */
export function missingRequestedValue(venue: Venue, op: ExchangeOperation, signed: SignedExchangeRequest): string | undefined {
  if (op.type !== "place_order" && op.type !== "cancel_order" && op.type !== "cancel_all") return undefined;
  const { values, json } = carriedValues(signed);
  const hyperliquid = venue === "hyperliquid";
  if (op.type !== "cancel_order" && !hyperliquid && !values.has(op.symbol.toLowerCase())) return "symbol";
  if (op.type === "place_order") {
    if (hyperliquid ? hyperliquidBuyFlag(json) !== (op.side === "buy") : !values.has(op.side)) return "side";
    if (!hasDecimal(values, op.quantity)) return "quantity";
  }
  if (op.type === "cancel_order") {
    if (op.orderId !== undefined && !values.has(op.orderId.toLowerCase())) return "orderId";
    if (op.clientOrderId !== undefined && !hyperliquid && !values.has(op.clientOrderId.toLowerCase())) return "clientOrderId";
  }
  return undefined;
}
