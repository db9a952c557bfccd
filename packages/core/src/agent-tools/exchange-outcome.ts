import type { VenueResponse } from "../client/exchange-operations.js";
import { isAirlockError } from "../client/errors.js";
import type { ExchangeRequest, SignedExchangeRequest, Venue } from "../wire/exchange-schemas.js";
import { outcomeOfError, type ToolFailure, type ToolOutcome } from "./tool-outcome.js";

/**
 * How the exchange tools report what happened, for a model to act on: what was done (order
 * ids when the venue gave them), the venue's refusal in its own words (bounded), and for
 * transport failures whether the order may exist. Everything comes from the verified signed
 * request, the venue's answer and typed errors: never a secret (the agent has none).
 */

/** Longest venue answer (as JSON text) put into an outcome; longer ones are cut and flagged. */
export const MAX_VENUE_RESPONSE_CHARS = 8000;
const MAX_ID_CHARS = 64;

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const idText = (v: unknown): string | undefined =>
  (typeof v === "string" && v !== "") || (typeof v === "number" && Number.isFinite(v)) ? String(v).slice(0, MAX_ID_CHARS) : undefined;

/**
 * The order id (and client order id) a venue returned for a placed or cancelled order, where
 * its documented success shape has one; undefined fields otherwise (best effort, by venue).
 */
export function orderIdsOf(venue: Venue, body: unknown): { orderId?: string; clientOrderId?: string } {
  let orderId: unknown;
  let clientOrderId: unknown;
  if (!isObject(body)) return {};
  switch (venue) {
    case "binance":
    case "binance_futures":
    case "asterdex":
      orderId = body["orderId"];
      clientOrderId = body["clientOrderId"] ?? body["origClientOrderId"];
      break;
    case "bybit":
      orderId = isObject(body["result"]) ? body["result"]["orderId"] : undefined;
      clientOrderId = isObject(body["result"]) ? body["result"]["orderLinkId"] : undefined;
      break;
    case "okx": {
      const first = Array.isArray(body["data"]) && isObject(body["data"][0]) ? body["data"][0] : undefined;
      orderId = first?.["ordId"];
      clientOrderId = first?.["clOrdId"];
      break;
    }
    case "kucoin":
    case "kucoin_futures": {
      const data = isObject(body["data"]) ? body["data"] : undefined;
      orderId = data?.["orderId"];
      clientOrderId = data?.["clientOid"];
      break;
    }
    case "hyperliquid": {
      const data = isObject(body["response"]) && isObject(body["response"]["data"]) ? body["response"]["data"] : undefined;
      const status = Array.isArray(data?.["statuses"]) ? data["statuses"][0] : undefined;
      const placed = isObject(status) ? (isObject(status["resting"]) ? status["resting"] : isObject(status["filled"]) ? status["filled"] : undefined) : undefined;
      orderId = placed?.["oid"];
      clientOrderId = placed?.["cloid"];
      break;
    }
  }
  const id = idText(orderId);
  const cid = idText(clientOrderId);
  return { ...(id === undefined ? {} : { orderId: id }), ...(cid === undefined ? {} : { clientOrderId: cid }) };
}

/** The venue's answer for an outcome: as is when small, else its JSON text cut and flagged. */
export function boundedVenueBody(body: unknown): { venueResponse: unknown; venueResponseTruncated?: true } {
  const text = typeof body === "string" ? body : (JSON.stringify(body) ?? "");
  if (text.length <= MAX_VENUE_RESPONSE_CHARS) return { venueResponse: body };
  return { venueResponse: `${text.slice(0, MAX_VENUE_RESPONSE_CHARS)}…`, venueResponseTruncated: true };
}

function where(signed: SignedExchangeRequest): string {
  return `on ${signed.venue} (account ${signed.account}, ${signed.environment})`;
}

