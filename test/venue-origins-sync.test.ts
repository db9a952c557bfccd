import { KNOWN_VENUE_ORIGINS, Venue } from "@airlock/core";
import { describe, expect, it } from "vitest";
import { VENUES } from "../packages/signer/src/exchange/venue-catalog.js";

// The client refuses to send a signed exchange request anywhere but its venue's known origins
// (and those the operator adds): every default origin the sidecar signs for must be among them.

describe("the client's known venue origins and the sidecar's venue catalog", () => {
  it("hold the same public origins for every venue", () => {
    for (const venue of Venue.options) {
      const catalog = [...new Set([VENUES[venue].urls.live, VENUES[venue].urls.testnet].filter((u): u is string => u !== undefined))].sort();
      expect([...KNOWN_VENUE_ORIGINS[venue]].sort(), venue).toEqual(catalog);
    }
  });

  it("are bare https origins", () => {
    for (const origins of Object.values(KNOWN_VENUE_ORIGINS)) for (const origin of origins) expect(new URL(origin).origin).toBe(origin);
    for (const origins of Object.values(KNOWN_VENUE_ORIGINS)) for (const origin of origins) expect(origin.startsWith("https://")).toBe(true);
  });
});
