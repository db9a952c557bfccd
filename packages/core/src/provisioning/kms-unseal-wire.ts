// The wire contract of POST /v1/admin/kms-unseal (Nitro backend, restarts with AWS KMS): the
// host uploads, at every enclave start, the KMS-sealed blob the operator made and signed
// (`airlock-signer kms-seal`) and the AWS credentials of its instance role; the enclave checks
// the admin signature, has KMS release the data key to its attested RSA key, opens the blob and
// installs the keys. Like POST /v1/admin/provision the route is not HMAC authenticated: the
// admin signature over the blob is the authority. The credentials only let KMS be called; the
// key policy's attestation condition (PCR0) is what keeps the data key to the enclave.
import { z } from "zod";
import { MAX_PLAINTEXT_BYTES } from "./sealed-envelope.js";
import { InstalledSecrets } from "./provision-wire.js";

/** Path of the KMS unseal upload. */
export const KMS_UNSEAL_ROUTE = "/v1/admin/kms-unseal";

/**
 * Largest upload body: a blob of MAX_PLAINTEXT_BYTES (≈ 87 400 base64 characters), the largest
 * wrapped data key KMS makes (6144 bytes), a key ARN, a session token of up to 16 KiB, the JSON.
 */
export const MAX_KMS_UNSEAL_BODY_BYTES = 128 * 1024;

const HEX64 = /^[0-9a-f]{64}$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
/** Characters of padded standard base64 for n bytes. */
const b64Chars = (n: number): number => 4 * Math.ceil(n / 3);
const TAG_BYTES = 16;

/**
 * A KMS-sealed blob as stored and sent (packages/signer/src/enclave/kms/sealed-blob.ts writes
 * and opens it): standard padded base64, canonical (checked by parseKmsSealedBlob). The sealed
 * plaintext is a provisioning bundle, so it is bounded like an envelope's (1 to 64 KiB).
 */
export const KmsSealedBlob = z.strictObject({
  v: z.literal(1),
  /** ARN of the KMS key that wrapped the data key (as KMS's GenerateDataKey answered it). */
  keyId: z.string().regex(/^[\x21-\x7e]{1,2048}$/),
  /** KMS CiphertextBlob of the 32-byte data key (1 to 6144 bytes). */
  encryptedDataKey: z.string().min(4).max(b64Chars(6144)).regex(BASE64),
  /** AES-256-GCM IV (12 bytes). */
  iv: z.string().length(b64Chars(12)).regex(BASE64),
  /** AES-256-GCM ciphertext and its 16-byte tag. */
  ciphertext: z.string().min(b64Chars(1 + TAG_BYTES)).max(b64Chars(MAX_PLAINTEXT_BYTES + TAG_BYTES)).regex(BASE64),
});
export type KmsSealedBlob = z.infer<typeof KmsSealedBlob>;

/** An Ed25519 signature, base64url (64 bytes). */
const AdminSignature = z.string().regex(/^[A-Za-z0-9_-]{86}$/);

/** What `airlock-signer kms-seal` writes: the blob and the admin signature over it (kms-blob-signature.ts). */
export const SignedKmsBlob = z.strictObject({ blob: KmsSealedBlob, adminSignature: AdminSignature });
export type SignedKmsBlob = z.infer<typeof SignedKmsBlob>;

/**
 * AWS credentials for the enclave's KMS call (the parent instance role's temporary credentials;
 * there is no instance metadata service inside an enclave). The same rules as the SigV4 signer.
 */
export const AwsCredentialsUpload = z.strictObject({
  accessKeyId: z.string().regex(/^\w{1,128}$/),
  secretAccessKey: z.string().regex(/^[\x21-\x7e]{1,256}$/),
  sessionToken: z.string().regex(/^[\x21-\x7e]{1,16384}$/).optional(),
});
export type AwsCredentialsUpload = z.infer<typeof AwsCredentialsUpload>;

/** The upload: the signed blob, and the credentials to call KMS with (never logged or echoed). */
export const KmsUnsealUpload = SignedKmsBlob.extend({ awsCredentials: AwsCredentialsUpload });
export type KmsUnsealUpload = z.infer<typeof KmsUnsealUpload>;

/**
 * The answer to a successful unseal: what was installed (InstalledSecrets), from which blob and
 * KMS key, under which policy and admin key. It carries a receipt (x-airlock-receipt, route
 * `admin.kms_unseal`) whose requestHash is the SHA-256 of the exact upload body.
 */
export const KmsUnsealAnswer = InstalledSecrets.extend({
  requestId: z.string().min(1).max(128),
  /** The KMS key ARN the blob names (and the configuration allows). */
  kmsKeyId: z.string().regex(/^[\x21-\x7e]{1,2048}$/),
  /** SHA-256 of the blob's admin signing bytes: which blob was opened (kms-seal prints the same). */
  blobSha256: z.string().regex(HEX64),
  /** The attested policy the installed keys sign under. */
  policyHash: z.string().regex(HEX64),
  /** SHA-256 of the admin public key that signed the blob. */
  adminKeyId: z.string().regex(HEX64),
});
export type KmsUnsealAnswer = z.infer<typeof KmsUnsealAnswer>;
