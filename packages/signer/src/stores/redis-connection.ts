import { Redis } from "ioredis";
import { assertPositiveInt } from "./store-args.js";

/**
 * The one Redis client the Redis-backed stores share, configured for a fail-closed boundary:
 * a command either gets an answer quickly or fails quickly (the store then throws
 * StoreUnavailableError and the request is refused), and the client reconnects by itself in
 * the background so the stores recover when Redis comes back.
 */

/** The Redis URL could not be used. The message never repeats the URL (it may hold a password). */
export class RedisUrlError extends Error {
  override readonly name = "RedisUrlError";
  readonly code = "REDIS_URL_INVALID";
}

export interface RedisTarget {
  readonly host: string;
  readonly port: number;
  readonly db: number;
  readonly tls: boolean;
  readonly username?: string;
  readonly password?: string;
}

/**
 * Parses `redis://[user[:password]@]host[:port][/db]` or `rediss://…` strictly: any other scheme,
 * a query string or a fragment is refused rather than guessed at (ioredis would read options,
 * a password among them, out of the query string).
 */
export function parseRedisUrl(url: string): RedisTarget {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    // Not chained: Node's URL error carries the input, password included.
    throw new RedisUrlError("invalid Redis URL");
  }
  if (u.protocol !== "redis:" && u.protocol !== "rediss:") throw new RedisUrlError("Redis URL must use redis:// or rediss://");
  if (u.search !== "" || u.hash !== "") throw new RedisUrlError("Redis URL must not carry a query string or fragment");
  const host = u.hostname.startsWith("[") ? u.hostname.slice(1, -1) : u.hostname;
  if (host === "") throw new RedisUrlError("Redis URL has no host");
  const port = u.port === "" ? 6379 : Number(u.port);
  const dbMatch = /^\/?$|^\/(\d{1,5})$/.exec(u.pathname);
  if (!dbMatch) throw new RedisUrlError("Redis URL path must be empty or a database number");
  let username: string;
  let password: string;
  try {
    username = decodeURIComponent(u.username);
    password = decodeURIComponent(u.password);
  } catch {
    throw new RedisUrlError("Redis URL credentials are not valid percent-encoding");
  }
  return {
    host,
    port,
    db: dbMatch[1] === undefined ? 0 : Number(dbMatch[1]),
    tls: u.protocol === "rediss:",
    ...(username !== "" ? { username } : {}),
    ...(password !== "" ? { password } : {}),
  };
}

/**
 * The URL with its credentials and any query string replaced by `<redacted>`, safe to log.
 * An unparsable URL gives a fixed placeholder, never the input.
 */
export function redactRedisUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return "<invalid redis url>";
  }
  const auth = u.username !== "" || u.password !== "" ? "<redacted>@" : "";
  const query = u.search !== "" ? "?<redacted>" : "";
  const authority = u.host === "" ? "" : `//${auth}${u.host}`;
  return `${u.protocol}${authority}${u.pathname}${query}`;
}

/** Removes `scheme://user:pass@` credentials, and each literal secret, from a message. */
export function redactCredentials(message: string, secrets: readonly string[] = []): string {
  let out = message.replace(/([a-z][a-z0-9+.-]*:\/\/)\S*@/gi, "$1<redacted>@");
  for (const secret of secrets) if (secret !== "") out = out.split(secret).join("<redacted>");
  return out;
}

export interface ConnectRedisOptions {
  /** Receives one line per client error (deduplicated while it repeats), credentials removed. */
  readonly onError?: (message: string) => void;
  /** A command without an answer after this long fails (default 1000 ms). */
  readonly commandTimeoutMs?: number;
  /** A connection attempt without an answer after this long fails (default 2000 ms). */
  readonly connectTimeoutMs?: number;
  /** Reconnect delays double from 50 ms up to this cap, forever (default 2000 ms). */
  readonly maxReconnectDelayMs?: number;
  /** CLIENT SETNAME, for `CLIENT LIST` on the Redis side (default "airlock-signer"). */
  readonly connectionName?: string;
}

