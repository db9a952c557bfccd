// The sidecar's boot-time identity: an Ed25519 key that signs receipts and an X25519 key that
// operators seal key material to. Both are created in memory at start and never leave the
// process: with the Nitro backend they die with the enclave, and a restart shows a new
// receipt key, which clients notice and re-attest.
import { createPublicKey, diffieHellman, generateKeyPairSync, sign, type KeyObject } from "node:crypto";
import { receiptKeyIdOf, receiptSigningBytes, type Receipt, type UnsignedReceipt } from "@airlock/core/receipts";

export interface EnclaveIdentity {
  /** SHA-256 (hex) of the receipt public key's SPKI DER. */
  readonly receiptKeyId: string;
  /** SPKI DER of the Ed25519 receipt key: the attestation document's public_key. */
  readonly receiptPublicKeySpki: Uint8Array;
  /** Raw X25519 public key (32 bytes) for sealed provisioning. */
  readonly provisioningPublicKey: Uint8Array;
  /** Signs the receipt fields (the receiptKeyId field must be this identity's). */
  signReceipt(fields: Omit<UnsignedReceipt, "v" | "alg" | "receiptKeyId">): Receipt;
  /** X25519 shared secret with a peer's raw public key; throws on a malformed or low-order key. */
  provisioningSharedSecret(peerPublicKey: Uint8Array): Buffer;
}

/** Creates a fresh identity (two new key pairs). */
export function createEnclaveIdentity(): EnclaveIdentity {
  const receipt = generateKeyPairSync("ed25519");
  const provisioning = generateKeyPairSync("x25519");
  const receiptPublicKeySpki = new Uint8Array(receipt.publicKey.export({ format: "der", type: "spki" }));
  const receiptKeyId = receiptKeyIdOf(receiptPublicKeySpki);
  const provisioningPublicKey = rawX25519(provisioning.publicKey);
  return {
    receiptKeyId,
    receiptPublicKeySpki,
    provisioningPublicKey,
    signReceipt(fields) {
      const unsigned: UnsignedReceipt = { v: 1, alg: "Ed25519", receiptKeyId, ...fields };
      const sig = sign(null, receiptSigningBytes(unsigned), receipt.privateKey).toString("base64url");
      return { ...unsigned, sig };
    },
    provisioningSharedSecret(peerPublicKey) {
      if (peerPublicKey.length !== 32) throw new RangeError("X25519 public key must be 32 bytes");
      const peer = createPublicKey({ key: { kty: "OKP", crv: "X25519", x: Buffer.from(peerPublicKey).toString("base64url") }, format: "jwk" });
      const secret = diffieHellman({ privateKey: provisioning.privateKey, publicKey: peer });
      // RFC 7748 §6.1: an all-zero output means a low-order point; refuse it.
      if (secret.every((b) => b === 0)) throw new RangeError("X25519 shared secret is zero (low-order public key)");
      return secret;
    },
  };
}

function rawX25519(publicKey: KeyObject): Uint8Array {
  const jwk = publicKey.export({ format: "jwk" });
  return new Uint8Array(Buffer.from(jwk.x as string, "base64url"));
}

