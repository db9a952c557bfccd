// A strict reader of ASN.1 BER (X.690) for the one structure KMS returns to an enclave.
// BER, not only DER, because KMS encodes CiphertextForRecipient with indefinite lengths and a
// constructed (chunked) encryptedContent. Everything else is held to DER-like rules: single-byte
// tags, shortest definite lengths, no indefinite length on a primitive, and hard bounds on size,
// depth and element count, so a hostile input cannot make the reader loop, recurse or allocate
// without limit.

/** Why a BER input was refused. The message names the rule, never the bytes. */
export class BerError extends Error {
  override readonly name = "BerError";
}

/** One decoded element. Primitive elements carry `value`; constructed ones carry `children`. */
export interface BerNode {
  /** The identifier octet as it appears on the wire (class | constructed bit | tag number). */
  readonly tag: number;
  readonly constructed: boolean;
  /** True when the element used the indefinite length form (terminated by end-of-contents). */
  readonly indefinite: boolean;
  /** Content octets of a primitive element (a view into the input). */
  readonly value?: Uint8Array;
  readonly children?: readonly BerNode[];
}

/** Limits of one read. */
export interface BerLimits {
  /** Largest input accepted, in bytes. */
  readonly maxBytes: number;
  /** Deepest nesting accepted (the outermost element is depth 1). */
  readonly maxDepth: number;
  /** Most elements accepted in the whole input. */
  readonly maxNodes: number;
}

/** Identifier octets used in this package. */
export const TAG = {
  INTEGER: 0x02,
  OCTET_STRING: 0x04,
  OCTET_STRING_CONSTRUCTED: 0x24,
  NULL: 0x05,
  OID: 0x06,
  SEQUENCE: 0x30,
  SET: 0x31,
  /** [0] primitive (context-specific). */
  CONTEXT_0_PRIMITIVE: 0x80,
  /** [0] constructed (context-specific). */
  CONTEXT_0: 0xa0,
  /** [1] constructed (context-specific). */
  CONTEXT_1: 0xa1,
  /** [2] constructed (context-specific). */
  CONTEXT_2: 0xa2,
} as const;

/** Largest definite length we decode (4 length octets); far above any bound a caller sets. */
const MAX_LENGTH_OCTETS = 4;

interface Cursor {
  readonly buf: Uint8Array;
  pos: number;
  nodes: number;
}

const fail = (msg: string): never => {
  throw new BerError(`BER: ${msg}`);
};

/**
 * Reads exactly one element spanning the whole input (no trailing bytes) and returns its tree.
 * Throws {@link BerError} on any violation of the rules above.
 */
export function readBer(input: Uint8Array, limits: BerLimits): BerNode {
  if (!(input instanceof Uint8Array)) return fail("input must be bytes");
  if (input.length === 0) return fail("empty input");
  if (input.length > limits.maxBytes) return fail(`input exceeds ${limits.maxBytes} bytes`);
  const cur: Cursor = { buf: input, pos: 0, nodes: 0 };
  const node = readElement(cur, input.length, 1, limits);
  if (cur.pos !== input.length) fail("trailing bytes after the outermost element");
  return node;
}

function readElement(cur: Cursor, end: number, depth: number, limits: BerLimits): BerNode {
  if (depth > limits.maxDepth) fail("nesting too deep");
  if (++cur.nodes > limits.maxNodes) fail("too many elements");
  if (cur.pos >= end) fail("truncated: missing identifier");
  const tag = cur.buf[cur.pos++] as number;
  // Tag 0 in the universal class is reserved for end-of-contents; it is read by the caller.
  if (tag === 0x00) fail("unexpected end-of-contents");
  if ((tag & 0x1f) === 0x1f) fail("multi-byte tags are not used by this structure");
  const constructed = (tag & 0x20) !== 0;

  if (cur.pos >= end) fail("truncated: missing length");
  const first = cur.buf[cur.pos++] as number;
  if (first === 0x80) {
    if (!constructed) fail("indefinite length on a primitive element");
    const children: BerNode[] = [];
    for (;;) {
      if (cur.pos + 2 <= end && cur.buf[cur.pos] === 0x00) {
        if (cur.buf[cur.pos + 1] !== 0x00) fail("malformed end-of-contents");
        cur.pos += 2;
        return { tag, constructed, indefinite: true, children };
      }
      if (cur.pos >= end) fail("truncated: missing end-of-contents");
      children.push(readElement(cur, end, depth + 1, limits));
    }
  }

  let length: number;
  if (first < 0x80) {
    length = first;
  } else {
    const count = first & 0x7f;
    if (count === 0x7f) fail("reserved length octet");
    if (count > MAX_LENGTH_OCTETS) fail("length too large");
    if (cur.pos + count > end) fail("truncated: length octets");
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + (cur.buf[cur.pos++] as number);
    // Shortest form only: a long form must be needed and must not start with a zero octet.
    if (length < 0x80 || (cur.buf[cur.pos - count] as number) === 0) fail("non-minimal length encoding");
  }
  if (length > end - cur.pos) fail("truncated: content shorter than its length");
  const contentEnd = cur.pos + length;

  if (!constructed) {
    const value = cur.buf.subarray(cur.pos, contentEnd);
    cur.pos = contentEnd;
    return { tag, constructed, indefinite: false, value };
  }
  const children: BerNode[] = [];
  while (cur.pos < contentEnd) children.push(readElement(cur, contentEnd, depth + 1, limits));
  if (cur.pos !== contentEnd) fail("element overruns its parent");
  return { tag, constructed, indefinite: false, children };
}
