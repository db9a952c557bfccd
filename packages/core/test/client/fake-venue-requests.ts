import { createHmac } from "node:crypto";
import { KNOWN_VENUE_ORIGINS, type ExchangeRequest, type SignedExchangeRequest, type Venue } from "@airlock/core";

/**
 * What the fake sidecar answers to an exchange signing request: a venue request in each venue's
 * real layout (paths, parameter names, where the parameters go), signed with a throwaway key so
 * it looks like the real thing. The client under test does not verify venue signatures; it
 * checks origin, method and that the requested values are carried, which this layout exercises.
 */

export const FAKE_API_KEY = "fake-venue-api-key-0001";
const FAKE_API_SECRET = "fake-venue-api-secret-never-real";
const RECV_WINDOW = 5000;

type Parts = { method: SignedExchangeRequest["method"]; path: string; query?: [string, string][]; json?: unknown };

const upper = (s: string) => s.toUpperCase();
const title = (s: string) => s[0]!.toUpperCase() + s.slice(1);

function binanceStyle(venue: Venue, op: ExchangeRequest["operation"]): Parts {
  const p = venue === "binance" ? "/api/v3" : venue === "asterdex" ? "/fapi/v3" : "/fapi/v1";
  switch (op.type) {
    case "place_order": {
      const q: [string, string][] = [["symbol", op.symbol], ["side", upper(op.side)], ["type", upper(op.orderType)], ["quantity", op.quantity]];
      if (op.price !== undefined) q.push(["price", op.price], ["timeInForce", op.timeInForce ?? "GTC"]);
      if (op.clientOrderId !== undefined) q.push(["newClientOrderId", op.clientOrderId]);
      return { method: "POST", path: `${p}/order`, query: q };
    }
    case "cancel_order":
      return { method: "DELETE", path: `${p}/order`, query: [["symbol", op.symbol], op.orderId !== undefined ? ["orderId", op.orderId] : ["origClientOrderId", op.clientOrderId!]] };
    case "cancel_all":
      return { method: "DELETE", path: venue === "binance" ? `${p}/openOrders` : `${p}/allOpenOrders`, query: [["symbol", op.symbol]] };
    default:
      return { method: "GET", path: `${p}/account`, query: op.symbol === undefined ? [] : [["symbol", op.symbol]] };
  }
}

function jsonStyle(venue: Venue, op: ExchangeRequest["operation"]): Parts {
  if (venue === "hyperliquid") {
    if (op.type === "place_order") {
      const order = { a: 0, b: op.side === "buy", p: op.price ?? op.referencePrice ?? "1", s: op.quantity.replace(/(\.\d*?)0+$/, "$1").replace(/\.$/, ""), r: false, t: { limit: { tif: "Gtc" } } };
      return { method: "POST", path: "/exchange", json: { action: { type: "order", orders: [order], grouping: "na" }, nonce: 1 } };
    }
    if (op.type === "cancel_order") {
      const action = op.orderId !== undefined ? { type: "cancel", cancels: [{ a: 0, o: Number(op.orderId) }] } : { type: "cancelByCloid", cancels: [{ asset: 0, cloid: "0x" + "ab".repeat(16) }] };
      return { method: "POST", path: "/exchange", json: { action, nonce: 1 } };
    }
    return { method: "POST", path: "/info", json: { type: "clearinghouseState", user: "0x" + "11".repeat(20) } };
  }
  const kucoin = venue === "kucoin" || venue === "kucoin_futures";
  switch (op.type) {
    case "place_order":
      if (venue === "bybit") return { method: "POST", path: "/v5/order/create", json: { category: "linear", symbol: op.symbol, side: title(op.side), orderType: title(op.orderType), qty: op.quantity } };
      if (venue === "okx") return { method: "POST", path: "/api/v5/trade/order", json: { instId: op.symbol, tdMode: "cross", side: op.side, ordType: op.orderType, sz: op.quantity } };
      return { method: "POST", path: "/api/v1/orders", json: { clientOid: op.clientOrderId ?? "c1", symbol: op.symbol, side: op.side, type: op.orderType, size: op.quantity } };
    case "cancel_order":
      if (kucoin) return { method: "DELETE", path: `/api/v1/hf/orders/${encodeURIComponent(op.orderId ?? op.clientOrderId!)}`, query: [["symbol", op.symbol]] };
      if (venue === "bybit") return { method: "POST", path: "/v5/order/cancel", json: { category: "linear", symbol: op.symbol, orderId: op.orderId, orderLinkId: op.clientOrderId } };
      return { method: "POST", path: "/api/v5/trade/cancel-order", json: { instId: op.symbol, ordId: op.orderId, clOrdId: op.clientOrderId } };
    case "cancel_all":
      if (kucoin) return { method: "DELETE", path: "/api/v1/hf/orders", query: [["symbol", op.symbol]] };
      return { method: "POST", path: venue === "bybit" ? "/v5/order/cancel-all" : "/api/v5/trade/mass-cancel", json: { symbol: op.symbol } };
    default:
      return { method: "GET", path: venue === "bybit" ? "/v5/account/wallet-balance" : kucoin ? "/api/v1/accounts" : "/api/v5/account/balance", query: [] };
  }
}

/** The fake's signed venue request for `request`, to `origin` (default: the venue's first known origin). */
export function fakeSignedExchangeRequest(requestId: string, request: ExchangeRequest, origin?: string, nowMs = Date.now()): SignedExchangeRequest {
  const { venue, operation } = request;
  const parts = venue === "binance" || venue === "binance_futures" || venue === "asterdex" ? binanceStyle(venue, operation) : jsonStyle(venue, operation);
  const base = origin ?? KNOWN_VENUE_ORIGINS[venue][0]!;
  const headers: Record<string, string> = {};
  let query = new URLSearchParams(parts.query ?? []).toString();
  let body = parts.json === undefined ? undefined : JSON.stringify(parts.json);
  const mac = (text: string) => createHmac("sha256", FAKE_API_SECRET).update(text).digest("hex");
  if (venue === "binance" || venue === "binance_futures") {
    query = `${query}${query === "" ? "" : "&"}timestamp=${nowMs}&recvWindow=${RECV_WINDOW}`;
    query = `${query}&signature=${mac(query)}`;
    headers["X-MBX-APIKEY"] = FAKE_API_KEY;
  } else if (venue === "asterdex") {
    query = `${query}${query === "" ? "" : "&"}nonce=${nowMs * 1000}&signer=0x${"22".repeat(20)}&signature=0x${mac(query)}`;
    // Asterdex sends a POST's parameters as a form body, everything else in the query.
    if (parts.method === "POST") {
      body = query;
      query = "";
      headers["content-type"] = "application/x-www-form-urlencoded";
    }
  } else if (venue === "hyperliquid") {
    headers["content-type"] = "application/json";
  } else {
    headers["content-type"] = "application/json";
    headers["X-API-KEY"] = FAKE_API_KEY;
    headers["X-API-SIGN"] = mac(`${nowMs}${parts.method}${parts.path}${body ?? ""}`);
  }
  return {
    requestId,
    venue,
    account: request.account,
    environment: "testnet",
    method: parts.method,
    url: `${base}${parts.path}${query === "" ? "" : `?${query}`}`,
    headers,
    ...(body === undefined ? {} : { body }),
    expiresAtMs: nowMs + RECV_WINDOW,
  };
}
