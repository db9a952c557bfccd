// The seam between the sidecar and whatever produces Nitro attestation documents: the NSM device
// inside an enclave, or the emulator for development and tests.

/** What the caller wants bound into the document; absent fields become CBOR null. */
export interface AttestationRequest {
  nonce?: Uint8Array;
  userData?: Uint8Array;
  publicKey?: Uint8Array;
}

/** A producer of attestation documents. */
export interface AttestationSource {
  readonly kind: "nsm" | "emulator";
  /** One fresh COSE_Sign1 attestation document (untagged), bytes as the NSM returns them. */
  attest(req: AttestationRequest): Promise<Uint8Array>;
}

/** Stable codes a caller can branch on. */
export type AttestationSourceErrorCode =
  /** No usable NSM device here (not inside a Nitro Enclave, or it cannot be opened). */
  | "NSM_UNAVAILABLE"
  /** The native NSM addon is not built or does not load. */
  | "NSM_ADDON_MISSING"
  /** The NSM (or the ioctl carrying the request) reported an error. */
  | "NSM_ERROR"
  /** The NSM answered with bytes that are not a valid NSM API response. */
  | "NSM_PROTOCOL"
  /** The request itself is invalid (wrong types, unknown fields, sizes beyond the limits). */
  | "REQUEST_INVALID"
  /** The emulator was asked for in production mode. */
  | "EMULATOR_IN_PRODUCTION"
  /** The emulator's options are invalid. */
  | "EMULATOR_CONFIG_INVALID";

/** Typed failure of an attestation source; messages say what to do and never carry request bytes. */
export class AttestationSourceError extends Error {
  readonly code: AttestationSourceErrorCode;
  /** For NSM_ERROR: the NSM API ErrorCode (e.g. "InvalidArgument") or the errno name of a failed ioctl. */
  readonly nsmError?: string;
  constructor(code: AttestationSourceErrorCode, message: string, nsmError?: string) {
    super(message);
    this.name = "AttestationSourceError";
    this.code = code;
    if (nsmError !== undefined) this.nsmError = nsmError;
  }
}

/** Largest nonce the verifier accepts (AWS attestation_process.md §3.2.2). */
export const MAX_NONCE_BYTES = 512;
/** Largest user_data the verifier accepts (same source). */
export const MAX_USER_DATA_BYTES = 512;
/** Largest public_key the verifier accepts (same source: 1..1024 bytes). */
export const MAX_PUBLIC_KEY_BYTES = 1024;

const FIELDS: Record<keyof AttestationRequest, { min: number; max: number; wire: string }> = {
  nonce: { min: 0, max: MAX_NONCE_BYTES, wire: "nonce" },
  userData: { min: 0, max: MAX_USER_DATA_BYTES, wire: "user_data" },
  publicKey: { min: 1, max: MAX_PUBLIC_KEY_BYTES, wire: "public_key" },
};

/** A request checked against the document limits, each field a private copy or absent. */
export interface CheckedAttestationRequest {
  nonce: Uint8Array | null;
  userData: Uint8Array | null;
  publicKey: Uint8Array | null;
}

/**
 * Validates a request against the limits the verifier enforces, so that no source produces a
 * document its own clients would refuse. Throws AttestationSourceError("REQUEST_INVALID").
 */
export function checkAttestationRequest(req: AttestationRequest): CheckedAttestationRequest {
  const invalid = (msg: string): never => {
    throw new AttestationSourceError("REQUEST_INVALID", `invalid attestation request: ${msg}`);
  };
  if (req === null || typeof req !== "object" || Array.isArray(req)) return invalid("expected an object");
  for (const k of Object.keys(req)) if (!Object.hasOwn(FIELDS, k)) invalid(`unknown field "${k}" (allowed: nonce, userData, publicKey)`);
  const out: CheckedAttestationRequest = { nonce: null, userData: null, publicKey: null };
  for (const key of Object.keys(FIELDS) as (keyof AttestationRequest)[]) {
    const v: unknown = req[key];
    if (v === undefined) continue;
    const { min, max, wire } = FIELDS[key];
    if (!(v instanceof Uint8Array)) return invalid(`${key} must be a Uint8Array`);
    if (v.length < min || v.length > max) invalid(`${key} (${wire}) must be ${min}..${max} bytes, got ${v.length}`);
    out[key] = v.slice();
  }
  return out;
}
