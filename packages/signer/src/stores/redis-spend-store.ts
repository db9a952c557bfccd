import type { Redis } from "ioredis";
import { pingRedis, storeUnavailable, UnexpectedReplyError } from "./redis-failure.js";
import { defineScript, type ScriptRunner } from "./redis-script.js";
import { assertReservationId, DEFAULT_MAX_RECORDS_PER_KEY, planCharges, type ChargePlan } from "./spend-charges.js";
import { CHECK_LUA, RELEASE_LUA, RESERVE_LUA } from "./spend-lua.js";
import { assertNowMs, assertPositiveInt, assertStorePrefix } from "./store-args.js";
import { StoreUnavailableError, type SpendCharge, type SpendResult, type SpendStore } from "./store-types.js";

/** Default key prefix of the spend budgets. */
export const DEFAULT_REDIS_SPEND_PREFIX = "airlock:spend:";

export interface RedisSpendStoreOptions {
  /** Key prefix (default DEFAULT_REDIS_SPEND_PREFIX). */
  readonly prefix?: string;
  /** Records one key may hold within its window (default DEFAULT_MAX_RECORDS_PER_KEY). */
  readonly maxRecordsPerKey?: number;
}

/**
 * Rolling-window budgets shared by every sidecar instance on the same Redis. Each budget is a
 * sorted set `${prefix}r:${key}` of records `${reservationId}:${chargeIndex}:${amountDecimal}`
 * scored by their time (ms), plus `${prefix}t:${key}` holding the sum of those records (so a
 * call costs O(records leaving the window), see spend-lua.ts); the `r:`/`t:` namespaces cannot
 * collide whatever the budget keys are. reserve, check and release are each ONE Lua script, so
 * no other instance can slip a reservation between the read and the write; the scripts add and
 * compare amounts exactly as decimal strings, and every write sets a TTL of one window.
 *
 * A key already holding `maxRecordsPerKey` records in its window refuses further charges as if
 * over budget (a result, not an error: the refusal is deterministic, and retrying will not
 * help until records leave the window), so one key cannot grow without bound.
 *
 * Any error or timeout throws StoreUnavailableError. A reserve that timed out may still have
 * been recorded by Redis; the caller refuses to sign either way, and release() with the same
 * charges removes the records if they exist. The keys of one call must live on one Redis node
 * (this store targets a standalone Redis, not Redis Cluster).
 */
export class RedisSpendStore implements SpendStore {
  private readonly prefix: string;
  private readonly maxRecords: number;
  private readonly runReserve: ScriptRunner;
  private readonly runCheck: ScriptRunner;
  private readonly runRelease: ScriptRunner;
  private closed = false;

  /** `redis` is shared and owned by the caller; close() does not disconnect it. */
  constructor(
    private readonly redis: Redis,
    options: RedisSpendStoreOptions = {},
  ) {
    this.prefix = options.prefix ?? DEFAULT_REDIS_SPEND_PREFIX;
    assertStorePrefix(this.prefix);
    this.maxRecords = options.maxRecordsPerKey ?? DEFAULT_MAX_RECORDS_PER_KEY;
    assertPositiveInt(this.maxRecords, "maxRecordsPerKey");
    this.runReserve = defineScript(redis, RESERVE_LUA);
    this.runCheck = defineScript(redis, CHECK_LUA, { readOnly: true });
    this.runRelease = defineScript(redis, RELEASE_LUA);
  }

  async reserve(charges: readonly SpendCharge[], nowMs: number, reservationId: string): Promise<SpendResult> {
    assertReservationId(reservationId);
    return this.judge(this.runReserve, charges, nowMs, reservationId);
  }

  async check(charges: readonly SpendCharge[], nowMs: number): Promise<SpendResult> {
    return this.judge(this.runCheck, charges, nowMs, "");
  }

  async release(charges: readonly SpendCharge[], reservationId: string): Promise<void> {
    assertReservationId(reservationId);
    const plan = planCharges(charges);
    if (this.closed) throw new StoreUnavailableError("spend");
    if (charges.length === 0) return;
    const args = [reservationId, ...plan.groups.map((g) => String(g.windowMs)), ...this.chargeArgs(plan, charges)];
    let reply: unknown;
    try {
      reply = await this.runRelease(this.keys(plan), args);
    } catch (err) {
      throw storeUnavailable("spend", err);
    }
    if (typeof reply !== "number") throw storeUnavailable("spend", new UnexpectedReplyError("spend release"));
  }

  async ping(): Promise<void> {
    if (this.closed) throw new StoreUnavailableError("spend");
    await pingRedis(this.redis, "spend", `${this.prefix}__ready__`);
  }

  /** Stops this store (later calls throw StoreUnavailableError); the shared client stays open. */
  async close(): Promise<void> {
    this.closed = true;
  }

  private async judge(
    run: ScriptRunner,
    charges: readonly SpendCharge[],
    nowMs: number,
    reservationId: string,
  ): Promise<SpendResult> {
    const plan = planCharges(charges);
    assertNowMs(nowMs);
    if (this.closed) throw new StoreUnavailableError("spend");
    if (charges.length === 0) return { ok: true };
    const args = [String(nowMs), String(this.maxRecords), reservationId];
    for (const g of plan.groups) args.push(String(nowMs - g.windowMs), String(g.windowMs), g.max.toString(10));
    args.push(...this.chargeArgs(plan, charges));
    let reply: unknown;
    try {
      reply = await run(this.keys(plan), args);
    } catch (err) {
      throw storeUnavailable("spend", err);
    }
    return parseJudgement(reply, charges.length);
  }

  /** Per budget: its record set, then its running total. */
  private keys(plan: ChargePlan): string[] {
    return plan.groups.flatMap((g) => [`${this.prefix}r:${g.key}`, `${this.prefix}t:${g.key}`]);
  }

  /** Per charge: its key's 1-based index and its amount in decimal. */
  private chargeArgs(plan: ChargePlan, charges: readonly SpendCharge[]): string[] {
    return charges.flatMap((c, i) => [String(plan.groupOf[i]! + 1), c.amount.toString(10)]);
  }
}

/** {1} → ok; {0, index, spentDecimal} → refusal; anything else is a backend failure. */
function parseJudgement(reply: unknown, chargeCount: number): SpendResult {
  if (Array.isArray(reply)) {
    if (reply.length === 1 && reply[0] === 1) return { ok: true };
    const [flag, index, spent] = reply as unknown[];
    if (
      reply.length === 3 &&
      flag === 0 &&
      typeof index === "number" &&
      Number.isSafeInteger(index) &&
      index >= 0 &&
      index < chargeCount &&
      typeof spent === "string" &&
      /^\d{1,100}$/.test(spent)
    ) {
      return { ok: false, index, spent: BigInt(spent) };
    }
  }
  throw storeUnavailable("spend", new UnexpectedReplyError("spend script"));
}
