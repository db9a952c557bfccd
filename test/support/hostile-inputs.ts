/**
 * One corpus of hostile request bodies and headers, shared by every suite that talks to a route
 * (the sidecar's HTTP suite first, later the plugins'). Each entry is data only: the suite sends
 * it (for authenticated routes with a valid MAC over exactly these bytes) and asserts that the
 * answer is a well-formed JSON error or a success, never a crash.
 *
 * `valid` is a schema-valid body the variants start from, so that hostile parts sit where a
 * parser would otherwise accept them (prototype keys next to valid fields, NUL bytes in a
 * field that is read, numbers in the one numeric field).
 */

export interface HostileBody {
  readonly name: string;
  readonly body: Buffer;
  /** Content-type to send; undefined means application/json, null means none. */
  readonly contentType?: string | null;
}

export interface HostileHeaders {
  readonly name: string;
  /** Extra request headers, sent with a valid body and a valid MAC unless `auth` says otherwise. */
  readonly headers: Readonly<Record<string, string | string[]>>;
  /** Authentication headers to replace (their MAC is still computed over what is sent). */
  readonly auth?: { readonly nonce?: string; readonly timestamp?: string; readonly clientId?: string };
}

const utf8 = (s: string): Buffer => Buffer.from(s, "utf8");
const json = (v: unknown): Buffer => utf8(JSON.stringify(v));

/** `[[[…]]]` nested `depth` levels. */
export function nestedArrays(depth: number): string {
  return `${"[".repeat(depth)}${"]".repeat(depth)}`;
}

/** `{"a":{"a":…{}}}` nested `depth` levels. */
export function nestedObjects(depth: number): string {
  return `${'{"a":'.repeat(depth)}{}${"}".repeat(depth)}`;
}

/** Splices raw bytes into a JSON text in place of the placeholder string "@@". */
function withRawBytes(valid: Record<string, unknown>, field: (v: Record<string, unknown>, marker: string) => Record<string, unknown>, bytes: Buffer): Buffer {
  const text = JSON.stringify(field(valid, "@@"));
  const at = text.indexOf("@@");
  return Buffer.concat([utf8(text.slice(0, at)), bytes, utf8(text.slice(at + 2))]);
}

const reason = (v: Record<string, unknown>, r: string) => ({ ...v, context: { reason: r } });

