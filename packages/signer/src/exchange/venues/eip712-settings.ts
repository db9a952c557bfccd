import type { Venue } from "@airlock/core";
import type { VenueAccountSettings } from "../venue-types.js";
import { VenueConfigError } from "./eip712-errors.js";

/**
 * Checks of the account settings and credentials shared by the EIP-712 venue signers, done once
 * at construction so that signing never meets a malformed value.
 */

/** Credentials of an EIP-712 venue account. */
export interface Eip712Credentials {
  /** secp256k1 private key of the signing wallet (an API/agent wallet, or the account's own). */
  readonly privateKey: string;
  /**
   * The master account the key trades for, when the key is an API (agent) wallet's: Hyperliquid
   * reads (`/info` is keyed by the account, not the agent) and Asterdex's `user` parameter.
   * Public, not a secret; absent when the key is the account's own.
   */
  readonly accountAddress?: string;
}

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

/** A 20-byte 0x address, lowercased; refused (naming `what`) otherwise. */
export function parseAddress(value: unknown, what: string): string {
  if (typeof value !== "string" || !ADDRESS.test(value)) throw new VenueConfigError(`${what} must be 0x followed by 40 hex digits`);
  return value.toLowerCase();
}

/** The settings' base URL as an origin (+ optional path) without a trailing slash. */
export function baseUrlOf(settings: VenueAccountSettings): string {
  let url: URL;
  try {
    url = new URL(settings.baseUrl);
  } catch {
    throw new VenueConfigError("baseUrl is not a URL");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw new VenueConfigError("baseUrl must be http(s)");
  if (url.search !== "" || url.hash !== "" || url.username !== "" || url.password !== "") {
    throw new VenueConfigError("baseUrl must not carry a query, fragment or credentials");
  }
  return url.href.replace(/\/+$/, "");
}

/** Refuses settings meant for another venue. */
export function expectVenue(settings: VenueAccountSettings, venue: Venue): void {
  if (settings.venue !== venue) throw new VenueConfigError(`settings are for ${settings.venue}, not ${venue}`);
}
