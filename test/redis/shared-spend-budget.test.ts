import { afterAll, afterEach, describe, expect, inject, it } from "vitest";
import { warnIfSkipped } from "../support/redis-process.js";
import { EVALUATE_PATH, HttpDriver, sessionBody, signRequest, SIGN_PATH, tally, type Answer } from "./helpers/signed-request.js";
import { ConfigError, loadConfig } from "../../packages/signer/src/config/env-config.js";
import { redisEnv, signedRecords, SidecarFleet, TempFiles, uniquePrefixes } from "./helpers/sidecars.js";

const redisUrl = inject("redisUrl");
warnIfSkipped(redisUrl !== "", "the cross-instance spending budget tests are");

const WINDOW_EXCEEDED = "spend.window_exceeded";

describe.skipIf(!redisUrl)("a rolling-window budget shared by two instances", () => {
  const fleet = new SidecarFleet();
  const files = new TempFiles();
  const http = new HttpDriver();
  afterEach(() => fleet.closeAll());
  afterAll(async () => {
    files.cleanup();
    await http.close();
  });

  async function pair(maxPerWindow: number) {
    const env = redisEnv(redisUrl, { ...uniquePrefixes("spend"), KEYRING_POLICY_FILE: files.spendingPolicy(maxPerWindow) });
    return Promise.all([fleet.start(env), fleet.start(env)]);
  }

  const sign = (url: string, amount = 1) => http.send(url, signRequest(SIGN_PATH, sessionBody(Date.now, { amount })));
  const evaluate = (url: string, amount = 1) => http.send(url, signRequest(EVALUATE_PATH, sessionBody(Date.now, { amount })));

  it("40 concurrent 1-unit requests against a 10-unit budget: exactly 10 signed; dry runs consume nothing", async () => {
    const [a, b] = await pair(10);
    const urls = [a.url, b.url];
    const signing: Promise<Answer>[] = [];
    const dryRuns: Promise<Answer>[] = [];
    // Dry runs interleaved with the load: if they reserved budget, fewer than 10 would be signed.
    for (let i = 0; i < 40; i++) {
      signing.push(sign(urls[i % 2]!));
      if (i % 2 === 0) dryRuns.push(evaluate(urls[(i + 1) % 2]!));
    }
    const signed = await Promise.all(signing);
    const evaluated = await Promise.all(dryRuns);

    expect(tally(signed)).toEqual({ "200": 10, [`422 ${WINDOW_EXCEEDED}`]: 30 });
    for (const refused of signed.filter((x) => x.status !== 200)) expect(refused.body.code).toBe("POLICY_DENIED");
    // The audit trails of both instances agree: 10 signatures handed out in all.
    expect(signedRecords(a, b)).toHaveLength(10);

    for (const e of evaluated) {
      expect(e.status).toBe(200);
      if (e.body.allowed === false) expect(e.body.ruleId).toBe(WINDOW_EXCEEDED);
      else expect(e.body.allowed).toBe(true);
    }

    for (const url of urls) {
      const after = await evaluate(url);
      expect(after.status).toBe(200);
      expect(after.body).toMatchObject({ allowed: false, ruleId: WINDOW_EXCEEDED });
    }
    // Still exhausted for the signing route on either instance.
    expect((await sign(b.url)).body).toMatchObject({ code: "POLICY_DENIED", ruleId: WINDOW_EXCEEDED });
  });

  it("the budget adds amounts across instances: 6 on A leaves exactly 4 for B", async () => {
    const [a, b] = await pair(10);
    expect((await sign(a.url, 6)).status).toBe(200);
    expect((await evaluate(b.url, 5)).body).toMatchObject({ allowed: false, ruleId: WINDOW_EXCEEDED });
    expect((await evaluate(b.url, 4)).body).toMatchObject({ allowed: true });
    expect((await sign(b.url, 5)).body).toMatchObject({ code: "POLICY_DENIED", ruleId: WINDOW_EXCEEDED });
    expect((await sign(b.url, 4)).status).toBe(200);
    expect((await sign(a.url, 1)).body).toMatchObject({ ruleId: WINDOW_EXCEEDED });
  });

  it("mixed amounts under concurrency never overshoot the budget", async () => {
    const [a, b] = await pair(25);
    const amounts = Array.from({ length: 30 }, (_, i) => 1 + (i % 4)); // 1..4 units, 75 in all
    const answers = await Promise.all(amounts.map((amount, i) => sign(i % 2 === 0 ? a.url : b.url, amount)));
    const spent = answers.reduce((sum, ans, i) => sum + (ans.status === 200 ? amounts[i]! : 0), 0);
    expect(spent).toBeLessThanOrEqual(25);
    for (const ans of answers.filter((x) => x.status !== 200)) {
      expect(ans.status).toBe(422);
      expect(ans.body).toMatchObject({ code: "POLICY_DENIED", ruleId: WINDOW_EXCEEDED });
    }
    // Every refusal was justified: nothing is ever released here, so what did not fit then does not fit now.
    const smallestRefused = Math.min(...answers.flatMap((ans, i) => (ans.status === 200 ? [] : [amounts[i]!])));
    if (Number.isFinite(smallestRefused)) expect(spent + smallestRefused).toBeGreaterThan(25);
  });

  it("KEYRING_REDIS_URL given while nonces and rate limits stay in memory: the budget is still shared (or the config refused)", async () => {
    const env = redisEnv(redisUrl, {
      ...uniquePrefixes("spend-url-only"),
      KEYRING_REPLAY_STORE: "memory",
      KEYRING_RATE_LIMIT_ENABLED: "false",
      KEYRING_POLICY_FILE: files.spendingPolicy(10),
    });
    // Either answer is safe: refusing a Redis URL that nothing would use, or using it for budgets.
    let refused = false;
    try {
      loadConfig(env);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      refused = true;
    }
    if (refused) return;
    // BUG (see report): the URL is silently ignored, each instance keeps its own budget in
    // memory, and two instances sign twice the limit.
    const [a, b] = await Promise.all([fleet.start(env), fleet.start(env)]);
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => sign(i % 2 === 0 ? a.url : b.url)));
    expect(tally(answers)).toEqual({ "200": 10, [`422 ${WINDOW_EXCEEDED}`]: 30 });
  });
});
