import { ERROR_CODES, type ErrorCode } from "@airlock/core";
import { randomUUID } from "node:crypto";
import { STATUS_CODES, type ServerResponse } from "node:http";
import type { HttpError } from "./http-error.js";

/** Headers every answer carries: a JSON API that no browser should render, frame or cache. */
const BASE_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  "content-type": "application/json; charset=utf-8",
  "cache-control": "no-store",
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "content-security-policy": "default-src 'none'; frame-ancestors 'none'",
  "referrer-policy": "no-referrer",
  "cross-origin-resource-policy": "same-origin",
});

export function sendJson(res: ServerResponse, status: number, body: unknown, headers?: Record<string, string>): void {
  sendPayload(res, status, JSON.stringify(body), headers);
}

/** Sends JSON text exactly as given (a receipt covers these bytes). */
export function sendPayload(res: ServerResponse, status: number, payload: string, headers?: Record<string, string>): void {
  if (res.headersSent) return;
  res.writeHead(status, { ...BASE_HEADERS, ...headers, "content-length": Buffer.byteLength(payload) });
  res.end(payload);
}

export function sendText(res: ServerResponse, status: number, text: string, contentType: string): void {
  if (res.headersSent) return;
  res.writeHead(status, { ...BASE_HEADERS, "content-type": contentType, "content-length": Buffer.byteLength(text) });
  res.end(text);
}

/** Every error leaves as `{error, code, requestId, ...extras}`: never HTML, never a stack. */
export function sendError(res: ServerResponse, requestId: string, err: HttpError, extraHeaders?: Record<string, string>): void {
  sendPayload(res, err.status, errorPayload(requestId, err), { ...err.headers, ...extraHeaders });
}

/** The JSON text of an error answer. */
export function errorPayload(requestId: string, err: HttpError): string {
  return JSON.stringify({ error: err.message, code: err.code, requestId, ...err.extras });
}

/** A whole raw HTTP response for a connection whose request could not be parsed. */
export function framingErrorResponse(code: ErrorCode): string {
  const { status, message } = ERROR_CODES[code];
  const requestId = randomUUID();
  const body = JSON.stringify({ error: message, code, requestId });
  const headers = { ...BASE_HEADERS, "x-request-id": requestId, connection: "close", "content-length": String(Buffer.byteLength(body)) };
  const lines = Object.entries(headers).map(([k, v]) => `${k}: ${v}`);
  return `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? "Error"}\r\n${lines.join("\r\n")}\r\n\r\n${body}`;
}
