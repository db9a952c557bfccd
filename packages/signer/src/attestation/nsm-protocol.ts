// The NSM API wire format for the one request Airlock makes, byte for byte as the
// aws-nitro-enclaves-nsm-api crate produces and expects it. Sources (read through the code
// search index):
// - aws/aws-nitro-enclaves-nsm-api src/api/mod.rs: `enum Request { ..., Attestation {
//   user_data: Option<ByteBuf>, nonce: Option<ByteBuf>, public_key: Option<ByteBuf> }, ... }`
//   (fields in that order), `enum Response { ..., Attestation { #[serde(with = "serde_bytes")]
//   document: Vec<u8> }, ..., Error(ErrorCode) }`, and `enum ErrorCode { Success,
//   InvalidArgument, InvalidIndex, InvalidResponse, ReadOnlyIndex, InvalidOperation,
//   BufferTooSmall, InputTooLarge, InternalError }`; serde's default externally tagged enums.
// - the same repo's src/driver/mod.rs: `serde_cbor::to_vec(&request)` / `serde_cbor::from_slice`,
//   NSM_REQUEST_MAX_SIZE = 0x1000, NSM_RESPONSE_MAX_SIZE = 0x3000, NSM_IOCTL_MAGIC = 0x0A, and
//   `ioctl(fd, request_code_readwrite!(NSM_IOCTL_MAGIC, 0, size_of::<NsmMessage>()), msg)` with
//   `#[repr(C)] struct NsmMessage { request: IoSlice, response: IoSliceMut }` (two iovecs,
//   32 bytes on 64-bit Linux) → _IOWR(0x0A, 0, 32) = 0xC0200A00; EMSGSIZE means InputTooLarge.
//   Linux's include/uapi/linux/nsm.h states the same (NSM_MAGIC 0x0A, struct nsm_raw of two
//   {u64 addr, u64 len} iovecs, NSM_IOCTL_RAW _IOWR(NSM_MAGIC, 0x0, struct nsm_raw)), and the
//   driver shortens response.len to the bytes the device wrote.
// - pyfisch/cbor (serde_cbor 0.11.2) src/ser.rs: Serializer::new sets enum_as_map = true, so a
//   struct variant is a 1-entry map {variant name: {field: value, ...}} with definite lengths,
//   a newtype variant is {variant name: value}, a unit variant is its name as text, None is
//   null (f6), serialize_bytes is a byte string, and integer/length heads are shortest.
//   (Newer crate versions encode with ciborium, which produces the same bytes for these types.)
// So the request is a1 6b "Attestation" a3 69 "user_data" <bstr|f6> 65 "nonce" <bstr|f6>
// 6a "public_key" <bstr|f6>, and the answer is a1 6b "Attestation" a1 68 "document" <bstr>
// or a1 65 "Error" <text ErrorCode>. Decoding here is stricter than serde (no unknown fields,
// no alternative enum forms): the device only ever sends what the serializer writes.
import { AttestationError, decodeStrictCbor, encodeCbor, type CborValue } from "@airlock/core/attestation";
import { AttestationSourceError, checkAttestationRequest, type AttestationRequest } from "./attestation-source.js";

/** Largest CBOR request the NSM driver accepts. */
export const NSM_REQUEST_MAX_SIZE = 0x1000;
/** Size of the response buffer the NSM driver fills; no answer can be longer. */
export const NSM_RESPONSE_MAX_SIZE = 0x3000;
/** _IOWR(0x0A, 0, struct of two iovecs) on 64-bit Linux: the request code nsm.c uses. */
export const NSM_IOCTL_REQUEST = 0xc0200a00;

/** The NSM API ErrorCode variants. */
export const NSM_ERROR_CODES = [
  "Success",
  "InvalidArgument",
  "InvalidIndex",
  "InvalidResponse",
  "ReadOnlyIndex",
  "InvalidOperation",
  "BufferTooSmall",
  "InputTooLarge",
  "InternalError",
] as const;
export type NsmErrorCode = (typeof NSM_ERROR_CODES)[number];

/** CBOR of `Request::Attestation { user_data, nonce, public_key }`; throws REQUEST_INVALID. */
export function encodeAttestationRequest(req: AttestationRequest): Uint8Array {
  const r = checkAttestationRequest(req);
  const bytes = encodeCbor(
    new Map([
      [
        "Attestation",
        new Map<string, CborValue>([
          ["user_data", r.userData],
          ["nonce", r.nonce],
          ["public_key", r.publicKey],
        ]),
      ],
    ]),
  );
  // Unreachable with the field limits above (at most ~2.1 KiB), kept as the driver's own bound.
  if (bytes.length > NSM_REQUEST_MAX_SIZE) throw new AttestationSourceError("REQUEST_INVALID", "NSM request exceeds 4096 bytes");
  return bytes;
}

const protocol = (msg: string): never => {
  throw new AttestationSourceError("NSM_PROTOCOL", `invalid NSM response: ${msg}`);
};

/**
 * Decodes the NSM's answer to an Attestation request and returns the document bytes. Throws
 * NSM_ERROR (with `nsmError` set to the ErrorCode) when the NSM reports an error, NSM_PROTOCOL
 * for anything that is not exactly one of the two answers above.
 */
export function decodeAttestationResponse(bytes: Uint8Array): Uint8Array {
  if (!(bytes instanceof Uint8Array) || bytes.length === 0) return protocol("empty");
  if (bytes.length > NSM_RESPONSE_MAX_SIZE) return protocol(`longer than ${NSM_RESPONSE_MAX_SIZE} bytes`);
  let value: CborValue;
  try {
    value = decodeStrictCbor(bytes);
  } catch (e) {
    if (e instanceof AttestationError) return protocol(e.message);
    throw e;
  }
  if (!(value instanceof Map) || value.size !== 1) return protocol("expected a map with one variant");
  const [variant, body] = [...value][0] as [unknown, CborValue];
  if (variant === "Attestation") {
    if (!(body instanceof Map) || body.size !== 1) return protocol("Attestation must hold exactly the field document");
    const document = body.get("document");
    if (!(document instanceof Uint8Array) || document.length === 0) return protocol("document must be a non-empty byte string");
    return document;
  }
  if (variant === "Error") {
    if (typeof body !== "string" || !(NSM_ERROR_CODES as readonly string[]).includes(body)) return protocol("unknown error code");
    throw new AttestationSourceError("NSM_ERROR", `the NSM refused the attestation request (${body})`, body);
  }
  return protocol("unexpected variant (expected Attestation or Error)");
}
