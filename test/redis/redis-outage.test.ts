import { afterAll, afterEach, describe, expect, it } from "vitest";
import { expectFailClosed, expectRecovery, signOnce } from "./helpers/outage-checks.js";
import { hasRedisServer, RedisProcess, warnIfSkipped } from "../support/redis-process.js";
import { HttpDriver } from "./helpers/signed-request.js";
import { redisEnv, SidecarFleet, type RunningSidecar } from "./helpers/sidecars.js";

const available = hasRedisServer();
warnIfSkipped(available, "the Redis outage end-to-end tests are");

// The Redis of these tests has a password, so the tests can check it never leaks.
const PASSWORD = "e2e-redis-password-3b7d91f0";

describe.skipIf(!available)("Redis going away under two running instances (own redis-server)", () => {
  const fleet = new SidecarFleet();
  const http = new HttpDriver();
  let redis: RedisProcess | undefined;
  afterEach(async () => {
    await fleet.closeAll();
    await redis?.dispose();
    redis = undefined;
  });
  afterAll(() => http.close());

  async function setup(): Promise<[RedisProcess, RunningSidecar[]]> {
    const server = await RedisProcess.start({ password: PASSWORD });
    redis = server;
    const env = redisEnv(server.url);
    const sidecars = await Promise.all([fleet.start(env), fleet.start(env)]);
    for (const s of sidecars) {
      expect((await signOnce(http, s.url)).status).toBe(200);
      expect((await http.get(s.url, "/ready")).status).toBe(200);
    }
    return [server, sidecars];
  }

  function expectCleanLogs(sidecars: RunningSidecar[]): void {
    for (const s of sidecars) {
      expect(s.logs.filter((l) => l.startsWith("error server.internal_error"))).toEqual([]);
      expect(s.logs.join("\n")).not.toContain(PASSWORD);
      expect(JSON.stringify(s.audit)).not.toContain(PASSWORD);
    }
  }

  it("killed (SIGKILL): 503 REPLAY_STORE_UNAVAILABLE, never a signature; restarted on the same port: recovers", { timeout: 40_000 }, async () => {
    const [server, sidecars] = await setup();
    await server.kill();
    await expectFailClosed(http, sidecars, "REPLAY_STORE_UNAVAILABLE");
    // Still closed on a second wave, after the client has started reconnecting.
    await expectFailClosed(http, sidecars, "REPLAY_STORE_UNAVAILABLE", 4);

    await server.restart();
    await expectRecovery(http, sidecars);
    expectCleanLogs(sidecars);
  });

  it("frozen (SIGSTOP): requests fail with 503 instead of hanging; thawed (SIGCONT): recovers", { timeout: 40_000 }, async () => {
    const [server, sidecars] = await setup();
    server.freeze();
    // HttpDriver gives up after 10 s: a hang would fail here, a bounded 503 passes.
    await expectFailClosed(http, sidecars, "REPLAY_STORE_UNAVAILABLE", 6);

    server.thaw();
    await expectRecovery(http, sidecars);
    expectCleanLogs(sidecars);
  });

  it("killed while requests are in flight: every answer is a signature or a 503, and the pair recovers", { timeout: 40_000 }, async () => {
    const [server, sidecars] = await setup();
    const inFlight = Array.from({ length: 40 }, (_, i) => signOnce(http, sidecars[i % 2]!.url));
    await server.kill();
    const answers = await Promise.all(inFlight);
    for (const a of answers) {
      if (a.status === 200) continue;
      expect(a.status).toBe(503);
      expect(a.body.code).toBe("REPLAY_STORE_UNAVAILABLE");
    }
    await server.restart();
    await expectRecovery(http, sidecars);
    expectCleanLogs(sidecars);
  });

  it("shuts down while Redis is frozen or dead: close() returns instead of waiting on Redis", { timeout: 40_000 }, async () => {
    const [server, [a, b]] = await setup();
    const closedWithin10s = (close: () => Promise<void>) =>
      Promise.race([close().then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 10_000).unref())]);
    server.freeze();
    expect(await closedWithin10s(a!.close)).toBe(true);
    await server.kill();
    expect(await closedWithin10s(b!.close)).toBe(true);
  });
});
