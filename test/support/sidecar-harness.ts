import { createHash, createHmac, randomBytes, randomUUID } from "node:crypto";
import { request as httpRequest, type IncomingHttpHeaders, type OutgoingHttpHeaders } from "node:http";
import { connect } from "node:net";
import { PassThrough } from "node:stream";
import { loadConfig, type LoadConfigOptions } from "../../packages/signer/src/config/env-config.js";
import { startSidecar } from "../../packages/signer/src/server/sidecar.js";

/**
 * Shared harness for HTTP-level tests of the signer sidecar: starts it in-process on a free
 * loopback port from an environment object (exactly what `serve` does with process.env), captures
 * its audit lines and operational log lines, and sends requests over real HTTP. Requests are
 * signed here with node:crypto directly, straight from the wire contract, so these tests do not
 * depend on @airlock/core's own signing helpers; every part of the signature can be broken on
 * purpose through AuthKnobs.
 */

/** The wire contract's paths (written out, not imported, so a rename in core shows here). */
export const PATHS = Object.freeze({
  sign: "/v1/sign/session-transaction",
  evaluate: "/v1/policy/evaluate",
  health: "/health",
  dfnsPreflight: "/health/dfns-preflight",
  ready: "/ready",
  metrics: "/metrics",
  attestation: "/v1/attestation",
  provision: "/v1/admin/provision",
  kmsUnseal: "/v1/admin/kms-unseal",
});

/** Paths answered without HMAC authentication and without an audit record. */
const PUBLIC_PATHS: ReadonlySet<string> = new Set([PATHS.health, PATHS.dfnsPreflight, PATHS.ready, PATHS.metrics, PATHS.attestation]);
/**
 * The admin routes: no HMAC either (the admin's signature over the upload is the authority),
 * but every attempt is a decision with its audit record, as on an authenticated route.
 */
const ADMIN_PATHS: ReadonlySet<string> = new Set([PATHS.provision, PATHS.kmsUnseal]);

/** SN_SEPOLIA and SN_MAIN as chain ids. */
export const SN_SEPOLIA = "0x534e5f5345504f4c4941";
export const SN_MAIN = "0x534e5f4d41494e";

/** An HMAC client as configured in KEYRING_AUTH_CLIENTS_JSON. */
export interface TestClient {
  readonly id: string;
  readonly secret: string;
  readonly allowedKeyIds?: readonly string[];
  readonly allowedAccountAddresses?: readonly string[];
}

/** An in-process signing key as configured in KEYRING_SIGNING_KEYS_JSON. */
export interface TestKey {
  readonly keyId: string;
  readonly privateKey: bigint;
  /** 0x-prefixed lowercase hex, as written into the environment. */
  readonly privateKeyHex: string;
}

/** A fresh client with a random 32-byte hex HMAC secret (hex, so it also has a decimal spelling). */
export function newClient(id: string, limits: Pick<TestClient, "allowedKeyIds" | "allowedAccountAddresses"> = {}): TestClient {
  return { id, secret: randomBytes(32).toString("hex"), ...limits };
}

/** A fresh Stark private key: 31 random bytes, below the curve order, never zero. */
export function newKey(keyId: string, privateKey?: bigint): TestKey {
  let k = privateKey ?? BigInt(`0x${randomBytes(31).toString("hex")}`);
  if (k === 0n) k = 1n;
  return { keyId, privateKey: k, privateKeyHex: `0x${k.toString(16)}` };
}

/**
 * The environment of a local-signing sidecar on 127.0.0.1:0 with memory stores. The first client
 * and the first key are the defaults. `extra` adds or overrides variables (undefined removes one).
 */
