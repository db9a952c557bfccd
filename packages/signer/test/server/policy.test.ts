import { hash } from "starknet";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  FrozenClock,
  SN_MAIN,
  SN_SEPOLIA,
  newClient,
  newKey,
  sessionRequest,
  sidecarEnv,
  signedRequest,
  startTestSidecar,
  type TestClient,
  type TestSidecar,
} from "../../../../test/support/sidecar-harness.js";
import { auditInvariantsTest, expectError } from "./server-test-kit.js";
import { SISNA_DENIED } from "../policy/fixtures.js";

const NOW = Date.UTC(2026, 2, 1, 12, 0, 0);
const NOW_SEC = NOW / 1000;
const ACCOUNT = "0x4a1c0ffee";
const agent = newClient("agent");
const ops = newClient("ops", { allowedKeyIds: ["ops"], allowedAccountAddresses: ["0x0abc"] });
const clock = new FrozenClock(NOW);
let sc: TestSidecar;

beforeAll(async () => {
  sc = await startTestSidecar(
    sidecarEnv({ clients: [agent, ops], keys: [newKey("default"), newKey("ops")], extra: { KEYRING_ALLOWED_CHAIN_IDS: SN_SEPOLIA } }),
    { now: clock.now },
  );
});
afterAll(() => sc.close());

const call = (entrypoint: string, contractAddress = "0x49d3") => ({ contractAddress, entrypoint, calldata: [] as string[] });
const request = (overrides: Record<string, unknown>) => sessionRequest(NOW, { accountAddress: ACCOUNT, ...overrides });

async function expectDenied(client: TestClient, body: Record<string, unknown>, ruleId: string, message: string): Promise<void> {
  const res = await signedRequest(sc, { client, body });
  expectError(res, 422, "POLICY_DENIED", message);
  expect(res.body["ruleId"]).toBe(ruleId);
  expect(Object.keys(res.body).sort()).toEqual(["code", "error", "requestId", "ruleId"]);
  const record = sc.auditLines().find((l) => l.requestId === res.headers["x-request-id"]);
  expect(record).toMatchObject({ event: "sign.session_transaction.policy_denied", outcome: "denied", ruleId });
}

const UPGRADE = hash.getSelectorFromName("upgrade");
const SISNA_DENYLIST: readonly string[] = SISNA_DENIED;

describe("denied selectors (422 POLICY_DENIED, call.denied_selector)", () => {
  it.each(SISNA_DENYLIST)("by name: %s", async (name) => {
    await expectDenied(agent, request({ calls: [call(name)] }), "call.denied_selector", `denied selector: ${name}`);
  });

  it.each([
    ["raw hex selector", UPGRADE],
    ["zero-padded hex selector", `0x${UPGRADE.slice(2).padStart(64, "0")}`],
    ["uppercase hex selector", `0x${UPGRADE.slice(2).toUpperCase()}`],
  ])("upgrade by %s", async (_name, selector) => {
    await expectDenied(agent, request({ calls: [call(selector)] }), "call.denied_selector", `denied selector: ${selector}`);
  });

  it("a denied call anywhere in a multicall denies the whole request", async () => {
    await expectDenied(agent, request({ calls: [call("transfer"), call("swap"), call("set_public_key")] }), "call.denied_selector", "denied selector: set_public_key");
  });
});

describe("other rules", () => {
  it.each([
    ["the same spelling", ACCOUNT],
    ["leading zeros", `0x000000${ACCOUNT.slice(2)}`],
    ["uppercase hex", `0x${ACCOUNT.slice(2).toUpperCase()}`],
  ])("a self-call (%s) → call.self_call", async (_name, contractAddress) => {
    await expectDenied(agent, request({ calls: [call("transfer", contractAddress)] }), "call.self_call", "self-call is denied for session signing");
  });

  it("a chain outside KEYRING_ALLOWED_CHAIN_IDS → chain.not_allowed", async () => {
    await expectDenied(agent, request({ chainId: SN_MAIN }), "chain.not_allowed", `chainId ${SN_MAIN} is not allowed`);
  });

  it("the allowed chain in decimal is the same chain", async () => {
    expect((await signedRequest(sc, { client: agent, body: request({ chainId: BigInt(SN_SEPOLIA).toString(10) }) })).status).toBe(200);
  });

  it.each([NOW_SEC, NOW_SEC - 1])("validUntil %d (not after now) → validity.expired", async (validUntil) => {
    await expectDenied(agent, request({ validUntil }), "validity.expired", "validUntil is already expired");
  });

  it("validUntil one second past KEYRING_MAX_VALIDITY_WINDOW_SEC → validity.too_far; at the limit → signed", async () => {
    await expectDenied(agent, request({ validUntil: NOW_SEC + 86_401 }), "validity.too_far", "validUntil exceeds maximum allowed future window");
    expect((await signedRequest(sc, { client: agent, body: request({ validUntil: NOW_SEC + 86_400 }) })).status).toBe(200);
  });

  it("an unknown keyId → key.unknown", async () => {
    await expectDenied(agent, request({ keyId: "ghost" }), "key.unknown", "Unknown keyId: ghost");
  });

  it("a client outside its allowedKeyIds (KEYRING_AUTH_CLIENTS_JSON) → key.not_allowed", async () => {
    await expectDenied(ops, request({ accountAddress: "0xabc" }), "key.not_allowed", "client ops is not allowed to use keyId default");
  });

  it("a client outside its allowedAccountAddresses → account.not_allowed", async () => {
    await expectDenied(ops, request({ keyId: "ops", accountAddress: "0x0def" }), "account.not_allowed", "client ops is not allowed to sign for account 0x0def");
  });

  it("the allowed key and account, in any spelling, are signed", async () => {
    for (const accountAddress of ["0xabc", "0x0ABC", "0x0000abc"]) {
      expect((await signedRequest(sc, { client: ops, body: request({ keyId: "ops", accountAddress }) })).status).toBe(200);
    }
  });
});

auditInvariantsTest();
