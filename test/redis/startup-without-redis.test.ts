import { afterAll, afterEach, describe, expect, it } from "vitest";
import { expectFailClosed, expectRecovery } from "./helpers/outage-checks.js";
import { hasRedisServer, RedisProcess, warnIfSkipped } from "../support/redis-process.js";
import { HttpDriver } from "./helpers/signed-request.js";
import { redisEnv, SidecarFleet } from "./helpers/sidecars.js";

const available = hasRedisServer();
warnIfSkipped(available, "the startup-without-Redis end-to-end tests are");

describe.skipIf(!available)("a sidecar started while Redis is down (own redis-server)", () => {
  const fleet = new SidecarFleet();
  const http = new HttpDriver();
  let redis: RedisProcess | undefined;
  afterEach(async () => {
    await fleet.closeAll();
    await redis?.dispose();
    redis = undefined;
  });
  afterAll(() => http.close());

  it("starts anyway, answers 503 (ready and signing) until Redis comes up, then serves", { timeout: 40_000 }, async () => {
    const server = await RedisProcess.notStarted();
    redis = server;
    const env = redisEnv(server.url);
    // Two instances at once: both must come up without Redis and both must recover.
    const sidecars = await Promise.all([fleet.start(env), fleet.start(env)]);
    for (const s of sidecars) {
      expect(s.logs.filter((l) => l.startsWith("warn redis.not_ready"))).toHaveLength(1);
      expect(s.logs.some((l) => l.startsWith("info server.started"))).toBe(true);
    }
    await expectFailClosed(http, sidecars, "REPLAY_STORE_UNAVAILABLE");

    await server.restart();
    await expectRecovery(http, sidecars);
  });

  it("with only the rate limiter on Redis: 503 RATE_LIMIT_UNAVAILABLE until Redis comes up", { timeout: 40_000 }, async () => {
    const server = await RedisProcess.notStarted();
    redis = server;
    const sidecar = await fleet.start(redisEnv(server.url, { KEYRING_REPLAY_STORE: "memory" }));
    await expectFailClosed(http, [sidecar], "RATE_LIMIT_UNAVAILABLE");
    await server.restart();
    await expectRecovery(http, [sidecar]);
  });
});
