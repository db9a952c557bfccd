// Entry point of @airlock/core/provisioning: sealed key provisioning to an attested enclave,
// shared by the operator's CLI (seal, sign) and the sidecar (verify, open), and the wire and
// admin signature of KMS-sealed blobs (enclave restarts). The attestation
// checks the CLI runs before sealing are the client's own (resolveNitroTrust,
// verifySignerDocument), re-exported here for it.
export { ProvisioningError, type ProvisioningErrorCode } from "./provisioning-error.js";
export {
  MAX_PLAINTEXT_BYTES,
  SEALED_ENVELOPE_DOMAIN,
  SealedEnvelope,
  documentSha256Of,
  isLowOrderX25519,
  openSealedEnvelope,
  parseSealedEnvelope,
  sealForEnclave,
  type SealInput,
} from "./sealed-envelope.js";
export {
  ENVELOPE_SIGNATURE_DOMAIN,
  adminKeyIdOf,
  adminSigningBytes,
  envelopeSigningBytes,
  parseAdminPrivateKey,
  parseAdminPublicKey,
  signAdminBytes,
  signEnvelope,
  verifyAdminBytes,
  verifyEnvelopeSignature,
} from "./envelope-signature.js";
export { InstalledSecrets, MAX_PROVISION_BODY_BYTES, PROVISION_ROUTE, ProvisionAnswer, ProvisionUpload } from "./provision-wire.js";
export {
  AwsCredentialsUpload,
  KMS_UNSEAL_ROUTE,
  KmsSealedBlob,
  KmsUnsealAnswer,
  KmsUnsealUpload,
  MAX_KMS_UNSEAL_BODY_BYTES,
  SignedKmsBlob,
} from "./kms-unseal-wire.js";
export { KMS_BLOB_SIGNATURE_DOMAIN, kmsBlobSha256, kmsBlobSigningBytes, parseKmsSealedBlob, signKmsBlob, verifyKmsBlobSignature } from "./kms-blob-signature.js";
export { resolveNitroTrust, verifySignerDocument, type NitroTrustOptions, type ResolvedNitroTrust, type VerifiedSigner } from "../client/nitro-trust.js";
