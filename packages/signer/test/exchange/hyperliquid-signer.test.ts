import type { ExchangeOperation } from "@airlock/core";
import { SigningKey, TypedDataEncoder, keccak256, toUtf8Bytes, verifyTypedData } from "ethers";
import { describe, expect, it } from "vitest";
import { RECV_WINDOW_MS, UnsupportedOperationError } from "../../src/exchange/venue-types.js";
import { VenueRequestError } from "../../src/exchange/venues/eip712-errors.js";
import { EvmKey } from "../../src/exchange/venues/evm-key.js";
import { actionHash, hyperliquidCloid, hyperliquidDecimal, type HyperliquidAction } from "../../src/exchange/venues/hyperliquid-action.js";
import { signL1Action } from "../../src/exchange/venues/hyperliquid-sign.js";
import { HyperliquidSigner } from "../../src/exchange/venues/hyperliquid.js";
import { encodeMsgpack } from "../../src/exchange/venues/msgpack.js";
import { HL_AGENT_TYPES, HL_DOMAIN, hlSettings, independentConnectionId, loadEip712Vectors, throwawayKey } from "./eip712-test-support.js";

const vectors = loadEip712Vectors();
const NOW = 1_767_225_600_000; // 2026-01-01T00:00:00Z

describe.skipIf(vectors === undefined)("Hyperliquid: shared known-answer vectors (../shared/conformance)", () => {
  it("matches msgpack bytes, connection id and r/s/v of every hyperliquid vector", () => {
    const list = vectors?.hyperliquid ?? [];
    expect(list.length).toBeGreaterThan(0);
    for (const v of list) {
      const action = v.action as unknown as HyperliquidAction;
      expect(Buffer.from(encodeMsgpack(action as never)).toString("hex")).toBe(v.expected.msgpack_hex);
      const vault = v.vault_address ?? undefined;
      const hashed = actionHash({ action, nonce: v.nonce, ...(vault === undefined ? {} : { vaultAddress: vault }) });
      expect(hashed.connectionId).toBe(v.expected.connection_id);
      // The vector itself, re-derived independently.
      expect(independentConnectionId(v.action, v.nonce, vault).connectionId).toBe(v.expected.connection_id);
      const key = new EvmKey(v.private_key);
      expect(key.address).toBe(v.address);
      const signed = signL1Action(key, { action, nonce: v.nonce, mainnet: v.source === "a", ...(vault === undefined ? {} : { vaultAddress: vault }) });
      expect(signed.signature).toEqual({ r: v.expected.r, s: v.expected.s, v: v.expected.v });
    }
  });
});

interface Case {
  readonly name: string;
  readonly op: ExchangeOperation;
  readonly environment: "testnet" | "live";
  readonly vault?: string;
  /** The exact JSON of the action Hyperliquid must receive (key order included). */
  readonly actionJson: string;
}

const VAULT = "0x1719884eb866cb12b2287399b15f7db5e7d775ea";

