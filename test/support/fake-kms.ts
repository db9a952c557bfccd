// A faithful local stand-in for AWS KMS, for the Nitro restart path: an HTTP server on
// 127.0.0.1 speaking the KMS JSON 1.1 protocol for ONE symmetric key, with
// - SigV4 checked exactly: the signature is recomputed here, independently of the product's
//   signer, from the request as received (method, path, the signed headers' raw values, the
//   body) with the fake's own credentials; the X-Amz-Date must lie within ±5 minutes;
// - GenerateDataKey (operator: no Recipient needed) and Decrypt, with encryption context bound
//   into the fake's own CiphertextBlob format (AES-256-GCM under a per-instance master key);
// - a key policy { imageSha384 }: Decrypt requires a Recipient whose attestation document
//   verifies (real verifier, pinned to the emulator root it is given) and whose PCR0 equals
//   the policy's (case-insensitive, as StringEqualsIgnoreCase) — else AccessDeniedException;
// - CiphertextForRecipient built here as a CMS EnvelopedData (RSAES-OAEP-SHA256 to the
//   document's public_key, AES-256-CBC content), in KMS's own BER layout (indefinite lengths,
//   chunked content; as observed in a real KMS answer) or in DER; `Plaintext` absent.
// Errors are KMS-shaped: HTTP 400/500 with {"__type": ..., "message": ...}.
// Assumption (no public statement found): a Recipient document that does not verify is
// answered ValidationException; a verified document with the wrong PCR0, AccessDeniedException.
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  createPublicKey,
  publicEncrypt,
  randomBytes,
  randomUUID,
  timingSafeEqual,
  constants as cryptoConstants,
  type KeyObject,
} from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { verifyAttestationDocument } from "@airlock/core/attestation";

// ---------------------------------------------------------------------------------------------
// DER / BER encoding (independent of the product's reader)

function derLength(n: number): Buffer {
  if (n < 0x80) return Buffer.of(n);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** A definite-length TLV. */
export const tlv = (tag: number, ...content: Uint8Array[]): Buffer => {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.of(tag), derLength(body.length), body]);
};
/** A constructed element with the BER indefinite length form, closed by end-of-contents. */
export const indefinite = (tag: number, ...children: Uint8Array[]): Buffer => Buffer.concat([Buffer.of(tag, 0x80), ...children, Buffer.of(0, 0)]);

/** OBJECT IDENTIFIER from dotted form. */
export function oid(dotted: string): Buffer {
  const arcs = dotted.split(".").map(Number);
  const out: number[] = [40 * (arcs[0] as number) + (arcs[1] as number)];
  for (const arc of arcs.slice(2)) {
    const groups: number[] = [];
    let v = arc;
    do {
      groups.unshift(v & 0x7f);
      v = Math.floor(v / 128);
    } while (v > 0);
    out.push(...groups.map((g, i) => (i < groups.length - 1 ? g | 0x80 : g)));
  }
  return tlv(0x06, Buffer.from(out));
}

const int = (n: number): Buffer => tlv(0x02, Buffer.of(n));
const NULL = Buffer.of(0x05, 0x00);
const octets = (b: Uint8Array): Buffer => tlv(0x04, b);

export const OIDS = {
  envelopedData: "1.2.840.113549.1.7.3",
  data: "1.2.840.113549.1.7.1",
  rsaesOaep: "1.2.840.113549.1.1.7",
  mgf1: "1.2.840.113549.1.1.8",
  sha256: "2.16.840.1.101.3.4.2.1",
  sha1: "1.3.14.3.2.26",
  aes256Cbc: "2.16.840.1.101.3.4.1.42",
  aes128Cbc: "2.16.840.1.101.3.4.1.2",
} as const;

/** Knobs of {@link buildCiphertextForRecipient}; every default is what KMS sends. */
export interface CmsBuildOptions {
  /** "kms-ber" (default): KMS's layout with indefinite lengths and chunked content. */
  encoding?: "kms-ber" | "der";
  oids?: Partial<Record<"contentType" | "dataType" | "keyEncryption" | "oaepHash" | "mgf" | "mgfHash" | "contentEncryption", string>>;
  envelopedVersion?: number;
  recipientVersion?: number;
  /** subjectKeyIdentifier; default SHA-256 of the recipient SPKI (as KMS does). */
  rid?: Uint8Array;
  /** Content-encryption key; default 32 random bytes. */
  cek?: Uint8Array;
  iv?: Uint8Array;
  /** Replaces PKCS#7 padding of the content (for bad-padding variants). */
  pad?: (content: Uint8Array) => Uint8Array;
  /** Wrap the content key to this public key instead of the recipient's. */
  wrapTo?: KeyObject;
  /** Chunk size of the constructed encryptedContent in kms-ber (default: one chunk). */
  chunkSize?: number;
}

