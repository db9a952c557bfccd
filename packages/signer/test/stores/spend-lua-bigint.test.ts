import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { closeRedis } from "../../src/stores/redis-connection.js";
import { BIGINT_LUA } from "../../src/stores/spend-lua.js";
import { readyClient } from "./store-test-support.js";

const redisUrl = inject("redisUrl");

/** The Lua helpers run inside real Redis, checked against JavaScript bigint arithmetic. */
describe.skipIf(!redisUrl)("spend Lua big-integer helpers", () => {
  let redis: Redis;
  beforeAll(async () => {
    redis = await readyClient(redisUrl);
  });
  afterAll(async () => {
    await closeRedis(redis);
  });

  /** Sums every ARGV with addInto, as the spend scripts do. */
  async function luaSum(values: readonly bigint[]): Promise<bigint> {
    const script = `${BIGINT_LUA}
local acc = {}
for i = 1, #ARGV do addInto(acc, parse(ARGV[i])) end
return toDecimal(acc)`;
    const out = await redis.eval(script, 0, ...values.map((v) => v.toString(10)));
    expect(typeof out).toBe("string");
    return BigInt(out as string);
  }

  async function luaCmp(a: string, b: string): Promise<number> {
    const out = await redis.eval(`${BIGINT_LUA}\nreturn cmp(parse(ARGV[1]), parse(ARGV[2]))`, 0, a, b);
    return out as number;
  }

  function randomBig(bytes: number): bigint {
    return BigInt(`0x${randomBytes(bytes).toString("hex")}`);
  }

  it("adds across limb boundaries and carries through every limb", async () => {
    const limb = 10n ** 14n;
    const cases: bigint[][] = [
      [0n],
      [0n, 0n],
      [limb - 1n, 1n],
      [limb * limb - 1n, 1n],
      [10n ** 77n - 1n, 1n],
      [1n << 255n, 1n << 255n],
      [(1n << 256n) - 1n, (1n << 256n) - 1n],
      [99_999_999_999_999n, 99_999_999_999_999n, 99_999_999_999_999n],
    ];
    for (const values of cases) expect(await luaSum(values)).toBe(values.reduce((s, v) => s + v, 0n));
  });

  it("matches bigint on random u256 sums of many terms", async () => {
    for (let round = 0; round < 20; round++) {
      const values = Array.from({ length: 1 + (round % 7) * 15 }, (_, i) => randomBig(1 + ((round * 7 + i) % 32)));
      expect(await luaSum(values)).toBe(values.reduce((s, v) => s + v, 0n));
    }
  });

  it("subtracts with borrows across every limb", async () => {
    const sub = async (a: bigint, b: bigint): Promise<bigint> =>
      BigInt((await redis.eval(`${BIGINT_LUA}\nreturn toDecimal(subInto(parse(ARGV[1]), parse(ARGV[2])))`, 0, `${a}`, `${b}`)) as string);
    const cases: [bigint, bigint][] = [
      [0n, 0n],
      [5n, 5n],
      [10n ** 14n, 1n],
      [10n ** 77n, 1n],
      [10n ** 77n, 10n ** 77n - 1n],
      [(1n << 256n) - 1n, 1n << 255n],
      [(10n ** 42n) + 5n, 10n ** 14n + 6n],
    ];
    for (const [a, b] of cases) expect(await sub(a, b)).toBe(a - b);
    for (let i = 0; i < 20; i++) {
      const x = randomBig(32);
      const y = randomBig(1 + (i % 32));
      const [a, b] = x >= y ? [x, y] : [y, x];
      expect(await sub(a, b)).toBe(a - b);
    }
  });

  it("parses leading zeros to the same value", async () => {
    const out = await redis.eval(`${BIGINT_LUA}\nreturn toDecimal(parse(ARGV[1]))`, 0, "000000000000000000000000042");
    expect(out).toBe("42");
  });

  it("compares by value", async () => {
    const two255 = (1n << 255n).toString();
    expect(await luaCmp("0", "0")).toBe(0);
    expect(await luaCmp("0", "1")).toBe(-1);
    expect(await luaCmp(two255, two255)).toBe(0);
    expect(await luaCmp(two255, ((1n << 255n) - 1n).toString())).toBe(1);
    expect(await luaCmp(((1n << 255n) + 1n).toString(), two255)).toBe(1);
    expect(await luaCmp("100000000000000", "99999999999999")).toBe(1);
    expect(await luaCmp("99999999999999", "100000000000000")).toBe(-1);
    expect(await luaCmp("200000000000001", "200000000000002")).toBe(-1);
    for (let i = 0; i < 20; i++) {
      const a = randomBig(32);
      const b = i % 4 === 0 ? a : randomBig(1 + (i % 32));
      expect(await luaCmp(a.toString(), b.toString())).toBe(a === b ? 0 : a < b ? -1 : 1);
    }
  });

  it("refuses anything that is not a decimal string", async () => {
    for (const bad of ["", "-1", "1e5", "0x10", " 1", "1.0"]) {
      await expect(redis.eval(`${BIGINT_LUA}\nreturn toDecimal(parse(ARGV[1]))`, 0, bad)).rejects.toThrow(
        /not a decimal amount/,
      );
    }
  });
});