const cases: Case[] = [
  {
    name: "limit buy GTC on testnet",
    op: { type: "place_order", symbol: "BTC", side: "buy", orderType: "limit", quantity: "0.0010", price: "50000.000" },
    environment: "testnet",
    actionJson: '{"type":"order","orders":[{"a":0,"b":true,"p":"50000","s":"0.001","r":false,"t":{"limit":{"tif":"Gtc"}}}],"grouping":"na"}',
  },
  {
    name: "post-only reduce-only sell with a client order id on mainnet",
    op: { type: "place_order", symbol: "ETH", side: "sell", orderType: "limit", quantity: "1.25", price: "3100.5", timeInForce: "POST_ONLY", reduceOnly: true, clientOrderId: "grid-7" },
    environment: "live",
    actionJson: `{"type":"order","orders":[{"a":1,"b":false,"p":"3100.5","s":"1.25","r":true,"t":{"limit":{"tif":"Alo"}},"c":"${keccak256(toUtf8Bytes("grid-7")).slice(0, 34)}"}],"grouping":"na"}`,
  },
  {
    name: "market buy as IOC at the reference price",
    op: { type: "place_order", symbol: "BTC", side: "buy", orderType: "market", quantity: "0.5", referencePrice: "50000.50" },
    environment: "testnet",
    actionJson: '{"type":"order","orders":[{"a":0,"b":true,"p":"50000.5","s":"0.5","r":false,"t":{"limit":{"tif":"Ioc"}}}],"grouping":"na"}',
  },
  {
    name: "IOC limit for a vault on testnet, spot asset index",
    op: { type: "place_order", symbol: "PURR", side: "buy", orderType: "limit", quantity: "100", price: "0.12345678", timeInForce: "IOC" },
    environment: "testnet",
    vault: VAULT,
    actionJson: '{"type":"order","orders":[{"a":10000,"b":true,"p":"0.12345678","s":"100","r":false,"t":{"limit":{"tif":"Ioc"}}}],"grouping":"na"}',
  },
  {
    name: "cancel by oid with a uint32 asset and a uint64 oid",
    op: { type: "cancel_order", symbol: "BIG", orderId: String(2 ** 40 + 3) },
    environment: "live",
    actionJson: `{"type":"cancel","cancels":[{"a":70000,"o":${2 ** 40 + 3}}]}`,
  },
  {
    name: "cancel by cloid given as 32 hex digits, for a vault on mainnet",
    op: { type: "cancel_order", symbol: "ETH", clientOrderId: "00112233445566778899AABBCCDDEEFF" },
    environment: "live",
    vault: VAULT,
    actionJson: '{"type":"cancelByCloid","cancels":[{"asset":1,"cloid":"0x00112233445566778899aabbccddeeff"}]}',
  },
];

describe("Hyperliquid: own vectors recomputed independently (@msgpack/msgpack + ethers)", () => {
  const { privateKey, address } = throwawayKey("hyperliquid vectors");

  for (const c of cases) {
    it(c.name, () => {
      const signer = new HyperliquidSigner(hlSettings({ environment: c.environment, ...(c.vault === undefined ? {} : { vaultAddress: c.vault }) }), { privateKey });
      const req = signer.sign(c.op, NOW);
      expect(req.method).toBe("POST");
      expect(req.url).toBe("http://127.0.0.1:9/exchange");
      expect(req.headers).toEqual({ "content-type": "application/json" });
      const body = JSON.parse(req.body ?? "") as { action: unknown; nonce: number; signature: { r: string; s: string; v: number }; vaultAddress?: string; expiresAfter: number };
      // Exact bytes of the posted body: key order of the body and of the action.
      const vaultPart = c.vault === undefined ? "" : `,"vaultAddress":"${c.vault}"`;
      expect(req.body).toBe(`{"action":${c.actionJson},"nonce":${body.nonce},"signature":${JSON.stringify(body.signature)}${vaultPart},"expiresAfter":${NOW + RECV_WINDOW_MS}}`);
      expect(body.nonce).toBeGreaterThanOrEqual(NOW);
      expect(req.expiresAtMs).toBe(NOW + RECV_WINDOW_MS);

      const { connectionId } = independentConnectionId(body.action, body.nonce, c.vault, body.expiresAfter);
      const source = c.environment === "live" ? "a" : "b";
      const digest = TypedDataEncoder.hash(HL_DOMAIN, HL_AGENT_TYPES, { source, connectionId });
      expect(verifyTypedData(HL_DOMAIN, HL_AGENT_TYPES, { source, connectionId }, body.signature)).toBe(address);
      const expected = new SigningKey(privateKey).sign(digest);
      expect(body.signature).toEqual({ r: expected.r, s: expected.s, v: expected.v });
      // The other network's source recovers another address: testnet and mainnet signatures differ.
      const other = c.environment === "live" ? "b" : "a";
      expect(verifyTypedData(HL_DOMAIN, HL_AGENT_TYPES, { source: other, connectionId }, body.signature)).not.toBe(address);
    });
  }

  it("hashes unicode strings, negative and 64-bit integers exactly as @msgpack/msgpack does", () => {
    const action = { type: "note", text: "ünïcødé 注文 🚀", small: -5, neg: -70_000, big: 2 ** 40, list: [-1, 0, 255, "é".repeat(20)] };
    for (const vault of [undefined, VAULT]) {
      for (const expiresAfter of [undefined, NOW + 5_000]) {
        const ours = actionHash({ action: action as unknown as HyperliquidAction, nonce: NOW, ...(vault === undefined ? {} : { vaultAddress: vault }), ...(expiresAfter === undefined ? {} : { expiresAfter }) });
        const theirs = independentConnectionId(action, NOW, vault, expiresAfter);
        expect(Buffer.from(ours.msgpack).toString("hex")).toBe(theirs.msgpackHex);
        expect(ours.connectionId).toBe(theirs.connectionId);
      }
    }
  });

  it("the vault flag and the expiry change the connection id", () => {
    const action: HyperliquidAction = { type: "cancel", cancels: [{ a: 0, o: 1 }] };
    const ids = new Set([
      actionHash({ action, nonce: NOW }).connectionId,
      actionHash({ action, nonce: NOW, vaultAddress: VAULT }).connectionId,
      actionHash({ action, nonce: NOW, expiresAfter: NOW + 1 }).connectionId,
      actionHash({ action, nonce: NOW + 1 }).connectionId,
    ]);
    expect(ids.size).toBe(4);
  });
});

