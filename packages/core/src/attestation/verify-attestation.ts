// Verifier for AWS Nitro Enclaves attestation documents, following the AWS procedure:
// COSE_Sign1 structure, payload field checks, certificate chain to a pinned root, ES384 signature.
import { X509Certificate, createHash, timingSafeEqual, verify as cryptoVerify } from "node:crypto";
import { AttestationError } from "./attestation-error.js";
import { decodeStrictCbor, encodeSignature1, type CborMap, type CborValue } from "./strict-cbor.js";
import { readCertConstraints } from "./x509-extensions.js";

/** SHA-256 of the DER of the AWS Nitro Enclaves Root CA G1 (uppercase hex, no separators). */
export const AWS_NITRO_ROOT_G1_SHA256 = "641A0321A3E244EFE456463195D606317ED7CDCC3C1756E09893F3C68F79BB5B";

/** Options of {@link verifyAttestationDocument}. */
export interface VerifyAttestationOptions {
  /** Verification time: every certificate must be valid at this instant. */
  now: Date;
  /** When set, the document's nonce must equal it byte for byte. */
  expectedNonce?: Uint8Array;
  /** Trust anchor pin (hex, separators ignored); defaults to the AWS root. */
  rootFingerprintSha256?: string;
  /** When set, PCR0 (hex) must be one of these. Same as `allowedPcrs[0]`; when both are set, both must hold. */
  allowedPcr0?: readonly string[];
  /**
   * Per-PCR allowlists (hex of 32, 48 or 64 bytes; case, `:` and whitespace ignored). Every list
   * present must contain the document's value for that index exactly; an index whose list is
   * present but which the document lacks is refused. An empty list refuses every document.
   */
  allowedPcrs?: AllowedPcrs;
  /**
   * Freshness: the document timestamp must be at most this many milliseconds before `now` and
   * at most {@link MAX_FUTURE_SKEW_MS} after it, else `STALE`.
   */
  maxAgeMs?: number;
  /** Accept debug-mode enclaves (PCR0..2 all zero). Never in production. */
  allowDebugPcrs?: boolean;
}

/** The PCR indexes an allowlist can be given for: image, kernel, application, signing certificate. */
export interface AllowedPcrs {
  readonly 0?: readonly string[];
  readonly 1?: readonly string[];
  readonly 2?: readonly string[];
  readonly 8?: readonly string[];
}

/** How far a document timestamp may lie in the future of `now` when `maxAgeMs` is set (clock skew). */
export const MAX_FUTURE_SKEW_MS = 60_000;

/** The verified content of an attestation document. */
export interface VerifiedAttestation {
  moduleId: string;
  /** Milliseconds since the epoch, as stated by the NSM. */
  timestamp: number;
  digest: "SHA384";
  /** PCR index → lowercase hex. */
  pcrs: Map<number, string>;
  publicKey?: Uint8Array;
  userData?: Uint8Array;
  nonce?: Uint8Array;
  /** Verified path, leaf first, root last. */
  certificateChain: X509Certificate[];
}

const fail = (code: ConstructorParameters<typeof AttestationError>[0], msg: string): never => {
  throw new AttestationError(code, msg);
};

const field = (msg: string): never => fail("FIELD_INVALID", msg);

function bytesField(m: CborMap, key: string, min: number, max: number): Uint8Array {
  const v = m.get(key);
  if (!(v instanceof Uint8Array) || v.length < min || v.length > max) field(`${key} must be ${min}..${max} bytes`);
  return v as Uint8Array;
}

function optionalBytes(m: CborMap, key: string, max: number): Uint8Array | undefined {
  if (!m.has(key)) field(`${key} is missing`);
  const v = m.get(key);
  if (v === null) return undefined;
  if (!(v instanceof Uint8Array) || v.length > max) field(`${key} must be null or at most ${max} bytes`);
  return v as Uint8Array;
}

