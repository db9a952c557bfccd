import { performance } from "node:perf_hooks";
import { verifyTypedData } from "ethers";
import { describe, expect, it } from "vitest";
import { AsterdexSigner } from "../../src/exchange/venues/asterdex.js";
import { HyperliquidSigner } from "../../src/exchange/venues/hyperliquid.js";
import { HL_AGENT_TYPES, HL_DOMAIN, asterSettings, hlSettings, independentConnectionId, throwawayKey } from "./eip712-test-support.js";

/**
 * A micro-measurement of signing throughput on this machine (printed, never asserted: timing
 * depends on the host). Each signature is still checked once at the end, so the loop measures
 * real work.
 */

const ROUNDS = 2_000;
const T0 = 1_767_225_600_000;

describe("EIP-712 signing rate (printed, not asserted)", () => {
  it("measures Hyperliquid order and Asterdex order signing", () => {
    const { privateKey, address } = throwawayKey("rate");
    const hl = new HyperliquidSigner(hlSettings(), { privateKey });
    const aster = new AsterdexSigner(asterSettings(), { privateKey });
    const hlOp = { type: "place_order", symbol: "BTC", side: "buy", orderType: "limit", quantity: "0.001", price: "50000", clientOrderId: "rate-1" } as const;
    const asterOp = { type: "place_order", symbol: "BTCUSDT", side: "buy", orderType: "limit", quantity: "0.001", price: "50000" } as const;
    for (let i = 0; i < 200; i++) hl.sign(hlOp, T0 + i); // warm-up

    let last = hl.sign(hlOp, T0);
    const t1 = performance.now();
    for (let i = 0; i < ROUNDS; i++) last = hl.sign(hlOp, T0 + 1_000 + i);
    const hlMs = performance.now() - t1;

    const t2 = performance.now();
    for (let i = 0; i < ROUNDS; i++) aster.sign(asterOp, T0 + i);
    const asterMs = performance.now() - t2;

    console.log(
      `EIP-712 signing on this host: Hyperliquid order ${Math.round((ROUNDS / hlMs) * 1000)}/s (${((hlMs * 1000) / ROUNDS).toFixed(0)} µs each), ` +
        `Asterdex order ${Math.round((ROUNDS / asterMs) * 1000)}/s (${((asterMs * 1000) / ROUNDS).toFixed(0)} µs each), ${ROUNDS} each, one core`,
    );
    const body = JSON.parse(last.body ?? "") as { action: unknown; nonce: number; expiresAfter: number; signature: { r: string; s: string; v: number } };
    const { connectionId } = independentConnectionId(body.action, body.nonce, undefined, body.expiresAfter);
    expect(verifyTypedData(HL_DOMAIN, HL_AGENT_TYPES, { source: "b", connectionId }, body.signature)).toBe(address);
  });
});