describe("Hyperliquid: request building", () => {
  const { privateKey, address } = throwawayKey("hyperliquid building");
  const signer = new HyperliquidSigner(hlSettings(), { privateKey });
  const limit = (extra: Partial<Extract<ExchangeOperation, { type: "place_order" }>>): ExchangeOperation => ({ type: "place_order", symbol: "BTC", side: "buy", orderType: "limit", quantity: "1", price: "100", ...extra });
  const actionOf = (op: ExchangeOperation) => (JSON.parse(signer.sign(op, NOW).body ?? "") as { action: { orders: { t: { limit: { tif: string } } }[] } }).action;

  it("normalises prices and sizes to Hyperliquid's wire spelling", () => {
    expect(hyperliquidDecimal("50000.000", "price")).toBe("50000");
    expect(hyperliquidDecimal("0.0010", "size")).toBe("0.001");
    expect(hyperliquidDecimal("10", "size")).toBe("10");
    expect(hyperliquidDecimal("1.12345678000", "price")).toBe("1.12345678");
    expect(() => hyperliquidDecimal("1.123456789", "price")).toThrow(expect.objectContaining({ code: "PRECISION_UNSUPPORTED" }));
    expect(() => hyperliquidDecimal("1e5", "price")).toThrow(VenueRequestError);
  });

  it("maps client order ids to 128-bit cloids deterministically", () => {
    expect(hyperliquidCloid("abc")).toBe(keccak256(toUtf8Bytes("abc")).slice(0, 34));
    expect(hyperliquidCloid("abc")).toMatch(/^0x[0-9a-f]{32}$/);
    expect(hyperliquidCloid("ABCDEF0123456789abcdef0123456789")).toBe("0xabcdef0123456789abcdef0123456789");
    expect(hyperliquidCloid("x")).not.toBe(hyperliquidCloid("y"));
  });

  it("maps times in force and refuses FOK", () => {
    expect(actionOf(limit({})).orders[0]?.t.limit.tif).toBe("Gtc");
    expect(actionOf(limit({ timeInForce: "IOC" })).orders[0]?.t.limit.tif).toBe("Ioc");
    expect(actionOf(limit({ timeInForce: "POST_ONLY" })).orders[0]?.t.limit.tif).toBe("Alo");
    expect(() => signer.sign(limit({ timeInForce: "FOK" }), NOW)).toThrow(UnsupportedOperationError);
  });

  it("refuses with typed errors: market without referencePrice, unknown symbols, bad order ids, cancel_all", () => {
    expect(() => signer.sign({ type: "place_order", symbol: "BTC", side: "buy", orderType: "market", quantity: "1" }, NOW)).toThrow(
      expect.objectContaining({ name: "VenueRequestError", code: "REFERENCE_PRICE_REQUIRED" }),
    );
    for (const symbol of ["DOGE", "constructor", "toString", "hasOwnProperty"]) {
      expect(() => signer.sign(limit({ symbol }), NOW)).toThrow(expect.objectContaining({ code: "UNKNOWN_SYMBOL" }));
    }
    expect(() => signer.sign({ type: "cancel_order", symbol: "BTC", orderId: "abc" }, NOW)).toThrow(expect.objectContaining({ code: "INVALID_ORDER_ID" }));
    expect(() => signer.sign({ type: "cancel_order", symbol: "BTC", orderId: "99999999999999999" }, NOW)).toThrow(expect.objectContaining({ code: "INVALID_ORDER_ID" }));
    expect(() => signer.sign({ type: "cancel_order", symbol: "BTC" }, NOW)).toThrow(expect.objectContaining({ code: "INVALID_ORDER_ID" }));
    expect(() => signer.sign({ type: "cancel_order", symbol: "BTC", orderId: "1", clientOrderId: "a" }, NOW)).toThrow(expect.objectContaining({ code: "INVALID_ORDER_ID" }));
    expect(() => signer.sign({ type: "cancel_all", symbol: "BTC" }, NOW)).toThrow(UnsupportedOperationError);
    expect(() => new HyperliquidSigner(hlSettings({ assets: { BTC: 1.5 } }), { privateKey }).sign(limit({}), NOW)).toThrow(expect.objectContaining({ code: "UNKNOWN_SYMBOL" }));
  });

  it("never reuses a nonce for the same key, even within one millisecond", () => {
    const twin = new HyperliquidSigner(hlSettings({ account: "hl-twin" }), { privateKey });
    const nonces = [signer, twin, signer, twin].map((s) => (JSON.parse(s.sign(limit({}), NOW + 10_000).body ?? "") as { nonce: number }).nonce);
    expect(new Set(nonces).size).toBe(4);
    expect(Math.min(...nonces)).toBe(NOW + 10_000);
  });

  it("reads are unsigned POST /info queries for the vault, the account, or the signing address", () => {
    const read = (s: HyperliquidSigner, type: ExchangeOperation["type"]) => {
      const req = s.sign({ type } as ExchangeOperation, NOW);
      expect(req.method).toBe("POST");
      expect(req.url).toBe("http://127.0.0.1:9/info");
      expect(req.headers).toEqual({ "content-type": "application/json" });
      expect(req.expiresAtMs).toBe(NOW + RECV_WINDOW_MS);
      return req.body;
    };
    const self = address.toLowerCase();
    expect(read(signer, "get_account")).toBe(`{"type":"clearinghouseState","user":"${self}"}`);
    expect(read(signer, "get_positions")).toBe(`{"type":"clearinghouseState","user":"${self}"}`);
    expect(read(signer, "get_balances")).toBe(`{"type":"spotClearinghouseState","user":"${self}"}`);
    expect(read(signer, "get_open_orders")).toBe(`{"type":"openOrders","user":"${self}"}`);
    const master = "0x" + "ab".repeat(20);
    expect(read(new HyperliquidSigner(hlSettings(), { privateKey, accountAddress: master.toUpperCase().replace("0X", "0x") }), "get_open_orders")).toBe(`{"type":"openOrders","user":"${master}"}`);
    expect(read(new HyperliquidSigner(hlSettings({ vaultAddress: VAULT }), { privateKey, accountAddress: master }), "get_account")).toBe(`{"type":"clearinghouseState","user":"${VAULT}"}`);
    expect(() => signer.sign({ type: "get_open_orders", symbol: "DOGE" }, NOW)).toThrow(expect.objectContaining({ code: "UNKNOWN_SYMBOL" }));
  });
});