export function sidecarEnv(opts: {
  clients: readonly TestClient[];
  keys: readonly TestKey[];
  extra?: Readonly<Record<string, string | undefined>>;
}): Record<string, string> {
  const [firstClient] = opts.clients;
  const [firstKey] = opts.keys;
  const env: Record<string, string | undefined> = {
    NODE_ENV: "test",
    HOST: "127.0.0.1",
    PORT: "0",
    KEYRING_AUTH_CLIENTS_JSON: JSON.stringify(
      opts.clients.map((c) => ({
        clientId: c.id,
        hmacSecret: c.secret,
        ...(c.allowedKeyIds ? { allowedKeyIds: c.allowedKeyIds } : {}),
        ...(c.allowedAccountAddresses ? { allowedAccountAddresses: c.allowedAccountAddresses } : {}),
      })),
    ),
    KEYRING_DEFAULT_AUTH_CLIENT_ID: firstClient?.id,
    KEYRING_SIGNING_KEYS_JSON: opts.keys.length > 0 ? JSON.stringify(opts.keys.map((k) => ({ keyId: k.keyId, privateKey: k.privateKeyHex }))) : undefined,
    KEYRING_DEFAULT_KEY_ID: firstKey?.keyId,
    KEYRING_REPLAY_STORE: "memory",
    ...opts.extra,
  };
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
}

/** A clock the test sets by hand (startSidecar's `now`), so nothing sleeps. */
export class FrozenClock {
  constructor(public ms: number) {}
  readonly now = (): number => this.ms;
  advance(ms: number): void {
    this.ms += ms;
  }
}

/** One parsed audit line. */
export type AuditLine = Record<string, unknown> & { event: string; requestId: string; outcome: string };

/** What the harness sent and got back, for the audit bookkeeping. */
export interface SentRequest {
  readonly path: string;
  readonly method: string;
  readonly withOrigin: boolean;
  readonly status: number | undefined;
  readonly requestId: string | undefined;
}

/** A sidecar running in this process. */
export interface TestSidecar {
  readonly url: string;
  readonly port: number;
  readonly env: Readonly<Record<string, string>>;
  /** The sidecar's clock (the frozen one when given). */
  readonly now: () => number;
  /** Every secret the environment configures (HMAC secrets, private keys, DFNS credentials). */
  readonly secrets: readonly string[];
  /** This run's receipt key id and policy hash. */
  readonly receiptKeyId: string;
  readonly policyHash: string;
  /** Nitro backend with the NSM emulator: the root a client pins. */
  readonly emulatorRootFingerprintSha256: string | undefined;
  /** Requests sent through this harness. */
  readonly sent: SentRequest[];
  /** Set when a test talked to the sidecar other than through this harness (e.g. AirlockClient). */
  untrackedTraffic: boolean;
  /**
   * Raw-socket requests to audited paths whose answer carried no request id (Node's HTTP layer
   * answered, but the sidecar may have decided and audited them): that many unmatched decision
   * records are tolerated.
   */
  unmatchedAllowance: number;
  auditText(): string;
  auditLines(): AuditLine[];
  /** Operational log lines as JSON text ({level, event, ...fields}). */
  logLines(): string[];
  close(): Promise<void>;
}

const started: TestSidecar[] = [];

/** Every sidecar this test file started (closed ones included), for end-of-file invariants. */
export function startedSidecars(): readonly TestSidecar[] {
  return started;
}

function secretsOf(env: Readonly<Record<string, string>>): string[] {
  const out: string[] = [];
  const fromJson = (name: string, field: string) => {
    const raw = env[name];
    if (raw === undefined) return;
    const parsed = JSON.parse(raw) as unknown;
    for (const entry of Array.isArray(parsed) ? parsed : []) {
      const v = (entry as Record<string, unknown>)[field];
      if (typeof v === "string") out.push(v);
    }
  };
  fromJson("KEYRING_AUTH_CLIENTS_JSON", "hmacSecret");
  fromJson("KEYRING_SIGNING_KEYS_JSON", "privateKey");
  for (const field of ["apiSecret", "passphrase", "privateKey"]) fromJson("KEYRING_EXCHANGE_ACCOUNTS_JSON", field);
  for (const name of ["KEYRING_HMAC_SECRET", "SESSION_PRIVATE_KEY", "KEYRING_DFNS_AUTH_TOKEN", "KEYRING_DFNS_USER_ACTION_SIGNATURE"]) {
    const v = env[name];
    if (v !== undefined) out.push(v);
  }
  return out;
}

