/** The Stark field modulus p = 2^251 + 17·2^192 + 1. */
export const P = 2n ** 251n + 17n * 2n ** 192n + 1n;

/**
 * Throws unless `v` is a bigint in [0, p). Callers hash security-relevant data, so an
 * out-of-range value is a bug to surface, not something to reduce mod p quietly.
 * `index` (when given) is appended to `name` in the message, e.g. "values[3]".
 */
export function assertFelt(v: unknown, name: string, index?: number): asserts v is bigint {
  if (typeof v === "bigint" && v >= 0n && v < P) return;
  const what = index === undefined ? name : `${name}[${index}]`;
  if (typeof v !== "bigint") {
    throw new TypeError(`poseidon: ${what} must be a bigint field element, got ${v === null ? "null" : typeof v}`);
  }
  throw new RangeError(
    `poseidon: ${what} is not a field element: it is ${v < 0n ? "negative" : ">= p"} (need 0 <= x < p = 2^251 + 17*2^192 + 1)`,
  );
}

/** Throws unless `values` is an array of field elements (see assertFelt). */
export function assertFelts(values: unknown, name: string): asserts values is readonly bigint[] {
  if (!Array.isArray(values)) throw new TypeError(`poseidon: ${name} must be an array of bigints`);
  for (let i = 0; i < values.length; i++) assertFelt(values[i], name, i);
}

/** Throws unless `state` is a width-3 array of field elements. */
export function assertState(state: unknown): asserts state is readonly [bigint, bigint, bigint] {
  if (!Array.isArray(state) || state.length !== 3) {
    throw new TypeError("poseidon: state must be an array of exactly 3 bigints");
  }
  assertFelts(state, "state");
}
