// A minimal AWS KMS client for the two calls the sealed-key path needs: GenerateDataKey (the
// operator seals) and Decrypt with a Recipient attestation document (the enclave unseals).
// JSON 1.1 protocol over undici, SigV4-signed; https only, except plain http to a loopback
// address (tests, or a local TLS-terminating proxy you trust). Bounded answers, strictly parsed.
// Credentials come only from the options, live in private fields and never reach a message.
import { readBoundedBytes } from "@airlock/core";
import { Pool, buildConnector, type Dispatcher } from "undici";
import { checkKmsEndpoint, isLoopbackIp } from "./kms-endpoint.js";
import { KmsError, kmsErrorFor, sanitizeErrorType } from "./kms-errors.js";
import { assertCredentials, signRequest, type AwsCredentials } from "./sigv4.js";

/** Options of {@link KmsClient}. */
export interface KmsClientOptions {
  /**
   * KMS endpoint origin, e.g. "https://kms.us-east-1.amazonaws.com". It is what the request is
   * signed for (Host) and, with https, the name the TLS certificate must match.
   */
  readonly endpoint: string;
  /** AWS region of the key, e.g. "us-east-1" (the SigV4 scope). */
  readonly region: string;
  /** Explicit credentials (inside an enclave there is no instance metadata to ask). */
  readonly credentials: AwsCredentials;
  /**
   * Dial this loopback address instead of the endpoint's host: inside a Nitro Enclave the only
   * way out is a local forwarder to the parent's vsock-proxy. TLS still verifies the endpoint's
   * name, so the forwarder cannot read or alter the exchange.
   */
  readonly connectAddress?: { readonly host: string; readonly port: number };
  /** Whole-call timeout in milliseconds (default 10000, at most 120000). */
  readonly timeoutMs?: number;
  /** Largest answer body accepted (default 64 KiB). */
  readonly maxResponseBytes?: number;
  /** Clock used for the SigV4 date (default: the system clock). */
  readonly clock?: () => Date;
}

/** GenerateDataKey answer without a Recipient: the data key in clear and wrapped. */
export interface GenerateDataKeyResult {
  /** ARN of the KMS key that wrapped the data key. */
  readonly keyId: string;
  /** The data key wrapped by KMS (what gets stored). */
  readonly ciphertextBlob: Uint8Array;
  /** The 32-byte data key in clear; the caller zeroes it after use. */
  readonly plaintext: Buffer;
}

/** Decrypt answer with a Recipient: the plaintext, enveloped to the attested public key. */
export interface DecryptForRecipientResult {
  /** ARN of the KMS key that decrypted the blob. */
  readonly keyId: string;
  /** CMS EnvelopedData (RFC 5652) addressed to the attestation document's public key. */
  readonly ciphertextForRecipient: Uint8Array;
}

/** The only key-encryption algorithm KMS accepts for a Recipient. */
export const RECIPIENT_KEY_ENCRYPTION_ALGORITHM = "RSAES_OAEP_SHA_256";
/** KMS limits (API reference): CiphertextBlob ≤ 6144 bytes, KeyId ≤ 2048 characters. */
const MAX_BLOB = 6144;
const MAX_KEY_ID = 2048;
/** Attestation documents are far smaller; KMS accepts up to 262144 base64 characters. */
const MAX_ATTESTATION_DOCUMENT = 196_608;
const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_RESPONSE = 64 * 1024;
const JSON_11 = "application/x-amz-json-1.1";

const config = (msg: string): never => {
  throw new TypeError(`KMS client: ${msg}`);
};

/** Strict standard base64 (with padding) → bytes; undefined when not canonical. */
function fromBase64(s: unknown, max: number): Buffer | undefined {
  if (typeof s !== "string" || s.length === 0 || s.length > Math.ceil(max / 3) * 4) return undefined;
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.length % 4 !== 0) return undefined;
  const b = Buffer.from(s, "base64");
  return b.length > 0 && b.length <= max && b.toString("base64") === s ? b : undefined;
}

function checkKeyId(keyId: unknown): string {
  if (typeof keyId !== "string" || keyId.length < 1 || keyId.length > MAX_KEY_ID || !/^[\x21-\x7e]+$/.test(keyId)) return config("keyId must be 1..2048 printable characters");
  return keyId;
}

function checkContext(ctx: Readonly<Record<string, string>> | undefined): Record<string, string> | undefined {
  if (ctx === undefined) return undefined;
  if (ctx === null || typeof ctx !== "object" || Array.isArray(ctx)) return config("encryptionContext must be a string map");
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(ctx)) {
    if (k.length < 1 || k.length > 256 || typeof v !== "string" || v.length > 4096) config("encryptionContext entries must be short strings");
    out[k] = v;
  }
  return out;
}

