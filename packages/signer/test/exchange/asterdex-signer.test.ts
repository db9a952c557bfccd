import type { ExchangeOperation } from "@airlock/core";
import { SigningKey, TypedDataEncoder, hexlify, verifyTypedData } from "ethers";
import { describe, expect, it } from "vitest";
import { ASTER_NONCE_WINDOW_MS, AsterdexSigner } from "../../src/exchange/venues/asterdex.js";
import { asterDomainSeparator, signAsterMessage } from "../../src/exchange/venues/asterdex-sign.js";
import { EvmKey } from "../../src/exchange/venues/evm-key.js";
import { ASTER_TYPES, asterDomainOf, asterSettings, loadEip712Vectors, throwawayKey } from "./eip712-test-support.js";

const vectors = loadEip712Vectors();
const NOW = 1_767_225_600_000;

describe.skipIf(vectors === undefined)("Asterdex: shared known-answer vectors (../shared/conformance)", () => {
  it("matches the domain separator and the signature of every asterdex vector", () => {
    const list = vectors?.asterdex ?? [];
    expect(list.length).toBeGreaterThan(0);
    for (const v of list) {
      expect(hexlify(asterDomainSeparator("live"))).toBe(v.expected.domain_separator);
      expect(TypedDataEncoder.hashDomain(asterDomainOf(1666))).toBe(v.expected.domain_separator);
      expect(signAsterMessage(new EvmKey(v.private_key), v.msg, "live")).toBe(v.expected.signature);
      // Recovers the key's address. (The `signer=` inside this vector's msg is another address:
      // the upstream vector signs an arbitrary msg; the venue would refuse that mismatch.)
      expect(verifyTypedData(asterDomainOf(1666), ASTER_TYPES, { msg: v.msg }, v.expected.signature)).toBe(new EvmKey(v.private_key).address);
    }
  });
});

/** Splits a signed Asterdex request into its signed message, signature and parameters. */
function split(req: { method: string; url: string; body?: string }): { msg: string; signature: string; params: [string, string][]; path: string } {
  const url = new URL(req.url);
  const raw = req.method === "POST" ? (req.body ?? "") : url.search.slice(1);
  const m = /^(.*)&signature=(0x[0-9a-f]{130})$/.exec(raw);
  if (m === null) throw new Error("no trailing signature parameter");
  const msg = m[1] as string;
  const params = msg.split("&").map((p) => p.split("=").map(decodeURIComponent) as [string, string]);
  return { msg, signature: m[2] as string, params, path: url.pathname };
}

interface Case {
  readonly op: ExchangeOperation;
  readonly method: "GET" | "POST" | "DELETE";
  readonly path: string;
  /** Business parameters expected, in sorted order (auth fields checked separately). */
  readonly params: Record<string, string>;
}

const cases: Case[] = [
  { op: { type: "place_order", symbol: "ASTERUSDT", side: "buy", orderType: "limit", quantity: "20", price: "0.5" }, method: "POST", path: "/fapi/v3/order", params: { price: "0.5", quantity: "20", side: "BUY", symbol: "ASTERUSDT", timeInForce: "GTC", type: "LIMIT" } },
  { op: { type: "place_order", symbol: "BTCUSDT", side: "sell", orderType: "market", quantity: "0.010", referencePrice: "49000", reduceOnly: true, clientOrderId: "mkt_1-A" }, method: "POST", path: "/fapi/v3/order", params: { newClientOrderId: "mkt_1-A", quantity: "0.010", reduceOnly: "true", side: "SELL", symbol: "BTCUSDT", type: "MARKET" } },
  { op: { type: "place_order", symbol: "ETHUSDT", side: "buy", orderType: "limit", quantity: "1", price: "3000", timeInForce: "POST_ONLY" }, method: "POST", path: "/fapi/v3/order", params: { price: "3000", quantity: "1", side: "BUY", symbol: "ETHUSDT", timeInForce: "GTX", type: "LIMIT" } },
  { op: { type: "place_order", symbol: "ETHUSDT", side: "buy", orderType: "limit", quantity: "1", price: "3000", timeInForce: "FOK", reduceOnly: false }, method: "POST", path: "/fapi/v3/order", params: { price: "3000", quantity: "1", side: "BUY", symbol: "ETHUSDT", timeInForce: "FOK", type: "LIMIT" } },
  { op: { type: "place_order", symbol: "BTC/USDT:PERP", side: "buy", orderType: "limit", quantity: "1", price: "1", timeInForce: "IOC" }, method: "POST", path: "/fapi/v3/order", params: { price: "1", quantity: "1", side: "BUY", symbol: "BTC/USDT:PERP", timeInForce: "IOC", type: "LIMIT" } },
  { op: { type: "cancel_order", symbol: "BTCUSDT", orderId: "283194212" }, method: "DELETE", path: "/fapi/v3/order", params: { orderId: "283194212", symbol: "BTCUSDT" } },
  { op: { type: "cancel_order", symbol: "BTCUSDT", clientOrderId: "my-order_1" }, method: "DELETE", path: "/fapi/v3/order", params: { origClientOrderId: "my-order_1", symbol: "BTCUSDT" } },
  { op: { type: "cancel_all", symbol: "BTCUSDT" }, method: "DELETE", path: "/fapi/v3/allOpenOrders", params: { symbol: "BTCUSDT" } },
  { op: { type: "get_account", symbol: "BTCUSDT" }, method: "GET", path: "/fapi/v3/account", params: {} },
  { op: { type: "get_balances" }, method: "GET", path: "/fapi/v3/balance", params: {} },
  { op: { type: "get_positions", symbol: "BTCUSDT" }, method: "GET", path: "/fapi/v3/positionRisk", params: { symbol: "BTCUSDT" } },
  { op: { type: "get_positions" }, method: "GET", path: "/fapi/v3/positionRisk", params: {} },
  { op: { type: "get_open_orders", symbol: "ETHUSDT" }, method: "GET", path: "/fapi/v3/openOrders", params: { symbol: "ETHUSDT" } },
];

