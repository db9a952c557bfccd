// Operator side of the KMS restart path: ask KMS for a fresh data key, encrypt the key
// material locally with AES-256-GCM, keep only KMS's wrapped copy of the data key. The output
// is the JSON the host stores; only an enclave the key policy admits can open it again.
import { KmsClient, type KmsClientOptions } from "./kms-client.js";
import { KmsSealError, kmsFailure } from "./kms-seal-error.js";
import { MAX_SEALED_PLAINTEXT_BYTES, SEAL_ENCRYPTION_CONTEXT, sealWithDataKey, serializeSealedBlob } from "./sealed-blob.js";

/** Options of {@link kmsSeal}. */
export interface KmsSealOptions {
  /** How to reach KMS and as whom (the operator's credentials, allowed kms:GenerateDataKey). */
  readonly kms: KmsClientOptions;
  /** The KMS key to wrap the data key with: key id, key ARN, alias name or alias ARN. */
  readonly keyId: string;
  /** The key material to seal (1..256 KiB). The caller keeps ownership and should zero it. */
  readonly plaintext: Uint8Array;
}

/**
 * Seals `plaintext` for later {@link kmsUnseal}: GenerateDataKey (AES_256, with the format's
 * encryption context), AES-256-GCM with a random IV, data key zeroed right after. Returns the
 * sealed blob as JSON text. Throws {@link KmsSealError}.
 */
export async function kmsSeal(options: KmsSealOptions): Promise<string> {
  const pt: unknown = options?.plaintext;
  if (!(pt instanceof Uint8Array) || pt.length < 1 || pt.length > MAX_SEALED_PLAINTEXT_BYTES)
    throw new KmsSealError("OPTIONS_INVALID", `plaintext must be 1..${MAX_SEALED_PLAINTEXT_BYTES} bytes`);
  let client: KmsClient;
  try {
    client = new KmsClient(options.kms);
  } catch (err) {
    throw kmsFailure(err, "KMS client");
  }
  try {
    let generated;
    try {
      generated = await client.generateDataKey({ keyId: options.keyId, encryptionContext: SEAL_ENCRYPTION_CONTEXT });
    } catch (err) {
      throw kmsFailure(err, "GenerateDataKey");
    }
    try {
      return serializeSealedBlob(sealWithDataKey(generated.plaintext, generated.keyId, generated.ciphertextBlob, pt));
    } finally {
      generated.plaintext.fill(0);
    }
  } finally {
    await client.close();
  }
}