/**
 * Starts a sidecar from `env` (via loadConfig, as the CLI does) on the port it names (use "0"
 * for a free one). Audit records go to an in-memory stream (`auditStream` lets a test hold it,
 * e.g. to make it fail), operational log lines to an array.
 */
export async function startTestSidecar(
  env: Readonly<Record<string, string>>,
  opts: { now?: () => number; loadOptions?: LoadConfigOptions; auditStream?: PassThrough } = {},
): Promise<TestSidecar> {
  const config = loadConfig(env, opts.loadOptions);
  const auditStream = opts.auditStream ?? new PassThrough();
  let audit = "";
  auditStream.setEncoding("utf8");
  auditStream.on("data", (chunk: string) => (audit += chunk));
  const logs: string[] = [];
  const now = opts.now ?? Date.now;
  const sidecar = await startSidecar(config, {
    auditStream,
    log: (level, event, fields) => logs.push(JSON.stringify({ level, event, ...fields })),
    now,
  });
  const url = new URL(sidecar.url);
  let closed = false;
  const sc: TestSidecar = {
    url: sidecar.url,
    port: Number(url.port),
    env,
    now,
    secrets: secretsOf(env),
    receiptKeyId: sidecar.receiptKeyId,
    policyHash: sidecar.policyHash,
    emulatorRootFingerprintSha256: sidecar.emulatorRootFingerprintSha256,
    sent: [],
    untrackedTraffic: false,
    unmatchedAllowance: 0,
    auditText: () => audit,
    auditLines: () =>
      audit
        .split("\n")
        .filter((l) => l.length > 0)
        .map((l) => JSON.parse(l) as AuditLine),
    logLines: () => [...logs],
    close: async () => {
      if (closed) return;
      closed = true;
      await sidecar.close();
    },
  };
  started.push(sc);
  return sc;
}

/** An HTTP answer. `json` is undefined when the body is not JSON. */
export interface Reply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
  readonly json: unknown;
  /** Shorthand for the parsed body as a record (empty object when not a JSON object). */
  readonly body: Record<string, unknown>;
}

export interface RawRequest {
  method?: string;
  path: string;
  headers?: OutgoingHttpHeaders;
  body?: string | Buffer | undefined;
  /**
   * How the body travels: with a content-length (default) or chunked. Either way it is written
   * in 16 KiB pieces and writing stops as soon as the answer arrives (a server may answer an
   * oversized body early and close the connection).
   */
  transfer?: "content-length" | "chunked";
}

const WRITE_PIECE = 16 * 1024;

function toReply(status: number, headers: IncomingHttpHeaders, raw: Buffer): Reply {
  const text = raw.toString("utf8");
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const body = json !== null && typeof json === "object" && !Array.isArray(json) ? (json as Record<string, unknown>) : {};
  return { status, headers, text, json, body };
}

