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
import { auditInvariantsTest, expectError, transfer, writePolicyFile } from "./server-test-kit.js";

const NOW = Date.UTC(2026, 2, 1, 12, 0, 0);
// One token per scenario, so each starts with an empty budget.
const WINDOW_TOKEN = "0xa11ce";
const MULTI_TOKEN = "0xb0b";
const POLICY = `version: 1
spendingLimits:
  - keyId: "*"
    token: "${WINDOW_TOKEN}"
    maxPerCall: "100"
    maxPerWindow: "250"
    windowSeconds: 3600
  - keyId: "*"
    token: "${MULTI_TOKEN}"
    maxPerCall: "100"
    maxPerWindow: "250"
    windowSeconds: 3600
`;
const agent = newClient("agent");
const clock = new FrozenClock(NOW);
const policy = writePolicyFile(POLICY);
let sc: TestSidecar;

beforeAll(async () => {
  sc = await startTestSidecar(sidecarEnv({ clients: [agent], keys: [newKey("default")], extra: { KEYRING_POLICY_FILE: policy.path } }), { now: clock.now });
});
afterAll(async () => {
  await sc.close();
  policy.remove();
});

const pay = (calls: ReturnType<typeof transfer>[]) => sessionRequest(clock.ms, { calls });

async function expectSpendDenial(calls: ReturnType<typeof transfer>[], ruleId: string, message?: string): Promise<void> {
  const res = await signedRequest(sc, { client: agent, body: pay(calls) });
  expectError(res, 422, "POLICY_DENIED", message);
  expect(res.body["ruleId"]).toBe(ruleId);
}

async function expectSigned(calls: ReturnType<typeof transfer>[]): Promise<void> {
  expect((await signedRequest(sc, { client: agent, body: pay(calls) })).status).toBe(200);
}

describe("spending limits from KEYRING_POLICY_FILE", () => {
  it("one call above maxPerCall → 422 spend.per_call_exceeded", async () => {
    await expectSpendDenial([transfer(WINDOW_TOKEN, 101)], "spend.per_call_exceeded", `amount 101 exceeds the per-call limit 100 for token ${WINDOW_TOKEN}`);
  });

  it("approve counts as spending, whatever the token's spelling", async () => {
    const approve = { ...transfer(`0x000${WINDOW_TOKEN.slice(2).toUpperCase()}`, 101), entrypoint: "approve" };
    await expectSpendDenial([approve], "spend.per_call_exceeded");
  });

  it("spending calldata of the wrong length → 422 spend.malformed_amount", async () => {
    await expectSpendDenial([{ contractAddress: WINDOW_TOKEN, entrypoint: "transfer", calldata: ["0x1", "0x5"] }], "spend.malformed_amount");
  });

  it("the window budget adds up across requests → 422 spend.window_exceeded once it would pass the limit", async () => {
    await expectSigned([transfer(WINDOW_TOKEN, 100)]);
    await expectSigned([transfer(WINDOW_TOKEN, 100)]);
    await expectSpendDenial([transfer(WINDOW_TOKEN, 100)], "spend.window_exceeded");
    await expectSigned([transfer(WINDOW_TOKEN, 50)]); // exactly 250
    await expectSpendDenial([transfer(WINDOW_TOKEN, 1)], "spend.window_exceeded");
  });

  it("the window rolls: an hour later the budget is free again", async () => {
    clock.advance(3_600_000);
    await expectSigned([transfer(WINDOW_TOKEN, 100)]);
  });

  it("a multicall is judged as a whole, and a denied one reserves nothing", async () => {
    // Second call over the per-call cap: the first call's 60 must not be kept.
    await expectSpendDenial([transfer(MULTI_TOKEN, 60), transfer(MULTI_TOKEN, 101)], "spend.per_call_exceeded");
    await expectSigned([transfer(MULTI_TOKEN, 100), transfer(MULTI_TOKEN, 100)]); // 200
    // 40 alone would fit (240); with the second call it would not (260): the request is refused whole.
    await expectSpendDenial([transfer(MULTI_TOKEN, 40), transfer(MULTI_TOKEN, 20)], "spend.window_exceeded");
    await expectSigned([transfer(MULTI_TOKEN, 50)]); // 250: nothing of the refused request was kept
    await expectSpendDenial([transfer(MULTI_TOKEN, 1)], "spend.window_exceeded");
  });

  it("calls on unlimited tokens and non-spending entrypoints are not charged", async () => {
    await expectSigned([transfer("0xf7ee", 10n ** 30n), { contractAddress: MULTI_TOKEN, entrypoint: "balance_of", calldata: ["0x1"] }]);
  });
});

auditInvariantsTest();
