// Canonical CBOR encoder for the value model of strict-cbor.ts (RFC 8949 subset): the exact
// inverse of decodeStrictCbor. Shortest heads, definite lengths, no tags, no floats. Map entries
// keep their insertion order (the NSM's own key order is not RFC 8949 §4.2.1 sorted order, and
// documents must be reproduced byte for byte), so "canonical" here means preferred serialisation.
import { MAX_CBOR_DEPTH, type CborValue } from "./strict-cbor.js";

const UINT64_MAX = (1n << 64n) - 1n;
const LONE_SURROGATE = /\p{Cs}/u; // in `u` mode a well-formed pair is one code point, never Cs
const utf8 = new TextEncoder();

const bad = (why: string): never => {
  throw new TypeError(`cannot CBOR-encode: ${why}`);
};

/** Head bytes for major type `major` with argument `n` (0 ≤ n ≤ 2^64-1), shortest form. */
function head(major: number, n: bigint): Uint8Array {
  const m = major << 5;
  if (n < 24n) return Uint8Array.of(m | Number(n));
  const [info, width] = n < 0x100n ? [24, 1] : n < 0x10000n ? [25, 2] : n < 0x100000000n ? [26, 4] : [27, 8];
  const out = new Uint8Array(1 + width);
  out[0] = m | info;
  for (let i = 0; i < width; i++) out[width - i] = Number((n >> BigInt(8 * i)) & 0xffn);
  return out;
}

function integer(v: number | bigint): Uint8Array {
  if (typeof v === "number" && !Number.isSafeInteger(v)) {
    return bad(Number.isInteger(v) ? "integer beyond Number.MAX_SAFE_INTEGER (use a bigint)" : "number is not an integer (floats are not supported)");
  }
  const b = BigInt(v);
  if (b > UINT64_MAX) return bad("integer above 2^64-1");
  if (b < -1n - UINT64_MAX) return bad("integer below -2^64");
  return b >= 0n ? head(0, b) : head(1, -1n - b);
}

function text(s: string): Uint8Array[] {
  if (LONE_SURROGATE.test(s)) bad("text contains a lone UTF-16 surrogate (not valid UTF-8)");
  const bytes = utf8.encode(s);
  return [head(3, BigInt(bytes.length)), bytes];
}

function walk(v: unknown, depth: number, out: Uint8Array[]): void {
  if (depth > MAX_CBOR_DEPTH) bad(`nesting deeper than ${MAX_CBOR_DEPTH} (or a cycle)`);
  if (v === null) out.push(Uint8Array.of(0xf6));
  else if (v === false) out.push(Uint8Array.of(0xf4));
  else if (v === true) out.push(Uint8Array.of(0xf5));
  else if (typeof v === "number" || typeof v === "bigint") out.push(integer(v));
  else if (typeof v === "string") out.push(...text(v));
  else if (v instanceof Uint8Array) out.push(head(2, BigInt(v.length)), v.slice());
  else if (Array.isArray(v)) {
    out.push(head(4, BigInt(v.length)));
    for (const x of v) walk(x, depth + 1, out);
  } else if (v instanceof Map) {
    out.push(head(5, BigInt(v.size)));
    const seen = new Set<string>();
    for (const [k, x] of v) {
      if (typeof k !== "string" && typeof k !== "number" && typeof k !== "bigint") bad("map key is neither text nor an integer");
      const keyBytes: Uint8Array[] = [];
      walk(k, depth + 1, keyBytes);
      // 5 and 5n are distinct Map keys but the same CBOR key: the decoder would refuse the result.
      const id = Buffer.concat(keyBytes).toString("hex");
      if (seen.has(id)) bad("two map keys encode to the same CBOR key");
      seen.add(id);
      out.push(...keyBytes);
      walk(x, depth + 1, out);
    }
  } else if (v === undefined) bad("undefined (use null)");
  else if (ArrayBuffer.isView(v) || v instanceof ArrayBuffer) bad("binary data must be a Uint8Array");
  else if (typeof v === "object") bad("plain objects are not supported (use a Map)");
  else bad(`unsupported value of type ${typeof v}`);
}

/**
 * Encodes `value` as CBOR that {@link decodeStrictCbor} accepts and decodes back to an equal
 * value: Map (text or integer keys, insertion order kept) → map, Uint8Array → bstr, string →
 * tstr, safe integers and bigints in [-2^64, 2^64-1] → shortest uint/nint head, arrays, null,
 * booleans. Throws a TypeError naming the problem for anything else (floats, unsafe numbers,
 * undefined, objects, lone surrogates, duplicate keys, nesting deeper than MAX_CBOR_DEPTH).
 */
export function encodeCbor(value: CborValue): Uint8Array {
  const out: Uint8Array[] = [];
  walk(value, 0, out);
  const total = out.reduce((n, p) => n + p.length, 0);
  const bytes = new Uint8Array(total);
  let o = 0;
  for (const p of out) {
    bytes.set(p, o);
    o += p.length;
  }
  return bytes;
}
