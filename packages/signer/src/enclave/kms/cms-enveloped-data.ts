// KMS's CiphertextForRecipient: a CMS (RFC 5652) ContentInfo holding an EnvelopedData with one
// KeyTransRecipientInfo (RSAES-OAEP, SHA-256, MGF1-SHA-256) and AES-256-CBC content. This
// module reads exactly that shape and nothing else, then unwraps and decrypts it.
//
// Structure facts (checked against aws/aws-nitro-enclaves-sdk-c source/cms.c and against a real
// KMS answer published in edgebitio/enclaver crypto/cms/cms_test.go, decoded byte by byte):
// - ContentInfo, its [0], EnvelopedData and EncryptedContentInfo use BER indefinite lengths;
//   the RecipientInfos SET and everything inside it use definite lengths.
// - EnvelopedData.version = 2, KeyTransRecipientInfo.version = 2, no originatorInfo, no
//   unprotectedAttrs.
// - rid is [0] subjectKeyIdentifier (32 bytes) = SHA-256 of the recipient's SPKI DER.
// - RSAES-OAEP-params carry [0] sha256 (with NULL parameters) and [1] mgf1(sha256); no [2].
// - encryptedContent is [0] IMPLICIT OCTET STRING, constructed, of OCTET STRING chunks.
import { createDecipheriv, createHash, constants as cryptoConstants, privateDecrypt, timingSafeEqual, type KeyObject } from "node:crypto";
import { BerError, readBer, TAG, type BerNode } from "./ber-reader.js";

/** Why a CiphertextForRecipient was refused; `code` says at which stage. */
export type CmsErrorCode =
  /** Not the EnvelopedData shape KMS sends (syntax, OIDs, versions, sizes). */
  | "CMS_MALFORMED"
  /** Addressed to another key (rid is not the SHA-256 of our SPKI). */
  | "CMS_WRONG_RECIPIENT"
  /** RSA-OAEP unwrap of the content key failed, or the content key is not 32 bytes. */
  | "CMS_UNWRAP_FAILED"
  /** AES-256-CBC decryption failed or its PKCS#7 padding is invalid. */
  | "CMS_DECRYPT_FAILED";

