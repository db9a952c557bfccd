/**
 * Errors a signer provider raises besides the two of provider-types.ts. The route maps
 * UnknownKeyIdError to SISNA's 422 `Unknown keyId: X`.
 */

/** The request named a key id this provider does not hold. `keyId` passed the Identifier schema. */
export class UnknownKeyIdError extends Error {
  override readonly name = "UnknownKeyIdError";
  readonly code = "UNKNOWN_KEY_ID" as const;
  constructor(readonly keyId: string) {
    super(`Unknown keyId: ${keyId}`);
  }
}