/** Sends one request on its own connection and reads the whole answer (bounded by 10 s). */
export function rawRequest(sc: TestSidecar, req: RawRequest): Promise<Reply> {
  const body = req.body === undefined ? undefined : Buffer.isBuffer(req.body) ? req.body : Buffer.from(req.body, "utf8");
  const headers: OutgoingHttpHeaders = { ...req.headers };
  const chunked = req.transfer === "chunked";
  if (body !== undefined && !chunked && headers["content-length"] === undefined) headers["content-length"] = String(body.length);
  const method = req.method ?? "POST";
  const record = (status: number | undefined, requestId: string | undefined) =>
    sc.sent.push({ path: req.path.split("?", 1)[0]!, method, withOrigin: headers["origin"] !== undefined, status, requestId });

  return new Promise<Reply>((resolve, reject) => {
    let answered = false;
    const timer = setTimeout(() => {
      r.destroy(new Error(`no answer to ${method} ${req.path} within 10 s`));
    }, 10_000);
    const r = httpRequest(
      { host: "127.0.0.1", port: sc.port, method, path: req.path, headers, agent: false, setHost: true },
      (res) => {
        answered = true;
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          clearTimeout(timer);
          const requestId = typeof res.headers["x-request-id"] === "string" ? res.headers["x-request-id"] : undefined;
          record(res.statusCode, requestId);
          resolve(toReply(res.statusCode ?? 0, res.headers, Buffer.concat(chunks)));
        });
        res.on("error", (err) => {
          clearTimeout(timer);
          reject(err);
        });
      },
    );
    r.on("error", (err) => {
      // Once the answer is in, a reset caused by the rest of our body is expected.
      if (answered) return;
      clearTimeout(timer);
      record(undefined, undefined);
      reject(err);
    });
    if (body === undefined || body.length === 0) {
      r.end();
      return;
    }
    let offset = 0;
    const pump = (): void => {
      while (offset < body.length && !answered && !r.destroyed) {
        const piece = body.subarray(offset, offset + WRITE_PIECE);
        offset += piece.length;
        if (!r.write(piece)) {
          r.once("drain", pump);
          return;
        }
      }
      if (offset >= body.length && !answered && !r.destroyed) r.end();
    };
    pump();
  });
}

/**
 * Sends raw bytes on a fresh TCP connection and returns everything the server sends back until
 * it closes (bounded by 5 s): for framing the HTTP client refuses to produce. The exchange is
 * entered in `sent` when the answer carries a request id.
 */
export function rawSocketExchange(sc: TestSidecar, bytes: Buffer | string): Promise<string> {
  const text = Buffer.isBuffer(bytes) ? bytes.toString("latin1") : bytes;
  const [method = "", target = ""] = text.split("\r\n", 1)[0]!.split(" ");
  const path = target.split("?", 1)[0]!;
  return new Promise((resolve) => {
    const sock = connect(sc.port, "127.0.0.1");
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => sock.destroy(), 5_000);
    sock.on("data", (c: Buffer) => chunks.push(c));
    sock.on("error", () => undefined);
    sock.on("close", () => {
      clearTimeout(timer);
      const answer = Buffer.concat(chunks).toString("latin1");
      const requestId = /\r\nx-request-id: ([^\r]+)\r\n/i.exec(answer)?.[1];
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(answer)?.[1] ?? 0);
      // Broken framing is refused before any decision, so it has no audit record.
      const framing = /"code":"(MALFORMED_REQUEST|HEADERS_TOO_LARGE)"/.test(answer);
      if (requestId !== undefined && !framing) sc.sent.push({ path, method, withOrigin: /\r\norigin:/i.test(text), status, requestId });
      else if (requestId === undefined && isAuditedPath(path)) sc.unmatchedAllowance += 1;
      resolve(answer);
    });
    sock.on("connect", () => sock.write(bytes));
  });
}

/** How to break the HMAC authentication on purpose. Defaults produce a valid request. */
export interface AuthKnobs {
  /** X-Keyring-Timestamp as sent (default: the sidecar clock in ms). */
  timestamp?: string;
  /** X-Keyring-Nonce as sent (default: a fresh UUID). */
  nonce?: string;
  /** X-Keyring-Client-Id as sent; null leaves the header out (the default client applies). */
  clientId?: string | null;
  /** Leave these headers out. */
  omit?: ReadonlyArray<"timestamp" | "nonce" | "signature">;
  /** Send this signature instead, or transform the valid one. */
  signature?: string | ((valid: string) => string);
  /** MAC over these values instead of what is sent (to desynchronise one field). */
  mac?: { timestamp?: string; nonce?: string; method?: string; path?: string; body?: Buffer | string; secret?: string };
}