/** Typed failure of this module. Messages name the rule, never key or content bytes. */
export class CmsError extends Error {
  override readonly name = "CmsError";
  constructor(
    readonly code: CmsErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** The parts of an EnvelopedData needed to decrypt it, all checked. */
export interface EnvelopedDataParts {
  /** subjectKeyIdentifier of the recipient (KMS: SHA-256 of the SPKI DER). */
  readonly recipientKeyId: Uint8Array;
  /** The content-encryption key wrapped with RSAES-OAEP-SHA256. */
  readonly encryptedKey: Uint8Array;
  /** AES-256-CBC IV (16 bytes). */
  readonly iv: Uint8Array;
  /** AES-256-CBC ciphertext (a positive multiple of 16 bytes). */
  readonly encryptedContent: Uint8Array;
}

/** KMS documents CiphertextForRecipient as at most 6144 bytes; leave head-room, stay bounded. */
export const MAX_CMS_BYTES = 16 * 1024;
/** Largest decrypted content accepted (KMS's largest Plaintext is 4096 bytes). */
export const MAX_CMS_CONTENT_BYTES = 8 * 1024;
/** Bounds of the RSA-wrapped key: 2048..4096-bit moduli. */
const MIN_WRAPPED_KEY = 256;
const MAX_WRAPPED_KEY = 512;
/** Most OCTET STRING chunks accepted in a constructed encryptedContent. */
const MAX_CONTENT_CHUNKS = 64;

const LIMITS = { maxBytes: MAX_CMS_BYTES, maxDepth: 12, maxNodes: 64 + MAX_CONTENT_CHUNKS } as const;

/** DER content octets of the object identifiers this structure uses. */
const OID = {
  envelopedData: Buffer.from("2a864886f70d010703", "hex"), // 1.2.840.113549.1.7.3
  data: Buffer.from("2a864886f70d010701", "hex"), // 1.2.840.113549.1.7.1
  rsaesOaep: Buffer.from("2a864886f70d010107", "hex"), // 1.2.840.113549.1.1.7
  mgf1: Buffer.from("2a864886f70d010108", "hex"), // 1.2.840.113549.1.1.8
  pSpecified: Buffer.from("2a864886f70d010109", "hex"), // 1.2.840.113549.1.1.9
  sha256: Buffer.from("608648016503040201", "hex"), // 2.16.840.1.101.3.4.2.1
  aes256Cbc: Buffer.from("60864801650304012a", "hex"), // 2.16.840.1.101.3.4.1.42
} as const;

const malformed = (msg: string): never => {
  throw new CmsError("CMS_MALFORMED", `CiphertextForRecipient: ${msg}`);
};

function expectTag(node: BerNode | undefined, tag: number, what: string): BerNode {
  if (node === undefined) return malformed(`${what} is missing`);
  if (node.tag !== tag) malformed(`${what} has the wrong type`);
  return node;
}

function childrenOf(node: BerNode, counts: readonly number[], what: string): readonly BerNode[] {
  const kids = node.children ?? [];
  if (!counts.includes(kids.length)) malformed(`${what} has an unexpected number of elements`);
  return kids;
}

function primitive(node: BerNode | undefined, tag: number, what: string): Uint8Array {
  const n = expectTag(node, tag, what);
  if (n.value === undefined) return malformed(`${what} must be primitive`);
  return n.value;
}

function expectOid(node: BerNode | undefined, oid: Uint8Array, what: string): void {
  const v = primitive(node, TAG.OID, what);
  if (!Buffer.from(v).equals(oid)) malformed(`${what} is not the expected algorithm or type`);
}

function expectSmallInt(node: BerNode | undefined, value: number, what: string): void {
  const v = primitive(node, TAG.INTEGER, what);
  if (v.length !== 1 || v[0] !== value) malformed(`${what} must be ${value}`);
}

/** AlgorithmIdentifier of SHA-256: parameters absent or NULL (RFC 5754 §2). */
function expectSha256(node: BerNode | undefined, what: string): void {
  const seq = expectTag(node, TAG.SEQUENCE, what);
  const kids = childrenOf(seq, [1, 2], what);
  expectOid(kids[0], OID.sha256, what);
  if (kids.length === 2 && primitive(kids[1], TAG.NULL, `${what} parameters`).length !== 0) malformed(`${what} parameters must be NULL`);
}

/**
 * RSAES-OAEP-params (RFC 8017 A.2.1) with SHA-256 and MGF1-SHA-256. Both are required: their
 * defaults are SHA-1, which this reader never accepts. A [2] pSourceAlgorithm is tolerated only
 * as the empty label (the default).
 */
function expectOaepSha256(node: BerNode | undefined): void {
  const alg = expectTag(node, TAG.SEQUENCE, "keyEncryptionAlgorithm");
  const [oid, params] = childrenOf(alg, [2], "keyEncryptionAlgorithm");
  expectOid(oid, OID.rsaesOaep, "keyEncryptionAlgorithm");
  const p = childrenOf(expectTag(params, TAG.SEQUENCE, "RSAES-OAEP-params"), [2, 3], "RSAES-OAEP-params");
  expectSha256(childrenOf(expectTag(p[0], TAG.CONTEXT_0, "OAEP hashAlgorithm"), [1], "OAEP hashAlgorithm")[0], "OAEP hashAlgorithm");
  const mgf = expectTag(childrenOf(expectTag(p[1], TAG.CONTEXT_1, "OAEP maskGenAlgorithm"), [1], "OAEP maskGenAlgorithm")[0], TAG.SEQUENCE, "OAEP maskGenAlgorithm");
  const [mgfOid, mgfHash] = childrenOf(mgf, [2], "OAEP maskGenAlgorithm");
  expectOid(mgfOid, OID.mgf1, "OAEP maskGenAlgorithm");
  expectSha256(mgfHash, "MGF1 hash");
  if (p.length === 3) {
    const src = expectTag(childrenOf(expectTag(p[2], TAG.CONTEXT_2, "OAEP pSourceAlgorithm"), [1], "OAEP pSourceAlgorithm")[0], TAG.SEQUENCE, "OAEP pSourceAlgorithm");
    const [srcOid, label] = childrenOf(src, [2], "OAEP pSourceAlgorithm");
    expectOid(srcOid, OID.pSpecified, "OAEP pSourceAlgorithm");
    if (primitive(label, TAG.OCTET_STRING, "OAEP label").length !== 0) malformed("OAEP label must be empty");
  }
}

/** [0] IMPLICIT OCTET STRING: primitive, or constructed of primitive OCTET STRING chunks. */
function encryptedContentOf(node: BerNode | undefined): Uint8Array {
  if (node === undefined) return malformed("encryptedContent is missing");
  if (node.tag === TAG.CONTEXT_0_PRIMITIVE && node.value !== undefined) return node.value;
  if (node.tag !== TAG.CONTEXT_0) return malformed("encryptedContent has the wrong type");
  const chunks = node.children ?? [];
  if (chunks.length === 0 || chunks.length > MAX_CONTENT_CHUNKS) malformed("encryptedContent has no or too many chunks");
  return Buffer.concat(chunks.map((c) => primitive(c, TAG.OCTET_STRING, "encryptedContent chunk")));
}

/**
 * Parses a CiphertextForRecipient and checks every tag, OID, version and size against the
 * shape KMS sends. Throws {@link CmsError} `CMS_MALFORMED` on anything else.
 */
export function parseEnvelopedData(bytes: Uint8Array): EnvelopedDataParts {
  let root: BerNode;
  try {
    root = readBer(bytes, LIMITS);
  } catch (err) {
    if (err instanceof BerError) return malformed(err.message);
    throw err;
  }
  // ContentInfo ::= SEQUENCE { contentType, [0] EXPLICIT content }
  const [contentType, explicit] = childrenOf(expectTag(root, TAG.SEQUENCE, "ContentInfo"), [2], "ContentInfo");
  expectOid(contentType, OID.envelopedData, "ContentInfo contentType");
  const [env] = childrenOf(expectTag(explicit, TAG.CONTEXT_0, "ContentInfo content"), [1], "ContentInfo content");

  // EnvelopedData ::= SEQUENCE { version, recipientInfos, encryptedContentInfo } (no optional parts)
  const [version, recipientInfos, eci] = childrenOf(expectTag(env, TAG.SEQUENCE, "EnvelopedData"), [3], "EnvelopedData");
  expectSmallInt(version, 2, "EnvelopedData version");

  // RecipientInfos: exactly one KeyTransRecipientInfo with a subjectKeyIdentifier rid.
  const [ktri] = childrenOf(expectTag(recipientInfos, TAG.SET, "RecipientInfos"), [1], "RecipientInfos");
  const [riVersion, rid, keyEncAlg, encKey] = childrenOf(expectTag(ktri, TAG.SEQUENCE, "KeyTransRecipientInfo"), [4], "KeyTransRecipientInfo");
  expectSmallInt(riVersion, 2, "KeyTransRecipientInfo version");
  const recipientKeyId = primitive(rid, TAG.CONTEXT_0_PRIMITIVE, "rid subjectKeyIdentifier");
  if (recipientKeyId.length < 1 || recipientKeyId.length > 64) malformed("rid subjectKeyIdentifier length");
  expectOaepSha256(keyEncAlg);
  const encryptedKey = primitive(encKey, TAG.OCTET_STRING, "encryptedKey");
  if (encryptedKey.length < MIN_WRAPPED_KEY || encryptedKey.length > MAX_WRAPPED_KEY) malformed("encryptedKey length");

  // EncryptedContentInfo ::= SEQUENCE { contentType id-data, aes256-CBC with IV, [0] content }
  const [dataType, contentAlg, content] = childrenOf(expectTag(eci, TAG.SEQUENCE, "EncryptedContentInfo"), [3], "EncryptedContentInfo");
  expectOid(dataType, OID.data, "EncryptedContentInfo contentType");
  const [cbcOid, ivNode] = childrenOf(expectTag(contentAlg, TAG.SEQUENCE, "contentEncryptionAlgorithm"), [2], "contentEncryptionAlgorithm");
  expectOid(cbcOid, OID.aes256Cbc, "contentEncryptionAlgorithm");
  const iv = primitive(ivNode, TAG.OCTET_STRING, "AES-CBC IV");
  if (iv.length !== 16) malformed("AES-CBC IV must be 16 bytes");
  const encryptedContent = encryptedContentOf(content);
  if (encryptedContent.length === 0 || encryptedContent.length % 16 !== 0 || encryptedContent.length > MAX_CMS_CONTENT_BYTES + 16)
    malformed("encryptedContent length must be a positive multiple of 16 within bounds");

  return { recipientKeyId, encryptedKey, iv, encryptedContent };
}

/** Options of {@link openEnvelopedData}. */
export interface OpenEnvelopedDataOptions {
  /** The recipient's RSA private key (the enclave's ephemeral key). */
  readonly privateKey: KeyObject;
  /** SPKI DER of the same key: the rid must be its SHA-256. */
  readonly recipientSpki: Uint8Array;
}

/** Strips PKCS#7 padding (RFC 5652 §6.3) after checking every pad byte, or throws. */
function unpad(padded: Buffer): Buffer {
  const n = padded[padded.length - 1] as number;
  let bad = n < 1 || n > 16 ? 1 : 0;
  // Check all 16 trailing positions with no early exit; only those within the pad must equal n.
  for (let i = 1; i <= 16; i++) {
    const inPad = i <= n ? 1 : 0;
    bad |= inPad & ((padded[padded.length - i] as number) !== n ? 1 : 0);
  }
  if (bad !== 0) throw new CmsError("CMS_DECRYPT_FAILED", "CiphertextForRecipient: invalid PKCS#7 padding");
  return padded.subarray(0, padded.length - n);
}

/**
 * Parses a CiphertextForRecipient, checks that it is addressed to `recipientSpki`, unwraps the
 * content key with RSAES-OAEP-SHA256 (MGF1-SHA256, empty label) and decrypts the content with
 * AES-256-CBC, checking the PKCS#7 padding. Returns the content (a fresh Buffer the caller owns
 * and should zero after use). The content key is zeroed before returning or throwing.
 */
export function openEnvelopedData(bytes: Uint8Array, opts: OpenEnvelopedDataOptions): Buffer {
  const parts = parseEnvelopedData(bytes);
  const expectedRid = createHash("sha256").update(opts.recipientSpki).digest();
  if (parts.recipientKeyId.length !== expectedRid.length || !timingSafeEqual(parts.recipientKeyId, expectedRid))
    throw new CmsError("CMS_WRONG_RECIPIENT", "CiphertextForRecipient is addressed to another key");

  let cek: Buffer;
  try {
    cek = privateDecrypt(
      { key: opts.privateKey, padding: cryptoConstants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha256" },
      parts.encryptedKey,
    );
  } catch {
    throw new CmsError("CMS_UNWRAP_FAILED", "CiphertextForRecipient: RSA-OAEP unwrap of the content key failed");
  }
  let padded: Buffer | undefined;
  try {
    if (cek.length !== 32) throw new CmsError("CMS_UNWRAP_FAILED", "CiphertextForRecipient: content key is not 32 bytes");
    try {
      const decipher = createDecipheriv("aes-256-cbc", cek, parts.iv);
      // Padding is checked by unpad() so that a failure is ours to type and word.
      decipher.setAutoPadding(false);
      padded = Buffer.concat([decipher.update(parts.encryptedContent), decipher.final()]);
    } catch {
      throw new CmsError("CMS_DECRYPT_FAILED", "CiphertextForRecipient: AES-256-CBC decryption failed");
    }
    return Buffer.from(unpad(padded));
  } finally {
    cek.fill(0);
    padded?.fill(0);
  }
}
