import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeRedis, connectRedis, waitForRedisReady } from "../../src/stores/redis-connection.js";
import { RedisNonceStore } from "../../src/stores/redis-nonce-store.js";
import { RedisRateLimiter } from "../../src/stores/redis-rate-limiter.js";
import { RedisSpendStore } from "../../src/stores/redis-spend-store.js";
import { StoreUnavailableError } from "../../src/stores/store-types.js";
import { hasRedisServer, RedisProcess } from "../../../../test/support/redis-process.js";
import { sleep } from "./store-test-support.js";

const available = hasRedisServer();
if (!available) console.warn("\n*** WARNING: redis-server is not installed: the Redis outage tests are SKIPPED ***\n");

const PASSWORD = "outage-test-secret-4f1d9c";

interface Probe {
  name: string;
  run(): Promise<unknown>;
}

/** One call of every store method, each with fresh keys so successes are unambiguous. */
function probes(redis: Redis): Probe[] {
  const prefix = `airlock-test:outage:${randomUUID()}:`;
  const nonces = new RedisNonceStore(redis, { prefix });
  const limiter = new RedisRateLimiter(redis, { windowMs: 60_000, maxRequests: 1000, prefix });
  const spend = new RedisSpendStore(redis, { prefix });
  const c = [{ key: "k", amount: 1n, max: 1_000_000n, windowMs: 60_000 }];
  return [
    { name: "nonce.consume", run: () => nonces.consume(randomUUID(), 60_000, Date.now()) },
    { name: "nonce.ping", run: () => nonces.ping() },
    { name: "rate.hit", run: () => limiter.hit("k", Date.now()) },
    { name: "rate.peek", run: () => limiter.peek("k", Date.now()) },
    { name: "rate.ping", run: () => limiter.ping() },
    { name: "spend.reserve", run: () => spend.reserve(c, Date.now(), randomUUID()) },
    { name: "spend.check", run: () => spend.check(c, Date.now()) },
    { name: "spend.release", run: () => spend.release(c, randomUUID()) },
    { name: "spend.ping", run: () => spend.ping() },
  ];
}

async function expectAllUnavailable(list: Probe[]): Promise<void> {
  for (const p of list) {
    const err = await p.run().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err, p.name).toBeInstanceOf(StoreUnavailableError);
  }
}

/** Retries the probes until all succeed, for at most ~10 s. */
async function expectRecovery(list: Probe[]): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const results = await Promise.allSettled(list.map((p) => p.run()));
    if (results.every((r) => r.status === "fulfilled")) return;
    await sleep(100);
  }
  throw new Error("stores did not recover within the retry budget");
}

describe.skipIf(!available)("Redis going away (own redis-server child process)", () => {
  let server: RedisProcess;
  let redis: Redis;
  const messages: string[] = [];

  beforeAll(async () => {
    server = await RedisProcess.start({ password: PASSWORD });
    redis = connectRedis(`redis://:${PASSWORD}@127.0.0.1:${server.port}`, {
      commandTimeoutMs: 500,
      maxReconnectDelayMs: 100,
      onError: (m) => messages.push(m),
    });
    expect(await waitForRedisReady(redis, 5000)).toBe(true);
  });

  afterAll(async () => {
    await closeRedis(redis);
    await server.dispose();
    for (const m of messages) expect(m).not.toContain(PASSWORD);
  });

  it("fails closed while Redis is dead and recovers by itself when it is back", async () => {
    const list = probes(redis);
    await expectRecovery(list);
    await server.kill();
    await expectAllUnavailable(list);
    // Still down a little later, while the client keeps retrying in the background.
    await sleep(250);
    await expectAllUnavailable(list);
    await server.restart();
    await expectRecovery(list);
    expect(messages.length).toBeGreaterThan(0);
  });

  it("fails closed when Redis stops answering (frozen), through the command timeout", async () => {
    const list = probes(redis);
    await expectRecovery(list);
    server.freeze();
    try {
      const results = await Promise.allSettled(list.map((p) => p.run()));
      for (const [i, r] of results.entries()) {
        expect(r.status, list[i]!.name).toBe("rejected");
        expect((r as PromiseRejectedResult).reason, list[i]!.name).toBeInstanceOf(StoreUnavailableError);
      }
    } finally {
      server.thaw();
    }
    await expectRecovery(list);
  });

  it("never reports the password, even when it is wrong", async () => {
    const wrong: string[] = [];
    const bad = connectRedis(`redis://:wrong-${PASSWORD}@127.0.0.1:${server.port}`, {
      maxReconnectDelayMs: 100,
      onError: (m) => wrong.push(m),
    });
    try {
      expect(await waitForRedisReady(bad, 500)).toBe(false);
      await expectAllUnavailable(probes(bad));
      expect(wrong.length).toBeGreaterThan(0);
      for (const m of wrong) expect(m).not.toContain(PASSWORD);
    } finally {
      await closeRedis(bad);
    }
  });
});