function pkcs7(content: Uint8Array): Buffer {
  const n = 16 - (content.length % 16);
  return Buffer.concat([content, Buffer.alloc(n, n)]);
}

/**
 * Builds a CiphertextForRecipient: CMS ContentInfo(EnvelopedData) carrying `content` to the
 * RSA key whose SPKI DER is `recipientSpki`.
 */
export function buildCiphertextForRecipient(content: Uint8Array, recipientSpki: Uint8Array, opts: CmsBuildOptions = {}): Buffer {
  const o = {
    contentType: OIDS.envelopedData,
    dataType: OIDS.data,
    keyEncryption: OIDS.rsaesOaep,
    oaepHash: OIDS.sha256,
    mgf: OIDS.mgf1,
    mgfHash: OIDS.sha256,
    contentEncryption: OIDS.aes256Cbc,
    ...opts.oids,
  } as Record<"contentType" | "dataType" | "keyEncryption" | "oaepHash" | "mgf" | "mgfHash" | "contentEncryption", string>;
  const cek = Buffer.from(opts.cek ?? randomBytes(32));
  const iv = Buffer.from(opts.iv ?? randomBytes(16));
  const padded = (opts.pad ?? pkcs7)(content);
  const cipher = createCipheriv(cek.length === 16 ? "aes-128-cbc" : "aes-256-cbc", cek, iv);
  cipher.setAutoPadding(false);
  const ct = Buffer.concat([cipher.update(padded), cipher.final()]);
  const wrapKey = opts.wrapTo ?? createPublicKey({ key: Buffer.from(recipientSpki), format: "der", type: "spki" });
  const encryptedKey = publicEncrypt({ key: wrapKey, padding: cryptoConstants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha256" }, cek);
  const rid = opts.rid ?? createHash("sha256").update(recipientSpki).digest();

  const oaepParams = tlv(0x30, tlv(0xa0, tlv(0x30, oid(o.oaepHash), NULL)), tlv(0xa1, tlv(0x30, oid(o.mgf), tlv(0x30, oid(o.mgfHash), NULL))));
  const ktri = tlv(0x30, int(opts.recipientVersion ?? 2), tlv(0x80, rid), tlv(0x30, oid(o.keyEncryption), oaepParams), octets(encryptedKey));
  const recipientInfos = tlv(0x31, ktri);
  const contentAlg = tlv(0x30, oid(o.contentEncryption), octets(iv));
  const version = int(opts.envelopedVersion ?? 2);

  if (opts.encoding === "der") {
    const eci = tlv(0x30, oid(o.dataType), contentAlg, tlv(0x80, ct));
    return tlv(0x30, oid(o.contentType), tlv(0xa0, tlv(0x30, version, recipientInfos, eci)));
  }
  const size = opts.chunkSize ?? Math.max(ct.length, 1);
  const chunks: Buffer[] = [];
  for (let i = 0; i < ct.length; i += size) chunks.push(octets(ct.subarray(i, i + size)));
  const eci = indefinite(0x30, oid(o.dataType), contentAlg, indefinite(0xa0, ...chunks));
  return indefinite(0x30, oid(o.contentType), indefinite(0xa0, indefinite(0x30, version, recipientInfos, eci)));
}


// ---------------------------------------------------------------------------------------------
// The server

export interface FakeKmsOptions {
  accessKeyId: string;
  secretAccessKey: string;
  /** When set, requests must carry exactly this X-Amz-Security-Token, signed. */
  sessionToken?: string;
  region?: string;
  /** Key policy: the PCR0 (hex) a Recipient document must carry for Decrypt. */
  policy: { imageSha384: string };
  /**
   * SHA-256 fingerprint of the emulator root the attestation verifier pins. Several may be
   * given: each NSM emulator has its own root, while real enclaves of different images all
   * chain to the one AWS root; a list lets tests attest two images to the same fake.
   */
  rootFingerprintSha256: string | readonly string[];
  /** CMS layout of CiphertextForRecipient (default "kms-ber"). */
  cmsEncoding?: "kms-ber" | "der";
  /** Accepted distance between X-Amz-Date and the fake's clock (default 5 minutes). */
  dateWindowMs?: number;
  /** Rewrites a successful answer before it is sent (hostile-KMS tests). */
  tamper?: (operation: string, answer: Record<string, unknown>) => Record<string, unknown>;
}

export interface FakeKmsCall {
  operation: string;
  /** "ok" or the KMS error type answered. */
  outcome: string;
  /** Raw request headers as received (lower-case names). */
  headers: Record<string, string>;
  body: string;
}

export interface FakeKms {
  readonly url: string;
  readonly port: number;
  /** The key's id and ARN (KeyId in answers is the ARN, as KMS does). */
  readonly keyUuid: string;
  readonly keyArn: string;
  readonly aliasName: string;
  readonly calls: FakeKmsCall[];
  /** Changes the key policy (e.g. to roll PCR0). */
  setPolicy(policy: { imageSha384: string }): void;
  /**
   * Trusts one more emulator root (SHA-256 fingerprint): an emulator made after the fake (a
   * sidecar configured with the fake's URL and key ARN) stands for another enclave on AWS's root.
   */
  trustRoot(fingerprintSha256: string): void;
  close(): Promise<void>;
}

const JSON_11 = "application/x-amz-json-1.1";
const MAX_BODY = 512 * 1024;
const BLOB_MAGIC = Buffer.from("FKMS\x01", "latin1");

class KmsFault extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

const fault = (type: string, message: string, status = 400): never => {
  throw new KmsFault(type, message, status);
};

function strictB64(v: unknown, field: string, max: number): Buffer {
  if (typeof v !== "string" || v.length === 0 || v.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(v)) return fault("ValidationException", `${field} must be base64`);
  const b = Buffer.from(v, "base64");
  if (b.toString("base64") !== v || b.length > max) fault("ValidationException", `${field} is invalid`);
  return b;
}

/** Canonical encryption context: sorted keys, for the AAD. */
function contextBytes(ctx: unknown): Buffer {
  if (ctx === undefined) return Buffer.from("{}");
  if (ctx === null || typeof ctx !== "object" || Array.isArray(ctx)) return fault("ValidationException", "EncryptionContext must be a map");
  const entries = Object.entries(ctx as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1));
  for (const [, v] of entries) if (typeof v !== "string") fault("ValidationException", "EncryptionContext values must be strings");
  return Buffer.from(JSON.stringify(entries));
}

function checkFields(body: Record<string, unknown>, allowed: readonly string[]): void {
  for (const k of Object.keys(body)) if (!allowed.includes(k)) fault("ValidationException", `unexpected member ${k}`);
}

// --- SigV4, independently ---------------------------------------------------------------------

const hmac = (key: Uint8Array | string, data: string): Buffer => createHmac("sha256", key).update(data).digest();

function parseAmzDate(s: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s);
  if (m === null) return Number.NaN;
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
}

