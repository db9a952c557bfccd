/**
 * A small, exact MessagePack encoder for the values Hyperliquid actions contain. Hyperliquid
 * hashes `msgpack(action)`, so one byte of difference is a signature the venue rejects. The
 * output is byte-for-byte what Hyperliquid's SDKs produce (Python `msgpack.packb`, TypeScript
 * `@msgpack/msgpack` `encode`) for these values:
 * - maps: string keys in insertion order (never sorted), fixmap / map16 / map32;
 * - strings: UTF-8, fixstr / str8 / str16 / str32;
 * - integers: the smallest encoding (positive fixint, uint8..uint64, negative fixint, int8..int64);
 * - booleans, null, arrays (fixarray / array16 / array32).
 * Anything else is refused rather than guessed at: a non-integer number (Hyperliquid sends
 * prices and sizes as strings; a float here is a bug), an integer beyond 2^53 (not exact in a
 * double), undefined, a lone UTF-16 surrogate, binary data, or an object that is not plain.
 */

/** A value this encoder accepts. */
export type MsgpackValue = null | boolean | number | string | readonly MsgpackValue[] | { readonly [key: string]: MsgpackValue };

/** Deepest nesting accepted: Hyperliquid actions nest four levels; this bounds the recursion. */
const MAX_DEPTH = 32;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const utf8 = new TextEncoder();

/** Growable output buffer. */
class Writer {
  private buf = new Uint8Array(256);
  private view = new DataView(this.buf.buffer);
  length = 0;

  private ensure(extra: number): void {
    const needed = this.length + extra;
    if (needed <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < needed) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u8(v: number): void {
    this.ensure(1);
    this.buf[this.length++] = v;
  }

  u8u8(tag: number, v: number): void {
    this.ensure(2);
    this.buf[this.length++] = tag;
    this.buf[this.length++] = v & 0xff;
  }

  u16(tag: number, v: number): void {
    this.ensure(3);
    this.buf[this.length] = tag;
    this.view.setUint16(this.length + 1, v);
    this.length += 3;
  }

  u32(tag: number, v: number): void {
    this.ensure(5);
    this.buf[this.length] = tag;
    this.view.setUint32(this.length + 1, v);
    this.length += 5;
  }

  i16(tag: number, v: number): void {
    this.ensure(3);
    this.buf[this.length] = tag;
    this.view.setInt16(this.length + 1, v);
    this.length += 3;
  }

  i32(tag: number, v: number): void {
    this.ensure(5);
    this.buf[this.length] = tag;
    this.view.setInt32(this.length + 1, v);
    this.length += 5;
  }

  big64(tag: number, v: bigint, signed: boolean): void {
    this.ensure(9);
    this.buf[this.length] = tag;
    if (signed) this.view.setBigInt64(this.length + 1, v);
    else this.view.setBigUint64(this.length + 1, v);
    this.length += 9;
  }

  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }

  result(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

function encodeInteger(w: Writer, n: number): void {
  if (!Number.isSafeInteger(n)) throw new RangeError("msgpack: integer is not exactly representable (beyond 2^53)");
  if (n >= 0) {
    if (n < 0x80) w.u8(n);
    else if (n < 0x100) w.u8u8(0xcc, n);
    else if (n < 0x10000) w.u16(0xcd, n);
    else if (n < 0x100000000) w.u32(0xce, n);
    else w.big64(0xcf, BigInt(n), false);
  } else {
    if (n >= -0x20) w.u8(n & 0xff);
    else if (n >= -0x80) w.u8u8(0xd0, n);
    else if (n >= -0x8000) w.i16(0xd1, n);
    else if (n >= -0x80000000) w.i32(0xd2, n);
    else w.big64(0xd3, BigInt(n), true);
  }
}

function encodeString(w: Writer, s: string): void {
  if (LONE_SURROGATE.test(s)) throw new TypeError("msgpack: string holds a lone UTF-16 surrogate (not valid UTF-8)");
  const b = utf8.encode(s);
  const n = b.length;
  if (n < 32) w.u8(0xa0 | n);
  else if (n < 0x100) w.u8u8(0xd9, n);
  else if (n < 0x10000) w.u16(0xda, n);
  else if (n <= 0xffffffff) w.u32(0xdb, n);
  else throw new RangeError("msgpack: string too long");
  w.bytes(b);
}

function header(w: Writer, n: number, fix: number, tag16: number, tag32: number): void {
  if (n < 16) w.u8(fix | n);
  else if (n < 0x10000) w.u16(tag16, n);
  else if (n <= 0xffffffff) w.u32(tag32, n);
  else throw new RangeError("msgpack: container too large");
}

function isPlainObject(v: object): v is Record<string, unknown> {
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

function encodeValue(w: Writer, v: unknown, depth: number): void {
  if (depth > MAX_DEPTH) throw new RangeError("msgpack: nesting too deep");
  if (v === null) return w.u8(0xc0);
  switch (typeof v) {
    case "boolean":
      return w.u8(v ? 0xc3 : 0xc2);
    case "number":
      if (!Number.isInteger(v)) throw new TypeError("msgpack: non-integer number refused (Hyperliquid sends decimals as strings)");
      return encodeInteger(w, v);
    case "string":
      return encodeString(w, v);
    case "object": {
      if (Array.isArray(v)) {
        header(w, v.length, 0x90, 0xdc, 0xdd);
        for (let i = 0; i < v.length; i++) encodeValue(w, v[i] as unknown, depth + 1);
        return;
      }
      if (!isPlainObject(v)) throw new TypeError("msgpack: only plain objects, arrays, strings, integers, booleans and null are encoded");
      const keys = Object.keys(v);
      header(w, keys.length, 0x80, 0xde, 0xdf);
      for (const key of keys) {
        encodeString(w, key);
        encodeValue(w, v[key], depth + 1);
      }
      return;
    }
    default:
      throw new TypeError(`msgpack: ${typeof v} values are not encoded`);
  }
}

/** Encodes `value` as MessagePack (see the module comment for exactly what is accepted). */
export function encodeMsgpack(value: MsgpackValue): Uint8Array {
  const w = new Writer();
  encodeValue(w, value, 0);
  return w.result();
}
