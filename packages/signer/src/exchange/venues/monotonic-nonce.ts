/**
 * Per-signer nonces that never repeat within this process. Hyperliquid (per signer address, in
 * ms) and Asterdex (per API-wallet address, in µs) both reject a nonce they have seen, so two
 * requests signed in the same clock tick by the same key must get different nonces:
 * next = max(clock value, previous + 1). Under a burst the nonce runs ahead of the clock by at
 * most the burst size in ticks, well inside both venues' windows. The state is keyed by address
 * and shared by every signer of the process, because the venues track nonces per address, not
 * per configured account. Several sidecar processes with the same key do not coordinate: a
 * collision there is refused by the venue as a duplicate (never executed twice).
 */

const lastByKey = new Map<string, number>();

/** Most distinct addresses tracked (one entry per configured EVM key; a bound, not a cache). */
const MAX_KEYS = 10_000;

/** A nonce for `key` (venue + address) that is >= `floor` and greater than any returned before. */
export function nextNonce(key: string, floor: number): number {
  if (!Number.isSafeInteger(floor) || floor < 0) throw new RangeError("nonce floor must be a non-negative safe integer");
  const last = lastByKey.get(key);
  const next = last === undefined || floor > last ? floor : last + 1;
  if (!Number.isSafeInteger(next)) throw new RangeError("nonce overflow");
  if (last === undefined && lastByKey.size >= MAX_KEYS) throw new RangeError("too many signer keys for the nonce tracker");
  lastByKey.set(key, next);
  return next;
}
