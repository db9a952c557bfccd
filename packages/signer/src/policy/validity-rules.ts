import type { ClientPolicy, PolicyConfig } from "../config/config-types.js";
import { deny, type PolicyDenial } from "./policy-decision.js";

/** The validity window a client gets: the smaller of the global one and its own. */
export function effectiveValidityWindowSec(policy: PolicyConfig, clientPolicy: ClientPolicy | undefined): number {
  const own = clientPolicy?.maxValidityWindowSec;
  return own === undefined ? policy.maxValidityWindowSec : Math.min(policy.maxValidityWindowSec, own);
}

/**
 * `validity.expired` / `validity.too_far` (SISNA's texts): validUntil must lie in
 * (now, now + window]. The comparisons are written so that a NaN anywhere denies.
 */
export function checkValidity(validUntil: number, nowSec: number, windowSec: number): PolicyDenial | undefined {
  if (!(validUntil > nowSec)) return deny("validity.expired", "validUntil is already expired");
  if (!(validUntil <= nowSec + windowSec)) {
    return deny("validity.too_far", "validUntil exceeds maximum allowed future window");
  }
  return undefined;
}
