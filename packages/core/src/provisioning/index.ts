// Entry point of @airlock/core/provisioning: sealed key provisioning to an attested enclave,
// shared by the operator's CLI (seal, sign) and the sidecar (verify, open). The attestation
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
  envelopeSigningBytes,
  parseAdminPrivateKey,
  parseAdminPublicKey,
  signEnvelope,
  verifyEnvelopeSignature,
} from "./envelope-signature.js";
export { MAX_PROVISION_BODY_BYTES, PROVISION_ROUTE, ProvisionAnswer, ProvisionUpload } from "./provision-wire.js";
export { resolveNitroTrust, verifySignerDocument, type NitroTrustOptions, type ResolvedNitroTrust, type VerifiedSigner } from "../client/nitro-trust.js";