/**
 * A KMS client bound to one endpoint, region and set of credentials. Call {@link close} when
 * done. Every failure is a {@link KmsError}.
 */
export class KmsClient {
  readonly #url: URL;
  readonly #region: string;
  readonly #credentials: AwsCredentials;
  readonly #timeoutMs: number;
  readonly #maxResponse: number;
  readonly #clock: () => Date;
  readonly #pool: Pool;

  constructor(options: KmsClientOptions) {
    if (options === null || typeof options !== "object") config("options must be an object");
    this.#url = checkKmsEndpoint(options.endpoint);
    if (typeof options.region !== "string" || !/^[a-z0-9-]{1,32}$/.test(options.region)) config("region must be an AWS region name");
    this.#region = options.region;
    const c = options.credentials;
    if (c === null || typeof c !== "object") config("credentials must be given explicitly");
    assertCredentials(c);
    // A private copy: later changes to the caller's object cannot redirect or leak anything.
    this.#credentials = c.sessionToken === undefined
      ? { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey }
      : { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, sessionToken: c.sessionToken };
    const t = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (!Number.isInteger(t) || t < 1 || t > 120_000) config("timeoutMs must be an integer from 1 to 120000");
    this.#timeoutMs = t;
    const m = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE;
    if (!Number.isInteger(m) || m < 1024 || m > 1024 * 1024) config("maxResponseBytes must be an integer from 1024 to 1048576");
    this.#maxResponse = m;
    this.#clock = options.clock ?? (() => new Date());

    const dial = options.connectAddress;
    let connect: Pool.Options["connect"] = { timeout: t };
    if (dial !== undefined) {
      if (typeof dial.host !== "string" || !isLoopbackIp(dial.host)) config("connectAddress.host must be a loopback address");
      if (!Number.isInteger(dial.port) || dial.port < 1 || dial.port > 65535) config("connectAddress.port must be a TCP port");
      const base = buildConnector({ timeout: t });
      const hostname = dial.host.replace(/^\[|\]$/g, "");
      // Keep `host` (the endpoint) so TLS uses it for SNI and certificate checks; dial the forwarder.
      connect = (opts, cb) => base({ ...opts, hostname, port: String(dial.port) }, cb);
    }
    this.#pool = new Pool(this.#url.origin, { connections: 1, connect, headersTimeout: t, bodyTimeout: t });
  }

  /** Closes the connection pool. */
  async close(): Promise<void> {
    await this.#pool.close().catch(() => undefined);
  }

