import { randomUUID } from "node:crypto";
import { afterAll, afterEach, describe, expect, inject, it } from "vitest";
import { warnIfSkipped } from "../support/redis-process.js";
import { HttpDriver, sessionBody, signRequest, SIGN_PATH, tally, EVALUATE_PATH } from "./helpers/signed-request.js";
import { redisEnv, signedRecords, SidecarFleet, uniquePrefixes } from "./helpers/sidecars.js";

const redisUrl = inject("redisUrl");
warnIfSkipped(redisUrl !== "", "the cross-instance replay tests are");

describe.skipIf(!redisUrl)("one nonce, two sidecar instances on one Redis", () => {
  const fleet = new SidecarFleet();
  const http = new HttpDriver();
  afterEach(() => fleet.closeAll());
  afterAll(() => http.close());

  async function pair() {
    const env = redisEnv(redisUrl, uniquePrefixes("replay"));
    return Promise.all([fleet.start(env), fleet.start(env)]);
  }

  it("a nonce used on instance A is refused on instance B, and again on A", async () => {
    const [a, b] = await pair();
    const req = signRequest(SIGN_PATH, sessionBody(Date.now, { call: "plain" }));

    const first = await http.send(a.url, req);
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    const onB = await http.send(b.url, req);
    expect(onB.status).toBe(401);
    expect(onB.body).toMatchObject({ error: "replayed nonce", code: "AUTH_REPLAYED_NONCE" });
    const backOnA = await http.send(a.url, req);
    expect(backOnA.body).toMatchObject({ error: "replayed nonce", code: "AUTH_REPLAYED_NONCE" });

    // The replays were refused, not merely unanswered: each instance audited its own refusal.
    expect(b.audit.map((r) => r.event)).toEqual(["auth.replayed_nonce"]);
    expect(signedRecords(a, b)).toHaveLength(1);
  });

  it("the policy dry run burns the nonce for the signing route on the other instance", async () => {
    const [a, b] = await pair();
    const nonce = randomUUID();
    const body = sessionBody(Date.now, { call: "plain" });
    const evaluated = await http.send(a.url, signRequest(EVALUATE_PATH, body, { nonce }));
    expect(evaluated.status).toBe(200);
    // Same nonce, other route, other instance: nonces are one-time per client, whatever the route.
    const sign = await http.send(b.url, signRequest(SIGN_PATH, body, { nonce }));
    expect(sign.body).toMatchObject({ code: "AUTH_REPLAYED_NONCE" });
  });

  it("30 concurrent copies split between A and B: exactly one is signed (3 rounds)", async () => {
    const [a, b] = await pair();
    for (let round = 0; round < 3; round++) {
      const req = signRequest(SIGN_PATH, sessionBody(Date.now, { call: "plain" }));
      const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => http.send(i % 2 === 0 ? a.url : b.url, req)));
      expect(tally(answers), `round ${round}`).toEqual({ "200": 1, "401 AUTH_REPLAYED_NONCE": 29 });
      for (const refused of answers.filter((x) => x.status !== 200)) expect(refused.body.error).toBe("replayed nonce");
    }
    expect(signedRecords(a, b)).toHaveLength(3);
  });
});
