import { TypedDataEncoder, getBytes, keccak256, toUtf8Bytes, type TypedDataField } from "ethers";

/**
 * EIP-712 digests for one fixed domain and one struct type, on the hot path. The domain
 * separator and the type hash are computed once with ethers' TypedDataEncoder (so they are the
 * standard's values by construction); each signature then costs two or three keccak256 calls:
 *   digest = keccak256(0x19 0x01 || domainSeparator || keccak256(typeHash || field words...)).
 * Tests compare the result with TypedDataEncoder.hash on every venue's vectors.
 */

export interface Eip712Domain {
  readonly name: string;
  readonly version: string;
  readonly chainId: number;
  readonly verifyingContract: string;
}

/** The zero address: Hyperliquid's and Asterdex's verifyingContract. */
export const ZERO_ADDRESS = "0x0000000000000000000000000000000000000000";

export class Eip712Hasher {
  /** keccak256 of the encoded EIP712Domain struct. */
  readonly domainSeparator: Uint8Array;
  /** keccak256 of the primary type's encodeType string. */
  readonly typeHash: Uint8Array;
  private readonly fieldCount: number;
  /** 0x19 0x01 || domainSeparator || (struct hash, written per call). */
  private readonly prefix: Uint8Array;

  constructor(
    readonly domain: Eip712Domain,
    readonly types: Readonly<Record<string, readonly TypedDataField[]>>,
    readonly primaryType: string,
  ) {
    const mutableTypes = Object.fromEntries(Object.entries(types).map(([k, v]) => [k, [...v]]));
    const encoder = TypedDataEncoder.from(mutableTypes);
    if (encoder.primaryType !== primaryType) throw new Error(`EIP-712 types do not have ${primaryType} as their primary type`);
    this.domainSeparator = getBytes(TypedDataEncoder.hashDomain({ ...domain }));
    this.typeHash = getBytes(keccak256(toUtf8Bytes(encoder.encodeType(primaryType))));
    this.fieldCount = types[primaryType]?.length ?? 0;
    this.prefix = new Uint8Array(34);
    this.prefix[0] = 0x19;
    this.prefix[1] = 0x01;
    this.prefix.set(this.domainSeparator, 2);
  }

  /** Digest of a struct whose fields are already encoded as 32-byte words, in declaration order. */
  digest(fieldWords: readonly Uint8Array[]): Uint8Array {
    if (fieldWords.length !== this.fieldCount) throw new Error("EIP-712: wrong number of fields");
    const struct = new Uint8Array(32 * (1 + fieldWords.length));
    struct.set(this.typeHash, 0);
    fieldWords.forEach((word, i) => {
      if (word.length !== 32) throw new Error("EIP-712: a field word must be 32 bytes");
      struct.set(word, 32 * (i + 1));
    });
    const buf = new Uint8Array(66);
    buf.set(this.prefix, 0);
    buf.set(getBytes(keccak256(struct)), 34);
    return getBytes(keccak256(buf));
  }
}

/** The EIP-712 word of a `string` field: keccak256 of its UTF-8 bytes. */
export function stringWord(value: string): Uint8Array {
  return getBytes(keccak256(toUtf8Bytes(value)));
}