/** Values of one header as received, joined as SigV4 canonicalises them. */
function rawHeaderValue(req: IncomingMessage, name: string): string | undefined {
  const values: string[] = [];
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2)
    if ((req.rawHeaders[i] as string).toLowerCase() === name) values.push((req.rawHeaders[i + 1] as string).trim().replace(/ {2,}/g, " "));
  return values.length === 0 ? undefined : values.join(",");
}

function verifySigV4(req: IncomingMessage, body: Buffer, o: Required<Pick<FakeKmsOptions, "accessKeyId" | "secretAccessKey" | "region" | "dateWindowMs">> & { sessionToken?: string }): void {
  const auth = req.headers["authorization"];
  if (auth === undefined) fault("MissingAuthenticationTokenException", "Missing Authentication Token");
  const m = /^AWS4-HMAC-SHA256 Credential=([^/\s]+)\/(\d{8})\/([^/\s]+)\/([^/\s]+)\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/.exec(auth as string);
  if (m === null) return fault("IncompleteSignatureException", "Authorization header is malformed");
  const [, keyId, day, region, service, signedHeaders, signature] = m as unknown as string[];
  if (keyId !== o.accessKeyId) fault("UnrecognizedClientException", "The security token included in the request is invalid.");
  const token = rawHeaderValue(req, "x-amz-security-token");
  if (o.sessionToken !== undefined || token !== undefined) {
    const ok = o.sessionToken !== undefined && token !== undefined && token.length === o.sessionToken.length && timingSafeEqual(Buffer.from(token), Buffer.from(o.sessionToken));
    if (!ok) fault("UnrecognizedClientException", "The security token included in the request is invalid.");
  }
  const stamp = rawHeaderValue(req, "x-amz-date");
  const when = stamp === undefined ? Number.NaN : parseAmzDate(stamp);
  if (!Number.isFinite(when)) return fault("IncompleteSignatureException", "X-Amz-Date is missing or malformed");
  if (Math.abs(Date.now() - when) > o.dateWindowMs) fault("InvalidSignatureException", "Signature expired or not yet current");
  if (day !== (stamp as string).slice(0, 8) || region !== o.region || service !== "kms") fault("InvalidSignatureException", "Credential should be scoped to a valid region, service and date");
  const names = (signedHeaders as string).split(";");
  const sorted = [...names].sort();
  if (names.join(";") !== sorted.join(";") || new Set(names).size !== names.length) fault("IncompleteSignatureException", "SignedHeaders must be sorted and unique");
  for (const required of ["host", "x-amz-date", ...(token !== undefined ? ["x-amz-security-token"] : [])])
    if (!names.includes(required)) fault("IncompleteSignatureException", `${required} must be signed`);

  const canonicalHeaders = names
    .map((n) => {
      const v = rawHeaderValue(req, n);
      if (v === undefined) return fault("IncompleteSignatureException", `signed header ${n} is missing`);
      return `${n}:${v}\n`;
    })
    .join("");
  const url = req.url ?? "";
  const q = url.indexOf("?");
  const path = q < 0 ? url : url.slice(0, q);
  const query = q < 0 ? "" : url.slice(q + 1);
  if (query !== "") fault("InvalidSignatureException", "KMS takes no query string");
  const canonical = [req.method, path, query, canonicalHeaders, signedHeaders, createHash("sha256").update(body).digest("hex")].join("\n");
  const scope = `${day}/${region}/${service}/aws4_request`;
  const toSign = ["AWS4-HMAC-SHA256", stamp, scope, createHash("sha256").update(canonical).digest("hex")].join("\n");
  const kSigning = hmac(hmac(hmac(hmac(`AWS4${o.secretAccessKey}`, day as string), region as string), service as string), "aws4_request");
  const expected = createHmac("sha256", kSigning).update(toSign).digest();
  if (!timingSafeEqual(expected, Buffer.from(signature as string, "hex")))
    fault("InvalidSignatureException", "The request signature we calculated does not match the signature you provided.");
}

