import { encode as msgpackEncode } from "@msgpack/msgpack";
import { keccak256, verifyTypedData } from "ethers";
import { fakeVenueServer, type FakeAnswer, type FakeRequest, type FakeVenueServer } from "./evm-fake-http.js";

/**
 * A local Hyperliquid, written from Hyperliquid's API documentation and never calling Airlock's
 * signer code. POST /exchange verifies an L1 action the way the venue does:
 * 1. it deserialises the action into the venue's own shape (unknown keys dropped, field order
 *    fixed: a,b,p,s,r,t,c; numeric strings without trailing zeros; cloids lowercase) and
 *    re-encodes it with @msgpack/msgpack;
 * 2. connectionId = keccak256(msgpack || nonce u64 BE || vault flag [|| 0x00 || expiresAfter]);
 * 3. it recovers the signer of EIP-712 Agent{source, connectionId} (source "a" on mainnet, "b"
 *    on testnet) with ethers' verifyTypedData, so any change to what was signed recovers some
 *    other address, which the venue answers with "User or API Wallet ... does not exist.";
 * 4. the nonce must be within (now - 2 days, now + 1 day), unused, and above the smallest of the
 *    100 highest nonces of that signer; an action past its expiresAfter is refused.
 * It then places, fills (IOC) or cancels orders in memory and answers like the venue.
 * POST /info answers clearinghouseState, spotClearinghouseState and openOrders for a user.
 */

export interface HyperliquidFakeOptions {
  readonly network: "mainnet" | "testnet";
  /** Master wallets that sign for themselves. */
  readonly wallets?: readonly string[];
  /** API (agent) wallets: agent address → the master account it trades for. */
  readonly agents?: Readonly<Record<string, string>>;
  /** Vaults / sub-accounts: vault address → its leader (master account). */
  readonly vaults?: Readonly<Record<string, string>>;
  /** Asset index → coin name (default 0: BTC, 1: ETH). */
  readonly assets?: Readonly<Record<number, string>>;
}

export interface HyperliquidFake extends FakeVenueServer {
  /** Open orders the fake holds for `user` (a master account or vault address). */
  openOrders(user: string): readonly FakeOpenOrder[];
}

export interface FakeOpenOrder {
  readonly coin: string;
  readonly asset: number;
  readonly side: "B" | "A";
  readonly limitPx: string;
  readonly sz: string;
  readonly oid: number;
  readonly timestamp: number;
  readonly cloid?: string;
}

const DAY_MS = 86_400_000;
const KEPT_NONCES = 100;
const DOMAIN = { name: "Exchange", version: "1", chainId: 1337, verifyingContract: "0x0000000000000000000000000000000000000000" };
const AGENT_TYPES = { Agent: [{ name: "source", type: "string" }, { name: "connectionId", type: "bytes32" }] };

/** A body the venue cannot deserialise: it answers 422 with a text message. */
class Unprocessable extends Error {}

type Json = unknown;

function obj(v: Json, what: string): Record<string, Json> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw new Unprocessable(`${what}: expected an object`);
  return v as Record<string, Json>;
}

function arr(v: Json, what: string): Json[] {
  if (!Array.isArray(v)) throw new Unprocessable(`${what}: expected an array`);
  return v;
}

function bool(v: Json, what: string): boolean {
  if (typeof v !== "boolean") throw new Unprocessable(`${what}: expected a boolean`);
  return v;
}

function uint(v: Json, what: string, max: number): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > max) throw new Unprocessable(`${what}: expected an unsigned integer`);
  return v;
}

/** The venue parses numeric strings and writes them back without trailing zeros. */
function wireNumber(v: Json, what: string): string {
  if (typeof v !== "string" || !/^\d+(\.\d+)?$/.test(v)) throw new Unprocessable(`${what}: expected a decimal string`);
  if (!v.includes(".")) return v.replace(/^0+(?=\d)/, "");
  let out = v.replace(/^0+(?=\d)/, "");
  while (out.endsWith("0")) out = out.slice(0, -1);
  if (out.endsWith(".")) out = out.slice(0, -1);
  return out;
}

