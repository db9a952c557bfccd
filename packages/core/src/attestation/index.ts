// Entry point of @airlock/core/attestation: Nitro Enclaves attestation document verification.
export { AttestationError, type AttestationErrorCode } from "./attestation-error.js";
export { readCertConstraints, type CertConstraints } from "./x509-extensions.js";
export { encodeCbor } from "./cbor-encode.js";
export { decodeStrictCbor, encodeSignature1, MAX_CBOR_BYTES, MAX_CBOR_DEPTH, type CborValue, type CborMap } from "./strict-cbor.js";
export {
  AWS_NITRO_ROOT_G1_SHA256,
  MAX_FUTURE_SKEW_MS,
  verifyAttestationDocument,
  type AllowedPcrs,
  type VerifyAttestationOptions,
  type VerifiedAttestation,
} from "./verify-attestation.js";
export { decodeEnclaveClaims, encodeEnclaveClaims, ENCLAVE_CLAIMS_BYTES, ENCLAVE_CLAIMS_VERSION, type EnclaveClaims } from "./enclave-claims.js";
