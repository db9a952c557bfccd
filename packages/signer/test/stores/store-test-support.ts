import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import { connectRedis, waitForRedisReady, type ConnectRedisOptions } from "../../src/stores/redis-connection.js";

/** A key prefix no other test run or test case shares. */
export function randomPrefix(tag: string): string {
  return `airlock-test:${tag}:${randomUUID()}:`;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** A fresh client on `url`, ready for commands (throws if it is not ready within 5 s). */
export async function readyClient(url: string, options: ConnectRedisOptions = {}): Promise<Redis> {
  const redis = connectRedis(url, options);
  if (!(await waitForRedisReady(redis, 5000))) {
    redis.disconnect();
    throw new Error("test Redis client not ready within 5 s");
  }
  return redis;
}
