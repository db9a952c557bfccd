// AWS Signature Version 4 (header form), as the KMS JSON API needs it: canonical request,
// string to sign, derived signing key, Authorization header; with a session token when the
// credentials are temporary. Verified against the published aws-sig-v4-test-suite vectors
// (see packages/signer/test/kms/sigv4.test.ts).
import { createHash, createHmac } from "node:crypto";

/** AWS credentials, given explicitly by the caller (never read from the environment here). */
export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** STS session token, for temporary credentials. */
  readonly sessionToken?: string;
}

/** One request to sign. */
export interface SigV4Request {
  /** HTTP method, upper case. */
  readonly method: string;
  /** Absolute path of unreserved characters and "/" only (KMS: "/"). Sent and signed as is. */
  readonly path: string;
  /** Query parameters (unencoded); KMS uses none. */
  readonly query?: ReadonlyArray<readonly [string, string]>;
  /** Headers to send and sign; must include `host`. Names are case-insensitive and unique. */
  readonly headers: Readonly<Record<string, string>>;
  /** Exact body bytes (a string is UTF-8). */
  readonly body: Uint8Array | string;
}

/** Signing parameters. */
export interface SigV4Params {
  readonly credentials: AwsCredentials;
  readonly region: string;
  readonly service: string;
  /** Signing time; its UTC second becomes X-Amz-Date. */
  readonly date: Date;
}

/** A signed request: the headers to send and the intermediate values (for tests and checks). */
export interface SignedRequest {
  /** Every header to send, lower-case names, including x-amz-date, the token and authorization. */
  readonly headers: Readonly<Record<string, string>>;
  readonly canonicalRequest: string;
  readonly stringToSign: string;
  readonly signedHeaders: string;
  /** Hex HMAC-SHA256 signature. */
  readonly signature: string;
}

const ALGORITHM = "AWS4-HMAC-SHA256";
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}$/;
// Printable ASCII and tab only: no CR/LF (header injection) and nothing a proxy would rewrite.
const HEADER_VALUE = /^[\t\x20-\x7e]{0,16384}$/;
const PATH = /^\/[A-Za-z0-9\-._~/]{0,1024}$/;
const METHOD = /^[A-Z]{1,16}$/;
const SCOPE_PART = /^[a-z0-9-]{1,64}$/;
/** Headers the signer owns; a caller supplying them is a mistake. */
const RESERVED = new Set(["authorization", "x-amz-date", "x-amz-security-token"]);

/** Lower-case hex SHA-256. */
export const sha256Hex = (data: Uint8Array | string): string => createHash("sha256").update(data).digest("hex");

const hmac = (key: Uint8Array | string, data: string): Buffer => createHmac("sha256", key).update(data, "utf8").digest();

/** RFC 3986 encoding of everything outside the unreserved set, upper-case hex (SigV4 UriEncode). */
function uriEncode(s: string): string {
  let out = "";
  for (const byte of Buffer.from(s, "utf8")) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-._~]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

/** X-Amz-Date form of a time: YYYYMMDD'T'HHMMSS'Z' (UTC). */
export function amzDate(date: Date): string {
  const t = date.getTime();
  if (!Number.isFinite(t)) throw new RangeError("SigV4: invalid signing date");
  return new Date(Math.floor(t / 1000) * 1000).toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
}

/** kSigning = HMAC chain over date, region, service and "aws4_request". */
export function deriveSigningKey(secretAccessKey: string, day: string, region: string, service: string): Buffer {
  const kDate = hmac(`AWS4${secretAccessKey}`, day);
  const kRegion = hmac(kDate, region);
  const kService = hmac(kRegion, service);
  const key = hmac(kService, "aws4_request");
  kDate.fill(0);
  kRegion.fill(0);
  kService.fill(0);
  return key;
}

