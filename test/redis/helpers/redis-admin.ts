import { Redis } from "ioredis";

/** Runs one admin command (REPLICAOF…) on the Redis at `port`, on a short-lived connection. */
export async function redisAdmin(port: number, command: string, ...args: string[]): Promise<unknown> {
  const redis = new Redis({ host: "127.0.0.1", port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  redis.on("error", () => undefined);
  try {
    await redis.connect();
    return await redis.call(command, ...args);
  } finally {
    redis.disconnect();
  }
}
