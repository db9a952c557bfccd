import { createHash, createHmac, randomUUID, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { ERROR_CODES, ExchangeRequest, SessionTransactionRequest, type ErrorCode, type Venue } from "@airlock/core";
import { fakeSignedExchangeRequest } from "./fake-venue-requests.js";
import { feltHex, sessionRequestHashes, signLowS, starkKeyOf, STARK_ORDER } from "@airlock/core/starknet";

/**
 * A faithful stand-in for the Airlock sidecar, for client tests: it checks the HMAC exactly as
 * the wire contract says (its own node:crypto code, not the client's helper), enforces one-time
 * nonces and the timestamp window, validates bodies with the wire schema, computes the real
 * SNIP-12 hashes and signs them with a real test key (low-S). It can be told to misbehave.
 */

export const TEST_SECRET = "test-hmac-secret-0123456789abcdef";
export const TEST_PRIVATE_KEY = 0x3c1e9550e66958296d11b60f8e8e7a7ad990d07fa65d5f7652c4a6c87d4e3cbn;
export const OTHER_PRIVATE_KEY = 0x5a1b2c3d4e5f60718293a4b5c6d7e8f90112233445566778899aabbccddeeffn;

export type Behaviour =
  /** Documented ErrorBody with this wire code and its status. */
  | { kind: "error"; code: ErrorCode; ruleId?: string; retryAfterMs?: number; patterns?: string[]; message?: string; headers?: Record<string, string> }
  /** SISNA's body: `{error}` only (plus the odd field), no code, no requestId. */
  | { kind: "legacy"; status: number; error: string; retryAfterMs?: number; headers?: Record<string, string> }
  /** Anything at all. */
  | { kind: "raw"; status: number; contentType?: string; body: string; headers?: Record<string, string> }
  | { kind: "html"; status: number }
  | { kind: "malformed-json" }
  | { kind: "oversized" }
  | { kind: "close-socket" }
  /** Answer normally after `ms` (or never, when the test closes the fake first). */
  | { kind: "delay"; ms: number }
  // Hostile signers (sign route only):
  | { kind: "sign-other-hash" }
  | { kind: "sign-other-message" }
  | { kind: "report-other-domain" }
  | { kind: "wrong-valid-until" }
  | { kind: "changed-key" }
  | { kind: "envelope-key-mismatch" }
  | { kind: "high-s" }
  | { kind: "tamper"; edit: (body: Record<string, unknown>) => unknown }
  // Policy evaluation (evaluate route only):
  | { kind: "deny"; ruleId: string; reason: string }
  // Exchange signing (exchange route only): rewrite the signed request before answering.
  | { kind: "exchange-tamper"; edit: (signed: Record<string, unknown>) => unknown };

export interface SeenRequest {
  method: string;
  path: string;
  nonce?: string;
  clientId?: string;
  traceparent?: string;
  body?: unknown;
  /** The outcome of the fake's own authentication check (undefined: route without auth). */
  auth?: "ok" | ErrorCode;
}

export interface FakeSidecarOptions {
  /** clientId → secret (default: { default: TEST_SECRET }). */
  clients?: Record<string, string>;
  defaultClientId?: string;
  /** keyId → private key (default: { default: TEST_PRIVATE_KEY }). */
  keys?: Record<string, bigint>;
  defaultKeyId?: string;
  maxSkewMs?: number;
  /** Added to the fake's clock, to simulate skew. */
  clockOffsetMs?: number;
  port?: number;
}

const MAX_BODY = 256 * 1024;
const SIGNATURE_HEX = /^[0-9a-f]{64}$/;

export class FakeSidecar {
  readonly requests: SeenRequest[] = [];
  /** Nonces that passed authentication, in order. */
  readonly acceptedNonces: string[] = [];
  #behaviours: Behaviour[] = [];
  #consumed = new Set<string>();
  #server: Server | undefined;
  #sockets = new Set<Socket>();
  #timers = new Set<NodeJS.Timeout>();
  #ready = true;
  readonly #clients: Map<string, string>;
  readonly #defaultClientId: string;
  readonly #keys: Map<string, bigint>;
  readonly #defaultKeyId: string;
  readonly #maxSkewMs: number;
  clockOffsetMs: number;
  /** Origin each venue's signed requests point at (default: the venue's first known origin). */
  venueBaseUrls: Partial<Record<Venue, string>> = {};

  constructor(opts: FakeSidecarOptions = {}) {
    this.#clients = new Map(Object.entries(opts.clients ?? { default: TEST_SECRET }));
    this.#defaultClientId = opts.defaultClientId ?? "default";
    this.#keys = new Map(Object.entries(opts.keys ?? { default: TEST_PRIVATE_KEY }));
    this.#defaultKeyId = opts.defaultKeyId ?? "default";
    this.#maxSkewMs = opts.maxSkewMs ?? 30_000;
    this.clockOffsetMs = opts.clockOffsetMs ?? 0;
  }

  /** Starts listening on 127.0.0.1 (port 0 = any free one). */
  async start(port = 0): Promise<this> {
    const server = createServer((req, res) => void this.#handle(req, res));
    server.on("connection", (s: Socket) => {
      this.#sockets.add(s);
      s.on("close", () => this.#sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => resolve());
    });
    this.#server = server;
    return this;
  }

  get port(): number {
    return (this.#server?.address() as AddressInfo).port;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Behaviours for the next requests, one each, in order; then normal service. */
  queue(...behaviours: Behaviour[]): void {
    this.#behaviours.push(...behaviours);
  }

  setReady(ready: boolean): void {
    this.#ready = ready;
  }

  /** Stark key of a key id the fake signs with. */
  publicKey(keyId = this.#defaultKeyId): bigint {
    return starkKeyOf(this.#keys.get(keyId) ?? TEST_PRIVATE_KEY);
  }

  async close(): Promise<void> {
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    const server = this.#server;
    if (!server) return;
    this.#server = undefined;
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    res.setHeader("x-request-id", requestId);
    const seen: SeenRequest = { method: req.method ?? "", path: req.url ?? "" };
    this.requests.push(seen);
    const raw = await readBody(req);
    if (raw === undefined) return sendError(res, "BODY_TOO_LARGE", requestId);

    const route = req.url ?? "";
    const authRequired = route !== "/health" && route !== "/ready";
    if (authRequired) {
      const verdict = this.#authenticate(req, raw, seen);
      seen.auth = verdict;
      if (verdict !== "ok") return sendError(res, verdict, requestId);
    }
    const traceparent = req.headers["traceparent"];
    if (typeof traceparent === "string") seen.traceparent = traceparent;

    const behaviour = this.#behaviours.shift();
    if (behaviour !== undefined && (await this.#generic(behaviour, req, res, requestId))) return;

    if (req.method === "GET" && route === "/health") return sendJson(res, 200, { ok: true });
    if (req.method === "GET" && route === "/ready") {
      return sendJson(res, this.#ready ? 200 : 503, { ready: this.#ready, checks: { signer: { ok: true }, replay: { ok: this.#ready } } });
    }
    const isSign = route === "/v1/sign/session-transaction";
    const isEvaluate = route === "/v1/policy/evaluate";
    const isExchange = route === "/v1/sign/exchange-request";
    if (req.method !== "POST" || (!isSign && !isEvaluate && !isExchange)) return sendError(res, "NOT_FOUND", requestId);
    if (!/^application\/json\s*(;|$)/i.test(req.headers["content-type"] ?? "")) return sendError(res, "UNSUPPORTED_MEDIA_TYPE", requestId);
    let json: unknown;
    try {
      json = JSON.parse(raw.toString("utf8"));
    } catch {
      return sendError(res, "MALFORMED_JSON", requestId);
    }
    seen.body = json;
    const exchangeShape = typeof json === "object" && json !== null && "venue" in json && "operation" in json;
    if (isExchange || (isEvaluate && exchangeShape)) return this.#exchange(res, requestId, json, isEvaluate, behaviour);
    const parsed = SessionTransactionRequest.safeParse(json);
    if (!parsed.success) return sendError(res, "INVALID_PAYLOAD", requestId, { details: parsed.error.flatten() });
    const request = parsed.data;
    const keyId = request.keyId ?? this.#defaultKeyId;
    const privateKey = this.#keys.get(keyId);
    if (privateKey === undefined) return sendError(res, "POLICY_DENIED", requestId, { error: `Unknown keyId: ${keyId}`, ruleId: "key.unknown" });
    const hashes = sessionRequestHashes(request);

    if (isEvaluate) {
      if (behaviour?.kind === "deny") {
        return sendJson(res, 200, { requestId, allowed: false, ruleId: behaviour.ruleId, reason: behaviour.reason });
      }
      return sendJson(res, 200, { requestId, allowed: true, domainHash: feltHex(hashes.domainHash), messageHash: feltHex(hashes.messageHash) });
    }
    return sendJson(res, 200, this.#signResponse(requestId, request, hashes, privateKey, behaviour));
  }

  /** The exchange route, and the exchange dry run: schema, then a signed venue request or a verdict. */
  #exchange(res: ServerResponse, requestId: string, json: unknown, evaluate: boolean, b: Behaviour | undefined): void {
    const parsed = ExchangeRequest.safeParse(json);
    if (!parsed.success) return sendError(res, "INVALID_PAYLOAD", requestId, { details: parsed.error.flatten() });
    if (evaluate) {
      if (b?.kind === "deny") return sendJson(res, 200, { requestId, allowed: false, ruleId: b.ruleId, reason: b.reason });
      return sendJson(res, 200, { requestId, allowed: true });
    }
    const signed = fakeSignedExchangeRequest(requestId, parsed.data, this.venueBaseUrls[parsed.data.venue]);
    sendJson(res, 200, b?.kind === "exchange-tamper" ? b.edit({ ...signed }) : signed);
  }

  /** SISNA's check order: headers, lengths, client, timestamp, window, HMAC, then the nonce. */
  #authenticate(req: IncomingMessage, raw: Buffer, seen: SeenRequest): "ok" | ErrorCode {
    const ts = single(req.headers["x-keyring-timestamp"]);
    const nonce = single(req.headers["x-keyring-nonce"]);
    const sig = single(req.headers["x-keyring-signature"]);
    const clientId = single(req.headers["x-keyring-client-id"]) ?? this.#defaultClientId;
    seen.clientId = clientId;
    if (nonce !== undefined) seen.nonce = nonce;
    if (ts === undefined || nonce === undefined || sig === undefined) return "AUTH_MISSING_HEADERS";
    if (ts.length > 32 || nonce.length > 128 || sig.length > 256 || clientId.length > 128) return "AUTH_HEADER_TOO_LARGE";
    const secret = this.#clients.get(clientId);
    if (secret === undefined) return "AUTH_UNKNOWN_CLIENT";
    if (!/^\d{1,16}$/.test(ts)) return "AUTH_INVALID_TIMESTAMP";
    if (Math.abs(Date.now() + this.clockOffsetMs - Number(ts)) > this.#maxSkewMs) return "AUTH_TIMESTAMP_OUT_OF_WINDOW";
    const bodyHash = createHash("sha256").update(raw).digest("hex");
    const payload = `${ts}.${nonce}.${(req.method ?? "").toUpperCase()}.${req.url ?? ""}.${bodyHash}`;
    const expected = createHmac("sha256", secret).update(payload).digest();
    if (!SIGNATURE_HEX.test(sig) || !timingSafeEqual(expected, Buffer.from(sig, "hex"))) return "AUTH_INVALID_SIGNATURE";
    if (this.#consumed.has(nonce)) return "AUTH_REPLAYED_NONCE";
    this.#consumed.add(nonce);
    this.acceptedNonces.push(nonce);
    return "ok";
  }

  /** Behaviours that replace the whole answer; true when the answer was given. */
  async #generic(b: Behaviour, _req: IncomingMessage, res: ServerResponse, requestId: string): Promise<boolean> {
    switch (b.kind) {
      case "error": {
        const fields: Record<string, unknown> = {};
        if (b.ruleId !== undefined) fields["ruleId"] = b.ruleId;
        if (b.retryAfterMs !== undefined) fields["retryAfterMs"] = b.retryAfterMs;
        if (b.patterns !== undefined) fields["patterns"] = b.patterns;
        if (b.message !== undefined) fields["error"] = b.message;
        sendError(res, b.code, requestId, fields, b.headers);
        return true;
      }
      case "legacy": {
        const body: Record<string, unknown> = { error: b.error };
        if (b.retryAfterMs !== undefined) body["retryAfterMs"] = b.retryAfterMs;
        sendJson(res, b.status, body, b.headers);
        return true;
      }
      case "raw":
        res.writeHead(b.status, { "content-type": b.contentType ?? "application/json", ...b.headers });
        res.end(b.body);
        return true;
      case "html":
        res.writeHead(b.status, { "content-type": "text/html; charset=utf-8" });
        res.end("<!DOCTYPE html><html><body><pre>Internal Server Error</pre></body></html>");
        return true;
      case "malformed-json":
        res.writeHead(200, { "content-type": "application/json" });
        res.end('{"requestId":"x","signature":[');
        return true;
      case "oversized": {
        res.writeHead(200, { "content-type": "application/json" });
        const chunk = "x".repeat(64 * 1024);
        for (let i = 0; i < 32; i++) res.write(chunk);
        res.end();
        return true;
      }
      case "close-socket":
        res.socket?.destroy();
        return true;
      case "delay":
        await new Promise<void>((resolve) => {
          const t = setTimeout(() => {
            this.#timers.delete(t);
            resolve();
          }, b.ms);
          this.#timers.add(t);
        });
        return res.destroyed;
      default:
        return false;
    }
  }

  #signResponse(
    requestId: string,
    request: SessionTransactionRequest,
    hashes: { domainHash: bigint; messageHash: bigint },
    privateKey: bigint,
    b: Behaviour | undefined,
  ): unknown {
    let key = privateKey;
    let domainHash = hashes.domainHash;
    let messageHash = hashes.messageHash;
    let signedHash = hashes.messageHash;
    let validUntil = BigInt(request.validUntil);
    if (b?.kind === "changed-key") key = OTHER_PRIVATE_KEY;
    if (b?.kind === "sign-other-hash") signedHash = hashes.messageHash + 1n;
    if (b?.kind === "sign-other-message") {
      // A consistent liar: signs (and reports) the hash of a request with other calldata.
      const other = { ...request, calls: request.calls.map((c) => ({ ...c, calldata: [...c.calldata, "0x1"] })) };
      messageHash = sessionRequestHashes(other).messageHash;
      signedHash = messageHash;
    }
    if (b?.kind === "report-other-domain") domainHash = hashes.domainHash + 1n;
    if (b?.kind === "wrong-valid-until") validUntil += 1n;
    const publicKey = starkKeyOf(key);
    const sig = signLowS(signedHash, key);
    const s = b?.kind === "high-s" ? STARK_ORDER - sig.s : sig.s;
    const envelopeKey = b?.kind === "envelope-key-mismatch" ? starkKeyOf(OTHER_PRIVATE_KEY) : publicKey;
    const body: Record<string, unknown> = {
      requestId,
      signatureMode: "v2_snip12",
      signatureKind: "Snip12",
      domainHash: feltHex(domainHash),
      messageHash: feltHex(messageHash),
      signerProvider: "local",
      sessionPublicKey: feltHex(publicKey),
      signature: [feltHex(envelopeKey), feltHex(sig.r), feltHex(s), feltHex(validUntil)],
    };
    return b?.kind === "tamper" ? b.edit(body) : body;
  }
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.destroyed) return;
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers });
  res.end(JSON.stringify(body));
}

function sendError(res: ServerResponse, code: ErrorCode, requestId: string, fields: Record<string, unknown> = {}, headers: Record<string, string> = {}): void {
  const entry = ERROR_CODES[code];
  sendJson(res, entry.status, { error: entry.message, code, requestId, ...fields }, headers);
}
