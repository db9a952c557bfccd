import { timingSafeEqual } from "node:crypto";

/**
 * Test-only support shared by the fake HMAC venues (Binance, Bybit, OKX, KuCoin): credentials
 * the fakes know, exact decimals, constant-time comparison and an in-memory order book per API
 * key. Nothing here calls Airlock's product code: each fake verifies signatures with its own
 * node:crypto code, written from the venue's documentation.
 */

/** An API key registered at a fake venue. */
export interface FakeApiKey {
  readonly apiKey: string;
  readonly apiSecret: string;
  /** OKX and KuCoin keys have one. */
  readonly passphrase?: string;
  /** OKX: the key was created for demo trading (requests must carry x-simulated-trading: 1). */
  readonly demo?: boolean;
}

/** Options every fake HMAC venue takes. */
export interface HmacFakeOptions {
  readonly keys: readonly FakeApiKey[];
  /** Tradable symbols in the venue's spelling (each fake has defaults). */
  readonly symbols?: readonly string[];
  /** Quote-currency (USDT) balance of every key; orders above it are refused (default 100000). */
  readonly quoteBalance?: string;
  /** Price used to value market orders and positions (default 50000). */
  readonly markPrice?: string;
}

/** An order held by a fake venue, in venue-neutral terms (each fake formats it its own way). */
export interface FakeOrder {
  readonly orderId: string;
  readonly clientOrderId: string;
  readonly symbol: string;
  readonly side: "buy" | "sell";
  readonly type: "market" | "limit";
  readonly quantity: string;
  readonly price: string | undefined;
  /** The venue's own spelling (GTC, IOC, GTX, PostOnly, post_only...). */
  readonly timeInForce: string;
  readonly postOnly: boolean;
  readonly reduceOnly: boolean;
  status: "open" | "filled" | "canceled" | "expired";
  readonly createdMs: number;
  updatedMs: number;
}

/** The interface every fake HMAC venue adds to FakeVenueServer. */
export interface HmacFakeBook {
  /** Orders (any status) the fake holds for an API key, oldest first. */
  orders(apiKey: string): readonly FakeOrder[];
}

/** Constant-time equality of two strings (false when their lengths differ). */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, "utf8");
  const y = Buffer.from(b, "utf8");
  return x.length === y.length && timingSafeEqual(x, y);
}

const SCALE = 10n ** 18n;
const DECIMAL = /^(0|[1-9][0-9]{0,19})(?:\.([0-9]{1,18}))?$/;

/** A plain positive-or-zero decimal as an integer scaled by 1e18, or undefined when malformed. */
export function parseDecimal(text: unknown): bigint | undefined {
  if (typeof text !== "string") return undefined;
  const m = DECIMAL.exec(text);
  if (m === null) return undefined;
  return BigInt(m[1] ?? "0") * SCALE + BigInt((m[2] ?? "").padEnd(18, "0"));
}

/** A scaled decimal as text without trailing zeros (sign kept). */
export function formatDecimal(scaled: bigint, minDecimals = 0): string {
  const negative = scaled < 0n;
  const abs = negative ? -scaled : scaled;
  const whole = (abs / SCALE).toString();
  let frac = (abs % SCALE).toString().padStart(18, "0").replace(/0+$/, "");
  frac = frac.padEnd(minDecimals, "0");
  return `${negative ? "-" : ""}${whole}${frac === "" ? "" : `.${frac}`}`;
}

/** quantity x price > balance, exactly (all scaled by 1e18). */
export function exceeds(quantity: bigint, price: bigint, balance: bigint): boolean {
  return quantity * price > balance * SCALE;
}

/** quantity x price as a scaled decimal. */
export function times(quantity: bigint, price: bigint): bigint {
  return (quantity * price) / SCALE;
}

const MAX_ORDERS_PER_KEY = 10_000;

export type NewOrder = Omit<FakeOrder, "orderId" | "status" | "createdMs" | "updatedMs">;

/**
 * Orders per API key. A market order fills at once; a limit IOC/FOK order expires at once (the
 * fake has no other side to match); any other limit order rests until cancelled.
 */
export class FakeOrderBook {
  readonly #orders = new Map<string, FakeOrder[]>();
  readonly #nextId: () => string;

  constructor(nextId: () => string) {
    this.#nextId = nextId;
  }

  /** The orders of `apiKey` (a live array). */
  all(apiKey: string): FakeOrder[] {
    let list = this.#orders.get(apiKey);
    if (list === undefined) {
      list = [];
      this.#orders.set(apiKey, list);
    }
    return list;
  }

  /** Records a new order; `immediate` is true for IOC/FOK (expires when not a market order). */
  place(apiKey: string, order: NewOrder, immediate: boolean, nowMs: number): FakeOrder {
    const list = this.all(apiKey);
    if (list.length >= MAX_ORDERS_PER_KEY) throw new Error("fake order book full");
    const status = order.type === "market" ? "filled" : immediate ? "expired" : "open";
    const placed: FakeOrder = { ...order, orderId: this.#nextId(), status, createdMs: nowMs, updatedMs: nowMs };
    list.push(placed);
    return placed;
  }

  open(apiKey: string, symbol?: string): FakeOrder[] {
    return this.all(apiKey).filter((o) => o.status === "open" && (symbol === undefined || o.symbol === symbol));
  }

  /** The open order with that id or client id (and symbol, when given). */
  findOpen(apiKey: string, by: { orderId?: string | undefined; clientOrderId?: string | undefined }, symbol?: string): FakeOrder | undefined {
    return this.open(apiKey, symbol).find((o) => (by.orderId !== undefined ? o.orderId === by.orderId : o.clientOrderId === by.clientOrderId));
  }

  cancel(order: FakeOrder, nowMs: number): FakeOrder {
    order.status = "canceled";
    order.updatedMs = nowMs;
    return order;
  }

  /** Cancels the open orders of `symbol` (every symbol when undefined); returns them. */
  cancelAll(apiKey: string, symbol: string | undefined, nowMs: number): FakeOrder[] {
    return this.open(apiKey, symbol).map((o) => this.cancel(o, nowMs));
  }

  /** Net filled quantity per symbol (buys minus sells), scaled by 1e18; zero positions left out. */
  positions(apiKey: string): Map<string, bigint> {
    const net = new Map<string, bigint>();
    for (const o of this.all(apiKey)) {
      if (o.status !== "filled") continue;
      const q = parseDecimal(o.quantity) ?? 0n;
      net.set(o.symbol, (net.get(o.symbol) ?? 0n) + (o.side === "buy" ? q : -q));
    }
    for (const [symbol, q] of net) if (q === 0n) net.delete(symbol);
    return net;
  }
}

/** A query or form string as ordered raw pairs ("a=1&b=2" → [["a","1"],["b","2"]], undecoded). */
export function rawPairs(text: string): [string, string][] {
  if (text === "") return [];
  return text.split("&").map((part) => {
    const eq = part.indexOf("=");
    return eq === -1 ? [part, ""] : [part.slice(0, eq), part.slice(eq + 1)];
  });
}

/** application/x-www-form-urlencoded decoding of one component, or undefined when malformed. */
export function formDecode(component: string): string | undefined {
  try {
    return decodeURIComponent(component.replace(/\+/g, " "));
  } catch {
    return undefined;
  }
}

/** A header's single value (undefined when absent or repeated). */
export function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const v = headers[name.toLowerCase()];
  return typeof v === "string" ? v : undefined;
}

/** A JSON object body, or undefined when the body is not one. */
export function jsonObject(body: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(body);
    return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
