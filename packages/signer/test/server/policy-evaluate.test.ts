import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  FrozenClock,
  PATHS,
  newClient,
  newKey,
  sessionRequest,
  sidecarEnv,
  signedRequest,
  startTestSidecar,
  type AuthKnobs,
  type TestSidecar,
} from "../../../../test/support/sidecar-harness.js";
import { starknetJsHashes, type WireSessionRequest } from "../../../../test/support/starknet-js-reference.js";
import { auditInvariantsTest, expectError, transfer, writePolicyFile } from "./server-test-kit.js";

const NOW = Date.UTC(2026, 2, 1, 12, 0, 0);
const BUDGET_TOKEN = "0xc0c";
const agent = newClient("agent");
const clock = new FrozenClock(NOW);
const policy = writePolicyFile(`version: 1
spendingLimits:
  - keyId: "*"
    token: "${BUDGET_TOKEN}"
    maxPerWindow: "100"
    windowSeconds: 3600
`);
let sc: TestSidecar;

beforeAll(async () => {
  sc = await startTestSidecar(
    sidecarEnv({
      clients: [agent],
      keys: [newKey("default")],
      extra: {
        KEYRING_POLICY_FILE: policy.path,
        KEYRING_RATE_LIMIT_ENABLED: "true",
        KEYRING_RATE_LIMIT_MAX_REQUESTS: "1",
        KEYRING_RATE_LIMIT_WINDOW_MS: "60000",
      },
    }),
    { now: clock.now },
  );
});
afterAll(async () => {
  await sc.close();
  policy.remove();
});

// Rate-limit buckets are per account: each scenario uses its own.
const forAccount = (accountAddress: string, extra: Record<string, unknown> = {}) => sessionRequest(NOW, { accountAddress, ...extra });
const evaluate = (body: unknown, auth?: AuthKnobs) => signedRequest(sc, { client: agent, path: PATHS.evaluate, body, ...(auth ? { auth } : {}) });
const sign = (body: unknown) => signedRequest(sc, { client: agent, body });

describe("POST /v1/policy/evaluate", () => {
  it("allowed → 200 {allowed:true} with the messageHash the signing route then signs", async () => {
    const body = forAccount("0x101");
    const res = await evaluate(body);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ requestId: res.headers["x-request-id"], allowed: true, ...starknetJsHashes(body as unknown as WireSessionRequest) });
    const signed = await sign(body);
    expect(signed.status).toBe(200);
    expect(signed.body["messageHash"]).toBe(res.body["messageHash"]);
    expect(signed.body["domainHash"]).toBe(res.body["domainHash"]);
    expect(sc.auditLines().find((l) => l.requestId === res.headers["x-request-id"])).toMatchObject({
      event: "policy.evaluate.allowed",
      outcome: "allowed",
      messageHash: res.body["messageHash"],
    });
  });

  it("denied → 200 {allowed:false, ruleId, reason}, audited as a denial", async () => {
    const res = await evaluate(forAccount("0x102", { calls: [{ contractAddress: "0x1", entrypoint: "upgrade", calldata: [] }] }));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ requestId: res.headers["x-request-id"], allowed: false, ruleId: "call.denied_selector", reason: "denied selector: upgrade" });
    expect(sc.auditLines().find((l) => l.requestId === res.headers["x-request-id"])).toMatchObject({
      event: "policy.evaluate.denied",
      outcome: "denied",
      ruleId: "call.denied_selector",
    });
  });

  it("with a rate limit of 1, several evaluations then one signature all succeed (evaluate burns no slot)", async () => {
    const body = forAccount("0x103");
    for (let i = 0; i < 5; i++) {
      const res = await evaluate(body);
      expect(res.body["allowed"]).toBe(true);
      expect(res.headers["x-ratelimit-remaining"]).toBe("0");
    }
    expect((await sign(body)).status).toBe(200);
    // The slot is used now: the dry run says so, and the signing route refuses.
    const after = await evaluate(body);
    expect(after.body).toMatchObject({ allowed: false, ruleId: "rate_limit.exceeded", reason: "rate limit exceeded" });
    expectError(await sign(body), 429, "RATE_LIMITED");
  });

  it("with a spending limit, evaluations consume no budget", async () => {
    const spend = forAccount("0x104", { calls: [transfer(BUDGET_TOKEN, 100)] });
    for (let i = 0; i < 3; i++) expect((await evaluate(spend)).body["allowed"]).toBe(true);
    expect((await sign(spend)).status).toBe(200);
    const more = forAccount("0x105", { calls: [transfer(BUDGET_TOKEN, 1)] });
    expect((await evaluate(more)).body).toMatchObject({ allowed: false, ruleId: "spend.window_exceeded" });
    const refused = await sign(more);
    expectError(refused, 422, "POLICY_DENIED");
    expect(refused.body["ruleId"]).toBe("spend.window_exceeded");
  });

  it("authentication applies: a bad MAC, missing headers or a replayed nonce → 401", async () => {
    const body = forAccount("0x106");
    expectError(await evaluate(body, { signature: "0".repeat(64) }), 401, "AUTH_INVALID_SIGNATURE");
    expectError(await evaluate(body, { omit: ["signature"] }), 401, "AUTH_MISSING_HEADERS");
    const nonce = randomUUID();
    expect((await evaluate(body, { nonce })).status).toBe(200);
    expectError(await evaluate(body, { nonce }), 401, "AUTH_REPLAYED_NONCE");
  });

  it("the schema applies: an invalid body → 400 INVALID_PAYLOAD, not an evaluation", async () => {
    expectError(await evaluate({ ...forAccount("0x107"), extra: 1 }), 400, "INVALID_PAYLOAD");
    expectError(await evaluate("{"), 400, "MALFORMED_JSON");
  });
});

auditInvariantsTest();