function cloidOf(v: Json, what: string): string {
  if (typeof v !== "string" || !/^0x[0-9a-fA-F]{32}$/.test(v)) throw new Unprocessable(`${what}: expected a 16-byte hex cloid`);
  return v.toLowerCase();
}

function addressOf(v: Json, what: string): string {
  if (typeof v !== "string" || !/^0x[0-9a-fA-F]{40}$/.test(v)) throw new Unprocessable(`${what}: expected an address`);
  return v.toLowerCase();
}

/** The action as the venue's structs hold it, in their field order. */
function canonicalAction(raw: Json): Record<string, unknown> {
  const a = obj(raw, "action");
  switch (a["type"]) {
    case "order": {
      const orders = arr(a["orders"], "orders").map((o, i) => {
        const w = obj(o, `orders[${i}]`);
        const t = obj(w["t"], "t");
        let tif: Record<string, unknown>;
        if (t["limit"] !== undefined) {
          const l = obj(t["limit"], "t.limit");
          if (l["tif"] !== "Gtc" && l["tif"] !== "Ioc" && l["tif"] !== "Alo") throw new Unprocessable("unknown variant of tif");
          tif = { limit: { tif: l["tif"] } };
        } else if (t["trigger"] !== undefined) {
          const tr = obj(t["trigger"], "t.trigger");
          if (tr["tpsl"] !== "tp" && tr["tpsl"] !== "sl") throw new Unprocessable("unknown variant of tpsl");
          tif = { trigger: { isMarket: bool(tr["isMarket"], "isMarket"), triggerPx: wireNumber(tr["triggerPx"], "triggerPx"), tpsl: tr["tpsl"] } };
        } else throw new Unprocessable("t: expected limit or trigger");
        const c = w["c"] === undefined || w["c"] === null ? undefined : cloidOf(w["c"], "c");
        return {
          a: uint(w["a"], "a", 0xffffffff),
          b: bool(w["b"], "b"),
          p: wireNumber(w["p"], "p"),
          s: wireNumber(w["s"], "s"),
          r: bool(w["r"], "r"),
          t: tif,
          ...(c === undefined ? {} : { c }),
        };
      });
      const grouping = a["grouping"];
      if (grouping !== "na" && grouping !== "normalTpsl" && grouping !== "positionTpsl") throw new Unprocessable("unknown variant of grouping");
      return { type: "order", orders, grouping };
    }
    case "cancel":
      return {
        type: "cancel",
        cancels: arr(a["cancels"], "cancels").map((c, i) => {
          const w = obj(c, `cancels[${i}]`);
          return { a: uint(w["a"], "a", 0xffffffff), o: uint(w["o"], "o", Number.MAX_SAFE_INTEGER) };
        }),
      };
    case "cancelByCloid":
      return {
        type: "cancelByCloid",
        cancels: arr(a["cancels"], "cancels").map((c, i) => {
          const w = obj(c, `cancels[${i}]`);
          return { asset: uint(w["asset"], "asset", 0xffffffff), cloid: cloidOf(w["cloid"], "cloid") };
        }),
      };
    default:
      throw new Unprocessable("unknown variant of action type");
  }
}

function connectionIdOf(action: Record<string, unknown>, nonce: number, vault: string | undefined, expiresAfter: number | undefined): string {
  const parts: Buffer[] = [Buffer.from(msgpackEncode(action))];
  const n = Buffer.alloc(8);
  n.writeBigUInt64BE(BigInt(nonce));
  parts.push(n);
  parts.push(vault === undefined ? Buffer.from([0]) : Buffer.concat([Buffer.from([1]), Buffer.from(vault.slice(2), "hex")]));
  if (expiresAfter !== undefined) {
    const e = Buffer.alloc(9);
    e.writeBigUInt64BE(BigInt(expiresAfter), 1);
    parts.push(e);
  }
  return keccak256(Buffer.concat(parts));
}

const ok = (body: unknown): FakeAnswer => ({ status: 200, body, accepted: true });
const venueErr = (message: string): FakeAnswer => ({ status: 200, body: { status: "err", response: message }, accepted: false });

