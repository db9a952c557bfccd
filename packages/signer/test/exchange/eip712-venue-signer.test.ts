import { inspect } from "node:util";
import type { ExchangeOperation } from "@airlock/core";
import { getAddress } from "ethers";
import { describe, expect, it } from "vitest";
import { UnsupportedOperationError } from "../../src/exchange/venue-types.js";
import { AsterdexSigner, HyperliquidSigner, VenueConfigError, createEip712VenueSigner } from "../../src/exchange/venues/eip712-venue-signer.js";
import { asterSettings, hlSettings, keySpellings, throwawayKey } from "./eip712-test-support.js";

/** The factory, the credential checks and the redaction of the EIP-712 venue signers. */

const { privateKey, address } = throwawayKey("factory");
const SECP256K1_N = "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141";

describe("createEip712VenueSigner", () => {
  it("builds the signer of the configured venue and exposes its checksummed address", () => {
    const hl = createEip712VenueSigner(hlSettings(), { privateKey });
    const aster = createEip712VenueSigner(asterSettings(), { privateKey });
    expect(hl).toBeInstanceOf(HyperliquidSigner);
    expect(aster).toBeInstanceOf(AsterdexSigner);
    for (const s of [hl, aster]) {
      expect(s.address).toBe(address);
      expect(s.address).toBe(getAddress(s.address.toLowerCase()));
    }
    // An unprefixed key is the same key.
    expect(createEip712VenueSigner(hlSettings(), { privateKey: privateKey.slice(2).toUpperCase() }).address).toBe(address);
  });

  it("refuses other venues and malformed settings with VenueConfigError", () => {
    expect(() => createEip712VenueSigner({ ...hlSettings(), venue: "binance" }, { privateKey })).toThrow(VenueConfigError);
    expect(() => new HyperliquidSigner(asterSettings(), { privateKey })).toThrow(VenueConfigError);
    expect(() => new AsterdexSigner(hlSettings(), { privateKey })).toThrow(VenueConfigError);
    expect(() => createEip712VenueSigner(hlSettings({ vaultAddress: "0x1234" }), { privateKey })).toThrow(VenueConfigError);
    expect(() => createEip712VenueSigner(hlSettings({ baseUrl: "ftp://x" }), { privateKey })).toThrow(VenueConfigError);
    expect(() => createEip712VenueSigner(hlSettings({ baseUrl: "https://api.example.com/?a=1" }), { privateKey })).toThrow(VenueConfigError);
    expect(() => createEip712VenueSigner(asterSettings(), { privateKey, accountAddress: "0xnot-an-address" })).toThrow(VenueConfigError);
  });

  it("refuses malformed keys without repeating them", () => {
    const bad = [
      "0x" + "0".repeat(64),
      "0x" + SECP256K1_N,
      "0x" + "f".repeat(64),
      privateKey.slice(0, 40),
      privateKey + "00",
      privateKey.replace(/.$/, "g"),
      ` ${privateKey}`,
    ];
    for (const key of bad) {
      let error: unknown;
      try {
        createEip712VenueSigner(hlSettings(), { privateKey: key });
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(VenueConfigError);
      const text = `${String(error)} ${inspect(error)}`.toLowerCase();
      expect(text).not.toContain(key.replace(/^ ?0x/, "").slice(0, 24).toLowerCase());
    }
    expect(() => createEip712VenueSigner(hlSettings(), { privateKey: 42 as unknown as string })).toThrow(VenueConfigError);
  });

  it("refuses operations that bypassed the wire schema instead of signing them", () => {
    for (const s of [createEip712VenueSigner(hlSettings(), { privateKey }), createEip712VenueSigner(asterSettings(), { privateKey })]) {
      const symbol = s instanceof HyperliquidSigner ? "BTC" : "BTCUSDT";
      expect(() => s.sign({ type: "withdraw", symbol } as unknown as ExchangeOperation, 1_767_225_600_000)).toThrow(UnsupportedOperationError);
      expect(() => s.sign({ type: "place_order", symbol, side: "buy", orderType: "limit", quantity: "1" }, 1_767_225_600_000)).toThrow(
        expect.objectContaining({ name: "VenueRequestError", code: "INVALID_ORDER" }),
      );
    }
  });

  it("holds the key privately: secrets() has it, JSON and inspect do not", () => {
    for (const s of [createEip712VenueSigner(hlSettings({ vaultAddress: "0x" + "1".repeat(40) }), { privateKey }), createEip712VenueSigner(asterSettings(), { privateKey })]) {
      expect(s.secrets()).toEqual([privateKey.toLowerCase()]);
      const shown = `${JSON.stringify(s)} ${inspect(s, { depth: 10, showHidden: true })} ${JSON.stringify({ nested: s })} ${String(s)}`.toLowerCase();
      for (const spelling of keySpellings(privateKey)) expect(shown).not.toContain(spelling.toLowerCase());
      expect(shown).toContain(address.toLowerCase());
      expect(Object.keys(s)).not.toContain("privateKey");
    }
  });
});
