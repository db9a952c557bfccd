import { inspect } from "node:util";
import { Pool } from "undici";
import type { z } from "zod";
import { feltHex } from "../starknet/felt.js";
import { sessionRequestHashes } from "../starknet/session-request.js";
import { ROUTE } from "../wire/headers.js";
import { HealthResponse, PolicyEvaluation, ReadyResponse, SignerStatus } from "../wire/responses.js";
import { SessionTransactionRequest, type SessionTransactionResponse } from "../wire/session-schemas.js";
import { resolveClientOptions, type AirlockClientOptions, type ResolvedClientOptions } from "./client-options.js";
import { BadRequestError, ConfigError, InvalidResponseError, PolicyDeniedError, type RequestIssue } from "./errors.js";
import { exchange, type OutgoingRequest, type RawResponse } from "./http-exchange.js";
import { errorFromResponse } from "./response-errors.js";
import { backoffDelayMs, classifyTransportError, sleep } from "./retry-policy.js";
import { connectOptions } from "./tls-connect.js";
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
    const parsed = this.#validate(request);
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
    const parsed = this.#validate(request);
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
    const evaluation = parseWith(PolicyEvaluation, jsonBody(res), res);
    const expected = sessionRequestHashes(parsed);
    if (evaluation.domainHash !== undefined && !sameFelt(evaluation.domainHash, expected.domainHash)) {
      throw new InvalidResponseError("domain_hash_mismatch", "domainHash differs from the request's", { status: res.status, requestId: evaluation.requestId });
    }
    if (evaluation.messageHash !== undefined && !sameFelt(evaluation.messageHash, expected.messageHash)) {
      throw new InvalidResponseError("message_hash_mismatch", "messageHash differs from the request's", { status: res.status, requestId: evaluation.requestId });
    }
    return evaluation;
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

  /** Closes the connection pool; later calls reject with CONFIG. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#pool.close();
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
      closed: this.#closed,
    };
  }

  [inspect.custom](): string {
    return `AirlockClient ${inspect(this.toJSON())}`;
  }

  #validate(request: SessionTransactionRequest): SessionTransactionRequest {
    if (typeof request !== "object" || request === null || Array.isArray(request)) {
      throw new BadRequestError("request must be an object", { issues: [{ path: "", message: "expected an object" }] });
    }
    const withKey = request.keyId === undefined && this.#options.keyId !== undefined ? { ...request, keyId: this.#options.keyId } : request;
    const result = SessionTransactionRequest.safeParse(withKey);
    if (result.success) return result.data;
    const issues: RequestIssue[] = result.error.issues.slice(0, MAX_ISSUES).map((issue) => ({
      path: issue.path.map(String).join("."),
      message: issue.message,
    }));
    const first = issues[0];
    const summary = first === undefined ? "" : `: ${first.path === "" ? "" : `${first.path}: `}${first.message}`;
    throw new BadRequestError(`invalid session request (${issues.length} issue${issues.length === 1 ? "" : "s"})${summary}`, { issues });
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