/** Lowercase hex SHA-256. */
export function sha256(data: Buffer | string): string {
  return createHash("sha256").update(data).digest("hex");
}

/** The wire contract's MAC: HMAC-SHA256(secret, `${ts}.${nonce}.${METHOD}.${path incl. query}.${sha256hex(body)}`), hex. */
export function wireMac(secret: string, ts: string, nonce: string, method: string, path: string, body: Buffer | string): string {
  return createHmac("sha256", secret).update(`${ts}.${nonce}.${method.toUpperCase()}.${path}.${sha256(body)}`).digest("hex");
}

/** The authentication headers for one request. */
export function authHeaders(
  client: TestClient,
  req: { method: string; path: string; body: Buffer },
  nowMs: number,
  knobs: AuthKnobs = {},
): Record<string, string> {
  const ts = knobs.timestamp ?? String(nowMs);
  const nonce = knobs.nonce ?? randomUUID();
  const m = knobs.mac ?? {};
  const valid = wireMac(m.secret ?? client.secret, m.timestamp ?? ts, m.nonce ?? nonce, m.method ?? req.method, m.path ?? req.path, m.body ?? req.body);
  const signature = typeof knobs.signature === "function" ? knobs.signature(valid) : (knobs.signature ?? valid);
  const omit = new Set(knobs.omit ?? []);
  const h: Record<string, string> = {};
  if (!omit.has("timestamp")) h["x-keyring-timestamp"] = ts;
  if (!omit.has("nonce")) h["x-keyring-nonce"] = nonce;
  if (!omit.has("signature")) h["x-keyring-signature"] = signature;
  const clientId = knobs.clientId === undefined ? client.id : knobs.clientId;
  if (clientId !== null) h["x-keyring-client-id"] = clientId;
  return h;
}

export interface SignedRequest {
  client: TestClient;
  /** Default POST. */
  method?: string;
  /** Default the signing route. */
  path?: string;
  /** An object is JSON-encoded; a string or Buffer is sent as is; undefined sends no body. */
  body?: unknown;
  /** Default application/json; null sends no content-type. */
  contentType?: string | null;
  headers?: OutgoingHttpHeaders;
  auth?: AuthKnobs;
  transfer?: RawRequest["transfer"];
}

/** The bytes a body option stands for. */
export function bodyBytes(body: unknown): Buffer {
  if (body === undefined) return Buffer.alloc(0);
  if (Buffer.isBuffer(body)) return body;
  if (typeof body === "string") return Buffer.from(body, "utf8");
  return Buffer.from(JSON.stringify(body), "utf8");
}

/** Sends a request with HMAC headers computed over exactly the bytes sent. */
export function signedRequest(sc: TestSidecar, req: SignedRequest): Promise<Reply> {
  const method = req.method ?? "POST";
  const path = req.path ?? PATHS.sign;
  const body = bodyBytes(req.body);
  const headers: OutgoingHttpHeaders = {
    ...(req.contentType === null ? {} : { "content-type": req.contentType ?? "application/json" }),
    ...authHeaders(req.client, { method, path, body }, sc.now(), req.auth),
    ...req.headers,
  };
  return rawRequest(sc, { method, path, headers, body: req.body === undefined ? undefined : body, ...(req.transfer ? { transfer: req.transfer } : {}) });
}

/** Unauthenticated GET (or another method) on a path. */
export function plainRequest(sc: TestSidecar, path: string, opts: { method?: string; headers?: OutgoingHttpHeaders; body?: string | Buffer } = {}): Promise<Reply> {
  return rawRequest(sc, { method: opts.method ?? "GET", path, ...(opts.headers ? { headers: opts.headers } : {}), ...(opts.body !== undefined ? { body: opts.body } : {}) });
}

