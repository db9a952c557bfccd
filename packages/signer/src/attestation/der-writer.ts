// Minimal DER (X.690) writer: just the types an X.509 v3 certificate needs. Every function
// returns the complete TLV; definite, shortest lengths throughout, as DER requires.

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function lengthBytes(n: number): Uint8Array {
  if (!Number.isSafeInteger(n) || n < 0 || n > 0xffffffff) throw new RangeError("DER length out of range");
  if (n < 0x80) return Uint8Array.of(n);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Uint8Array.of(0x80 | bytes.length, ...bytes);
}

/** One TLV with a single-byte tag (every tag X.509 uses fits). */
export function tlv(tag: number, content: Uint8Array): Uint8Array {
  if (!Number.isInteger(tag) || tag < 0 || tag > 0xff || (tag & 0x1f) === 0x1f) throw new RangeError("DER tag must be a single-byte tag");
  return concat([Uint8Array.of(tag), lengthBytes(content.length), content]);
}

/** SEQUENCE of already-encoded elements, in order. */
export const sequence = (...items: Uint8Array[]): Uint8Array => tlv(0x30, concat(items));

/** SET OF already-encoded elements, sorted by their encodings as DER requires (X.690 11.6). */
export function setOf(...items: Uint8Array[]): Uint8Array {
  const sorted = [...items].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  return tlv(0x31, concat(sorted));
}

/** BOOLEAN (DER: TRUE is 0xff). */
export const boolean = (v: boolean): Uint8Array => tlv(0x01, Uint8Array.of(v ? 0xff : 0x00));

/** INTEGER from a bigint (two's complement, minimal) or from unsigned big-endian magnitude bytes. */
export function integer(v: bigint | Uint8Array): Uint8Array {
  if (v instanceof Uint8Array) {
    let i = 0;
    while (i < v.length - 1 && v[i] === 0) i++;
    const mag = v.length === 0 ? Uint8Array.of(0) : v.subarray(i);
    return tlv(0x02, (mag[0] as number) & 0x80 ? concat([Uint8Array.of(0), mag]) : mag.slice());
  }
  const bytes: number[] = [];
  let x = v;
  // Emit low bytes until the remaining value is all sign bits and the top bit of the last byte agrees.
  for (;;) {
    const b = Number(x & 0xffn);
    bytes.unshift(b);
    x >>= 8n;
    if ((x === 0n && (b & 0x80) === 0) || (x === -1n && (b & 0x80) !== 0)) break;
  }
  return tlv(0x02, Uint8Array.from(bytes));
}

/** OBJECT IDENTIFIER from dotted form ("1.2.840.10045.4.3.3"). */
export function oid(dotted: string): Uint8Array {
  if (!/^[0-2](\.(0|[1-9][0-9]*))+$/.test(dotted)) throw new RangeError(`invalid OID ${dotted}`);
  const arcs = dotted.split(".").map((a) => BigInt(a));
  const [a0, a1] = arcs as [bigint, bigint];
  if (a0 < 2n && a1 > 39n) throw new RangeError(`invalid OID ${dotted}`);
  const out: number[] = [];
  for (const arc of [a0 * 40n + a1, ...arcs.slice(2)]) {
    const chunk: number[] = [Number(arc & 0x7fn)];
    for (let r = arc >> 7n; r > 0n; r >>= 7n) chunk.unshift(Number(r & 0x7fn) | 0x80);
    out.push(...chunk);
  }
  return tlv(0x06, Uint8Array.from(out));
}

/** BIT STRING of whole bytes (unused bits 0), e.g. a signature or a public key. */
export const bitString = (bytes: Uint8Array): Uint8Array => tlv(0x03, concat([Uint8Array.of(0), bytes]));

/**
 * BIT STRING for a named-bit list such as KeyUsage: bit 0 is the most significant bit of the
 * first byte; trailing zero bits are dropped (X.690 11.2.2), so {0,5,6} is 03 02 01 86.
 */
