import { describe, expect, it } from "vitest";
import {
  closeRedis,
  connectRedis,
  parseRedisUrl,
  reconnectDelayMs,
  redactCredentials,
  redactRedisUrl,
  RedisUrlError,
  waitForRedisReady,
} from "../../src/stores/redis-connection.js";
import { RedisNonceStore } from "../../src/stores/redis-nonce-store.js";
import { StoreUnavailableError } from "../../src/stores/store-types.js";
import { freePort } from "../../../../test/support/redis-process.js";
import { sleep } from "./store-test-support.js";

const PASSWORD = "pa55-w0rd_that-must-never-leak";

describe("parseRedisUrl", () => {
  it("reads host, port, db, TLS and percent-decoded credentials", () => {
    expect(parseRedisUrl("redis://127.0.0.1")).toEqual({ host: "127.0.0.1", port: 6379, db: 0, tls: false });
    expect(parseRedisUrl("redis://localhost:6380/3")).toEqual({ host: "localhost", port: 6380, db: 3, tls: false });
    expect(parseRedisUrl("rediss://u%40x:p%3Aw%2F@redis.internal:6390/")).toEqual({
      host: "redis.internal",
      port: 6390,
      db: 0,
      tls: true,
      username: "u@x",
      password: "p:w/",
    });
    expect(parseRedisUrl(`redis://:${PASSWORD}@[::1]:7000`)).toEqual({
      host: "::1",
      port: 7000,
      db: 0,
      tls: false,
      password: PASSWORD,
    });
  });

  it("refuses anything else, without repeating the URL", () => {
    const bad = [
      `http://:${PASSWORD}@host:6379`,
      `redis://:${PASSWORD}@host:6379?password=x`,
      `redis://:${PASSWORD}@host:6379/0#frag`,
      `redis://:${PASSWORD}@host:6379/zero`,
      `redis://:${PASSWORD}@host:6379/0/1`,
      `redis://:${PASSWORD}%zz@host:6379`,
      `:${PASSWORD}@host`,
      "",
    ];
    for (const url of bad) {
      let err: unknown;
      try {
        parseRedisUrl(url);
      } catch (e) {
        err = e;
      }
      expect(err, url).toBeInstanceOf(RedisUrlError);
      expect((err as RedisUrlError).code).toBe("REDIS_URL_INVALID");
      expect((err as Error).message).not.toContain(PASSWORD);
      expect((err as Error).cause).toBeUndefined();
    }
  });
});

describe("redaction", () => {
  it("redactRedisUrl strips credentials and query strings", () => {
    expect(redactRedisUrl(`redis://admin:${PASSWORD}@db.example:6379/2`)).toBe("redis://<redacted>@db.example:6379/2");
    expect(redactRedisUrl(`rediss://:${PASSWORD}@db.example`)).toBe("rediss://<redacted>@db.example");
    expect(redactRedisUrl(`redis://db.example:6379?password=${PASSWORD}`)).toBe("redis://db.example:6379?<redacted>");
    expect(redactRedisUrl("redis://127.0.0.1:6379")).toBe("redis://127.0.0.1:6379");
    expect(redactRedisUrl(`not a url ${PASSWORD}`)).toBe("<invalid redis url>");
  });

  it("redactCredentials removes URL userinfo and literal secrets from messages", () => {
    expect(redactCredentials(`failed on redis://u:${PASSWORD}@h:1 now`)).toBe("failed on redis://<redacted>@h:1 now");
    expect(redactCredentials(`AUTH ${PASSWORD} failed`, [PASSWORD])).toBe("AUTH <redacted> failed");
    expect(redactCredentials("connect ECONNREFUSED 127.0.0.1:1")).toBe("connect ECONNREFUSED 127.0.0.1:1");
  });
});

describe("reconnectDelayMs", () => {
  it("doubles from 50 ms and stays at the cap forever", () => {
    expect([1, 2, 3, 4, 5].map((n) => reconnectDelayMs(n, 2000))).toEqual([50, 100, 200, 400, 800]);
    expect(reconnectDelayMs(7, 2000)).toBe(2000);
    expect(reconnectDelayMs(10_000, 2000)).toBe(2000);
    expect(reconnectDelayMs(10_000, 150)).toBe(150);
  });
});

describe("connectRedis against nothing listening", () => {
  it("fails every command at once, reports errors without credentials, and keeps retrying", async () => {
    const port = await freePort();
    const messages: string[] = [];
    const redis = connectRedis(`redis://user:${PASSWORD}@127.0.0.1:${port}`, {
      onError: (m) => messages.push(m),
      maxReconnectDelayMs: 50,
    });
    try {
      expect(await waitForRedisReady(redis, 300)).toBe(false);
      const store = new RedisNonceStore(redis, { prefix: "airlock-test:nothing:" });
      const err = await store.consume("k", 1000, Date.now()).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StoreUnavailableError);
      await expect(store.ping()).rejects.toBeInstanceOf(StoreUnavailableError);
      expect(messages.length).toBeGreaterThan(0);
      expect(messages[0]).toMatch(/^redis: /);
      for (const m of messages) {
        expect(m).not.toContain(PASSWORD);
        expect(m).not.toContain("user:");
      }
      // Repeats of the same failure are reported once.
      expect(new Set(messages).size).toBe(messages.length);
      expect(["connecting", "reconnecting", "connect"]).toContain(redis.status);
    } finally {
      await closeRedis(redis);
    }
    // Closed: no more reconnect attempts (so no more errors), and commands fail.
    const seen = messages.length;
    await sleep(200);
    expect(messages.length).toBe(seen);
    await expect(new RedisNonceStore(redis).consume("k", 1000, Date.now())).rejects.toBeInstanceOf(
      StoreUnavailableError,
    );
  });

  it("survives a logger that throws", async () => {
    const port = await freePort();
    const redis = connectRedis(`redis://127.0.0.1:${port}`, {
      onError: () => {
        throw new Error("logger down");
      },
      maxReconnectDelayMs: 50,
    });
    try {
      expect(await waitForRedisReady(redis, 200)).toBe(false);
      expect(redis.status).not.toBe("end");
    } finally {
      await closeRedis(redis);
    }
  });
});
