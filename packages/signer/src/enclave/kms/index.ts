// The AWS KMS restart path for the Nitro backend: kmsSeal (operator) and kmsUnseal (enclave).
export { kmsSeal, type KmsSealOptions } from "./kms-seal.js";
export { kmsUnseal, type KmsUnsealOptions } from "./kms-unseal.js";
export { KmsSealError, type KmsSealErrorCode } from "./kms-seal-error.js";
export { KmsClient, RECIPIENT_KEY_ENCRYPTION_ALGORITHM, type KmsClientOptions, type GenerateDataKeyResult, type DecryptForRecipientResult } from "./kms-client.js";
export { KmsError, type KmsErrorCode } from "./kms-errors.js";
export type { AwsCredentials } from "./sigv4.js";
export { parseSealedBlob, serializeSealedBlob, SEAL_ENCRYPTION_CONTEXT, SEALED_BLOB_VERSION, MAX_SEALED_PLAINTEXT_BYTES, type SealedBlob } from "./sealed-blob.js";
export { checkKmsEndpoint, defaultKmsEndpoint, isLoopbackIp, parseKmsKeyArn, AWS_REGION, type KmsKeyArn } from "./kms-endpoint.js";
