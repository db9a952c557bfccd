// Strict, bounded CBOR decoder for attestation documents (RFC 8949 subset).
// Rejects rather than coerces: no indefinite lengths, tags, floats, simple values other than
// false/true/null, non-shortest lengths, duplicate map keys, deep nesting or trailing bytes.
import { AttestationError } from "./attestation-error.js";

/** A decoded CBOR value. Integers beyond Number.MAX_SAFE_INTEGER are bigint. */
export type CborValue = number | bigint | Uint8Array | string | boolean | null | CborValue[] | CborMap;
/** CBOR map keyed by decoded key (only integer and text keys are accepted). */
export type CborMap = Map<number | bigint | string, CborValue>;

/** Largest input accepted (real documents are ~5 KiB). */
export const MAX_CBOR_BYTES = 64 * 1024;
/** Deepest container nesting accepted. */
export const MAX_CBOR_DEPTH = 16;

const bad = (why: string): never => {
  throw new AttestationError("MALFORMED", `invalid CBOR: ${why}`);
};

const textDecoder = new TextDecoder("utf-8", { fatal: true });

class Reader {
  pos = 0;
  constructor(readonly buf: Uint8Array) {}
  byte(): number {
    const b = this.buf[this.pos];
    if (b === undefined) bad("truncated");
    this.pos += 1;
    return b as number;
  }
  take(n: number): Uint8Array {
    if (n > this.buf.length - this.pos) bad("truncated");
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  /** Argument of a head; enforces shortest encoding. */
  argument(info: number): bigint {
    if (info < 24) return BigInt(info);
    let n: number;
    if (info === 24) n = 1;
    else if (info === 25) n = 2;
    else if (info === 26) n = 4;
    else if (info === 27) n = 8;
    else return bad("reserved or indefinite length");
    let v = 0n;
    for (const b of this.take(n)) v = (v << 8n) | BigInt(b);
    const min = info === 24 ? 24n : 1n << BigInt(4 * n); // smallest value needing this width
    if (v < min) bad("non-canonical length");
    return v;
  }
}

function toNumberOrBig(v: bigint): number | bigint {
  return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(v) : v;
}

function length(r: Reader, info: number): number {
  const v = r.argument(info);
  // Any length must fit in what remains of the input, which also bounds allocations.
  if (v > BigInt(r.buf.length - r.pos)) bad("length exceeds input");
  return Number(v);
}

function item(r: Reader, depth: number): CborValue {
  if (depth > MAX_CBOR_DEPTH) bad("nesting too deep");
  const head = r.byte();
  const major = head >> 5;
  const info = head & 0x1f;
  switch (major) {
    case 0:
      return toNumberOrBig(r.argument(info));
    case 1:
      return toNumberOrBig(-1n - r.argument(info));
    case 2:
      return r.take(length(r, info)).slice();
    case 3: {
      try {
        return textDecoder.decode(r.take(length(r, info)));
      } catch (e) {
        if (e instanceof AttestationError) throw e;
        return bad("text is not UTF-8");
      }
    }
    case 4: {
      const n = length(r, info);
      const out: CborValue[] = [];
      for (let i = 0; i < n; i++) out.push(item(r, depth + 1));
      return out;
    }
    case 5: {
      const n = length(r, info);
      const out: CborMap = new Map();
      for (let i = 0; i < n; i++) {
        const k = item(r, depth + 1);
        if (typeof k !== "number" && typeof k !== "bigint" && typeof k !== "string") bad("unsupported map key type");
        const key = k as number | bigint | string;
        if (out.has(key)) bad("duplicate map key");
        out.set(key, item(r, depth + 1));
      }
      return out;
    }
    case 6:
      return bad("tags are not accepted");
    default: // major 7
      if (info === 20) return false;
      if (info === 21) return true;
      if (info === 22) return null;
      return bad("unsupported simple value or float");
  }
}

/** Decodes exactly one CBOR item filling `bytes`; throws AttestationError("MALFORMED") otherwise. */
export function decodeStrictCbor(bytes: Uint8Array): CborValue {
  if (bytes.length === 0) bad("empty input");
  if (bytes.length > MAX_CBOR_BYTES) bad("input too large");
  const r = new Reader(bytes);
  const v = item(r, 0);
  if (r.pos !== bytes.length) bad("trailing bytes");
  return v;
}

function head(major: number, len: number): Uint8Array {
  const m = major << 5;
  if (len < 24) return Uint8Array.of(m | len);
  if (len < 0x100) return Uint8Array.of(m | 24, len);
  if (len < 0x10000) return Uint8Array.of(m | 25, len >> 8, len & 0xff);
  return Uint8Array.of(m | 26, (len >>> 24) & 0xff, (len >> 16) & 0xff, (len >> 8) & 0xff, len & 0xff);
}

/** CBOR of COSE Sig_structure ["Signature1", protected, h'', payload] (RFC 9052 §4.4). */
export function encodeSignature1(protectedHeader: Uint8Array, payload: Uint8Array): Uint8Array {
  const ctx = new TextEncoder().encode("Signature1");
  const parts = [
    Uint8Array.of(0x84),
    head(3, ctx.length),
    ctx,
    head(2, protectedHeader.length),
    protectedHeader,
    head(2, 0),
    head(2, payload.length),
    payload,
  ];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