  /** The client's state without its credentials (for logs and inspection). */
  toJSON(): { endpoint: string; region: string } {
    return { endpoint: this.#url.origin, region: this.#region };
  }

  /**
   * GenerateDataKey (KeySpec AES_256, no Recipient): the operator's side. Returns the data key
   * in clear (32 bytes) and wrapped.
   */
  async generateDataKey(req: { keyId: string; encryptionContext?: Readonly<Record<string, string>> }): Promise<GenerateDataKeyResult> {
    const body: Record<string, unknown> = { KeyId: checkKeyId(req.keyId), KeySpec: "AES_256" };
    const ctx = checkContext(req.encryptionContext);
    if (ctx !== undefined) body["EncryptionContext"] = ctx;
    const out = await this.#call("GenerateDataKey", body);
    const keyId = out["KeyId"];
    const blob = fromBase64(out["CiphertextBlob"], MAX_BLOB);
    const plaintext = fromBase64(out["Plaintext"], 64);
    if (typeof keyId !== "string" || keyId.length < 1 || keyId.length > MAX_KEY_ID || blob === undefined || plaintext === undefined || plaintext.length !== 32) {
      plaintext?.fill(0);
      throw new KmsError("RESPONSE_INVALID", "KMS GenerateDataKey answer lacks a valid KeyId, CiphertextBlob or 32-byte Plaintext");
    }
    if (out["CiphertextForRecipient"] !== undefined && out["CiphertextForRecipient"] !== null) {
      plaintext.fill(0);
      throw new KmsError("RESPONSE_INVALID", "KMS GenerateDataKey answered for a Recipient that was not asked for");
    }
    return { keyId, ciphertextBlob: new Uint8Array(blob), plaintext };
  }

  /**
   * Decrypt with a Recipient: KMS checks the attestation document against the key policy and
   * answers the plaintext enveloped to the document's public key. A clear `Plaintext` in the
   * answer is refused: with a Recipient, KMS never sends one.
   */
  async decryptForRecipient(req: {
    keyId: string;
    ciphertextBlob: Uint8Array;
    attestationDocument: Uint8Array;
    encryptionContext?: Readonly<Record<string, string>>;
  }): Promise<DecryptForRecipientResult> {
    const keyId = checkKeyId(req.keyId);
    if (!(req.ciphertextBlob instanceof Uint8Array) || req.ciphertextBlob.length < 1 || req.ciphertextBlob.length > MAX_BLOB) config("ciphertextBlob must be 1..6144 bytes");
    if (!(req.attestationDocument instanceof Uint8Array) || req.attestationDocument.length < 1 || req.attestationDocument.length > MAX_ATTESTATION_DOCUMENT)
      config("attestationDocument must be a non-empty document within KMS limits");
    const body: Record<string, unknown> = {
      CiphertextBlob: Buffer.from(req.ciphertextBlob).toString("base64"),
      KeyId: keyId,
      Recipient: {
        AttestationDocument: Buffer.from(req.attestationDocument).toString("base64"),
        KeyEncryptionAlgorithm: RECIPIENT_KEY_ENCRYPTION_ALGORITHM,
      },
    };
    const ctx = checkContext(req.encryptionContext);
    if (ctx !== undefined) body["EncryptionContext"] = ctx;
    const out = await this.#call("Decrypt", body);
    const plain = out["Plaintext"];
    if (plain !== undefined && plain !== null && plain !== "") throw new KmsError("RESPONSE_INVALID", "KMS Decrypt answered a clear Plaintext to a Recipient request");
    const outKeyId = out["KeyId"];
    const cms = fromBase64(out["CiphertextForRecipient"], 16 * 1024);
    if (typeof outKeyId !== "string" || outKeyId.length < 1 || outKeyId.length > MAX_KEY_ID || cms === undefined)
      throw new KmsError("RESPONSE_INVALID", "KMS Decrypt answer lacks a valid KeyId or CiphertextForRecipient");
    const alg = out["EncryptionAlgorithm"];
    if (alg !== undefined && alg !== "SYMMETRIC_DEFAULT") throw new KmsError("RESPONSE_INVALID", "KMS Decrypt answer has an unexpected EncryptionAlgorithm");
    return { keyId: outKeyId, ciphertextForRecipient: new Uint8Array(cms) };
  }

  /** One signed JSON 1.1 call; returns the answer object (its unknown members are ignored). */
  async #call(operation: "GenerateDataKey" | "Decrypt", payload: Record<string, unknown>): Promise<Record<string, unknown>> {
    const body = JSON.stringify(payload);
    const signed = signRequest(
      {
        method: "POST",
        path: "/",
        headers: { "content-type": JSON_11, host: this.#url.host, "x-amz-target": `TrentService.${operation}` },
        body,
      },
      { credentials: this.#credentials, region: this.#region, service: "kms", date: this.#clock() },
    );
    let status: number;
    let headers: Dispatcher.ResponseData["headers"];
    let raw: Buffer;
    try {
      const res = await this.#pool.request({
        method: "POST",
        path: "/",
        headers: signed.headers,
        body,
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
      status = res.statusCode;
      headers = res.headers;
      raw = await readBounded(res.body, headers, this.#maxResponse);
    } catch (err) {
      if (err instanceof KmsError) throw err;
      throw new KmsError("UNREACHABLE", `KMS ${operation} failed: no answer from the endpoint (${failureKind(err)})`);
    }

    let parsed: unknown;
    try {
      parsed = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(raw));
    } catch {
      parsed = undefined;
    }
    if (status !== 200) {
      const header = headers["x-amzn-errortype"];
      const fromBody = parsed !== null && typeof parsed === "object" ? (parsed as Record<string, unknown>)["__type"] : undefined;
      throw kmsErrorFor(status, sanitizeErrorType(typeof header === "string" ? header : fromBody), operation);
    }
    const type = headers["content-type"];
    if (typeof type !== "string" || type.split(";")[0]?.trim().toLowerCase() !== JSON_11)
      throw new KmsError("RESPONSE_INVALID", `KMS ${operation} answer is not ${JSON_11}`, undefined, status);
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed))
      throw new KmsError("RESPONSE_INVALID", `KMS ${operation} answer is not a JSON object`, undefined, status);
    return parsed as Record<string, unknown>;
  }
}

/** A short, content-free description of a transport failure. */
function failureKind(err: unknown): string {
  if (err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError")) return "timed out";
  const code = err instanceof Error ? (err as { code?: unknown }).code ?? (err.cause as { code?: unknown } | undefined)?.code : undefined;
  return typeof code === "string" && /^[A-Z0-9_]{1,40}$/.test(code) ? code : "connection failed";
}

/** Reads at most `max` bytes of a body, refusing early on a larger declared length. */
function readBounded(body: Dispatcher.ResponseData["body"], headers: Dispatcher.ResponseData["headers"], max: number): Promise<Buffer> {
  return readBoundedBytes(body, headers, () => new KmsError("RESPONSE_INVALID", `KMS answer exceeds ${max} bytes`), max);
}