/** The hostile bodies, built around a schema-valid body. */
export function hostileBodies(valid: Record<string, unknown>): HostileBody[] {
  const validText = JSON.stringify(valid);
  const inner = validText.slice(1, -1);
  return [
    // Not an object at all.
    { name: "empty body", body: Buffer.alloc(0) },
    { name: "whitespace only", body: utf8("  \r\n\t ") },
    { name: "null", body: utf8("null") },
    { name: "true", body: utf8("true") },
    { name: "number 0", body: utf8("0") },
    { name: "number -0", body: utf8("-0") },
    { name: "number 1e999", body: utf8("1e999") },
    { name: "string", body: utf8('"sign this"') },
    { name: "empty array", body: utf8("[]") },
    { name: "array of the valid body", body: utf8(`[${validText}]`) },
    { name: "empty object", body: utf8("{}") },
    // Not JSON.
    { name: "NaN literal", body: utf8("NaN") },
    { name: "Infinity literal", body: utf8("Infinity") },
    { name: "undefined literal", body: utf8("undefined") },
    { name: "single-quoted JSON", body: utf8("{'accountAddress':'0x1'}") },
    { name: "unquoted keys", body: utf8("{accountAddress:1}") },
    { name: "trailing comma", body: utf8(`{${inner},}`) },
    { name: "truncated JSON", body: utf8(validText.slice(0, -5)) },
    { name: "two JSON documents", body: utf8(`${validText}${validText}`) },
    { name: "byte-order mark before JSON", body: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), utf8(validText)]) },
    { name: "NaN as validUntil", body: utf8(validText.replace(/"validUntil":\d+/, '"validUntil":NaN')) },
    { name: "HTML", body: utf8("<html><body>hi</body></html>") },
    { name: "form-encoded", body: utf8("accountAddress=0x1&chainId=1"), contentType: "application/x-www-form-urlencoded" },
    { name: "form-encoded sent as JSON", body: utf8("accountAddress=0x1&chainId=1") },
    { name: "random binary", body: Buffer.from(Array.from({ length: 512 }, (_, i) => (i * 151 + 7) % 256)) },
    { name: "plain text content-type", body: utf8(validText), contentType: "text/plain" },
    { name: "no content-type", body: utf8(validText), contentType: null },
    { name: "application/jsonx content-type", body: utf8(validText), contentType: "application/jsonx" },
    { name: "utf-16 JSON", body: Buffer.from(validText, "utf16le"), contentType: "application/json; charset=utf-16" },
    // Deep and wide.
    { name: "10,000 nested arrays", body: utf8(nestedArrays(10_000)) },
    { name: "10,000 nested objects", body: utf8(nestedObjects(10_000)) },
    { name: "100,000 nested arrays", body: utf8(nestedArrays(100_000)) },
    { name: "10,000 nested arrays in context", body: utf8(`{${inner},"context":${nestedArrays(10_000)}}`) },
    { name: "10,000 nested arrays as a calldata item", body: utf8(validText.replace('"calldata":[', `"calldata":[${nestedArrays(10_000)},`)) },
    { name: "huge string in context.reason", body: json(reason(valid, "A".repeat(250_000))) },
    { name: "huge string as unknown field", body: json({ ...valid, padding: "x".repeat(250_000) }) },
    { name: "huge string as entrypoint", body: json({ ...valid, calls: [{ contractAddress: "0x1", entrypoint: "e".repeat(200_000), calldata: [] }] }) },
    { name: "20,000 keys", body: json(Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`k${i}`, i]))) },
    { name: "10,000 calls", body: json({ ...valid, calls: Array.from({ length: 10_000 }, () => ({})) }) },
    { name: "65 calls", body: json({ ...valid, calls: Array.from({ length: 65 }, () => ({ contractAddress: "0x1", entrypoint: "ping", calldata: [] })) }) },
    { name: "257 calldata items", body: json({ ...valid, calls: [{ contractAddress: "0x1", entrypoint: "ping", calldata: Array.from({ length: 257 }, () => "0x1") }] }) },
    // Prototype keys.
    { name: "__proto__ key beside valid fields", body: utf8(`{"__proto__":{"isAdmin":true},${inner}}`) },
    { name: "constructor.prototype beside valid fields", body: utf8(`{"constructor":{"prototype":{"isAdmin":true}},${inner}}`) },
    { name: "__proto__ in a call", body: utf8(validText.replace('"calls":[{', '"calls":[{"__proto__":{"entrypoint":"upgrade"},')) },
    { name: "__proto__ in context", body: utf8(`{${inner},"context":{"__proto__":{"reason":"x"}}}`) },
    { name: "__proto__ as calls", body: utf8(`{${inner.replace(/"calls":\[.*\]/, '"calls":{"__proto__":[]}')}}`) },
    { name: "prototype-named keyId", body: json({ ...valid, keyId: "__proto__" }) },
    { name: "keyId constructor", body: json({ ...valid, keyId: "constructor" }) },
    { name: "keyId hasOwnProperty", body: json({ ...valid, keyId: "hasOwnProperty" }) },
    // NUL and control bytes.
    { name: "escaped NUL in context.reason", body: json(reason(valid, "a\u0000b")) },
    { name: "raw NUL inside a string", body: withRawBytes(valid, reason, Buffer.from([0x61, 0x00, 0x62])) },
    { name: "raw NUL outside strings", body: Buffer.concat([utf8(validText), Buffer.from([0x00])]) },
    { name: "escaped NUL in entrypoint", body: json({ ...valid, calls: [{ contractAddress: "0x1", entrypoint: "transfer\u0000", calldata: [] }] }) },
    { name: "escaped NUL in a felt", body: json({ ...valid, nonce: "0x1\u0000" }) },
    { name: "raw control characters in context.reason", body: withRawBytes(valid, reason, Buffer.from([0x01, 0x1b, 0x7f])) },
    { name: "unicode line separators in context.reason", body: json(reason(valid, "a\u2028b\u2029c")) },
    // Invalid UTF-8.
    { name: "invalid UTF-8 byte 0xff in context.reason", body: withRawBytes(valid, reason, Buffer.from([0xff, 0xfe])) },
    { name: "overlong UTF-8 in context.reason", body: withRawBytes(valid, reason, Buffer.from([0xc0, 0xaf])) },
    { name: "truncated UTF-8 sequence in context.reason", body: withRawBytes(valid, reason, Buffer.from([0xe2, 0x82])) },
    { name: "invalid UTF-8 in a key", body: Buffer.concat([utf8("{"), Buffer.from([0xff]), utf8(`":1,${inner}}`)]) },
    { name: "lone surrogate escape in context.reason", body: utf8(JSON.stringify(reason(valid, "@@")).replace("@@", "\\ud800")) },
    { name: "fullwidth digits in a felt", body: json({ ...valid, nonce: "０x１" }) },
    // Duplicate keys.
    { name: "duplicate accountAddress", body: utf8(`{"accountAddress":"0x1",${inner}}`) },
    { name: "duplicate calls, the second denied", body: utf8(`{${inner},"calls":[{"contractAddress":"0x1","entrypoint":"upgrade","calldata":[]}]}`) },
    { name: "duplicate validUntil, the second a string", body: utf8(`{${inner},"validUntil":"1"}`) },
    // Numbers.
    { name: "validUntil 1e999", body: utf8(validText.replace(/"validUntil":\d+/, '"validUntil":1e999')) },
    { name: "validUntil -1e999", body: utf8(validText.replace(/"validUntil":\d+/, '"validUntil":-1e999')) },
    { name: "validUntil -0", body: utf8(validText.replace(/"validUntil":\d+/, '"validUntil":-0')) },
    { name: "validUntil 0", body: utf8(validText.replace(/"validUntil":\d+/, '"validUntil":0')) },
    { name: "validUntil 2^53+1", body: utf8(validText.replace(/"validUntil":\d+/, '"validUntil":9007199254740993')) },
    { name: "validUntil 1e308", body: utf8(validText.replace(/"validUntil":\d+/, '"validUntil":1e308')) },
    { name: "validUntil 5e-324", body: utf8(validText.replace(/"validUntil":\d+/, '"validUntil":5e-324')) },
    { name: "validUntil a 400-digit integer", body: utf8(validText.replace(/"validUntil":\d+/, `"validUntil":${"9".repeat(400)}`)) },
    { name: "validUntil as hex string", body: json({ ...valid, validUntil: "0x1" }) },
    { name: "felt as a JSON number", body: json({ ...valid, nonce: 7 }) },
    { name: "felt as a 200-digit decimal", body: json({ ...valid, nonce: "9".repeat(200) }) },
    { name: "felt with 65 hex digits", body: json({ ...valid, nonce: `0x${"1".repeat(65)}` }) },
    { name: "negative felt", body: json({ ...valid, nonce: "-1" }) },
    { name: "felt with whitespace", body: json({ ...valid, nonce: " 0x1" }) },
    // Wrong types in every field.
    { name: "calls as object", body: json({ ...valid, calls: {} }) },
    { name: "calls as string", body: json({ ...valid, calls: "[]" }) },
    { name: "calldata as string", body: json({ ...valid, calls: [{ contractAddress: "0x1", entrypoint: "transfer", calldata: "0x1" }] }) },
    { name: "context as array", body: json({ ...valid, context: [] }) },
    { name: "context.reason as object", body: json({ ...valid, context: { reason: { toString: "x" } } }) },
    { name: "keyId with path characters", body: json({ ...valid, keyId: "../../etc/passwd" }) },
    { name: "keyId with CRLF", body: json({ ...valid, keyId: "a\r\nx-injected: 1" }) },
  ];
}

