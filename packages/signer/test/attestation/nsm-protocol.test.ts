// NSM API wire format. Expected bytes are derived by hand from the Rust definitions
// (aws-nitro-enclaves-nsm-api src/api/mod.rs, serialised by serde_cbor with enum_as_map):
// Request::Attestation { user_data, nonce, public_key } → {"Attestation": {"user_data": …,
// "nonce": …, "public_key": …}}, None → null; Response::Attestation { document } →
// {"Attestation": {"document": bstr}}; Response::Error(ErrorCode) → {"Error": "<variant>"}.
import { describe, expect, it } from "vitest";
import { AttestationSourceError } from "../../src/attestation/attestation-source.js";
import {
  NSM_ERROR_CODES,
  NSM_IOCTL_REQUEST,
  NSM_REQUEST_MAX_SIZE,
  NSM_RESPONSE_MAX_SIZE,
  decodeAttestationResponse,
  encodeAttestationRequest,
} from "../../src/attestation/nsm-protocol.js";

const h = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s/g, ""), "hex"));
const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
const text = (s: string): string => {
  const b = Buffer.from(s, "utf8");
  return (b.length < 24 ? (0x60 | b.length).toString(16) : `78${b.length.toString(16).padStart(2, "0")}`) + b.toString("hex");
};

const ATTESTATION = text("Attestation"); // 6b 4174746573746174696f6e
const USER_DATA = text("user_data"); // 69 …
const NONCE = text("nonce"); // 65 …
const PUBLIC_KEY = text("public_key"); // 6a …
const DOCUMENT = text("document"); // 68 …

function errorOf(fn: () => unknown): AttestationSourceError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(AttestationSourceError);
    return e as AttestationSourceError;
  }
  throw new Error("expected an AttestationSourceError");
}

describe("NSM protocol constants", () => {
  it("match the Rust driver: 4 KiB requests, 12 KiB responses, _IOWR(0x0A, 0, 2 iovecs)", () => {
    expect(NSM_REQUEST_MAX_SIZE).toBe(4096);
    expect(NSM_RESPONSE_MAX_SIZE).toBe(12288);
    const IOC_READ_WRITE = 3;
    const sizeofNsmMessage = 2 * 16; // two struct iovec { void *base; size_t len } on 64-bit Linux
    expect(NSM_IOCTL_REQUEST).toBe(((IOC_READ_WRITE << 30) | (sizeofNsmMessage << 16) | (0x0a << 8) | 0) >>> 0);
    expect(NSM_IOCTL_REQUEST).toBe(0xc0200a00);
    expect(NSM_ERROR_CODES).toEqual(["Success", "InvalidArgument", "InvalidIndex", "InvalidResponse", "ReadOnlyIndex", "InvalidOperation", "BufferTooSmall", "InputTooLarge", "InternalError"]);
  });
});

describe("encodeAttestationRequest", () => {
  it("encodes Request::Attestation with every field None", () => {
    expect(hex(encodeAttestationRequest({}))).toBe(`a1${ATTESTATION}a3${USER_DATA}f6${NONCE}f6${PUBLIC_KEY}f6`);
    expect(hex(encodeAttestationRequest({}))).toBe(
      "a16b4174746573746174696f6ea369757365725f64617461f6656e6f6e6365f66a7075626c69635f6b6579f6",
    );
  });

  it("keeps the Rust field order (user_data, nonce, public_key) whatever the JS key order", () => {
    const bytes = encodeAttestationRequest({ publicKey: h("0a0b"), nonce: h("01"), userData: h("ff") });
    expect(hex(bytes)).toBe(`a1${ATTESTATION}a3${USER_DATA}41ff${NONCE}4101${PUBLIC_KEY}420a0b`);
  });

  it("uses shortest byte-string heads, empty byte strings included", () => {
    const bytes = encodeAttestationRequest({ nonce: new Uint8Array(0), userData: new Uint8Array(24), publicKey: new Uint8Array(256) });
    expect(hex(bytes)).toBe(`a1${ATTESTATION}a3${USER_DATA}5818${"00".repeat(24)}${NONCE}40${PUBLIC_KEY}590100${"00".repeat(256)}`);
  });

  it("stays under NSM_REQUEST_MAX_SIZE at the field limits", () => {
    const bytes = encodeAttestationRequest({ nonce: new Uint8Array(512), userData: new Uint8Array(512), publicKey: new Uint8Array(1024) });
    expect(bytes.length).toBeLessThan(NSM_REQUEST_MAX_SIZE);
  });

  it("refuses oversized or malformed requests with REQUEST_INVALID", () => {
    for (const req of [{ nonce: new Uint8Array(513) }, { userData: new Uint8Array(513) }, { publicKey: new Uint8Array(1025) }, { publicKey: new Uint8Array(0) }, { nonce: "x" }, { other: h("00") }]) {
      expect(errorOf(() => encodeAttestationRequest(req as never)).code).toBe("REQUEST_INVALID");
    }
  });
});

