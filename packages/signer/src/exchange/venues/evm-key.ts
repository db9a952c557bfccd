import { inspect } from "node:util";
import { SigningKey, computeAddress } from "ethers";
import { VenueConfigError } from "./eip712-errors.js";

/**
 * A secp256k1 private key held for an EIP-712 venue. The key lives in a private field: it is
 * absent from JSON.stringify and util.inspect, and no error built here repeats it.
 */

/** Order of the secp256k1 group: a private key must satisfy 1 <= k < N. */
const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

/** An ECDSA signature as EVM venues take it: 32-byte r and s (0x hex), v = 27 + recovery id. */
export interface EvmSignature {
  readonly r: string;
  readonly s: string;
  readonly v: 27 | 28;
}

/** Parses `0x` + 64 hex digits (or the 64 digits alone); refuses anything else without echoing it. */
function parsePrivateKey(value: unknown): string {
  if (typeof value !== "string") throw new VenueConfigError("privateKey must be a string of 64 hex digits");
  const hex = value.startsWith("0x") || value.startsWith("0X") ? value.slice(2) : value;
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) throw new VenueConfigError("privateKey must be 0x followed by 64 hex digits");
  const k = BigInt(`0x${hex}`);
  if (k === 0n || k >= SECP256K1_N) throw new VenueConfigError("privateKey is outside the secp256k1 key range");
  return `0x${hex.toLowerCase()}`;
}

export class EvmKey {
  readonly #privateKey: string;
  readonly #signingKey: SigningKey;
  /** EIP-55 checksummed address of the key (public; what the venue recovers). */
  readonly address: string;

  constructor(privateKey: unknown) {
    this.#privateKey = parsePrivateKey(privateKey);
    this.#signingKey = new SigningKey(this.#privateKey);
    this.address = computeAddress(this.#signingKey.publicKey);
  }

  /** Signs a 32-byte digest (RFC 6979 deterministic nonce, low-s). */
  signDigest(digest: Uint8Array): EvmSignature {
    const sig = this.#signingKey.sign(digest);
    return { r: sig.r, s: sig.s, v: sig.v };
  }

  /** The private key in its canonical spelling, for the leak scanner only. */
  secret(): string {
    return this.#privateKey;
  }

  toJSON(): { address: string } {
    return { address: this.address };
  }

  [inspect.custom](): string {
    return `EvmKey { address: '${this.address}', privateKey: [redacted] }`;
  }
}
