import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * HTTP plumbing shared by the fake EIP-712 venues (Hyperliquid, Asterdex): a node:http server
 * on 127.0.0.1 with a random port, a bounded body reader, a log of what was received and a
 * clock the test controls. The venue logic lives in each fake.
 */

/** One request the fake received and what it answered. */
export interface ReceivedRequest {
  readonly method: string;
  /** Path without the query string. */
  readonly path: string;
  /** Raw query string without the leading "?" ("" when none). */
  readonly query: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly status: number;
  /** The parsed JSON answer, or the text answer. */
  readonly response: unknown;
  /** True when the venue accepted the request (HTTP 2xx and not a venue-level error). */
  readonly accepted: boolean;
}

/** The uniform interface of the fake venues. */
export interface FakeVenueServer {
  /** Starts listening on 127.0.0.1:0; resolves to the base URL (e.g. http://127.0.0.1:43210). */
  start(): Promise<string>;
  /** Base URL; throws before start(). */
  readonly url: string;
  close(): Promise<void>;
  /** Every request received, in order. */
  readonly received: readonly ReceivedRequest[];
  /** Fixes the fake's clock (epoch ms); undefined returns it to Date.now(). */
  setClock(nowMs: number | undefined): void;
  /** The fake's current time (epoch ms). */
  now(): number;
}

/** What a fake's handler answers. */
export interface FakeAnswer {
  readonly status: number;
  /** JSON-serialised unless it is a string. */
  readonly body: unknown;
  readonly accepted: boolean;
}

export interface FakeRequest {
  readonly method: string;
  readonly path: string;
  readonly query: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

const MAX_BODY_BYTES = 64 * 1024;
const MAX_RECEIVED = 10_000;

class BodyTooLarge extends Error {}

async function readBody(req: IncomingMessage): Promise<string> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new BodyTooLarge();
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function reply(res: ServerResponse, answer: FakeAnswer): void {
  const text = typeof answer.body === "string" ? answer.body : JSON.stringify(answer.body);
  const type = typeof answer.body === "string" ? "text/plain; charset=utf-8" : "application/json";
  res.writeHead(answer.status, { "content-type": type, "content-length": Buffer.byteLength(text) });
  res.end(text);
}

/** A FakeVenueServer whose requests are answered by `handle` (given the fake's clock). */
export function fakeVenueServer(handle: (req: FakeRequest, nowMs: number) => FakeAnswer): FakeVenueServer {
  const received: ReceivedRequest[] = [];
  let clock: number | undefined;
  let server: Server | undefined;
  let baseUrl: string | undefined;
  const now = (): number => clock ?? Date.now();

  const onRequest = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const raw = req.url ?? "/";
    const q = raw.indexOf("?");
    const path = q === -1 ? raw : raw.slice(0, q);
    const query = q === -1 ? "" : raw.slice(q + 1);
    let body = "";
    let answer: FakeAnswer;
    try {
      body = await readBody(req);
      answer = handle({ method: req.method ?? "GET", path, query, headers: req.headers, body }, now());
    } catch (err) {
      answer = err instanceof BodyTooLarge ? { status: 413, body: "Payload Too Large", accepted: false } : { status: 500, body: "fake venue error", accepted: false };
    }
    if (received.length < MAX_RECEIVED) {
      received.push({ method: req.method ?? "GET", path, query, headers: req.headers, body, status: answer.status, response: answer.body, accepted: answer.accepted });
    }
    reply(res, answer);
  };

  return {
    async start() {
      if (server !== undefined) throw new Error("fake already started");
      const s = createServer((req, res) => void onRequest(req, res));
      server = s;
      await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
      baseUrl = `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
      return baseUrl;
    },
    get url() {
      if (baseUrl === undefined) throw new Error("fake not started");
      return baseUrl;
    },
    async close() {
      const s = server;
      if (s === undefined) return;
      server = undefined;
      s.closeAllConnections();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    },
    received,
    setClock(nowMs) {
      clock = nowMs;
    },
    now,
  };
}