// --- the key ----------------------------------------------------------------------------------

/** Starts the fake on 127.0.0.1 (random port). */
export async function startFakeKms(options: FakeKmsOptions): Promise<FakeKms> {
  const region = options.region ?? "us-east-1";
  const keyUuid = randomUUID();
  const keyArn = `arn:aws:kms:${region}:111122223333:key/${keyUuid}`;
  const aliasName = "alias/airlock-enclave-seal";
  const aliasArn = `arn:aws:kms:${region}:111122223333:${aliasName}`;
  const masterKey = randomBytes(32);
  const keyMaterialId = randomBytes(32).toString("hex");
  let policy = { imageSha384: options.policy.imageSha384.toLowerCase() };
  const roots: string[] = typeof options.rootFingerprintSha256 === "string" ? [options.rootFingerprintSha256] : [...options.rootFingerprintSha256];
  const calls: FakeKmsCall[] = [];
  const sig = {
    accessKeyId: options.accessKeyId,
    secretAccessKey: options.secretAccessKey,
    region,
    dateWindowMs: options.dateWindowMs ?? 5 * 60_000,
    ...(options.sessionToken !== undefined ? { sessionToken: options.sessionToken } : {}),
  };

  const resolveKey = (keyId: unknown, required: boolean): void => {
    if (keyId === undefined && !required) return;
    if (typeof keyId !== "string" || keyId.length < 1 || keyId.length > 2048) return fault("ValidationException", "KeyId is invalid");
    if (![keyUuid, keyArn, aliasName, aliasArn].includes(keyId)) fault("NotFoundException", `Key '${keyId}' does not exist`);
  };

  const wrap = (plaintext: Buffer, ctx: Buffer): Buffer => {
    const iv = randomBytes(12);
    const c = createCipheriv("aes-256-gcm", masterKey, iv);
    c.setAAD(Buffer.concat([Buffer.from(keyArn), Buffer.of(0), ctx]));
    const ct = Buffer.concat([c.update(plaintext), c.final()]);
    return Buffer.concat([BLOB_MAGIC, Buffer.from(keyUuid.replace(/-/g, ""), "hex"), iv, c.getAuthTag(), ct]);
  };

  const unwrap = (blob: Buffer, ctx: Buffer): Buffer => {
    if (blob.length < BLOB_MAGIC.length + 16 + 12 + 16 + 1 || !blob.subarray(0, BLOB_MAGIC.length).equals(BLOB_MAGIC)) return fault("InvalidCiphertextException", "");
    let o = BLOB_MAGIC.length;
    const uuid = blob.subarray(o, (o += 16));
    if (!uuid.equals(Buffer.from(keyUuid.replace(/-/g, ""), "hex"))) fault("IncorrectKeyException", "The key ID in the request does not identify a CMK that can perform this operation.");
    const iv = blob.subarray(o, (o += 12));
    const tag = blob.subarray(o, (o += 16));
    try {
      const d = createDecipheriv("aes-256-gcm", masterKey, iv);
      d.setAAD(Buffer.concat([Buffer.from(keyArn), Buffer.of(0), ctx]));
      d.setAuthTag(tag);
      return Buffer.concat([d.update(blob.subarray(o)), d.final()]);
    } catch {
      return fault("InvalidCiphertextException", "");
    }
  };

  /** Validates a Recipient; returns the RSA SPKI to envelope to. Enforces the key policy. */
  const attestedRecipient = (recipient: unknown, enforcePolicy: boolean): Buffer => {
    if (recipient === null || typeof recipient !== "object" || Array.isArray(recipient)) return fault("ValidationException", "Recipient must be an object");
    const r = recipient as Record<string, unknown>;
    checkFields(r, ["AttestationDocument", "KeyEncryptionAlgorithm"]);
    if (r["KeyEncryptionAlgorithm"] !== "RSAES_OAEP_SHA_256") fault("ValidationException", "KeyEncryptionAlgorithm must be RSAES_OAEP_SHA_256");
    const doc = strictB64(r["AttestationDocument"], "AttestationDocument", 196_608);
    let verified: ReturnType<typeof verifyAttestationDocument> | undefined;
    for (const pin of roots) {
      try {
        verified = verifyAttestationDocument(doc, { now: new Date(), rootFingerprintSha256: pin, allowDebugPcrs: true, maxAgeMs: 5 * 60_000 });
        break;
      } catch {
        verified = undefined;
      }
    }
    if (verified === undefined) return fault("ValidationException", "The attestation document is invalid.");
    const spki = verified.publicKey;
    if (spki === undefined) return fault("ValidationException", "The attestation document has no public key.");
    let key: KeyObject;
    try {
      key = createPublicKey({ key: Buffer.from(spki), format: "der", type: "spki" });
    } catch {
      return fault("ValidationException", "The attestation document's public key is not a DER SubjectPublicKeyInfo.");
    }
    if (key.asymmetricKeyType !== "rsa" || key.asymmetricKeyDetails?.modulusLength !== 2048) fault("ValidationException", "The public key must be RSA 2048.");
    const pcr0 = verified.pcrs.get(0);
    if (enforcePolicy && pcr0 !== policy.imageSha384)
      fault("AccessDeniedException", `User is not authorized to perform: kms:Decrypt on resource: ${keyArn} because no resource-based policy allows the kms:Decrypt action`);
    return Buffer.from(spki);
  };

  const cms = (plaintext: Buffer, spki: Buffer): string => buildCiphertextForRecipient(plaintext, spki, { encoding: options.cmsEncoding ?? "kms-ber" }).toString("base64");

  const operations: Record<string, (body: Record<string, unknown>) => Record<string, unknown>> = {
    GenerateDataKey(body) {
      checkFields(body, ["KeyId", "KeySpec", "NumberOfBytes", "EncryptionContext", "GrantTokens", "Recipient", "DryRun"]);
      resolveKey(body["KeyId"], true);
      if (body["KeySpec"] !== "AES_256" || body["NumberOfBytes"] !== undefined) fault("ValidationException", "this fake serves KeySpec AES_256 only");
      const ctx = contextBytes(body["EncryptionContext"]);
      const dataKey = randomBytes(32);
      const answer: Record<string, unknown> = { KeyId: keyArn, CiphertextBlob: wrap(dataKey, ctx).toString("base64"), KeyMaterialId: keyMaterialId };
      if (body["Recipient"] !== undefined) answer["CiphertextForRecipient"] = cms(dataKey, attestedRecipient(body["Recipient"], true));
      else answer["Plaintext"] = dataKey.toString("base64");
      return answer;
    },
    Decrypt(body) {
      checkFields(body, ["CiphertextBlob", "KeyId", "EncryptionContext", "GrantTokens", "EncryptionAlgorithm", "Recipient", "DryRun"]);
      resolveKey(body["KeyId"], false);
      if (body["EncryptionAlgorithm"] !== undefined && body["EncryptionAlgorithm"] !== "SYMMETRIC_DEFAULT") fault("InvalidKeyUsageException", "EncryptionAlgorithm");
      const blob = strictB64(body["CiphertextBlob"], "CiphertextBlob", 6144);
      // The key policy names a PCR0: without a Recipient the condition cannot hold.
      if (body["Recipient"] === undefined) fault("AccessDeniedException", `User is not authorized to perform: kms:Decrypt on resource: ${keyArn}`);
      const spki = attestedRecipient(body["Recipient"], true);
      const plaintext = unwrap(blob, contextBytes(body["EncryptionContext"]));
      return { KeyId: keyArn, EncryptionAlgorithm: "SYMMETRIC_DEFAULT", CiphertextForRecipient: cms(plaintext, spki), KeyMaterialId: keyMaterialId };
    },
  };

  const send = (res: ServerResponse, status: number, body: Record<string, unknown>): void => {
    const text = JSON.stringify(body);
    res.writeHead(status, { "content-type": JSON_11, "content-length": Buffer.byteLength(text), "x-amzn-requestid": randomUUID() });
    res.end(text);
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) tooLarge = true;
      else chunks.push(c);
    });
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const headers: Record<string, string> = {};
      for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) headers[(req.rawHeaders[i] as string).toLowerCase()] = req.rawHeaders[i + 1] as string;
      const target = headers["x-amz-target"] ?? "";
      const operation = target.startsWith("TrentService.") ? target.slice("TrentService.".length) : target;
      const call: FakeKmsCall = { operation, outcome: "ok", headers, body: body.toString("utf8") };
      calls.push(call);
      try {
        if (tooLarge) fault("RequestEntityTooLarge", "request too large", 413);
        if (req.method !== "POST" || (req.url ?? "").split("?")[0] !== "/") fault("UnknownOperationException", "", 404);
        verifySigV4(req, body, sig);
        if ((headers["content-type"] ?? "").split(";")[0]?.trim() !== JSON_11) fault("SerializationException", "content-type must be application/x-amz-json-1.1");
        const op = Object.hasOwn(operations, operation) ? operations[operation] : undefined;
        if (op === undefined) return fault("UnknownOperationException", "");
        let parsed: unknown;
        try {
          parsed = JSON.parse(body.toString("utf8"));
        } catch {
          parsed = undefined;
        }
        if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) return fault("SerializationException", "body must be a JSON object");
        let answer = op(parsed as Record<string, unknown>);
        if (options.tamper !== undefined) answer = options.tamper(operation, answer);
        send(res, 200, answer);
      } catch (err) {
        if (!(err instanceof KmsFault)) {
          call.outcome = "KMSInternalException";
          send(res, 500, { __type: "KMSInternalException", message: "internal error" });
          return;
        }
        call.outcome = err.type;
        send(res, err.status, { __type: err.type, message: err.message });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    keyUuid,
    keyArn,
    aliasName,
    calls,
    setPolicy(p) {
      policy = { imageSha384: p.imageSha384.toLowerCase() };
    },
    trustRoot(fingerprint) {
      if (!roots.includes(fingerprint)) roots.push(fingerprint);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
