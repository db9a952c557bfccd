// The sealed key material the host stores between enclave restarts, and its AES-256-GCM
// layer. JSON: {"v":1,"keyId":ARN,"encryptedDataKey":b64,"iv":b64,"ciphertext":b64}, where
// encryptedDataKey is KMS's CiphertextBlob of the data key and ciphertext is the GCM output
// followed by its 16-byte tag. The GCM additional data binds the version, the key ARN and the
// wrapped data key, so no field can be swapped for another blob's without detection.
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { KmsSealError } from "./kms-seal-error.js";

/** Format version. */
export const SEALED_BLOB_VERSION = 1;
/** Largest key material sealed (it is a handful of keys and credentials). */
export const MAX_SEALED_PLAINTEXT_BYTES = 256 * 1024;
/** KMS's encryption context for every data key of this format (non-secret, logged by CloudTrail). */
export const SEAL_ENCRYPTION_CONTEXT: Readonly<Record<string, string>> = Object.freeze({ AirlockPurpose: "signer-key-seal/v1" });

const IV_BYTES = 12;
const TAG_BYTES = 16;
const MAX_BLOB = 6144;
const MAX_KEY_ID = 2048;
const MAX_JSON_CHARS = 2 * (MAX_SEALED_PLAINTEXT_BYTES + 16 * 1024);
const KEYS = ["v", "keyId", "encryptedDataKey", "iv", "ciphertext"] as const;
const AAD_LABEL = Buffer.from("airlock-kms-sealed-blob/v1\0", "utf8");

/** A parsed sealed blob. */
export interface SealedBlob {
  readonly v: 1;
  /** ARN of the KMS key that wraps the data key. */
  readonly keyId: string;
  /** KMS CiphertextBlob of the 32-byte data key. */
  readonly encryptedDataKey: Uint8Array;
  /** AES-256-GCM IV (12 bytes). */
  readonly iv: Uint8Array;
  /** AES-256-GCM ciphertext followed by the 16-byte tag. */
  readonly ciphertext: Uint8Array;
}

const invalid = (msg: string): never => {
  throw new KmsSealError("SEALED_BLOB_INVALID", `sealed blob: ${msg}`);
};

function b64(value: unknown, name: string, min: number, max: number): Buffer {
  if (typeof value !== "string" || value.length > Math.ceil(max / 3) * 4 + 4 || !/^[A-Za-z0-9+/]*={0,2}$/.test(value) || value.length % 4 !== 0)
    return invalid(`${name} must be standard base64`);
  const bytes = Buffer.from(value, "base64");
  if (bytes.toString("base64") !== value) invalid(`${name} is not canonical base64`);
  if (bytes.length < min || bytes.length > max) invalid(`${name} must be ${min}..${max} bytes`);
  return bytes;
}

/** Parses the stored JSON strictly: exact members, types, canonical base64 and sizes. */
export function parseSealedBlob(text: string | Uint8Array): SealedBlob {
  let json: string;
  try {
    json = typeof text === "string" ? text : new TextDecoder("utf-8", { fatal: true }).decode(text);
  } catch {
    return invalid("not UTF-8");
  }
  if (json.length > MAX_JSON_CHARS) invalid("too large");
  let obj: unknown;
  try {
    obj = JSON.parse(json);
  } catch {
    return invalid("not JSON");
  }
  if (obj === null || typeof obj !== "object" || Array.isArray(obj)) return invalid("not a JSON object");
  const o = obj as Record<string, unknown>;
  const keys = Object.keys(o);
  if (keys.length !== KEYS.length || !KEYS.every((k) => keys.includes(k))) invalid(`members must be exactly ${KEYS.join(", ")}`);
  if (o["v"] !== SEALED_BLOB_VERSION) invalid(`unsupported version (expected ${SEALED_BLOB_VERSION})`);
  const keyId = o["keyId"];
  if (typeof keyId !== "string" || keyId.length < 1 || keyId.length > MAX_KEY_ID || !/^[\x21-\x7e]+$/.test(keyId)) return invalid("keyId must be 1..2048 printable characters");
  return {
    v: 1,
    keyId,
    encryptedDataKey: b64(o["encryptedDataKey"], "encryptedDataKey", 1, MAX_BLOB),
    iv: b64(o["iv"], "iv", IV_BYTES, IV_BYTES),
    ciphertext: b64(o["ciphertext"], "ciphertext", TAG_BYTES, MAX_SEALED_PLAINTEXT_BYTES + TAG_BYTES),
  };
}

/** Serialises a blob as the JSON the host stores. */
export function serializeSealedBlob(blob: SealedBlob): string {
  const enc = (b: Uint8Array): string => Buffer.from(b).toString("base64");
  return JSON.stringify({ v: blob.v, keyId: blob.keyId, encryptedDataKey: enc(blob.encryptedDataKey), iv: enc(blob.iv), ciphertext: enc(blob.ciphertext) });
}

/** GCM additional data: label || u32 len || keyId || u32 len || encryptedDataKey. */
function additionalData(keyId: string, encryptedDataKey: Uint8Array): Buffer {
  const id = Buffer.from(keyId, "utf8");
  const len = (n: number): Buffer => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n);
    return b;
  };
  return Buffer.concat([AAD_LABEL, len(id.length), id, len(encryptedDataKey.length), encryptedDataKey]);
}

/** Encrypts `plaintext` under the 32-byte data key; the caller keeps ownership of both inputs. */
export function sealWithDataKey(dataKey: Uint8Array, keyId: string, encryptedDataKey: Uint8Array, plaintext: Uint8Array): SealedBlob {
  if (dataKey.length !== 32) throw new KmsSealError("DATA_KEY_INVALID", "the data key must be 32 bytes");
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", dataKey, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(additionalData(keyId, encryptedDataKey));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  return { v: 1, keyId, encryptedDataKey: new Uint8Array(encryptedDataKey), iv: new Uint8Array(iv), ciphertext: new Uint8Array(ciphertext) };
}

/**
 * Decrypts and authenticates a blob with its 32-byte data key. Throws `SEALED_BLOB_AUTH_FAILED`
 * when the tag does not verify (tampered blob or wrong key); no plaintext is released then.
 */
export function openWithDataKey(dataKey: Uint8Array, blob: SealedBlob): Buffer {
  if (dataKey.length !== 32) throw new KmsSealError("DATA_KEY_INVALID", "the data key must be 32 bytes");
  const body = blob.ciphertext.subarray(0, blob.ciphertext.length - TAG_BYTES);
  const tag = blob.ciphertext.subarray(blob.ciphertext.length - TAG_BYTES);
  let out: Buffer | undefined;
  try {
    const decipher = createDecipheriv("aes-256-gcm", dataKey, blob.iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(additionalData(blob.keyId, blob.encryptedDataKey));
    decipher.setAuthTag(tag);
    out = decipher.update(body);
    return Buffer.concat([out, decipher.final()]);
  } catch {
    throw new KmsSealError("SEALED_BLOB_AUTH_FAILED", "sealed blob does not authenticate under its data key (tampered, or another key)");
  } finally {
    out?.fill(0);
  }
}
