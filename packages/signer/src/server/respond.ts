import type { ServerResponse } from "node:http";
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
  if (res.headersSent) return;
  const payload = JSON.stringify(body);
  res.writeHead(status, { ...BASE_HEADERS, ...headers, "content-length": Buffer.byteLength(payload) });
  res.end(payload);
}

export function sendText(res: ServerResponse, status: number, text: string, contentType: string): void {
  if (res.headersSent) return;
  res.writeHead(status, { ...BASE_HEADERS, "content-type": contentType, "content-length": Buffer.byteLength(text) });
  res.end(text);
}

/** Every error leaves as `{error, code, requestId, ...extras}`: never HTML, never a stack. */
export function sendError(res: ServerResponse, requestId: string, err: HttpError): void {
  sendJson(res, err.status, { error: err.message, code: err.code, requestId, ...err.extras }, err.headers);
}
