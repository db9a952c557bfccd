import { afterAll, afterEach, describe, expect, it } from "vitest";
import { expectFailClosed, expectRecovery, signOnce } from "./helpers/outage-checks.js";
import { hasRedisServer, RedisProcess, warnIfSkipped } from "../support/redis-process.js";
import { EVALUATE_PATH, HttpDriver, sessionBody, signRequest } from "./helpers/signed-request.js";
import { redisEnv, SidecarFleet, signedRecords, TempFiles, uniquePrefixes } from "./helpers/sidecars.js";
import { TripwireProxy } from "./helpers/tripwire-proxy.js";

const available = hasRedisServer();
warnIfSkipped(available, "the store failure code end-to-end tests are");

/**
 * Which store answers for a dead Redis depends on the pipeline order: HMAC + nonce, schema,
 * leak scan, rate limit, policy, then the spend reservation, then the signature. The spend
 * store lives in Redis only when the nonce store or the rate limiter does, and both of those
 * come first; so to see the spend store fail, Redis must die between the rate limit and the
 * reservation. A proxy in front of Redis kills it the moment the reservation's keys go out.
 */
describe.skipIf(!available)("which store fails closed, by pipeline position (own redis-server)", () => {
  const fleet = new SidecarFleet();
  const files = new TempFiles();
  const http = new HttpDriver();
  let redis: RedisProcess | undefined;
  let proxy: TripwireProxy | undefined;
  afterEach(async () => {
    await fleet.closeAll();
    await proxy?.close();
    await redis?.dispose();
    proxy = undefined;
    redis = undefined;
  });
  afterAll(async () => {
    files.cleanup();
    await http.close();
  });

  it("nonces in memory, rate limiter on a dead Redis: 503 RATE_LIMIT_UNAVAILABLE, then recovery", { timeout: 40_000 }, async () => {
    const server = await RedisProcess.start();
    redis = server;
    const sidecar = await fleet.start(redisEnv(server.url, { KEYRING_REPLAY_STORE: "memory" }));
    expect((await signOnce(http, sidecar.url)).status).toBe(200);

    await server.kill();
    await expectFailClosed(http, [sidecar], "RATE_LIMIT_UNAVAILABLE");
    await server.restart();
    await expectRecovery(http, [sidecar]);
  });

  for (const replay of ["memory", "redis"] as const) {
    it(`nonces in ${replay}, Redis dies as the spend reservation goes out: 503 SPEND_STORE_UNAVAILABLE, nothing signed`, { timeout: 40_000 }, async () => {
      const server = await RedisProcess.start();
      redis = server;
      const tripwire = await TripwireProxy.start(server.port, () => void server.kill());
      proxy = tripwire;
      const prefixes = uniquePrefixes("spend-fail");
      const sidecar = await fleet.start(
        redisEnv(`redis://127.0.0.1:${tripwire.port}`, {
          ...prefixes,
          KEYRING_REPLAY_STORE: replay,
          KEYRING_POLICY_FILE: files.spendingPolicy(100),
        }),
      );
      expect((await signOnce(http, sidecar.url, 1)).status).toBe(200);
      const auditedBefore = sidecar.audit.length;

      tripwire.arm(prefixes.KEYRING_REDIS_SPEND_PREFIX!);
      const failed = await signOnce(http, sidecar.url, 1);
      expect(tripwire.trips).toBe(1); // the nonce check and the rate limit had passed
      expect(failed.status).toBe(503);
      expect(failed.body).toMatchObject({ code: "SPEND_STORE_UNAVAILABLE", error: "spending limit store unavailable" });
      expect(failed.body.signature).toBeUndefined();
      expect(sidecar.audit.slice(auditedBefore)).toMatchObject([
        { event: "sign.session_transaction.spend_store_unavailable", outcome: "error" },
      ]);
      expect(signedRecords(sidecar)).toHaveLength(1);

      // Redis is now simply dead: the first Redis-backed step refuses.
      await expectFailClosed(http, [sidecar], replay === "memory" ? "RATE_LIMIT_UNAVAILABLE" : "REPLAY_STORE_UNAVAILABLE", 4);
      await server.restart();
      await expectRecovery(http, [sidecar]);
      expect((await signOnce(http, sidecar.url, 1)).status).toBe(200);
    });
  }

  it("Redis freezes with the spend reservation in hand: 503 SPEND_STORE_UNAVAILABLE within the bound; the budget holds after thaw", { timeout: 40_000 }, async () => {
    const server = await RedisProcess.start();
    redis = server;
    const tripwire = await TripwireProxy.start(server.port, () => server.freeze());
    proxy = tripwire;
    const prefixes = uniquePrefixes("spend-freeze");
    const sidecar = await fleet.start(
      redisEnv(`redis://127.0.0.1:${tripwire.port}`, { ...prefixes, KEYRING_POLICY_FILE: files.spendingPolicy(5) }),
    );
    expect((await signOnce(http, sidecar.url, 2)).status).toBe(200);

    tripwire.arm(prefixes.KEYRING_REDIS_SPEND_PREFIX!, { drop: false });
    const failed = await signOnce(http, sidecar.url, 2); // HttpDriver bounds this at 10 s
    expect(tripwire.trips).toBe(1);
    expect(failed.status).toBe(503);
    expect(failed.body.code).toBe("SPEND_STORE_UNAVAILABLE");
    expect(signedRecords(sidecar)).toHaveLength(1);

    server.thaw();
    await expectRecovery(http, [sidecar]);
    // Whatever the frozen reservation left behind, the signed total never passes the budget of 5.
    let signedUnits = 2;
    for (let i = 0; i < 5; i++) {
      const ans = await signOnce(http, sidecar.url, 1);
      if (ans.status === 200) signedUnits += 1;
      else expect(ans.body).toMatchObject({ code: "POLICY_DENIED", ruleId: "spend.window_exceeded" });
    }
    expect(signedUnits).toBeLessThanOrEqual(5);
    const dryRun = await http.send(sidecar.url, signRequest(EVALUATE_PATH, sessionBody(Date.now, { amount: 1 })));
    expect(dryRun.body).toMatchObject({ allowed: false, ruleId: "spend.window_exceeded" });
  });
});
