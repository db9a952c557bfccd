import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { encode } from "@msgpack/msgpack";
import { SigningKey, computeAddress, id, keccak256 } from "ethers";
import type { VenueAccountSettings } from "../../src/exchange/venue-types.js";

/**
 * Test support for the EIP-712 venues: the shared known-answer vectors, throwaway keys, and an
 * independent recomputation of Hyperliquid's action hash (@msgpack/msgpack + ethers, never the
 * product's helpers).
 */

export interface HyperliquidVector {
  readonly id: string;
  readonly private_key: string;
  readonly address: string;
  readonly action: Record<string, unknown>;
  readonly nonce: number;
  readonly vault_address: string | null;
  readonly source: "a" | "b";
  readonly expected: { readonly msgpack_hex: string; readonly connection_id: string; readonly r: string; readonly s: string; readonly v: number };
}

export interface AsterdexVector {
  readonly id: string;
  readonly private_key: string;
  readonly msg: string;
  readonly expected: { readonly domain_separator: string; readonly signature: string };
}

const VECTORS_PATH = fileURLToPath(new URL("../../../../../shared/conformance/exchange-vectors.json", import.meta.url));

/** The `eip712` entries of ../shared/conformance/exchange-vectors.json, or undefined (with a loud warning) when absent. */
export function loadEip712Vectors(): { hyperliquid: HyperliquidVector[]; asterdex: AsterdexVector[] } | undefined {
  if (!existsSync(VECTORS_PATH)) {
    console.warn(`SKIPPING shared EIP-712 known-answer vectors: ${VECTORS_PATH} is absent`);
    return undefined;
  }
  const all = JSON.parse(readFileSync(VECTORS_PATH, "utf8")) as { eip712: ({ venue: string } & Record<string, unknown>)[] };
  return {
    hyperliquid: all.eip712.filter((v) => v.venue === "hyperliquid") as unknown as HyperliquidVector[],
    asterdex: all.eip712.filter((v) => v.venue === "asterdex") as unknown as AsterdexVector[],
  };
}

/** A throwaway private key derived from a label (deterministic, never a real key). */
export function throwawayKey(label: string): { privateKey: string; address: string } {
  const privateKey = id(`airlock throwaway test key: ${label}`);
  return { privateKey, address: computeAddress(new SigningKey(privateKey).publicKey) };
}

/** keccak256(msgpack(action) || nonce u64 BE || vault flag [|| 0x00 || expiresAfter u64 BE]), independently. */
export function independentConnectionId(action: unknown, nonce: number, vault?: string, expiresAfter?: number): { msgpackHex: string; connectionId: string } {
  const packed = Buffer.from(encode(action));
  const nonceBytes = Buffer.alloc(8);
  nonceBytes.writeBigUInt64BE(BigInt(nonce));
  const vaultBytes = vault === undefined ? Buffer.from("00", "hex") : Buffer.from(`01${vault.slice(2)}`, "hex");
  const expiry = expiresAfter === undefined ? Buffer.alloc(0) : Buffer.alloc(9);
  if (expiresAfter !== undefined) expiry.writeBigUInt64BE(BigInt(expiresAfter), 1);
  return { msgpackHex: packed.toString("hex"), connectionId: keccak256(Buffer.concat([packed, nonceBytes, vaultBytes, expiry])) };
}

export const HL_DOMAIN = { name: "Exchange", version: "1", chainId: 1337, verifyingContract: "0x0000000000000000000000000000000000000000" };
export const HL_AGENT_TYPES = { Agent: [{ name: "source", type: "string" }, { name: "connectionId", type: "bytes32" }] };
export const ASTER_TYPES = { Message: [{ name: "msg", type: "string" }] };
export const asterDomainOf = (chainId: number) => ({ name: "AsterSignTransaction", version: "1", chainId, verifyingContract: "0x0000000000000000000000000000000000000000" });

export function hlSettings(overrides: Partial<VenueAccountSettings> = {}): VenueAccountSettings {
  return { account: "hl-test", venue: "hyperliquid", environment: "testnet", baseUrl: "http://127.0.0.1:9", assets: { BTC: 0, ETH: 1, PURR: 10_000, BIG: 70_000 }, ...overrides };
}

export function asterSettings(overrides: Partial<VenueAccountSettings> = {}): VenueAccountSettings {
  return { account: "aster-test", venue: "asterdex", environment: "live", baseUrl: "http://127.0.0.1:9", ...overrides };
}

/** Every spelling of a private key that must never appear in an output. */
export function keySpellings(privateKey: string): string[] {
  const bare = privateKey.replace(/^0x/i, "").toLowerCase();
  return [bare, bare.toUpperCase(), BigInt(`0x${bare}`).toString(10)];
}