export function namedBits(bits: readonly number[]): Uint8Array {
  if (bits.some((b) => !Number.isInteger(b) || b < 0 || b > 63)) throw new RangeError("named bit out of range");
  if (bits.length === 0) return tlv(0x03, Uint8Array.of(0));
  const highest = Math.max(...bits);
  const bytes = new Uint8Array(Math.floor(highest / 8) + 1);
  for (const b of bits) bytes[b >> 3] = (bytes[b >> 3] as number) | (0x80 >> (b & 7));
  return tlv(0x03, concat([Uint8Array.of(7 - (highest & 7)), bytes]));
}

/** OCTET STRING. */
export const octetString = (bytes: Uint8Array): Uint8Array => tlv(0x04, bytes);

/** UTF8String; refuses lone surrogates, which would not survive UTF-8. */
export function utf8String(s: string): Uint8Array {
  if (/\p{Cs}/u.test(s)) throw new RangeError("UTF8String with a lone surrogate");
  return tlv(0x0c, new TextEncoder().encode(s));
}

/** PrintableString; refuses characters outside its alphabet (X.680 41.4). */
export function printableString(s: string): Uint8Array {
  if (!/^[A-Za-z0-9 '()+,\-./:=?]*$/.test(s)) throw new RangeError("character outside the PrintableString alphabet");
  return tlv(0x13, new TextEncoder().encode(s));
}

const pad = (n: number, w: number): string => String(n).padStart(w, "0");

function checkTime(d: Date): void {
  const t = d.getTime();
  if (!Number.isFinite(t)) throw new RangeError("invalid date");
  // RFC 5280 §4.1.2.5.1/.2: seconds are present, fractional seconds are not.
  if (t % 1000 !== 0) throw new RangeError("certificate times must be whole seconds");
  if (d.getUTCFullYear() < 1950 || d.getUTCFullYear() > 9999) throw new RangeError("year outside 1950..9999");
}

/** UTCTime YYMMDDHHMMSSZ (years 1950..2049 only). */
export function utcTime(d: Date): Uint8Array {
  checkTime(d);
  const y = d.getUTCFullYear();
  if (y >= 2050) throw new RangeError("UTCTime cannot express years from 2050");
  const s = `${pad(y % 100, 2)}${pad(d.getUTCMonth() + 1, 2)}${pad(d.getUTCDate(), 2)}${pad(d.getUTCHours(), 2)}${pad(d.getUTCMinutes(), 2)}${pad(d.getUTCSeconds(), 2)}Z`;
  return tlv(0x17, new TextEncoder().encode(s));
}

/** GeneralizedTime YYYYMMDDHHMMSSZ (no fraction). */
export function generalizedTime(d: Date): Uint8Array {
  checkTime(d);
  const s = `${pad(d.getUTCFullYear(), 4)}${pad(d.getUTCMonth() + 1, 2)}${pad(d.getUTCDate(), 2)}${pad(d.getUTCHours(), 2)}${pad(d.getUTCMinutes(), 2)}${pad(d.getUTCSeconds(), 2)}Z`;
  return tlv(0x18, new TextEncoder().encode(s));
}

/** X.509 Time per RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050. */
export const x509Time = (d: Date): Uint8Array => (d.getUTCFullYear() < 2050 ? utcTime(d) : generalizedTime(d));

/** [n] EXPLICIT: a constructed context tag wrapping one encoded element. */
export function explicitTag(n: number, inner: Uint8Array): Uint8Array {
  if (!Number.isInteger(n) || n < 0 || n > 30) throw new RangeError("context tag number out of range");
  return tlv(0xa0 | n, inner);
}

/** [n] IMPLICIT on a primitive type: the raw content under a primitive context tag. */
export function implicitPrimitive(n: number, content: Uint8Array): Uint8Array {
  if (!Number.isInteger(n) || n < 0 || n > 30) throw new RangeError("context tag number out of range");
  return tlv(0x80 | n, content);
}