export function createHyperliquidFake(options: HyperliquidFakeOptions): HyperliquidFake {
  const lower = (m: Readonly<Record<string, string>> = {}) => new Map(Object.entries(m).map(([k, v]) => [k.toLowerCase(), v.toLowerCase()]));
  const wallets = new Set((options.wallets ?? []).map((w) => w.toLowerCase()));
  const agents = lower(options.agents);
  const vaults = lower(options.vaults);
  const assets = new Map(Object.entries(options.assets ?? { 0: "BTC", 1: "ETH" }).map(([k, v]) => [Number(k), v]));
  const source = options.network === "mainnet" ? "a" : "b";
  const nonces = new Map<string, number[]>();
  const open = new Map<string, FakeOpenOrder[]>();
  const positions = new Map<string, Map<string, number>>();
  let nextOid = 77_000;

  function checkNonce(signer: string, nonce: number, now: number): string | undefined {
    if (nonce <= now - 2 * DAY_MS || nonce >= now + DAY_MS) return `Invalid nonce: ${nonce} is not within (T - 2d, T + 1d) of the current time`;
    const seen = nonces.get(signer) ?? [];
    if (seen.includes(nonce)) return `Invalid nonce: duplicate nonce ${nonce}`;
    if (seen.length >= KEPT_NONCES && nonce < Math.min(...seen)) return `Invalid nonce: ${nonce} is lower than the signer's smallest kept nonce`;
    seen.push(nonce);
    if (seen.length > KEPT_NONCES) seen.splice(seen.indexOf(Math.min(...seen)), 1);
    nonces.set(signer, seen);
    return undefined;
  }

  function execute(action: Record<string, unknown>, owner: string, now: number): FakeAnswer {
    const book = open.get(owner) ?? [];
    open.set(owner, book);
    if (action["type"] === "order") {
      const statuses = (action["orders"] as Record<string, unknown>[]).map((o) => {
        const asset = o["a"] as number;
        const coin = assets.get(asset);
        if (coin === undefined) return { error: `Asset ${asset} is out of range.` };
        const oid = nextOid++;
        const tif = ((o["t"] as Record<string, Record<string, unknown>>)["limit"] ?? {})["tif"];
        const cloid = o["c"] as string | undefined;
        if (tif === "Ioc") {
          const pos = positions.get(owner) ?? new Map<string, number>();
          positions.set(owner, pos);
          pos.set(coin, (pos.get(coin) ?? 0) + (o["b"] ? 1 : -1) * Number(o["s"]));
          return { filled: { totalSz: o["s"], avgPx: o["p"], oid, ...(cloid === undefined ? {} : { cloid }) } };
        }
        book.push({ coin, asset, side: o["b"] ? "B" : "A", limitPx: o["p"] as string, sz: o["s"] as string, oid, timestamp: now, ...(cloid === undefined ? {} : { cloid }) });
        return { resting: { oid, ...(cloid === undefined ? {} : { cloid }) } };
      });
      return ok({ status: "ok", response: { type: "order", data: { statuses } } });
    }
    const byCloid = action["type"] === "cancelByCloid";
    const statuses = (action["cancels"] as Record<string, unknown>[]).map((c) => {
      const asset = (byCloid ? c["asset"] : c["a"]) as number;
      const i = book.findIndex((o) => o.asset === asset && (byCloid ? o.cloid === c["cloid"] : o.oid === c["o"]));
      if (i === -1) return { error: `Order was never placed, already canceled, or filled. asset=${asset}` };
      book.splice(i, 1);
      return "success";
    });
    return ok({ status: "ok", response: { type: "cancel", data: { statuses } } });
  }

  function exchange(req: FakeRequest, now: number): FakeAnswer {
    const body = obj(JSON.parse(req.body) as Json, "body");
    const nonce = uint(body["nonce"], "nonce", Number.MAX_SAFE_INTEGER);
    const vault = body["vaultAddress"] === undefined || body["vaultAddress"] === null ? undefined : addressOf(body["vaultAddress"], "vaultAddress");
    const expiresAfter = body["expiresAfter"] === undefined || body["expiresAfter"] === null ? undefined : uint(body["expiresAfter"], "expiresAfter", Number.MAX_SAFE_INTEGER);
    const sig = obj(body["signature"], "signature");
    if (typeof sig["r"] !== "string" || typeof sig["s"] !== "string" || (sig["v"] !== 27 && sig["v"] !== 28)) throw new Unprocessable("signature: expected {r, s, v}");
    if (!/^0x[0-9a-fA-F]{1,64}$/.test(sig["r"]) || !/^0x[0-9a-fA-F]{1,64}$/.test(sig["s"])) throw new Unprocessable("signature: r and s must be hex");
    const action = canonicalAction(body["action"]);
    const connectionId = connectionIdOf(action, nonce, vault, expiresAfter);
    let signer: string;
    try {
      const pad = (h: string) => `0x${h.slice(2).padStart(64, "0")}`;
      signer = verifyTypedData(DOMAIN, AGENT_TYPES, { source, connectionId }, { r: pad(sig["r"]), s: pad(sig["s"]), v: sig["v"] }).toLowerCase();
    } catch {
      return venueErr("Invalid signature");
    }
    const user = wallets.has(signer) ? signer : agents.get(signer);
    if (user === undefined) return venueErr(`User or API Wallet ${signer} does not exist.`);
    if (vault !== undefined && vaults.get(vault) !== user) return venueErr(`Vault ${vault} is not registered or ${user} is not its leader.`);
    if (expiresAfter !== undefined && now > expiresAfter) return venueErr(`Action expired at ${expiresAfter}`);
    const nonceProblem = checkNonce(signer, nonce, now);
    if (nonceProblem !== undefined) return venueErr(nonceProblem);
    return execute(action, vault ?? user, now);
  }

  function info(req: FakeRequest, now: number): FakeAnswer {
    const body = obj(JSON.parse(req.body) as Json, "body");
    const user = addressOf(body["user"], "user");
    switch (body["type"]) {
      case "openOrders":
        return ok((open.get(user) ?? []).map(({ asset: _asset, ...o }) => ({ ...o, origSz: o.sz })));
      case "spotClearinghouseState":
        return ok({ balances: [{ coin: "USDC", token: 0, total: "1000.0", hold: "0.0", entryNtl: "0.0" }] });
      case "clearinghouseState": {
        const pos = [...(positions.get(user) ?? new Map<string, number>())].filter(([, szi]) => szi !== 0);
        const summary = { accountValue: "1000.0", totalNtlPos: "0.0", totalRawUsd: "1000.0", totalMarginUsed: "0.0" };
        return ok({
          marginSummary: summary,
          crossMarginSummary: summary,
          crossMaintenanceMarginUsed: "0.0",
          withdrawable: "1000.0",
          assetPositions: pos.map(([coin, szi]) => ({
            type: "oneWay",
            position: { coin, szi: String(szi), leverage: { type: "cross", value: 20 }, entryPx: "0.0", positionValue: "0.0", unrealizedPnl: "0.0", returnOnEquity: "0.0", liquidationPx: null, marginUsed: "0.0", maxLeverage: 50, cumFunding: { allTime: "0.0", sinceOpen: "0.0", sinceChange: "0.0" } },
          })),
          time: now,
        });
      }
      default:
        throw new Unprocessable("unknown variant of info type");
    }
  }

  const server = fakeVenueServer((req, now) => {
    if (req.method !== "POST" || (req.path !== "/exchange" && req.path !== "/info")) return { status: 404, body: "Not Found", accepted: false };
    if (!/^application\/json/i.test(req.headers["content-type"] ?? "")) return { status: 415, body: "Expected request with `Content-Type: application/json`", accepted: false };
    try {
      return req.path === "/exchange" ? exchange(req, now) : info(req, now);
    } catch (err) {
      if (err instanceof Unprocessable || err instanceof SyntaxError) {
        return { status: 422, body: `Failed to deserialize the JSON body into the target type: ${err.message}`, accepted: false };
      }
      throw err;
    }
  });

  return Object.assign(server, {
    openOrders: (user: string) => [...(open.get(user.toLowerCase()) ?? [])],
  });
}