function parseCert(der: Uint8Array, what: string): X509Certificate {
  try {
    return new X509Certificate(der);
  } catch {
    return field(`${what} is not a DER certificate`);
  }
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
const normHex = (s: string): string => s.replace(/[:\s]/g, "").toLowerCase();

const PCR_LIST_INDEXES = ["0", "1", "2", "8"] as const;
const PCR_HEX = /^(?:[0-9a-f]{64}|[0-9a-f]{96}|[0-9a-f]{128})$/;

/** Options are configuration, not document content, but a bad one must still fail closed. */
const badOption = (msg: string): never => fail("FIELD_INVALID", `invalid option: ${msg}`);

function normalisePcrList(list: unknown, name: string): string[] {
  if (!Array.isArray(list)) return badOption(`${name} must be an array of hex strings`);
  return list.map((entry: unknown) => {
    if (typeof entry !== "string") return badOption(`${name} entries must be strings`);
    const h = normHex(entry);
    if (!PCR_HEX.test(h)) return badOption(`${name} entries must be hex of 32, 48 or 64 bytes`);
    return h;
  });
}

/** Validates the policy options up front and returns the normalised PCR allowlists by index. */
function checkOptions(opts: VerifyAttestationOptions): Map<number, string[][]> {
  const lists = new Map<number, string[][]>();
  const add = (i: number, l: string[]): void => {
    lists.set(i, [...(lists.get(i) ?? []), l]);
  };
  if (opts.allowedPcr0 !== undefined) add(0, normalisePcrList(opts.allowedPcr0, "allowedPcr0"));
  const per: unknown = opts.allowedPcrs;
  if (per !== undefined) {
    const plain = "allowedPcrs must be a plain object keyed by PCR index";
    if (per === null || typeof per !== "object") return badOption(plain);
    // A Map (or any class instance) would have no own entries and silently allow everything.
    const proto: unknown = Object.getPrototypeOf(per);
    if (proto !== Object.prototype && proto !== null) return badOption(plain);
    for (const [k, l] of Object.entries(per)) {
      if (!(PCR_LIST_INDEXES as readonly string[]).includes(k)) badOption("allowedPcrs keys must be 0, 1, 2 or 8");
      if (l !== undefined) add(Number(k), normalisePcrList(l, `allowedPcrs[${k}]`));
    }
  }
  const maxAge: unknown = opts.maxAgeMs;
  if (maxAge !== undefined && (typeof maxAge !== "number" || !Number.isSafeInteger(maxAge) || maxAge <= 0))
    badOption("maxAgeMs must be a positive integer number of milliseconds");
  return lists;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * RFC 5280 §4.2.1.3/§4.2.1.9 for the path position `i` (0 = leaf): CAs carry a critical
 * BasicConstraints cA=TRUE whose pathLen, when present, covers the i-1 CAs below them, and the
 * keyCertSign usage; the leaf is no CA and carries digitalSignature.
 */
function checkConstraints(cert: X509Certificate, i: number): void {
  const { basicConstraints: bc, keyUsage: ku } = readCertConstraints(cert.raw);
  if (i === 0) {
    if (bc?.ca === true || bc?.pathLen !== undefined) fail("CHAIN_INVALID", "leaf must not be a CA");
    if (ku === undefined || !ku.digitalSignature) fail("CHAIN_INVALID", "leaf lacks digitalSignature key usage");
    return;
  }
  if (bc === undefined || !bc.ca || !bc.critical) return fail("CHAIN_INVALID", "issuer lacks critical CA basic constraints");
  if (bc.pathLen !== undefined && bc.pathLen < i - 1) fail("CHAIN_INVALID", "path length constraint exceeded");
  if (ku === undefined || !ku.keyCertSign) fail("CHAIN_INVALID", "issuer lacks keyCertSign key usage");
}

const PAYLOAD_KEYS = new Set(["module_id", "digest", "timestamp", "pcrs", "certificate", "cabundle", "public_key", "user_data", "nonce"]);

/**
 * Verifies a Nitro attestation document (untagged COSE_Sign1) and returns its content.
 * Throws {@link AttestationError} with a stable `code` on any failure. Invalid options (a bad
 * `now`, a malformed PCR allowlist or `maxAgeMs`) are refused before the document is read with
 * `FIELD_INVALID` and a message starting "invalid option:", so a misconfigured caller fails
 * closed through the same error path as a bad document.
 */
export function verifyAttestationDocument(bytes: Uint8Array, opts: VerifyAttestationOptions): VerifiedAttestation {
  const nowMs = Object.prototype.toString.call(opts.now) === "[object Date]" ? opts.now.getTime() : Number.NaN;
  if (!Number.isFinite(nowMs)) badOption("now must be a valid Date");
  const pcrLists = checkOptions(opts);

  // 1. COSE_Sign1: [protected bstr, unprotected map, payload bstr, signature bstr].
  const envelope = decodeStrictCbor(bytes);
  if (!Array.isArray(envelope) || envelope.length !== 4) fail("MALFORMED", "not a COSE_Sign1 array");
  const [prot, unprot, payloadBytes, signature] = envelope as CborValue[];
  if (!(prot instanceof Uint8Array) || !(unprot instanceof Map) || !(payloadBytes instanceof Uint8Array) || !(signature instanceof Uint8Array))
    return fail("MALFORMED", "COSE_Sign1 member types");
  const header = decodeStrictCbor(prot);
  if (!(header instanceof Map) || header.size !== 1 || header.get(1) !== -35) fail("MALFORMED", "protected header must be {1: -35} (ES384)");
  if (unprot.size !== 0) fail("MALFORMED", "unprotected header must be empty");
  if (signature.length !== 96) fail("MALFORMED", "ES384 signature must be 96 bytes");

  // 2. Payload fields.
  const payload = decodeStrictCbor(payloadBytes);
  if (!(payload instanceof Map)) return fail("MALFORMED", "payload is not a map");
  for (const k of payload.keys()) if (typeof k !== "string" || !PAYLOAD_KEYS.has(k)) field("unexpected payload key");
  const moduleId = payload.get("module_id");
  if (typeof moduleId !== "string" || moduleId.length === 0 || moduleId.length > 256) return field("module_id must be non-empty text");
  if (payload.get("digest") !== "SHA384") field("digest must be SHA384");
  const ts = payload.get("timestamp");
  if (typeof ts !== "number" || !Number.isSafeInteger(ts) || ts <= 0) return field("timestamp must be a positive integer");

  const pcrMap = payload.get("pcrs");
  if (!(pcrMap instanceof Map) || pcrMap.size < 1 || pcrMap.size > 32) return field("pcrs must be a map of 1..32 entries");
  const pcrs = new Map<number, string>();
  let pcrLen: number | undefined;
  for (const [k, v] of pcrMap) {
    if (typeof k !== "number" || !Number.isInteger(k) || k < 0 || k >= 32) field("pcr index out of range");
    if (!(v instanceof Uint8Array) || ![32, 48, 64].includes(v.length)) return field("pcr must be 32, 48 or 64 bytes");
    if (pcrLen !== undefined && v.length !== pcrLen) field("pcr lengths differ");
    pcrLen = v.length;
    pcrs.set(k as number, hex(v));
  }
  for (const i of [0, 1, 2]) if (!pcrs.has(i)) field("pcrs 0..2 are required");

  const leafDer = bytesField(payload, "certificate", 1, 1024 * 16);
  const bundle = payload.get("cabundle");
  if (!Array.isArray(bundle) || bundle.length < 1 || bundle.length > 8) return field("cabundle must be a non-empty array");
  const bundleDer = bundle.map((c) => {
    if (!(c instanceof Uint8Array) || c.length < 1 || c.length > 1024 * 16) return field("cabundle entries must be DER bytes");
    return c;
  });
  const publicKey = optionalBytes(payload, "public_key", 1024);
  const userData = optionalBytes(payload, "user_data", 512);
  const nonce = optionalBytes(payload, "nonce", 512);

  // 3. Trust anchor: cabundle[0] accepted only when its DER hashes to the pin.
  const pin = Buffer.from(normHex(opts.rootFingerprintSha256 ?? AWS_NITRO_ROOT_G1_SHA256), "hex");
  if (pin.length !== 32) fail("UNTRUSTED_ROOT", "root pin must be a SHA-256 hex fingerprint");
  const rootDer = bundleDer[0] as Uint8Array;
  if (!sameBytes(createHash("sha256").update(rootDer).digest(), pin)) fail("UNTRUSTED_ROOT", "cabundle[0] does not match the pinned root");

  // 4. Chain leaf → cabundle reversed → root, each signed by the next, all valid at `now`.
  const leaf = parseCert(leafDer, "certificate");
  const path = [leaf, ...bundleDer.slice().reverse().map((d, i) => parseCert(d, `cabundle[${bundleDer.length - 1 - i}]`))];
  const root = path[path.length - 1] as X509Certificate;
  if (!root.checkIssued(root) || !root.verify(root.publicKey)) fail("CHAIN_INVALID", "root is not self-signed");
  for (let i = 0; i < path.length; i++) {
    const cert = path[i] as X509Certificate;
    const issuer = (path[i + 1] ?? cert) as X509Certificate;
    if (i === 0 ? cert.ca : !cert.ca) fail("CHAIN_INVALID", i === 0 ? "leaf must not be a CA" : "issuer is not a CA");
    if (!cert.checkIssued(issuer) || !cert.verify(issuer.publicKey)) fail("CHAIN_INVALID", "certificate not issued by the next in the chain");
    if (cert.publicKey.asymmetricKeyType !== "ec" || cert.publicKey.asymmetricKeyDetails?.namedCurve !== "secp384r1")
      fail("CHAIN_INVALID", "certificate key must be P-384");
    checkConstraints(cert, i);
    const from = Date.parse(cert.validFrom);
    const to = Date.parse(cert.validTo);
    if (!Number.isFinite(from) || !Number.isFinite(to)) fail("CHAIN_INVALID", "unreadable validity");
    if (nowMs < from || nowMs > to) fail("EXPIRED", "certificate not valid at the verification time");
  }

  // 5. COSE ES384 signature by the leaf key over Sig_structure.
  const tbs = encodeSignature1(prot, payloadBytes);
  let ok = false;
  try {
    ok = cryptoVerify("sha384", tbs, { key: leaf.publicKey, dsaEncoding: "ieee-p1363" }, signature);
  } catch {
    ok = false;
  }
  if (!ok) fail("BAD_SIGNATURE", "COSE signature does not verify");

  // 6. Caller policy: nonce, debug PCRs, PCR allowlists, freshness.
  if (opts.expectedNonce !== undefined && (nonce === undefined || !sameBytes(nonce, opts.expectedNonce)))
    fail("NONCE_MISMATCH", "nonce does not match the expected one");
  const isZero = (h: string | undefined): boolean => h !== undefined && /^0+$/.test(h);
  if (!opts.allowDebugPcrs && isZero(pcrs.get(0)) && isZero(pcrs.get(1)) && isZero(pcrs.get(2)))
    fail("DEBUG_PCRS", "debug-mode enclave (PCR0..2 all zero)");
  for (const [i, lists] of pcrLists) {
    const value = pcrs.get(i);
    if (value === undefined) fail("PCR_NOT_ALLOWED", `PCR${i} is required by the allowlist but absent`);
    for (const list of lists) if (!list.includes(value as string)) fail("PCR_NOT_ALLOWED", `PCR${i} is not in the allowlist`);
  }
  if (opts.maxAgeMs !== undefined && (nowMs - ts > opts.maxAgeMs || ts - nowMs > MAX_FUTURE_SKEW_MS))
    fail("STALE", "document timestamp is outside the accepted freshness window");

  const out: VerifiedAttestation = { moduleId, timestamp: ts, digest: "SHA384", pcrs, certificateChain: path };
  if (publicKey !== undefined) out.publicKey = publicKey;
  if (userData !== undefined) out.userData = userData;
  if (nonce !== undefined) out.nonce = nonce;
  return out;
}
