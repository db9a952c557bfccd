import { afterAll, afterEach, describe, expect, inject, it } from "vitest";
import { warnIfSkipped } from "../support/redis-process.js";
import { EVALUATE_PATH, HttpDriver, sessionBody, signRequest, SIGN_PATH, tally, type Answer, type Clock } from "./helpers/signed-request.js";
import { redisEnv, signedRecords, SidecarFleet, uniquePrefixes } from "./helpers/sidecars.js";

const redisUrl = inject("redisUrl");
warnIfSkipped(redisUrl !== "", "the cross-instance rate limit tests are");

const WINDOW_MS = 60_000;
const MAX = 7;

/**
 * The limiter counts in fixed windows (floor(now / window)); a test straddling a boundary would
 * see two budgets. The sidecars and the request signer share this clock, which starts just
 * after a window boundary, so every test runs inside one window.
 */
function clockAtWindowStart(): Clock {
  const offset = WINDOW_MS - (Date.now() % WINDOW_MS) + 200;
  return () => Date.now() + offset;
}

describe.skipIf(!redisUrl)("a rate limit shared by two instances", () => {
  const fleet = new SidecarFleet();
  const http = new HttpDriver();
  afterEach(() => fleet.closeAll());
  afterAll(() => http.close());

  async function pair(clock: Clock) {
    const env = redisEnv(redisUrl, {
      ...uniquePrefixes("ratelimit"),
      KEYRING_RATE_LIMIT_WINDOW_MS: String(WINDOW_MS),
      KEYRING_RATE_LIMIT_MAX_REQUESTS: String(MAX),
    });
    return Promise.all([fleet.start(env, clock), fleet.start(env, clock)]);
  }

  it(`${MAX} per window: of 20 concurrent requests split across A and B exactly ${MAX} are admitted`, async () => {
    const clock = clockAtWindowStart();
    const [a, b] = await pair(clock);
    const urls = [a.url, b.url];
    const body = () => sessionBody(clock, { call: "plain" });
    const signing: Promise<Answer>[] = [];
    const dryRuns: Promise<Answer>[] = [];
    for (let i = 0; i < 20; i++) {
      signing.push(http.send(urls[i % 2]!, signRequest(SIGN_PATH, body(), { clock })));
      // Dry runs peek at the counter; if they counted, fewer than MAX would be signed.
      if (i % 2 === 0) dryRuns.push(http.send(urls[(i + 1) % 2]!, signRequest(EVALUATE_PATH, body(), { clock })));
    }
    const answers = await Promise.all(signing);
    const evaluated = await Promise.all(dryRuns);

    expect(tally(answers)).toEqual({ "200": MAX, "429 RATE_LIMITED": 20 - MAX });
    expect(signedRecords(a, b)).toHaveLength(MAX);
    for (const refused of answers.filter((x) => x.status === 429)) {
      expect(refused.headers["x-ratelimit-remaining"]).toBe("0");
      expect(Number(refused.headers["retry-after"])).toBeGreaterThanOrEqual(1);
    }
    for (const e of evaluated) {
      expect(e.status).toBe(200);
      if (e.body.allowed === false) expect(e.body.ruleId).toBe("rate_limit.exceeded");
    }

    // Exhausted on both instances, for signing and for the dry run alike.
    for (const url of urls) {
      expect((await http.send(url, signRequest(SIGN_PATH, body(), { clock }))).body).toMatchObject({ code: "RATE_LIMITED" });
      expect((await http.send(url, signRequest(EVALUATE_PATH, body(), { clock }))).body).toMatchObject({
        allowed: false,
        ruleId: "rate_limit.exceeded",
      });
    }
    // The bucket is per client, account and key: another account still has its own budget.
    const other = await http.send(b.url, signRequest(SIGN_PATH, sessionBody(clock, { call: "plain", account: "0xacc1" }), { clock }));
    expect(other.status).toBe(200);
  });

  it("sequential requests alternating A and B count down one shared counter", async () => {
    const clock = clockAtWindowStart();
    const [a, b] = await pair(clock);
    const remaining: string[] = [];
    for (let i = 0; i < MAX; i++) {
      const ans = await http.send(i % 2 === 0 ? a.url : b.url, signRequest(SIGN_PATH, sessionBody(clock, { call: "plain" }), { clock }));
      expect(ans.status).toBe(200);
      remaining.push(String(ans.headers["x-ratelimit-remaining"]));
    }
    expect(remaining).toEqual(Array.from({ length: MAX }, (_, i) => String(MAX - 1 - i)));
    expect((await http.send(a.url, signRequest(SIGN_PATH, sessionBody(clock, { call: "plain" }), { clock }))).status).toBe(429);
  });
});