/** Hostile header sets, each sent with a valid body and a MAC over what is sent. */
export const HOSTILE_HEADERS: readonly HostileHeaders[] = [
  { name: "latin-1 bytes in the nonce", headers: {}, auth: { nonce: "n\u00e9\u00ff" } },
  { name: "comma-joined duplicate nonce", headers: {}, auth: { nonce: "a, b" } },
  { name: "client id of 128 latin-1 characters", headers: {}, auth: { clientId: "\u00e9".repeat(128) } },
  { name: "client id __proto__", headers: {}, auth: { clientId: "__proto__" } },
  { name: "client id constructor", headers: {}, auth: { clientId: "constructor" } },
  { name: "client id toString", headers: {}, auth: { clientId: "toString" } },
  { name: "timestamp of 16 nines", headers: {}, auth: { timestamp: "9999999999999999" } },
  { name: "timestamp 0", headers: {}, auth: { timestamp: "0" } },
  { name: "timestamp 0x10", headers: {}, auth: { timestamp: "0x10" } },
  { name: "timestamp Infinity", headers: {}, auth: { timestamp: "Infinity" } },
  { name: "timestamp of latin-1 superscript digits", headers: {}, auth: { timestamp: "\u00b9\u00b2\u00b3" } },
  { name: "8 KiB x-request-id", headers: { "x-request-id": "r".repeat(8 * 1024) } },
  { name: "x-request-id with latin-1", headers: { "x-request-id": "r\u00e9q" } },
  { name: "x-request-id array", headers: { "x-request-id": ["a", "b"] } },
  { name: "garbage traceparent", headers: { traceparent: "00-zz-zz-zz" } },
  { name: "all-zero traceparent", headers: { traceparent: `00-${"0".repeat(32)}-${"0".repeat(16)}-01` } },
  { name: "version ff traceparent", headers: { traceparent: `ff-${"a".repeat(32)}-${"b".repeat(16)}-01` } },
  { name: "4 KiB traceparent", headers: { traceparent: "0".repeat(4096) } },
  { name: "duplicate traceparent", headers: { traceparent: [`00-${"a".repeat(32)}-${"b".repeat(16)}-01`, `00-${"c".repeat(32)}-${"d".repeat(16)}-01`] } },
  { name: "duplicate content-type", headers: { "content-type": ["application/json", "text/plain"] } },
  { name: "content-type with a huge parameter", headers: { "content-type": `application/json; x=${"y".repeat(4096)}` } },
  { name: "50 extra headers", headers: Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`x-extra-${i}`, "v"])) },
  { name: "x-forwarded-for spoofing", headers: { "x-forwarded-for": "10.0.0.1", "x-real-ip": "10.0.0.1", forwarded: "for=10.0.0.1" } },
  { name: "expect 100-continue", headers: { expect: "100-continue" } },
  { name: "content-encoding gzip on plain JSON", headers: { "content-encoding": "gzip" } },
];

/**
 * Raw HTTP/1.1 requests the HTTP client refuses to produce (framing errors), for `path`. Each
 * asks for `Connection: close`, so the server's answer ends with the connection.
 */
export function hostileRawRequests(path: string): readonly [name: string, bytes: string][] {
  const extra = (n: number) => Array.from({ length: n }, (_, i) => `x-extra-${i}: v\r\n`).join("");
  return [
    ["a header section over 16 KiB", `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nx-big: ${"a".repeat(20_000)}\r\n\r\n`],
    ["a non-numeric content-length", `POST ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: abc\r\n\r\n`],
    ["both content-length and chunked", `POST ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`],
    ["an invalid chunk size", `POST ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nTransfer-Encoding: chunked\r\ncontent-type: application/json\r\n\r\nzz\r\nabc\r\n0\r\n\r\n`],
    ["a control character in a header", `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nx-a: a\u0001b\r\n\r\n`],
    ["no Host header", `GET ${path} HTTP/1.1\r\nConnection: close\r\n\r\n`],
    ["Host after 70 other headers", `GET ${path} HTTP/1.1\r\nConnection: close\r\n${extra(70)}Host: x\r\n\r\n`],
    ["a garbage request line", "GARBAGE\r\n\r\n"],
  ];
}
