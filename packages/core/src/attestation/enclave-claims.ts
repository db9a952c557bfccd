// What an Airlock enclave states in its attestation document's user_data, next to the receipt
// key in public_key: the hash of the policy it enforces and the X25519 key operators seal
// key material to. Fixed layout, version byte first, so nothing is parsed loosely.
import { AttestationError } from "./attestation-error.js";

export const ENCLAVE_CLAIMS_VERSION = 1;
/** version (1) + policy hash (32) + provisioning X25519 public key (32). */
export const ENCLAVE_CLAIMS_BYTES = 65;

export interface EnclaveClaims {
  /** SHA-256 (lowercase hex) of the canonical policy the enclave enforces. */
  readonly policyHash: string;
  /** Raw X25519 public key (32 bytes) for sealed key provisioning. */
  readonly provisioningPublicKey: Uint8Array;
}

export function encodeEnclaveClaims(claims: EnclaveClaims): Uint8Array {
  if (!/^[0-9a-f]{64}$/.test(claims.policyHash)) throw new TypeError("policyHash must be 64 lowercase hex characters");
  if (claims.provisioningPublicKey.length !== 32) throw new TypeError("provisioningPublicKey must be 32 bytes");
  const out = new Uint8Array(ENCLAVE_CLAIMS_BYTES);
  out[0] = ENCLAVE_CLAIMS_VERSION;
  out.set(Buffer.from(claims.policyHash, "hex"), 1);
  out.set(claims.provisioningPublicKey, 33);
  return out;
}

/** Reads the claims of a verified document; anything but the exact layout is FIELD_INVALID. */
export function decodeEnclaveClaims(userData: Uint8Array | undefined): EnclaveClaims {
  if (userData === undefined || userData.length !== ENCLAVE_CLAIMS_BYTES || userData[0] !== ENCLAVE_CLAIMS_VERSION) {
    throw new AttestationError("FIELD_INVALID", "user_data does not hold Airlock enclave claims (version 1, 65 bytes)");
  }
  return {
    policyHash: Buffer.from(userData.subarray(1, 33)).toString("hex"),
    provisioningPublicKey: userData.slice(33, 65),
  };
}
