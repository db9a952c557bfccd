// Enclave side of the KMS restart path. A fresh RSA-2048 key pair is made for this one call;
// the NSM attests its public key; KMS checks that document against the key policy (PCR0) and
// answers the data key enveloped to that public key (CMS); the enclave unwraps it and opens
// the sealed blob. Every step fails closed with a KmsSealError; the RSA private key and the
// data key exist only in memory for the duration of the call.
import { generateKeyPair as generateKeyPairCb, type KeyObject } from "node:crypto";
import { promisify } from "node:util";
import type { AttestationSource } from "../../attestation/attestation-source.js";
import { CmsError, openEnvelopedData } from "./cms-enveloped-data.js";
import { KmsClient, type KmsClientOptions } from "./kms-client.js";
import { KmsSealError, kmsFailure } from "./kms-seal-error.js";
import { openWithDataKey, parseSealedBlob, SEAL_ENCRYPTION_CONTEXT, type SealedBlob } from "./sealed-blob.js";

const generateKeyPair = promisify(generateKeyPairCb);

/** Options of {@link kmsUnseal}. */
export interface KmsUnsealOptions {
  /** The stored blob, as written by kmsSeal (JSON text or its UTF-8 bytes). */
  readonly sealed: string | Uint8Array;
  /** How to reach KMS and as whom (the enclave role, allowed kms:Decrypt under the PCR0 condition). */
  readonly kms: KmsClientOptions;
  /** Where the attestation document comes from: the NSM in an enclave, the emulator in tests. */
  readonly attestation: AttestationSource;
}

/** An ephemeral RSA-2048 recipient key: private key object and public SPKI DER. */
async function ephemeralRecipientKey(): Promise<{ privateKey: KeyObject; spki: Uint8Array }> {
  const { publicKey, privateKey } = await generateKeyPair("rsa", { modulusLength: 2048, publicExponent: 0x10001 });
  return { privateKey, spki: new Uint8Array(publicKey.export({ type: "spki", format: "der" })) };
}

/**
 * Restores sealed key material at enclave start. Returns the plaintext (a fresh Buffer the
 * caller owns and should zero once installed). Throws {@link KmsSealError}:
 * SEALED_BLOB_INVALID, ATTESTATION_FAILED, KMS_FAILED (kmsCode ACCESS_DENIED when the key policy
 * refuses this enclave's PCR0), KMS_KEY_MISMATCH, RECIPIENT_CIPHERTEXT_INVALID, DATA_KEY_INVALID,
 * SEALED_BLOB_AUTH_FAILED, OPTIONS_INVALID.
 */
export async function kmsUnseal(options: KmsUnsealOptions): Promise<Buffer> {
  const blob: SealedBlob = parseSealedBlob(options.sealed);
  const source = options.attestation;
  if (source === null || typeof source !== "object" || typeof source.attest !== "function")
    throw new KmsSealError("OPTIONS_INVALID", "an attestation source is required");
  let client: KmsClient;
  try {
    client = new KmsClient(options.kms);
  } catch (err) {
    throw kmsFailure(err, "KMS client");
  }
  try {
    const recipient = await ephemeralRecipientKey();

    let document: Uint8Array;
    try {
      document = await source.attest({ publicKey: recipient.spki });
    } catch (err) {
      throw new KmsSealError("ATTESTATION_FAILED", "no attestation document for the recipient key", undefined, { cause: err });
    }
    if (!(document instanceof Uint8Array) || document.length === 0) throw new KmsSealError("ATTESTATION_FAILED", "the attestation source returned no document");

    let answer;
    try {
      answer = await client.decryptForRecipient({
        keyId: blob.keyId,
        ciphertextBlob: blob.encryptedDataKey,
        attestationDocument: document,
        encryptionContext: SEAL_ENCRYPTION_CONTEXT,
      });
    } catch (err) {
      throw kmsFailure(err, "Decrypt");
    }
    // KMS was asked for this exact key; an answer for another one is not ours to trust.
    if (answer.keyId !== blob.keyId) throw new KmsSealError("KMS_KEY_MISMATCH", "KMS answered for another key than the sealed blob names");

    let dataKey: Buffer;
    try {
      dataKey = openEnvelopedData(answer.ciphertextForRecipient, { privateKey: recipient.privateKey, recipientSpki: recipient.spki });
    } catch (err) {
      if (err instanceof CmsError) throw new KmsSealError("RECIPIENT_CIPHERTEXT_INVALID", err.message, undefined, { cause: err });
      throw err;
    }
    try {
      if (dataKey.length !== 32) throw new KmsSealError("DATA_KEY_INVALID", "the unwrapped data key is not 32 bytes");
      return openWithDataKey(dataKey, blob);
    } finally {
      dataKey.fill(0);
    }
  } finally {
    await client.close();
  }
}
