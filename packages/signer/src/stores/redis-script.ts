import { createHash } from "node:crypto";
import type { Redis } from "ioredis";

/** Runs a script with its keys and arguments; rejects as the underlying command does. */
export type ScriptRunner = (keys: readonly string[], args: readonly string[]) => Promise<unknown>;

type DynamicScript = (numberOfKeys: number, ...keysThenArgs: string[]) => Promise<unknown>;

/**
 * Registers `lua` on the client with ioredis `defineCommand`, which sends EVALSHA and falls
 * back to EVAL when the server does not have the script cached (first use on a connection,
 * after a restart or SCRIPT FLUSH). The command name derives from the script's hash, so stores
 * sharing one client register each script once. A read-only script may run on replicas.
 */
export function defineScript(redis: Redis, lua: string, options: { readOnly?: boolean } = {}): ScriptRunner {
  const name = `airlock_${createHash("sha1").update(lua).digest("hex").slice(0, 16)}`;
  const commands = redis as unknown as Record<string, DynamicScript | undefined>;
  if (typeof commands[name] !== "function") {
    redis.defineCommand(name, { lua, ...(options.readOnly === true ? { readOnly: true } : {}) });
  }
  return (keys, args) => {
    const run = commands[name];
    if (run === undefined) return Promise.reject(new Error("script is not registered"));
    return run.call(redis, keys.length, ...keys, ...args);
  };
}