describe("Asterdex: own vectors recomputed independently (ethers TypedDataEncoder / verifyTypedData)", () => {
  const { privateKey, address } = throwawayKey("asterdex vectors");
  const master = "0x63dd5acc6b1aa0f563956c0e534dd30b6dcf7c4e";

  for (const environment of ["live", "testnet"] as const) {
    for (const withUser of [false, true]) {
      it(`signs every operation (${environment}, ${withUser ? "with" : "without"} user)`, () => {
        const signer = new AsterdexSigner(asterSettings({ environment }), { privateKey, ...(withUser ? { accountAddress: master.toUpperCase().replace("0X", "0x") } : {}) });
        const chainId = environment === "live" ? 1666 : 714;
        for (const c of cases) {
          const req = signer.sign(c.op, NOW);
          expect(req.method).toBe(c.method);
          expect(req.expiresAtMs).toBe(NOW + ASTER_NONCE_WINDOW_MS);
          if (c.method === "POST") {
            expect(req.headers).toEqual({ "content-type": "application/x-www-form-urlencoded" });
            expect(new URL(req.url).search).toBe("");
          } else {
            expect(req.headers).toEqual({});
            expect(req.body).toBeUndefined();
          }
          const { msg, signature, params, path } = split(req);
          expect(path).toBe(c.path);
          const keys = params.map(([k]) => k);
          expect(keys).toEqual([...keys].sort());
          const map = Object.fromEntries(params);
          const { nonce, signer: signerParam, user, ...business } = map;
          expect(business).toEqual(c.params);
          expect(signerParam).toBe(address.toLowerCase());
          expect(user).toBe(withUser ? master : undefined);
          expect(Number(nonce)).toBeGreaterThanOrEqual(NOW * 1000);
          expect(Number(nonce)).toBeLessThan(NOW * 1000 + 1000);
          const domain = asterDomainOf(chainId);
          expect(verifyTypedData(domain, ASTER_TYPES, { msg }, signature)).toBe(address);
          expect(signature).toBe(new SigningKey(privateKey).sign(TypedDataEncoder.hash(domain, ASTER_TYPES, { msg })).serialized);
          // The other network's chain id recovers another address.
          expect(verifyTypedData(asterDomainOf(chainId === 1666 ? 714 : 1666), ASTER_TYPES, { msg }, signature)).not.toBe(address);
        }
      });
    }
  }

  it("percent-encodes symbols with reserved characters in what is signed", () => {
    const signer = new AsterdexSigner(asterSettings(), { privateKey });
    const req = signer.sign({ type: "get_positions", symbol: "BTC/USDT:PERP" }, NOW);
    expect(req.url).toContain("symbol=BTC%2FUSDT%3APERP");
  });

  it("gives two requests in the same millisecond different nonces", () => {
    const signer = new AsterdexSigner(asterSettings({ account: "a1" }), { privateKey: throwawayKey("aster nonce").privateKey });
    const twin = new AsterdexSigner(asterSettings({ account: "a2" }), { privateKey: throwawayKey("aster nonce").privateKey });
    const at = NOW + 60_000;
    const nonces = [signer, twin, signer, signer].map((s) => Number(Object.fromEntries(split(s.sign({ type: "get_balances" }, at)).params)["nonce"]));
    expect(nonces).toEqual([at * 1000, at * 1000 + 1, at * 1000 + 2, at * 1000 + 3]);
  });

  it("refuses malformed cancels with typed errors", () => {
    const signer = new AsterdexSigner(asterSettings(), { privateKey });
    expect(() => signer.sign({ type: "cancel_order", symbol: "BTCUSDT", orderId: "12ab" }, NOW)).toThrow(expect.objectContaining({ code: "INVALID_ORDER_ID" }));
    expect(() => signer.sign({ type: "cancel_order", symbol: "BTCUSDT" }, NOW)).toThrow(expect.objectContaining({ code: "INVALID_ORDER_ID" }));
    expect(() => signer.sign({ type: "cancel_order", symbol: "BTCUSDT", orderId: "1", clientOrderId: "x" }, NOW)).toThrow(expect.objectContaining({ code: "INVALID_ORDER_ID" }));
  });
});
