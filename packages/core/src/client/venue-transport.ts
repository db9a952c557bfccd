import { Pool, type Dispatcher } from "undici";
import type { SignedExchangeRequest } from "../wire/exchange-schemas.js";
import { ConfigError, VenueSendError } from "./errors.js";
import { MAX_RESPONSE_BYTES, readBoundedBytes } from "./bounded-body.js";
import { classifyTransportError } from "./retry-policy.js";
import { rawPathOf } from "./signed-request-checks.js";

/**
 * The HTTP side of sending a signed exchange request: one undici Pool per venue origin (so a
 * slow venue cannot starve another, and no connection is shared with the sidecar's), one
 * attempt under a deadline, a response read up to MAX_RESPONSE_BYTES. Never retried: once a
 * byte may have left, the order may exist at the venue.
 */

/** A venue's answer as read: status and the body text (at most MAX_RESPONSE_BYTES). */
export interface VenueRawResponse {
  readonly status: number;
  readonly text: string;
}

/** Keep-alive connections per venue origin. */
const VENUE_CONNECTIONS = 4;

export class VenuePools {
  readonly #pools = new Map<string, Pool>();
  readonly #timeoutMs: number;
  #closed = false;

  constructor(timeoutMs: number) {
    this.#timeoutMs = timeoutMs;
  }

  /** The pool of `origin`, created on first use. */
  pool(origin: string): Dispatcher {
    if (this.#closed) throw new ConfigError("the client is closed");
    let pool = this.#pools.get(origin);
    if (pool === undefined) {
      pool = new Pool(origin, {
        connections: VENUE_CONNECTIONS,
        pipelining: 1,
        headersTimeout: this.#timeoutMs,
        bodyTimeout: this.#timeoutMs,
        connect: { timeout: this.#timeoutMs },
      });
      this.#pools.set(origin, pool);
    }
    return pool;
  }

  async close(): Promise<void> {
    this.#closed = true;
    const pools = [...this.#pools.values()];
    this.#pools.clear();
    await Promise.allSettled(pools.map((p) => p.close()));
  }
}

/**
 * Sends `signed` exactly (method, path and query as written, headers, body) to `origin` once.
 * Rejects with the caller's abort reason, ConfigError when the client is closed, or a
 * VenueSendError saying whether the request may have reached the venue. Messages name the
 * origin only: the path and query carry the signature.
 */
export async function sendOnce(
  pools: VenuePools,
  signed: SignedExchangeRequest,
  origin: string,
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<VenueRawResponse> {
  if (signal?.aborted) throw signal.reason;
  const pool = pools.pool(origin);
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(new Error("venue deadline")), timeoutMs);
  const combined = signal === undefined ? deadline.signal : AbortSignal.any([signal, deadline.signal]);
  try {
    const res = await pool.request({
      method: signed.method,
      path: rawPathOf(signed.url, origin),
      headers: { ...signed.headers },
      signal: combined,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      ...(signed.body === undefined ? {} : { body: signed.body }),
    });
    const text = await readBounded(res.body, res.headers, origin, res.statusCode);
    return { status: res.statusCode, text };
  } catch (err) {
    if (signal?.aborted) throw signal.reason;
    if (err instanceof VenueSendError) throw err;
    throw venueFailure(err, deadline.signal.aborted ? timeoutMs : undefined, origin);
  } finally {
    clearTimeout(timer);
  }
}

function venueFailure(err: unknown, deadlineMs: number | undefined, origin: string): Error {
  const { error, retryable } = classifyTransportError(err, deadlineMs);
  // classifyTransportError calls "retryable" exactly the failures where nothing was sent.
  if (error.code === "CONFIG") return error;
  if (retryable) return new VenueSendError("NETWORK", `could not connect to ${origin}; the request was not sent`, false, origin, { cause: err });
  if (error.code === "TIMEOUT") {
    return new VenueSendError("TIMEOUT", `${origin} did not answer in time; the request may have been processed`, true, origin, { cause: err });
  }
  return new VenueSendError("NETWORK", `the connection to ${origin} failed; the request may have been processed`, true, origin, { cause: err });
}

async function readBounded(body: Dispatcher.ResponseData["body"], headers: Record<string, string | string[] | undefined>, origin: string, status: number): Promise<string> {
  const bytes = await readBoundedBytes(body, headers, () =>
    new VenueSendError("INVALID_RESPONSE", `${origin} answered more than ${MAX_RESPONSE_BYTES} bytes; the request was processed`, true, origin, { status }),
  );
  // Venue data, not something verified: invalid UTF-8 is replaced, not refused.
  return new TextDecoder("utf-8").decode(bytes);
}