/** One sentence on what a successful request did. */
function doneSentence(request: ExchangeRequest, signed: SignedExchangeRequest, ids: { orderId?: string }): string {
  const op = request.operation;
  const idPart = ids.orderId === undefined ? "" : ` Order id: ${ids.orderId}.`;
  switch (op.type) {
    case "place_order": {
      const price = op.price === undefined ? "" : ` at ${op.price}`;
      return `The exchange accepted a ${op.orderType} ${op.side} order for ${op.quantity} ${op.symbol}${price} ${where(signed)}.${idPart}`;
    }
    case "cancel_order":
      return `The exchange accepted the cancellation of order ${op.orderId ?? op.clientOrderId} on ${op.symbol} ${where(signed)}.`;
    case "cancel_all":
      return `The exchange accepted the cancellation of every open order on ${op.symbol} ${where(signed)}.`;
    default:
      return `Read ${op.type.slice(4).replace("_", " ")}${op.symbol === undefined ? "" : ` for ${op.symbol}`} ${where(signed)}.`;
  }
}

/** The outcome of a request the venue answered: success, or its refusal in its own words. */
export function outcomeOfVenueResponse(request: ExchangeRequest, signed: SignedExchangeRequest, response: VenueResponse): ToolOutcome {
  const base = { requestId: signed.requestId, venue: signed.venue, account: signed.account, environment: signed.environment, httpStatus: response.status };
  if (response.ok) {
    const ids = request.operation.type.startsWith("get_") ? {} : orderIdsOf(signed.venue, response.body);
    return { ok: true, summary: doneSentence(request, signed, ids), data: { ...base, ...ids, ...boundedVenueBody(response.body) } };
  }
  const venueError = response.venueError ?? { code: `HTTP_${response.status}`, message: "" };
  // A 5xx or an "unknown" status means the venue itself does not know whether it acted.
  const unknownState = /^HTTP_5/.test(venueError.code) || /unknown/i.test(venueError.message);
  const advice = unknownState
    ? " Its state is unknown: check the open orders before placing it again."
    : " Change the request (or ask the user) rather than sending it again unchanged.";
  return {
    ok: false,
    error: "venue_error",
    summary: `The exchange (${signed.venue}) refused the request: ${venueError.message || "no message"} (code ${venueError.code}).${advice}`,
    venueError: { code: venueError.code, message: venueError.message, status: response.status },
    requestId: signed.requestId,
  };
}

/** The outcome of a failure while sending a signed request (the venue may or may not have it). */
export function outcomeOfSendFailure(request: ExchangeRequest, signed: SignedExchangeRequest, err: unknown): ToolFailure {
  const requestId = signed.requestId;
  const read = request.operation.type.startsWith("get_");
  if (isAirlockError(err) && typeof (err as { mayHaveBeenSent?: unknown }).mayHaveBeenSent === "boolean") {
    const maybe = (err as unknown as { mayHaveBeenSent: boolean }).mayHaveBeenSent;
    const summary = !maybe
      ? `The exchange (${signed.venue}) could not be reached; the signed request was not sent, so nothing happened. Try again later.`
      : read
        ? `The exchange (${signed.venue}) did not answer properly; try again.`
        : `The exchange (${signed.venue}) did not answer properly (timeout or dropped connection); the request may have been executed. Check the open orders before trying again.`;
    return { ok: false, error: "unavailable", summary, requestId };
  }
  if (isAirlockError(err, "BAD_REQUEST")) {
    return { ok: false, error: "invalid_response", summary: "The signed request was refused before sending (it was not safe to send as it was); nothing was sent. Tell the operator.", requestId };
  }
  return { ...outcomeOfError(err), requestId };
}

/** The outcome when the operator sends signed requests itself: the request, not sent. */
export function outcomeOfUnsent(request: ExchangeRequest, signed: SignedExchangeRequest): ToolOutcome {
  return {
    ok: true,
    summary: `Signed the ${request.operation.type.replace("_", " ")} request ${where(signed)}; it was not sent (this agent's operator sends exchange requests). It expires at ${new Date(signed.expiresAtMs).toISOString()}.`,
    data: { requestId: signed.requestId, venue: signed.venue, account: signed.account, environment: signed.environment, sent: false, signedRequest: signed },
  };
}
