import type { VenueAccountSettings } from "../venue-types.js";
import { AsterdexSigner } from "./asterdex.js";
import { VenueConfigError } from "./eip712-errors.js";
import type { Eip712Credentials } from "./eip712-settings.js";
import { HyperliquidSigner } from "./hyperliquid.js";

export { AsterdexSigner, ASTER_NONCE_WINDOW_MS } from "./asterdex.js";
export { HyperliquidSigner } from "./hyperliquid.js";
export { VenueConfigError, VenueRequestError, type VenueRequestErrorCode } from "./eip712-errors.js";
export type { Eip712Credentials } from "./eip712-settings.js";

/** A signer of an EIP-712 venue: a VenueSigner that also shows its (public) signing address. */
export type Eip712VenueSigner = HyperliquidSigner | AsterdexSigner;

/**
 * The signer for an EIP-712 venue account (Hyperliquid or Asterdex). Throws VenueConfigError
 * for another venue or for malformed settings or credentials (never repeating the key).
 */
export function createEip712VenueSigner(settings: VenueAccountSettings, credentials: Eip712Credentials): Eip712VenueSigner {
  switch (settings.venue) {
    case "hyperliquid":
      return new HyperliquidSigner(settings, credentials);
    case "asterdex":
      return new AsterdexSigner(settings, credentials);
    default:
      throw new VenueConfigError(`${settings.venue} is not an EIP-712 venue`);
  }
}