/** Validates credentials' shape; throws TypeError (the message never contains a credential). */
export function assertCredentials(c: AwsCredentials): void {
  if (c === null || typeof c !== "object") throw new TypeError("SigV4: credentials must be an object");
  if (typeof c.accessKeyId !== "string" || !/^\w{1,128}$/.test(c.accessKeyId)) throw new TypeError("SigV4: accessKeyId must be 1..128 word characters");
  if (typeof c.secretAccessKey !== "string" || !/^[\x21-\x7e]{1,256}$/.test(c.secretAccessKey)) throw new TypeError("SigV4: secretAccessKey must be 1..256 printable characters");
  if (c.sessionToken !== undefined && (typeof c.sessionToken !== "string" || !/^[\x21-\x7e]{1,16384}$/.test(c.sessionToken)))
    throw new TypeError("SigV4: sessionToken must be 1..16384 printable characters");
}

/**
 * Signs a request with SigV4 and returns the headers to send. Adds `x-amz-date` and, with a
 * session token, `x-amz-security-token` (signed, as KMS accepts); every header given is signed.
 * Header values are trimmed and inner runs of spaces collapsed for the canonical form, as the
 * specification requires; the values sent are the ones given. Throws TypeError on invalid input
 * (the message never contains a credential).
 */
export function signRequest(req: SigV4Request, params: SigV4Params): SignedRequest {
  assertCredentials(params.credentials);
  if (!SCOPE_PART.test(params.region) || !SCOPE_PART.test(params.service)) throw new TypeError("SigV4: region and service must be lower-case names");
  if (!METHOD.test(req.method)) throw new TypeError("SigV4: method must be upper-case letters");
  if (!PATH.test(req.path)) throw new TypeError("SigV4: path must be absolute and made of unreserved characters");

  const stamp = amzDate(params.date);
  const day = stamp.slice(0, 8);
  const headers = new Map<string, string>();
  for (const [name, value] of Object.entries(req.headers)) {
    const lower = name.toLowerCase();
    if (!HEADER_NAME.test(name)) throw new TypeError("SigV4: invalid header name");
    if (typeof value !== "string" || !HEADER_VALUE.test(value)) throw new TypeError(`SigV4: invalid value for header ${lower}`);
    if (RESERVED.has(lower)) throw new TypeError(`SigV4: header ${lower} is set by the signer`);
    if (headers.has(lower)) throw new TypeError(`SigV4: duplicate header ${lower}`);
    headers.set(lower, value);
  }
  if (!headers.has("host")) throw new TypeError("SigV4: the host header is required");
  headers.set("x-amz-date", stamp);
  if (params.credentials.sessionToken !== undefined) headers.set("x-amz-security-token", params.credentials.sessionToken);

  const names = [...headers.keys()].sort();
  const canonicalHeaders = names.map((n) => `${n}:${(headers.get(n) as string).trim().replace(/ {2,}/g, " ")}\n`).join("");
  const signedHeaders = names.join(";");
  const query = (req.query ?? [])
    .map(([k, v]) => [uriEncode(k), uriEncode(v)] as const)
    .sort(([ka, va], [kb, vb]) => (ka < kb ? -1 : ka > kb ? 1 : va < vb ? -1 : va > vb ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join("&");

  const canonicalRequest = [req.method, req.path, query, canonicalHeaders, signedHeaders, sha256Hex(req.body)].join("\n");
  const scope = `${day}/${params.region}/${params.service}/aws4_request`;
  const stringToSign = [ALGORITHM, stamp, scope, sha256Hex(canonicalRequest)].join("\n");
  const key = deriveSigningKey(params.credentials.secretAccessKey, day, params.region, params.service);
  const signature = createHmac("sha256", key).update(stringToSign, "utf8").digest("hex");
  key.fill(0);

  const authorization = `${ALGORITHM} Credential=${params.credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
  const out: Record<string, string> = {};
  for (const n of names) out[n] = headers.get(n) as string;
  out["authorization"] = authorization;
  return { headers: out, canonicalRequest, stringToSign, signedHeaders, signature };
}
