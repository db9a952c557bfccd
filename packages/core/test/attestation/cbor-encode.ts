// Minimal CBOR encoder for tests: re-encodes decoded documents after tampering.
import type { CborValue } from "@airlock/core/attestation";

function head(major: number, n: bigint): number[] {
  const m = major << 5;
  if (n < 24n) return [m | Number(n)];
  const widths: [number, number][] = [[24, 1], [25, 2], [26, 4], [27, 8]];
  for (const [info, w] of widths) {
    if (n < 1n << BigInt(8 * w)) {
      const out = [m | info];
      for (let i = w - 1; i >= 0; i--) out.push(Number((n >> BigInt(8 * i)) & 0xffn));
      return out;
    }
  }
  throw new Error("too large");
}

/** Canonical-length CBOR encoding of a decoded value (map order preserved). */
export function encodeCbor(v: CborValue): Uint8Array {
  const out: number[] = [];
  const walk = (x: CborValue): void => {
    if (x === null) out.push(0xf6);
    else if (x === true) out.push(0xf5);
    else if (x === false) out.push(0xf4);
    else if (typeof x === "number" || typeof x === "bigint") {
      const b = BigInt(x);
      out.push(...(b >= 0n ? head(0, b) : head(1, -1n - b)));
    } else if (typeof x === "string") {
      const t = new TextEncoder().encode(x);
      out.push(...head(3, BigInt(t.length)), ...t);
    } else if (x instanceof Uint8Array) out.push(...head(2, BigInt(x.length)), ...x);
    else if (Array.isArray(x)) {
      out.push(...head(4, BigInt(x.length)));
      x.forEach(walk);
    } else {
      out.push(...head(5, BigInt(x.size)));
      for (const [k, val] of x) {
        walk(k);
        walk(val);
      }
    }
  };
  walk(v);
  return Uint8Array.from(out);
}