/** A valid session-signing request relative to `nowMs` (a transfer on an ERC-20). */
export function sessionRequest(nowMs: number, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    accountAddress: "0x4a1c0ffee",
    chainId: SN_SEPOLIA,
    nonce: "0x7",
    validUntil: Math.floor(nowMs / 1000) + 600,
    calls: [{ contractAddress: "0x49d3", entrypoint: "transfer", calldata: ["0x1234", "10", "0"] }],
    ...overrides,
  };
}

/**
 * Every spelling of a configured secret that must never appear in a log: as written
 * (lowercased), and for numbers (hex with or without 0x, or decimal) the minimal hex digits,
 * the 64-digit zero-padded hex and the decimal digits.
 */
export function secretSpellings(secret: string): string[] {
  const out = new Set<string>([secret.toLowerCase()]);
  let value: bigint | undefined;
  if (/^0x[0-9a-f]+$/i.test(secret)) value = BigInt(secret);
  else if (/^[0-9a-f]+$/i.test(secret)) value = BigInt(`0x${secret}`);
  if (value !== undefined) {
    out.add(value.toString(16));
    out.add(value.toString(16).padStart(64, "0"));
    out.add(value.toString(10));
  }
  if (/^[0-9]+$/.test(secret)) out.add(BigInt(secret).toString(16));
  return [...out];
}

/** The first secret spelling found in `text` (case-insensitive), or undefined. */
export function findSecret(text: string, secrets: readonly string[]): string | undefined {
  const lower = text.toLowerCase();
  for (const s of secrets) for (const spelling of secretSpellings(s)) if (lower.includes(spelling)) return spelling;
  return undefined;
}

/** Whether a request to `path` goes through HMAC authentication (unknown paths do too). */
export function isAuthenticatedPath(path: string): boolean {
  return !PUBLIC_PATHS.has(path) && !ADMIN_PATHS.has(path);
}

/** Whether every request to `path` is a decision with one audit record: authenticated and admin routes. */
export function isAuditedPath(path: string): boolean {
  return isAuthenticatedPath(path) || ADMIN_PATHS.has(path);
}

/**
 * The audit invariants of one sidecar, as a list of violations (empty when all hold):
 * every request sent through the harness to an authenticated (or unknown) path or an admin
 * route, or carrying an Origin header, has exactly one decision record with its request id;
 * public requests (health, readiness, metrics, attestation) have none; no decision record exists for a request the harness did not send (unless the test
 * declared untracked traffic); `security.*` records belong to audited requests.
 */
export function auditViolations(sc: TestSidecar): string[] {
  const problems: string[] = [];
  const lines = sc.auditLines();
  const decisions = new Map<string, number>();
  const security: AuditLine[] = [];
  for (const line of lines) {
    if (line.event.startsWith("security.")) security.push(line);
    else decisions.set(line.requestId, (decisions.get(line.requestId) ?? 0) + 1);
  }
  const audited = new Set<string>();
  for (const s of sc.sent) {
    if (s.requestId === undefined) {
      problems.push(`${s.method} ${s.path}: no answer, cannot match its audit record`);
      continue;
    }
    const expected = isAuditedPath(s.path) || s.withOrigin ? 1 : 0;
    const got = decisions.get(s.requestId) ?? 0;
    if (got !== expected) problems.push(`${s.method} ${s.path} (${s.status}): ${got} decision records, expected ${expected}`);
    if (expected === 1) audited.add(s.requestId);
  }
  if (!sc.untrackedTraffic) {
    const sentIds = new Set(sc.sent.map((s) => s.requestId));
    const strays = [...decisions.keys()].filter((id) => !sentIds.has(id));
    if (strays.length > sc.unmatchedAllowance) {
      const events = strays.map((id) => `${id} ${lines.find((l) => l.requestId === id)?.event ?? ""}`);
      problems.push(`${strays.length} decision records for requests not sent by the harness (allowed: ${sc.unmatchedAllowance}): ${events.join(", ")}`);
    }
    for (const line of security) {
      if (!audited.has(line.requestId)) problems.push(`${line.event} for an unaudited request ${line.requestId}`);
    }
  }
  return problems;
}
