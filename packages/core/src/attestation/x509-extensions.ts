// Minimal DER reader for the two X.509 extensions node:crypto's X509Certificate does not expose:
// BasicConstraints (cA, pathLenConstraint) and KeyUsage bits. Reads only; signatures are checked
// elsewhere, so this parses bytes already covered by a verified certificate signature.
import { AttestationError } from "./attestation-error.js";

/** The constraint-relevant extensions of one certificate. */
export interface CertConstraints {
  basicConstraints?: { critical: boolean; ca: boolean; pathLen?: number };
  keyUsage?: { critical: boolean; digitalSignature: boolean; keyCertSign: boolean };
}

interface Tlv {
  tag: number;
  start: number; // first content byte
  end: number; // one past the last content byte
}

const bad = (): never => {
  throw new AttestationError("CHAIN_INVALID", "certificate extensions are not valid DER");
};

function tlv(buf: Uint8Array, pos: number, limit: number): Tlv {
  if (pos + 2 > limit) bad();
  const tag = buf[pos] as number;
  if ((tag & 0x1f) === 0x1f) bad(); // multi-byte tags never occur here
  let len = buf[pos + 1] as number;
  let start = pos + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 3 || start + n > limit) bad();
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + (buf[start + i] as number);
    if (len < 0x80 || (n > 1 && buf[start] === 0)) bad(); // DER: shortest length form
    start += n;
  }
  if (start + len > limit) bad();
  return { tag, start, end: start + len };
}

function children(buf: Uint8Array, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let p = parent.start; p < parent.end; ) {
    const t = tlv(buf, p, parent.end);
    out.push(t);
    p = t.end;
    if (out.length > 64) bad();
  }
  return out;
}

const OID_BASIC_CONSTRAINTS = "551d13";
const OID_KEY_USAGE = "551d0f";
const hexOf = (buf: Uint8Array, t: Tlv): string => Buffer.from(buf.subarray(t.start, t.end)).toString("hex");

/** Extracts BasicConstraints and KeyUsage from a DER certificate; duplicates are refused. */
export function readCertConstraints(der: Uint8Array): CertConstraints {
  const cert = tlv(der, 0, der.length);
  if (cert.tag !== 0x30 || cert.end !== der.length) bad();
  const tbs = children(der, cert)[0];
  if (tbs === undefined || tbs.tag !== 0x30) return bad();
  const extsWrapper = children(der, tbs).find((c) => c.tag === 0xa3);
  const out: CertConstraints = {};
  if (extsWrapper === undefined) return out;
  const exts = children(der, extsWrapper)[0];
  if (exts === undefined || exts.tag !== 0x30) return bad();
  for (const ext of children(der, exts)) {
    const parts = children(der, ext);
    const oid = parts[0];
    if (ext.tag !== 0x30 || oid === undefined || oid.tag !== 0x06) bad();
    let critical = false;
    let valueIdx = 1;
    if (parts[1]?.tag === 0x01) {
      if (parts[1].end - parts[1].start !== 1) bad();
      critical = der[parts[1].start] === 0xff;
      valueIdx = 2;
    }
    const value = parts[valueIdx];
    if (value === undefined || value.tag !== 0x04 || parts.length !== valueIdx + 1) return bad();
    const id = hexOf(der, oid as Tlv);
    if (id === OID_BASIC_CONSTRAINTS) {
      if (out.basicConstraints) bad();
      const seq = tlv(der, value.start, value.end);
      if (seq.tag !== 0x30 || seq.end !== value.end) bad();
      let ca = false;
      let pathLen: number | undefined;
      for (const f of children(der, seq)) {
        if (f.tag === 0x01 && f.end - f.start === 1) ca = der[f.start] === 0xff;
        else if (f.tag === 0x02 && f.end - f.start === 1 && (der[f.start] as number) < 0x80) pathLen = der[f.start] as number;
        else bad();
      }
      out.basicConstraints = pathLen === undefined ? { critical, ca } : { critical, ca, pathLen };
    } else if (id === OID_KEY_USAGE) {
      if (out.keyUsage) bad();
      const bits = tlv(der, value.start, value.end);
      if (bits.tag !== 0x03 || bits.end !== value.end || bits.end - bits.start < 2) bad();
      const first = der[bits.start + 1] as number;
      out.keyUsage = { critical, digitalSignature: (first & 0x80) !== 0, keyCertSign: (first & 0x04) !== 0 };
    }
  }
  return out;
}
