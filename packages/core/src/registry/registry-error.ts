/** Stable codes a caller can branch on when a PCR0 registry check does not pass. */
export type RegistryErrorCode =
  /** The options (or the PCR0 argument) are invalid, or the RPC serves another chain. */
  | "CONFIG"
  /** No answer: connection refused or closed, timeout, HTTP error, redirect, oversized or node-side JSON-RPC error. */
  | "RPC_UNAVAILABLE"
  /** An answer that is not a valid `isPCR0Active` result: not JSON-RPC, undecodable, a revert. */
  | "BAD_RESPONSE"
  /** The registry says the measurement is not active. */
  | "NOT_ACTIVE"
  /** The measurement is active, but registered by someone other than the pinned owner. */
  | "OWNER_MISMATCH";

/**
 * Thrown for every check that does not prove "active for the pinned owner". Messages are built
 * from fixed text, the RPC host (never its credentials, path or query) and on-chain addresses;
 * there is deliberately no `cause`, since the RPC library's errors embed the full request URL.
 */
export class RegistryError extends Error {
  readonly code: RegistryErrorCode;
  constructor(code: RegistryErrorCode, message: string) {
    super(message);
    this.name = "RegistryError";
    this.code = code;
  }
}
