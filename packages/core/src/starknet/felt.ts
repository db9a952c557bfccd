/** The Stark field prime p = 2^251 + 17·2^192 + 1: every felt lies in [0, p). */
export const STARK_PRIME = 2n ** 251n + 17n * 2n ** 192n + 1n;

/** Order n of the Stark curve's generator: ECDSA r and s lie in [1, n). */
export const STARK_ORDER = 0x0800000000000010ffffffffffffffffb781126dcae7b2321e66a241adc64d2fn;

/** `0x` + 1..64 hex digits, either case (SISNA's HexFelt). */
export const HEX_FELT_PATTERN = /^0x[0-9a-fA-F]{1,64}$/;
/** 1..78 decimal digits (SISNA's decimal Felt). */
export const DEC_FELT_PATTERN = /^\d{1,78}$/;

/** Parses a hex or decimal felt string, or returns undefined when it is malformed or not below p. */
export function parseFelt(value: string): bigint | undefined {
  if (!HEX_FELT_PATTERN.test(value) && !DEC_FELT_PATTERN.test(value)) return undefined;
  const n = BigInt(value);
  return n < STARK_PRIME ? n : undefined;
}

/** Like parseFelt, for values the caller has already validated; throws a RangeError naming `field`. */
export function feltOf(value: string, field: string): bigint {
  const n = parseFelt(value);
  if (n === undefined) throw new RangeError(`"${field}" is not a field element below the Stark prime`);
  return n;
}

/** Canonical felt text: lowercase, unpadded `0x` hex (SISNA's `num.toHex`). */
export function feltHex(n: bigint): string {
  return `0x${n.toString(16)}`;
}

/** Normalises any accepted felt spelling (leading zeros, decimal, uppercase) to feltHex. */
export function normalizeFelt(value: string): string | undefined {
  const n = parseFelt(value);
  return n === undefined ? undefined : feltHex(n);
}