describe("decodeAttestationResponse", () => {
  it("returns the document of Response::Attestation", () => {
    expect(decodeAttestationResponse(h(`a1${ATTESTATION}a1${DOCUMENT}43010203`))).toEqual(h("010203"));
  });

  it("accepts a response of exactly NSM_RESPONSE_MAX_SIZE bytes and refuses one more", () => {
    const overhead = 1 + 12 + 1 + 9 + 3; // a1, "Attestation", a1, "document", 59 + 2-byte length
    const build = (docLen: number): Uint8Array =>
      h(`a1${ATTESTATION}a1${DOCUMENT}59${docLen.toString(16).padStart(4, "0")}${"84".repeat(docLen)}`);
    const max = build(NSM_RESPONSE_MAX_SIZE - overhead);
    expect(max.length).toBe(NSM_RESPONSE_MAX_SIZE);
    expect(decodeAttestationResponse(max).length).toBe(NSM_RESPONSE_MAX_SIZE - overhead);
    expect(errorOf(() => decodeAttestationResponse(build(NSM_RESPONSE_MAX_SIZE - overhead + 1))).code).toBe("NSM_PROTOCOL");
  });

  it("turns Response::Error(code) into NSM_ERROR carrying the code", () => {
    for (const code of NSM_ERROR_CODES) {
      const e = errorOf(() => decodeAttestationResponse(h(`a1${text("Error")}${text(code)}`)));
      expect(e.code).toBe("NSM_ERROR");
      expect(e.nsmError).toBe(code);
      expect(e.message).toContain(code);
    }
    expect(hex(h(`a1${text("Error")}${text("InternalError")}`))).toBe("a1654572726f726d496e7465726e616c4572726f72");
  });

  it("refuses everything else with NSM_PROTOCOL", () => {
    const bad = [
      "", // empty
      `a1${ATTESTATION}a1${DOCUMENT}43010203 00`, // trailing byte
      `a1${ATTESTATION}a1${DOCUMENT}430102`, // truncated
      `82${ATTESTATION}a1${DOCUMENT}43010203`, // legacy array enum form: never sent by the NSM
      `a2${ATTESTATION}a1${DOCUMENT}4101${text("Error")}${text("InternalError")}`, // two variants
      `a1${text("DescribePCR")}a2${text("lock")}f4${text("data")}40`, // another response
      `a1${ATTESTATION}f6`, // body not a map
      `a1${ATTESTATION}a0`, // no document
      `a1${ATTESTATION}a1${DOCUMENT}40`, // empty document
      `a1${ATTESTATION}a1${DOCUMENT}${text("abc")}`, // document as text
      `a1${ATTESTATION}a2${DOCUMENT}4101${text("extra")}f6`, // unknown field
      `a1${ATTESTATION}a1${text("doc")}4101`, // wrong field name
      `a1${text("Error")}${text("Oops")}`, // unknown error code
      `a1${text("Error")}01`, // error code as a number
      `a1${text("Error")}a0`,
      `bf${ATTESTATION}a1${DOCUMENT}4101ff`, // indefinite-length map
      `d818a1${ATTESTATION}a1${DOCUMENT}4101`, // tagged
      `a1${text("GetRandom")}a1${text("random")}4101`,
      "f6",
      `${ATTESTATION}`,
    ];
    for (const b of bad) expect(errorOf(() => decodeAttestationResponse(h(b))).code).toBe("NSM_PROTOCOL");
    expect(errorOf(() => decodeAttestationResponse(new Uint8Array(NSM_RESPONSE_MAX_SIZE + 1))).code).toBe("NSM_PROTOCOL");
    expect(errorOf(() => decodeAttestationResponse("a1" as unknown as Uint8Array)).code).toBe("NSM_PROTOCOL");
  });

  it("never echoes response bytes in its messages", () => {
    const e = errorOf(() => decodeAttestationResponse(h(`a1${ATTESTATION}a2${DOCUMENT}5820${"cc".repeat(32)}${text("x")}f6`)));
    expect(e.code).toBe("NSM_PROTOCOL");
    expect(e.message).not.toMatch(/cccc|204,/i);
  });
});
