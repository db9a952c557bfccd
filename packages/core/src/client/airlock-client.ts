import { inspect } from "node:util";
import { Pool } from "undici";
import type { z } from "zod";
import { feltHex } from "../starknet/felt.js";
import { sessionRequestHashes } from "../starknet/session-request.js";
import { ExchangeRequest, SignedExchangeRequest } from "../wire/exchange-schemas.js";
import { ROUTE } from "../wire/headers.js";
import { AttestationResponse, HealthResponse, PolicyEvaluation, ReadyResponse, SignerStatus } from "../wire/responses.js";
import { SessionTransactionRequest, type SessionTransactionResponse } from "../wire/session-schemas.js";
import { resolveClientOptions, type AirlockClientOptions, type ResolvedClientOptions } from "./client-options.js";
import { readBoundedBytes } from "./bounded-body.js";
import { BadRequestError, ConfigError, InvalidResponseError, PolicyDeniedError, UntrustedSignerError, type RequestIssue } from "./errors.js";
import {
  cancelAllOrdersRequest,
  cancelOrderRequest,
  getExchangeAccountRequest,
  placeOrderRequest,
  type CancelAllOrdersArgs,
  type CancelOrderArgs,
  type ExchangeCallOptions,
  type ExchangeResult,
  type GetExchangeAccountArgs,
  type PlaceOrderArgs,
  type SentExchangeResult,
  type VenueResponse,
} from "./exchange-operations.js";
import { exchange, utf8, type OutgoingRequest, type RawResponse } from "./http-exchange.js";
import type { VerifiedSigner } from "./nitro-trust.js";
import { SignerTrustGate } from "./signer-trust-gate.js";
import { errorFromResponse } from "./response-errors.js";
import { backoffDelayMs, classifyTransportError, sleep } from "./retry-policy.js";
import { carriesSecret, sendabilityProblem } from "./signed-request-checks.js";
import { connectOptions } from "./tls-connect.js";
import { venueErrorOf } from "./venue-errors.js";
import { sendOnce, VenuePools } from "./venue-transport.js";
import { verifySignedExchangeRequest } from "./verify-exchange-response.js";
import { SessionKeyRegistry, verifySessionResponse } from "./verify-session-response.js";

/** Per-call options. */
export interface CallOptions {
  /** Aborts the call (also between retries); the call then rejects with the signal's reason. */
  signal?: AbortSignal;
  /** W3C trace context forwarded to the sidecar. */
  traceparent?: string;
  /** Overrides the client's timeoutMs for each attempt of this call. */
  timeoutMs?: number;
}

/** Routes the sidecar answers without authentication (no receipt to expect). */
const UNAUTHENTICATED_PATHS: ReadonlySet<string> = new Set([ROUTE.health, ROUTE.ready]);

const TRACEPARENT = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;
const MAX_ISSUES = 20;

/**
 * Client of an Airlock (or SISNA) signing sidecar. Signs every request with the shared HMAC
 * secret, retries only what provably never reached the sidecar (and 503s), and verifies every
 * signature it gets back against the request it sent before returning it.
 *
 * ```ts
 * const client = new AirlockClient({ baseUrl: "https://signer.internal:8545", hmacSecret, keyId: "default" });
 * const { signature } = await client.signSessionTransaction(request);
 * ```
 */
export class AirlockClient {
  readonly #secret: string;
  readonly #options: ResolvedClientOptions;
  readonly #pool: Pool;
  readonly #keys: SessionKeyRegistry;
  readonly #venuePools: VenuePools;
  /** Set with the `nitro` option: attestation before anything is sent, receipts on every answer. */
  readonly #gate: SignerTrustGate | undefined;
  #closed = false;

