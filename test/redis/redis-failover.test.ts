import { afterAll, afterEach, describe, expect, it } from "vitest";
import { expectFailClosed, expectRecovery, signOnce } from "./helpers/outage-checks.js";
import { redisAdmin } from "./helpers/redis-admin.js";
import { freePort, hasRedisServer, RedisProcess, warnIfSkipped } from "../support/redis-process.js";
import { HttpDriver } from "./helpers/signed-request.js";
import { redisEnv, SidecarFleet } from "./helpers/sidecars.js";
import { TripwireProxy } from "./helpers/tripwire-proxy.js";

const available = hasRedisServer();
warnIfSkipped(available, "the Redis failover end-to-end tests are");

/**
 * A failover demotes the primary the sidecars are connected to: it keeps answering (PING,
 * reads) but refuses every write with READONLY. Managed Redis (ElastiCache, Sentinel behind a
 * DNS name) then moves the name to the new primary; a client follows only when it reconnects.
 */
describe.skipIf(!available)("Redis failover: the connected node becomes a read-only replica (own redis-servers)", () => {
  const fleet = new SidecarFleet();
  const http = new HttpDriver();
  const servers: RedisProcess[] = [];
  let proxy: TripwireProxy | undefined;
  afterEach(async () => {
    await fleet.closeAll();
    await proxy?.close();
    proxy = undefined;
    await Promise.all(servers.splice(0).map((s) => s.dispose()));
  });
  afterAll(() => http.close());

  async function redisServer(): Promise<RedisProcess> {
    const s = await RedisProcess.start();
    servers.push(s);
    return s;
  }

  it("the name moves to the new primary: writes refused with 503 meanwhile, then both instances follow within 10 s", { timeout: 40_000 }, async () => {
    const [oldPrimary, newPrimary] = await Promise.all([redisServer(), redisServer()]);
    // The proxy plays the DNS name: it points at the primary of the moment.
    proxy = await TripwireProxy.start(oldPrimary.port);
    const env = redisEnv(`redis://127.0.0.1:${proxy.port}`);
    const sidecars = await Promise.all([fleet.start(env), fleet.start(env)]);
    for (const s of sidecars) expect((await signOnce(http, s.url)).status).toBe(200);

    await redisAdmin(oldPrimary.port, "REPLICAOF", "127.0.0.1", String(newPrimary.port));
    proxy.retarget(newPrimary.port);

    // Fail closed first: a write refused by the replica is a 503, never a signature without a nonce.
    for (const s of sidecars) {
      const first = await signOnce(http, s.url);
      if (first.status !== 200) expect(first.body.code).toBe("REPLAY_STORE_UNAVAILABLE");
    }
    // BUG (see report): the shared client never reconnects on READONLY, so it stays on the
    // demoted node and every signature is refused until the process restarts.
    await expectRecovery(http, sidecars);
  });

  it("the URL names the demoted node itself: signing is refused and /ready says so; promoted again: recovers", { timeout: 40_000 }, async () => {
    const node = await redisServer();
    const sidecar = await fleet.start(redisEnv(node.url));
    expect((await signOnce(http, sidecar.url)).status).toBe(200);

    // A replica of a primary that is not there stays read-only.
    await redisAdmin(node.port, "REPLICAOF", "127.0.0.1", String(await freePort()));
    // BUG (see report): /ready answers 200 here (PING works on a replica) while every
    // signing request gets 503, so a load balancer keeps sending traffic to it.
    await expectFailClosed(http, [sidecar], "REPLAY_STORE_UNAVAILABLE", 4);

    await redisAdmin(node.port, "REPLICAOF", "NO", "ONE");
    await expectRecovery(http, [sidecar]);
  });
});
