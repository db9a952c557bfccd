import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  FrozenClock,
  newClient,
  newKey,
  sessionRequest,
  sidecarEnv,
  signedRequest,
  startTestSidecar,
  type TestSidecar,
} from "../../../../test/support/sidecar-harness.js";
import { auditInvariantsTest, expectError } from "./server-test-kit.js";

const WINDOW_MS = 60_000;
// 12.345 s into a window, so the retry delay is not a round number.
const NOW = Date.UTC(2026, 2, 1, 12, 0, 0) + 12_345;
const RESET_AT = Date.UTC(2026, 2, 1, 12, 1, 0);
const agent = newClient("agent");
const other = newClient("other");
const clock = new FrozenClock(NOW);
let sc: TestSidecar;

beforeAll(async () => {
  sc = await startTestSidecar(
    sidecarEnv({
      clients: [agent, other],
      keys: [newKey("default"), newKey("spare")],
      extra: {
        KEYRING_RATE_LIMIT_ENABLED: "true",
        KEYRING_RATE_LIMIT_BACKEND: "memory",
        KEYRING_RATE_LIMIT_MAX_REQUESTS: "2",
        KEYRING_RATE_LIMIT_WINDOW_MS: String(WINDOW_MS),
      },
    }),
    { now: clock.now },
  );
});
afterAll(() => sc.close());

const forAccount = (accountAddress: string, extra: Record<string, unknown> = {}) => sessionRequest(NOW, { accountAddress, ...extra });

describe("rate limit (max 2 per window)", () => {
  it("the third request → 429 with Retry-After, retryAfterMs and the x-ratelimit-* headers", async () => {
    const first = await signedRequest(sc, { client: agent, body: forAccount("0xa1") });
    const second = await signedRequest(sc, { client: agent, body: forAccount("0xa1") });
    expect([first.status, second.status]).toEqual([200, 200]);
    expect([first.headers["x-ratelimit-remaining"], second.headers["x-ratelimit-remaining"]]).toEqual(["1", "0"]);
    expect(first.headers["x-ratelimit-reset-ms"]).toBe(String(RESET_AT));

    const third = await signedRequest(sc, { client: agent, body: forAccount("0xa1") });
    expectError(third, 429, "RATE_LIMITED", "rate limit exceeded");
    expect(third.body["retryAfterMs"]).toBe(RESET_AT - NOW);
    expect(third.headers["retry-after"]).toBe(String(Math.ceil((RESET_AT - NOW) / 1000)));
    expect(third.headers["x-ratelimit-remaining"]).toBe("0");
    expect(third.headers["x-ratelimit-reset-ms"]).toBe(String(RESET_AT));
  });

  it("0x0111, 0x111 and 0x00111 are one account: one bucket", async () => {
    expect((await signedRequest(sc, { client: agent, body: forAccount("0x0111") })).status).toBe(200);
    expect((await signedRequest(sc, { client: agent, body: forAccount("0x111") })).status).toBe(200);
    expectError(await signedRequest(sc, { client: agent, body: forAccount("0x00111") }), 429, "RATE_LIMITED");
    expectError(await signedRequest(sc, { client: agent, body: forAccount("0x0000000000000000000000000000000000000000000000000000000000000111") }), 429, "RATE_LIMITED");
  });

  it("buckets are per client and per key: another client or key on the same account still passes", async () => {
    expect((await signedRequest(sc, { client: other, body: forAccount("0xa1") })).status).toBe(200);
    expect((await signedRequest(sc, { client: agent, body: forAccount("0xa1", { keyId: "spare" }) })).status).toBe(200);
  });

  it("a request refused by policy still takes a slot (the limit runs before the policy, as in SISNA)", async () => {
    const denied = forAccount("0xb2", { calls: [{ contractAddress: "0x1", entrypoint: "upgrade", calldata: [] }] });
    expectError(await signedRequest(sc, { client: agent, body: denied }), 422, "POLICY_DENIED");
    expect((await signedRequest(sc, { client: agent, body: forAccount("0xb2") })).status).toBe(200);
    expectError(await signedRequest(sc, { client: agent, body: forAccount("0xb2") }), 429, "RATE_LIMITED");
  });

  it("Retry-After is at least 1 second when less than a second remains", async () => {
    clock.ms = RESET_AT - 1;
    const res = await signedRequest(sc, { client: agent, body: forAccount("0xa1", { validUntil: Math.floor(clock.ms / 1000) + 600 }) });
    expectError(res, 429, "RATE_LIMITED");
    expect(res.body["retryAfterMs"]).toBe(1);
    expect(res.headers["retry-after"]).toBe("1");
  });

  it("the next window starts afresh", async () => {
    clock.ms = RESET_AT;
    const res = await signedRequest(sc, { client: agent, body: forAccount("0xa1", { validUntil: Math.floor(clock.ms / 1000) + 600 }) });
    expect(res.status).toBe(200);
    expect(res.headers["x-ratelimit-remaining"]).toBe("1");
    expect(res.headers["x-ratelimit-reset-ms"]).toBe(String(RESET_AT + WINDOW_MS));
  });
});

auditInvariantsTest();
