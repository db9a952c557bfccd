import type { SignerConfig } from "./config-types.js";
import type { EnvReader } from "./env-reader.js";
import type { Problems } from "./problems.js";

/** The stores section of the configuration, read from the environment. */
export interface StoresEnv {
  readonly stores: SignerConfig["stores"];
  /** Whether any store uses Redis (the production rediss:// rule applies then). */
  readonly usesRedis: boolean;
}

function readRedisUrl(env: EnvReader, problems: Problems): string | undefined {
  const raw = env.optional("KEYRING_REDIS_URL");
  if (raw === undefined) return undefined;
  // The URL may carry a password: register it for redaction, and never quote the URL.
  problems.secret(raw);
  try {
    const url = new URL(raw);
    if (url.password) problems.secret(decodeURIComponent(url.password));
    if (url.protocol === "redis:" || url.protocol === "rediss:") return raw;
  } catch {
    // reported below
  }
  problems.add("KEYRING_REDIS_URL must be a redis:// or rediss:// URL");
  return undefined;
}

/**
 * SISNA's replay-store, Redis and rate-limit variables plus Airlock's spend prefix. A given
 * KEYRING_REDIS_URL is always used: at least by the spend store, which lives in Redis whenever
 * Redis is configured.
 */
export function readStores(env: EnvReader, problems: Problems): StoresEnv {
  const replay = env.oneOf("KEYRING_REPLAY_STORE", ["memory", "redis"] as const, "memory");
  const url = readRedisUrl(env, problems);
  const urlGiven = env.has("KEYRING_REDIS_URL");
  const noncePrefix = env.token("KEYRING_REDIS_NONCE_PREFIX", "starknet-keyring-proxy:nonce:", 128);
  const enabled = env.bool("KEYRING_RATE_LIMIT_ENABLED", false);
  const backend = env.oneOf("KEYRING_RATE_LIMIT_BACKEND", ["memory", "redis"] as const, "memory");
  const windowMs = env.int("KEYRING_RATE_LIMIT_WINDOW_MS", 60_000, 1, 86_400_000);
  const maxRequests = env.int("KEYRING_RATE_LIMIT_MAX_REQUESTS", 120, 1, 1_000_000);
  const rateLimitPrefix = env.token("KEYRING_REDIS_RATE_LIMIT_PREFIX", "starknet-keyring-proxy:ratelimit:", 128);
  const spendPrefix = env.token("KEYRING_REDIS_SPEND_PREFIX", "airlock:spend:", 128);

  const rateLimitUsesRedis = enabled && backend === "redis";
  if (replay === "redis" && !urlGiven) problems.add("KEYRING_REDIS_URL is required when KEYRING_REPLAY_STORE=redis");
  if (rateLimitUsesRedis && !urlGiven) problems.add("KEYRING_REDIS_URL is required when KEYRING_RATE_LIMIT_BACKEND=redis");
  // Spending budgets live in Redis whenever a URL is given, even when nonces and rate limits
  // stay in memory: budgets must hold across every instance that shares it.
  const redis = url !== undefined ? { url, noncePrefix, rateLimitPrefix, spendPrefix } : undefined;
  const usesRedis = redis !== undefined;
  return {
    usesRedis,
    stores: {
      replay,
      ...(redis ? { redis } : {}),
      rateLimit: { enabled, backend, windowMs, maxRequests },
      spend: redis ? "redis" : "memory",
    },
  };
}
