import type { Venue } from "../wire/exchange-schemas.js";

/** A venue's refusal as the venue states it: its code and message (one line, bounded). */
export interface VenueError {
  readonly code: string;
  readonly message: string;
}

/** Longest venue message kept (venues' messages are one sentence; anything longer is cut). */
export const MAX_VENUE_MESSAGE_CHARS = 300;

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const scalar = (v: unknown): string | undefined => (typeof v === "string" ? v : typeof v === "number" && Number.isFinite(v) ? String(v) : undefined);

/** A venue's text made safe to show: one line, no control characters, bounded. */
export function venueText(value: unknown): string {
  const text = typeof value === "string" ? value : value === undefined ? "" : JSON.stringify(value) ?? "";
  // eslint-disable-next-line no-control-regex
  const line = text.replace(/[\x00-\x1f\x7f]+/g, " ").trim();
  return line.length > MAX_VENUE_MESSAGE_CHARS ? `${line.slice(0, MAX_VENUE_MESSAGE_CHARS)}…` : line;
}

const error = (code: string, message: unknown): VenueError => ({ code: venueText(code).slice(0, 64), message: venueText(message) });

/** Binance and Asterdex: `{code, msg}` with a negative code (futures also answer `{code: 200}` on success). */
function binanceStyle(status: number, body: unknown): VenueError | undefined {
  if (!isObject(body)) return undefined;
  const code = body["code"];
  if (typeof code !== "number" || typeof body["msg"] !== "string") return undefined;
  return code < 0 || status >= 400 ? error(String(code), body["msg"]) : undefined;
}

/** Bybit V5: `{retCode, retMsg}`, retCode 0 on success (HTTP 200 either way). */
function bybitStyle(body: unknown): VenueError | undefined {
  if (!isObject(body) || typeof body["retCode"] !== "number") return undefined;
  return body["retCode"] === 0 ? undefined : error(String(body["retCode"]), body["retMsg"]);
}

/**
 * OKX V5: `{code, msg, data}`, code "0" on success. An order refusal is code "1" with msg
 * "All operations failed" and the reason in `data[0].sCode` / `data[0].sMsg`: those win.
 */
function okxStyle(body: unknown): VenueError | undefined {
  if (!isObject(body)) return undefined;
  const code = scalar(body["code"]);
  if (code === undefined) return undefined;
  const first = Array.isArray(body["data"]) && isObject(body["data"][0]) ? body["data"][0] : undefined;
  const sCode = scalar(first?.["sCode"]);
  const itemFailed = sCode !== undefined && sCode !== "" && sCode !== "0";
  if (code === "0" && !itemFailed) return undefined;
  const sMsg = typeof first?.["sMsg"] === "string" ? first["sMsg"] : "";
  const msg = typeof body["msg"] === "string" ? body["msg"] : "";
  const message = [msg, sMsg].filter((m, i, all) => m !== "" && all.indexOf(m) === i).join(": ");
  return error(itemFailed ? sCode : code, message);
}

/** KuCoin: `{code, msg}`, code "200000" on success. */
function kucoinStyle(body: unknown): VenueError | undefined {
  if (!isObject(body)) return undefined;
  const code = scalar(body["code"]);
  if (code === undefined) return undefined;
  return code === "200000" ? undefined : error(code, body["msg"]);
}

/**
 * Hyperliquid: `{status: "err", response: "<reason>"}` for a refused action; an accepted
 * action whose order was refused says so per order: `response.data.statuses[i].error`.
 */
function hyperliquidStyle(body: unknown): VenueError | undefined {
  if (!isObject(body)) return undefined;
  if (body["status"] === "err") return error("err", body["response"]);
  if (body["status"] !== "ok" || !isObject(body["response"])) return undefined;
  const data = body["response"]["data"];
  const statuses = isObject(data) && Array.isArray(data["statuses"]) ? data["statuses"] : [];
  for (const s of statuses.slice(0, 64)) {
    if (isObject(s) && typeof s["error"] === "string") return error("order_error", s["error"]);
  }
  return undefined;
}

/**
 * The venue's refusal in a response, by the venue's own error shape; for any other non-2xx
 * answer, `HTTP_<status>` with the body's text. Undefined when the venue accepted the request.
 */
export function venueErrorOf(venue: Venue, status: number, body: unknown): VenueError | undefined {
  let found: VenueError | undefined;
  switch (venue) {
    case "binance":
    case "binance_futures":
    case "asterdex":
      found = binanceStyle(status, body);
      break;
    case "bybit":
      found = bybitStyle(body);
      break;
    case "okx":
      found = okxStyle(body);
      break;
    case "kucoin":
    case "kucoin_futures":
      found = kucoinStyle(body);
      break;
    case "hyperliquid":
      found = hyperliquidStyle(body);
      break;
  }
  if (found !== undefined) return found;
  return status >= 200 && status <= 299 ? undefined : error(`HTTP_${status}`, body);
}