/** Exponential backoff from 50 ms, capped; never gives up, so the stores recover on their own. */
export function reconnectDelayMs(attempt: number, capMs: number): number {
  return Math.min(capMs, 50 * 2 ** Math.min(Math.max(attempt - 1, 0), 16));
}

/**
 * Creates the shared client. It connects at once and reconnects forever with capped backoff.
 * While it is not connected every command fails immediately (no offline queue), and a command
 * on a connection that stopped answering fails after `commandTimeoutMs`. Commands cut off by a
 * lost connection are not re-sent on reconnect after their caller was told they failed
 * (`autoResendUnfulfilledCommands: false`); one already delivered to a stalled server may still
 * run when it resumes, which the stores treat as the safe direction (a burnt nonce, an
 * over-counted budget). RESP2 is pinned so replies have the same shape on every Redis version.
 */
export function connectRedis(url: string, options: ConnectRedisOptions = {}): Redis {
  const target = parseRedisUrl(url);
  const secrets = target.password === undefined ? [] : [target.password];
  const capMs = options.maxReconnectDelayMs ?? 2000;
  const commandTimeout = options.commandTimeoutMs ?? 1000;
  const connectTimeout = options.connectTimeoutMs ?? 2000;
  assertPositiveInt(capMs, "maxReconnectDelayMs");
  assertPositiveInt(commandTimeout, "commandTimeoutMs");
  assertPositiveInt(connectTimeout, "connectTimeoutMs");
  const redis = new Redis({
    host: target.host,
    port: target.port,
    db: target.db,
    ...(target.username !== undefined ? { username: target.username } : {}),
    ...(target.password !== undefined ? { password: target.password } : {}),
    // Node verifies the certificate against `host`; the system CA store applies.
    ...(target.tls ? { tls: {} } : {}),
    protocol: 2,
    connectionName: options.connectionName ?? "airlock-signer",
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    autoResendUnfulfilledCommands: false,
    commandTimeout,
    connectTimeout,
    retryStrategy: (attempt) => reconnectDelayMs(attempt, capMs),
    // After a failover the old primary may turn into a read-only replica behind the same
    // address: reconnect (and so follow the address to the new primary) instead of failing
    // every write until a restart.
    reconnectOnError: (err) => (/READONLY/.test(err.message) ? 1 : false),
  });
  const onError = options.onError;
  let last: string | undefined;
  // A listener is always attached: without one ioredis prints every error to the console.
  redis.on("error", (err: unknown) => {
    const message = `redis: ${redactCredentials(err instanceof Error ? err.message : "unknown error", secrets)}`;
    if (message === last) return;
    last = message;
    try {
      onError?.(message);
    } catch {
      // A failing logger must not take the client down with it.
    }
  });
  redis.on("ready", () => {
    last = undefined;
  });
  return redis;
}

/**
 * Resolves true once the client is ready, false if it is not within `timeoutMs` (startup can
 * then refuse to serve, or start and answer 503 until Redis is reachable).
 */
export function waitForRedisReady(redis: Redis, timeoutMs: number): Promise<boolean> {
  if (redis.status === "ready") return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      clearTimeout(timer);
      redis.off("ready", onReady);
      resolve(ok);
    };
    const onReady = () => done(true);
    const timer = setTimeout(() => done(false), timeoutMs);
    redis.on("ready", onReady);
  });
}

/**
 * QUIT (waiting up to `timeoutMs` for the socket to close), or a hard disconnect when Redis
 * cannot answer; either way the client stops reconnecting and every later command fails.
 * Never throws.
 */
export async function closeRedis(redis: Redis, timeoutMs = 1000): Promise<void> {
  if (redis.status === "end") return;
  let timer: NodeJS.Timeout | undefined;
  const ended = new Promise<void>((resolve) => {
    redis.once("end", resolve);
    timer = setTimeout(resolve, timeoutMs);
  });
  try {
    await redis.quit();
  } catch {
    // Not connected: nothing to wait for; this only cancels the pending reconnect.
    redis.disconnect();
    clearTimeout(timer);
    return;
  }
  await ended;
  clearTimeout(timer);
  // Re-read: the status changed while awaiting (TypeScript still has it narrowed).
  if ((redis.status as string) !== "end") redis.disconnect();
}