  /** Throws ConfigError naming the first invalid option. */
  constructor(options: AirlockClientOptions) {
    const { options: resolved, secret } = resolveClientOptions(options);
    this.#secret = secret;
    this.#options = resolved;
    this.#keys = new SessionKeyRegistry(resolved.expectedSessionPublicKeys);
    this.#pool = new Pool(resolved.origin, {
      connections: resolved.connections,
      pipelining: 1,
      headersTimeout: resolved.timeoutMs,
      bodyTimeout: resolved.timeoutMs,
      connect: connectOptions(resolved),
    });
    this.#venuePools = new VenuePools(resolved.timeoutMs);
    this.#gate = resolved.nitro === undefined ? undefined : new SignerTrustGate(resolved.nitro, (nonce) => this.#fetchAttestation(nonce));
  }

  /** Origin of the sidecar. */
  get baseUrl(): string {
    return this.#options.origin;
  }

  get clientId(): string | undefined {
    return this.#options.clientId;
  }

  /** Key id sent when a request names none. */
  get keyId(): string | undefined {
    return this.#options.keyId;
  }

  /**
   * Asks the sidecar to sign a SNIP-9 v2 outside execution with a session key, and returns the
   * response only once it verified: hashes recomputed from this request, envelope, session key
   * (pin or first seen) and the ECDSA signature. Rejects with an AirlockError: BAD_REQUEST
   * (locally, before any network call, or from the sidecar), AUTH, REPLAY, POLICY_DENIED
   * (PolicyDeniedError), RATE_LIMITED (RateLimitedError, not retried), UNAVAILABLE, SERVER,
   * NETWORK, TIMEOUT, INVALID_RESPONSE or CONFIG.
   */
  async signSessionTransaction(request: SessionTransactionRequest, opts: CallOptions = {}): Promise<SessionTransactionResponse> {
    const parsed = this.#validateSession(request);
    const res = await this.#send({ method: "POST", path: ROUTE.signSessionTransaction, body: JSON.stringify(parsed) }, opts, true);
    if (res.status !== 200) throw this.#errorOf(res);
    return verifySessionResponse(parsed, jsonBody(res), this.#keys, { status: res.status, requestId: headerRequestId(res) });
  }

  /**
   * Asks whether the sidecar would sign this request, without signing (POST /v1/policy/evaluate).
   * A refusal by policy is `{ allowed: false, ruleId?, reason? }`, not an exception. Hashes in
   * the answer, when present, must equal the ones recomputed from the request.
   */
  async evaluatePolicy(request: SessionTransactionRequest, opts: CallOptions = {}): Promise<PolicyEvaluation> {
    const parsed = this.#validateSession(request);
    const evaluation = await this.#evaluate(parsed, opts);
    const expected = sessionRequestHashes(parsed);
    if (evaluation.domainHash !== undefined && !sameFelt(evaluation.domainHash, expected.domainHash)) {
      throw new InvalidResponseError("domain_hash_mismatch", "domainHash differs from the request's", { status: 200, requestId: evaluation.requestId });
    }
    if (evaluation.messageHash !== undefined && !sameFelt(evaluation.messageHash, expected.messageHash)) {
      throw new InvalidResponseError("message_hash_mismatch", "messageHash differs from the request's", { status: 200, requestId: evaluation.requestId });
    }
    return evaluation;
  }

  /**
   * Asks the sidecar to build and sign a venue request for a typed exchange operation
   * (POST /v1/sign/exchange-request), and returns it once verified (see
   * verify-exchange-response.ts): schema and sizes, venue and account as requested, an allowed
   * origin for the venue (KNOWN_VENUE_ORIGINS plus the venueOrigins option), safe headers, the
   * venue's method for the operation, the requested symbol / side / quantity / order id present
   * (a light, venue-agnostic check). Nothing is sent to the venue: see sendExchangeRequest.
   * Rejects as signSessionTransaction does; a trading-policy refusal is a PolicyDeniedError
   * whose ruleId is an `exchange.*` rule.
   */
  async signExchangeRequest(request: ExchangeRequest, opts: CallOptions = {}): Promise<SignedExchangeRequest> {
    const parsed = this.#validateExchange(request);
    const res = await this.#send({ method: "POST", path: ROUTE.signExchangeRequest, body: JSON.stringify(parsed) }, opts, true);
    if (res.status !== 200) throw this.#errorOf(res);
    return verifySignedExchangeRequest(parsed, jsonBody(res), this.#options.venueOrigins, this.#secret, { status: res.status, requestId: headerRequestId(res) });
  }

  /**
   * Dry run of an exchange request (POST /v1/policy/evaluate): would the sidecar sign it? A
   * refusal is `{ allowed: false, ruleId, reason }`. Nothing is signed, no order counter counts;
   * operations the venue does not have are only found out when signing.
   */
  async evaluateExchangePolicy(request: ExchangeRequest, opts: CallOptions = {}): Promise<PolicyEvaluation> {
    return this.#evaluate(this.#validateExchange(request), opts);
  }

  /**
   * Sends a signed exchange request to its venue exactly as signed (method, URL, headers, body)
   * and returns the venue's answer: `{ status, ok, body, venueError? }`, where venueError is the
   * venue's own refusal (insufficient balance, unknown symbol, ...) read from its error shape.
   * A venue refusal is an answer, not an exception. Before sending, the request is checked
   * again (schema, allowed origin, safe headers, not expired): a failure there is BAD_REQUEST
   * and nothing is sent. Transport failures reject with a VenueSendError whose
   * `mayHaveBeenSent` says whether the venue may have received it. Never retried, never
   * redirected; `traceparent` is not forwarded to the venue. One connection pool per venue
   * origin (only allowed origins ever get one, so their number is bounded).
   */
  async sendExchangeRequest(signed: SignedExchangeRequest, opts: CallOptions = {}): Promise<VenueResponse> {
    if (this.#closed) throw new ConfigError("the client is closed");
    const timeoutMs = this.#callTimeout(opts);
    const parsed = SignedExchangeRequest.safeParse(signed);
    if (!parsed.success) throw new BadRequestError("not a signed exchange request; nothing was sent", { issues: issuesOf(parsed.error.issues) });
    const request = parsed.data;
    // The secret check comes first: a refusal message may name the URL's origin.
    if (carriesSecret(request, this.#secret)) throw new BadRequestError("refused to send the signed request: it contains the client's HMAC secret; nothing was sent");
    const problem = sendabilityProblem(request, this.#options.venueOrigins);
    if (problem !== undefined) throw new BadRequestError(`refused to send the signed request: ${problem.message}; nothing was sent`);
    if (Date.now() > request.expiresAtMs) throw new BadRequestError("the signed request has expired (the venue would refuse it); sign it again. Nothing was sent");
    const origin = new URL(request.url).origin;
    const raw = await sendOnce(this.#venuePools, request, origin, timeoutMs, opts.signal);
    const body = venueBody(raw.text);
    const venueError = venueErrorOf(request.venue, raw.status, body);
    return { status: raw.status, ok: raw.status >= 200 && raw.status <= 299 && venueError === undefined, body, ...(venueError === undefined ? {} : { venueError }) };
  }

  /** Signs a place_order (and sends it with `send: true`). See signExchangeRequest and sendExchangeRequest. */
  placeOrder(args: PlaceOrderArgs, opts: ExchangeCallOptions & { send: true }): Promise<SentExchangeResult>;
  placeOrder(args: PlaceOrderArgs, opts?: ExchangeCallOptions): Promise<ExchangeResult>;
  placeOrder(args: PlaceOrderArgs, opts: ExchangeCallOptions = {}): Promise<ExchangeResult> {
    return this.#signAndSend(() => placeOrderRequest(args), opts);
  }

  /** Signs a cancel_order by orderId or clientOrderId (and sends it with `send: true`). */
  cancelOrder(args: CancelOrderArgs, opts: ExchangeCallOptions & { send: true }): Promise<SentExchangeResult>;
  cancelOrder(args: CancelOrderArgs, opts?: ExchangeCallOptions): Promise<ExchangeResult>;
  cancelOrder(args: CancelOrderArgs, opts: ExchangeCallOptions = {}): Promise<ExchangeResult> {
    return this.#signAndSend(() => cancelOrderRequest(args), opts);
  }

  /** Signs a cancel_all for one symbol (and sends it with `send: true`). */
  cancelAllOrders(args: CancelAllOrdersArgs, opts: ExchangeCallOptions & { send: true }): Promise<SentExchangeResult>;
  cancelAllOrders(args: CancelAllOrdersArgs, opts?: ExchangeCallOptions): Promise<ExchangeResult>;
  cancelAllOrders(args: CancelAllOrdersArgs, opts: ExchangeCallOptions = {}): Promise<ExchangeResult> {
    return this.#signAndSend(() => cancelAllOrdersRequest(args), opts);
  }

  /** Signs a read (account, balances, positions or open orders; and sends it with `send: true`). */
  getExchangeAccount(args: GetExchangeAccountArgs, opts: ExchangeCallOptions & { send: true }): Promise<SentExchangeResult>;
  getExchangeAccount(args: GetExchangeAccountArgs, opts?: ExchangeCallOptions): Promise<ExchangeResult>;
  getExchangeAccount(args: GetExchangeAccountArgs, opts: ExchangeCallOptions = {}): Promise<ExchangeResult> {
    return this.#signAndSend(() => getExchangeAccountRequest(args), opts);
  }

  /**
   * The keys this client may use, with their session public keys, and a summary of the policy
   * that applies to it (GET /v1/status). A reported key that contradicts a pin or a key already
   * verified for the same key id is INVALID_RESPONSE. Reported keys are not remembered: only a
   * verified signature teaches the client a key.
   */
  async status(opts: CallOptions = {}): Promise<SignerStatus> {
    const res = await this.#send({ method: "GET", path: ROUTE.status }, opts, true);
    if (res.status !== 200) throw this.#errorOf(res);
    const status = parseWith(SignerStatus, jsonBody(res), res);
    for (const { keyId, sessionPublicKey } of status.keys) {
      const pinned = this.#keys.pinned(keyId);
      const seen = this.#keys.seen(keyId);
      const reported = BigInt(sessionPublicKey);
      if (pinned !== undefined && pinned !== reported) {
        throw new InvalidResponseError("pinned_key_mismatch", `status reports another key for ${keyId} than the pinned one`, { status: res.status, requestId: status.requestId });
      }
      if (seen !== undefined && seen !== reported) {
        throw new InvalidResponseError("session_key_changed", `status reports another key for ${keyId} than the one seen before`, { status: res.status, requestId: status.requestId });
      }
    }
    return status;
  }

  /**
   * Attests the sidecar now (Nitro backend): a fresh nonce, the document verified against the
   * trust settings (chain to the pinned root, PCR allowlists, enclave claims, registry), and
   * returns what was verified. Later calls use this verification until it ages out. Rejects
   * with UntrustedSignerError, or ConfigError without the `nitro` option.
   */
  async verifySigner(opts: Pick<CallOptions, "signal"> = {}): Promise<VerifiedSigner> {
    if (this.#gate === undefined) throw new ConfigError("verifySigner needs the nitro option (the keyring backend has no attestation)", "nitro");
    if (this.#closed) throw new ConfigError("the client is closed");
    return this.#gate.refresh(opts.signal);
  }

  /** The current verification of the signer (Nitro backend), if one was made. */
  get attestedSigner(): VerifiedSigner | undefined {
    return this.#gate?.current;
  }

  /** Liveness (GET /health). */
  async health(opts: CallOptions = {}): Promise<{ ok: true }> {
    const res = await this.#send({ method: "GET", path: ROUTE.health }, opts, true);
    if (res.status !== 200) throw this.#errorOf(res);
    return parseWith(HealthResponse, jsonBody(res), res);
  }

  /** Readiness (GET /ready): a not-ready sidecar answers 503 with its checks, returned as is. */
  async ready(opts: CallOptions = {}): Promise<ReadyResponse> {
    // A 503 here is the answer, not a transient failure: no retry on it.
    const res = await this.#send({ method: "GET", path: ROUTE.ready }, opts, false);
    if (res.status === 200) return parseWith(ReadyResponse, jsonBody(res), res);
    if (res.status === 503) {
      const notReady = ReadyResponse.safeParse(tryJson(res.body));
      if (notReady.success) return notReady.data;
    }
    throw this.#errorOf(res);
  }

  /**
   * The session public key (0x hex) `keyId` signs with, as far as this client knows: the
   * configured pin, else the key of the first verified response. Undefined before either.
   */
  sessionPublicKey(keyId: string | undefined = this.#options.keyId): string | undefined {
    const key = this.#keys.known(keyId);
    return key === undefined ? undefined : feltHex(key);
  }

  /** Closes the connection pools (sidecar and venues); later calls reject with CONFIG. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([this.#pool.close(), this.#venuePools.close()]);
  }

  /** Redacted view for logs: the secret never appears. */
  toJSON(): Record<string, unknown> {
    return {
      baseUrl: this.#options.origin,
      clientId: this.#options.clientId,
      keyId: this.#options.keyId,
      hmacSecret: "[redacted]",
      timeoutMs: this.#options.timeoutMs,
      retry: this.#options.retry,
      venueOrigins: Object.fromEntries([...this.#options.venueOrigins].map(([venue, origins]) => [venue, [...origins]])),
      closed: this.#closed,
    };
  }

  [inspect.custom](): string {
    return `AirlockClient ${inspect(this.toJSON())}`;
  }

  #validateSession(request: SessionTransactionRequest): SessionTransactionRequest {
    requireObject(request);
    const withKey = request.keyId === undefined && this.#options.keyId !== undefined ? { ...request, keyId: this.#options.keyId } : request;
    return validated(SessionTransactionRequest, withKey, "session request");
  }

  #validateExchange(request: ExchangeRequest): ExchangeRequest {
    requireObject(request);
    return validated(ExchangeRequest, request, "exchange request");
  }

  /** POST /v1/policy/evaluate of a validated body; a 422 refusal is an answer. */
  async #evaluate(parsed: SessionTransactionRequest | ExchangeRequest, opts: CallOptions): Promise<PolicyEvaluation> {
    const res = await this.#send({ method: "POST", path: ROUTE.policyEvaluate, body: JSON.stringify(parsed) }, opts, true);
    if (res.status !== 200) {
      const error = this.#errorOf(res);
      if (error instanceof PolicyDeniedError) {
        return {
          requestId: error.requestId ?? "",
          allowed: false,
          reason: error.reason,
          ...(error.ruleId === undefined ? {} : { ruleId: error.ruleId }),
        };
      }
      throw error;
    }
    return parseWith(PolicyEvaluation, jsonBody(res), res);
  }

  /** Builds the request (a throw there is the caller's bad input), signs it, and sends it when asked. */
  async #signAndSend(build: () => ExchangeRequest, opts: ExchangeCallOptions): Promise<ExchangeResult> {
    const { send, ...callOptions } = opts;
    if (send !== undefined && typeof send !== "boolean") throw new BadRequestError("send must be a boolean");
    let request: ExchangeRequest;
    try {
      request = build();
    } catch {
      throw new BadRequestError("invalid exchange arguments: expected an object with account, venue and the operation's fields");
    }
    const signed = await this.signExchangeRequest(request, callOptions);
    if (send !== true) return { signed };
    return { signed, response: await this.sendExchangeRequest(signed, callOptions) };
  }

  /** Sends with retries: connect-phase failures always, 503 when `retry503`; fresh nonce each time. */
  async #send(req: OutgoingRequest, opts: CallOptions, retry503: boolean): Promise<RawResponse> {
    const { signal } = opts;
    const timeoutMs = this.#callTimeout(opts);
    if (opts.traceparent !== undefined) {
      if (typeof opts.traceparent !== "string" || !TRACEPARENT.test(opts.traceparent)) {
        throw new BadRequestError("traceparent must be a W3C traceparent (00-<32 hex>-<16 hex>-<2 hex>)");
      }
      req = { ...req, traceparent: opts.traceparent };
    }
    // Nitro backend: nothing HMAC-signed leaves before the signer is verified.
    if (this.#gate !== undefined) await this.#gate.ensure(signal);
    const { attempts, baseDelayMs, maxDelayMs } = this.#options.retry;
    for (let attempt = 1; ; attempt++) {
      if (signal?.aborted) throw signal.reason;
      if (this.#closed) throw new ConfigError("the client is closed");
      let res: RawResponse;
      try {
        res = await this.#attempt(req, timeoutMs, signal);
      } catch (err) {
        if (signal?.aborted) throw signal.reason;
        const failure = classifyTransportError(err, (err as { [DEADLINE]?: number } | null)?.[DEADLINE]);
        if (!failure.retryable || attempt >= attempts) throw failure.error;
        await sleep(backoffDelayMs(attempt - 1, baseDelayMs, maxDelayMs), signal);
        continue;
      }
      if (res.status === 503 && retry503 && attempt < attempts) {
        await sleep(backoffDelayMs(attempt - 1, baseDelayMs, maxDelayMs), signal);
        continue;
      }
      if (this.#gate !== undefined) {
        // Successes and policy refusals (the answers an agent acts on) of an authenticated route
        // must carry a valid receipt; other refusals (some come before authentication, where no
        // receipt can exist) are checked when they carry one.
        const required = (res.status === 200 || res.status === 422) && !UNAUTHENTICATED_PATHS.has(req.path);
        await this.#gate.checkReceipt({ ...res, requestId: headerRequestId(res) }, required);
      }
      return res;
    }
  }

  /** One attempt under its own deadline; a deadline expiry is marked on the thrown error. */
  async #attempt(req: OutgoingRequest, timeoutMs: number, signal: AbortSignal | undefined): Promise<RawResponse> {
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(new DeadlineExpired(timeoutMs)), timeoutMs);
    const combined = signal === undefined ? deadline.signal : AbortSignal.any([signal, deadline.signal]);
    try {
      return await exchange(this.#pool, req, { secret: this.#secret, clientId: this.#options.clientId }, combined, timeoutMs);
    } catch (err) {
      if (deadline.signal.aborted && !(signal?.aborted ?? false)) throw new DeadlineExpired(timeoutMs, err);
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  /** GET /v1/attestation?nonce=HEX: unauthenticated, bounded; any failure is attestation_unavailable. */
  async #fetchAttestation(nonceHex: string): Promise<Uint8Array> {
    if (this.#closed) throw new ConfigError("the client is closed");
    const timeoutMs = this.#options.timeoutMs;
    const deadline = AbortSignal.timeout(timeoutMs);
    let status: number;
    let text: string;
    try {
      const res = await this.#pool.request({
        method: "GET",
        path: `${ROUTE.attestation}?nonce=${nonceHex}`,
        headers: { accept: "application/json" },
        signal: deadline,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      status = res.statusCode;
      text = utf8(await readBoundedBytes(res.body, res.headers, () => new InvalidResponseError("body_too_large", "attestation answer too large", { status })), status);
    } catch (err) {
      throw new UntrustedSignerError("attestation_unavailable", "no attestation document could be fetched from the sidecar", undefined, { cause: err });
    }
    if (status !== 200) throw new UntrustedSignerError("attestation_unavailable", `the sidecar answered ${status} to the attestation request (is it the Nitro backend?)`, undefined, { status });
    const parsed = AttestationResponse.safeParse(tryJson(text));
    if (!parsed.success) throw new UntrustedSignerError("attestation_unavailable", "the attestation answer does not match the wire schema", undefined, { status });
    const document = Buffer.from(parsed.data.document, "base64");
    // Strict base64: one spelling per document, nothing ignored.
    if (document.toString("base64") !== parsed.data.document) throw new UntrustedSignerError("attestation_unavailable", "the attestation document is not canonical base64", undefined, { status });
    return new Uint8Array(document);
  }

  #callTimeout(opts: CallOptions): number {
    const t = opts.timeoutMs;
    if (t === undefined) return this.#options.timeoutMs;
    if (typeof t !== "number" || !Number.isInteger(t) || t < 1 || t > 600_000) {
      throw new ConfigError("timeoutMs must be an integer from 1 to 600000", "timeoutMs");
    }
    return t;
  }

  #errorOf(res: RawResponse) {
    return errorFromResponse(res, (text) => redact(text, this.#secret));
  }
}

function requireObject(request: unknown): void {
  if (typeof request !== "object" || request === null || Array.isArray(request)) {
    throw new BadRequestError("request must be an object", { issues: [{ path: "", message: "expected an object" }] });
  }
}

function issuesOf(zodIssues: readonly z.core.$ZodIssue[]): RequestIssue[] {
  return zodIssues.slice(0, MAX_ISSUES).map((issue) => ({ path: issue.path.map(String).join("."), message: issue.message }));
}

/** The parsed request, or a BadRequestError listing the issues (paths and zod's messages, never values). */
function validated<T extends z.ZodType>(schema: T, value: unknown, what: string): z.infer<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = issuesOf(result.error.issues);
  const first = issues[0];
  const summary = first === undefined ? "" : `: ${first.path === "" ? "" : `${first.path}: `}${first.message}`;
  throw new BadRequestError(`invalid ${what} (${issues.length} issue${issues.length === 1 ? "" : "s"})${summary}`, { issues });
}

/** A venue body: JSON when it parses as JSON, else the text itself. */
function venueBody(text: string): unknown {
  const trimmed = text.trim();
  if (trimmed === "") return "";
  try {
    return JSON.parse(trimmed) as unknown;
  } catch {
    return text;
  }
}

const DEADLINE = Symbol("airlock.deadline");

/** The attempt's own deadline fired (internal: classified as TIMEOUT, never retried). */
class DeadlineExpired extends Error {
  readonly [DEADLINE]: number;
  constructor(timeoutMs: number, cause?: unknown) {
    super(`attempt deadline of ${timeoutMs} ms expired`, cause === undefined ? undefined : { cause });
    this[DEADLINE] = timeoutMs;
  }
}

function redact(text: string, secret: string): string {
  return text.split(secret).join("[redacted]");
}

function headerRequestId(res: RawResponse): string | undefined {
  const value = res.headers["x-request-id"];
  return typeof value === "string" && value.length <= 128 ? value : undefined;
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The JSON of a 200 answer: application/json and parseable, else INVALID_RESPONSE. */
function jsonBody(res: RawResponse): unknown {
  const type = res.headers["content-type"];
  if (typeof type !== "string" || !/^application\/json\s*(;|$)/i.test(type)) {
    throw new InvalidResponseError("unexpected_content_type", "expected application/json", { status: res.status, requestId: headerRequestId(res) });
  }
  try {
    return JSON.parse(res.body);
  } catch {
    throw new InvalidResponseError("malformed_json", "body is not JSON", { status: res.status, requestId: headerRequestId(res) });
  }
}

function parseWith<T extends z.ZodType>(schema: T, value: unknown, res: RawResponse): z.infer<T> {
  const result = schema.safeParse(value);
  if (!result.success) throw new InvalidResponseError("schema", "response does not match the wire schema", { status: res.status, requestId: headerRequestId(res) });
  return result.data;
}

function sameFelt(hex: string, value: bigint): boolean {
  return /^0x[0-9a-fA-F]{1,64}$/.test(hex) && BigInt(hex) === value;
}
