import { randomBytes } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  FrozenClock,
  PATHS,
  SN_MAIN,
  SN_SEPOLIA,
  newClient,
  newKey,
  plainRequest,
  sessionRequest,
  sidecarEnv,
  signedRequest,
  startTestSidecar,
  type TestSidecar,
} from "../../../../test/support/sidecar-harness.js";
import { starknetJsHashes, verifiesWithStarknetJs, type WireSessionRequest } from "../../../../test/support/starknet-js-reference.js";
import { startFakeDfnsSigner, type FakeDfnsSigner } from "./fake-dfns-signer.js";
import { auditInvariantsTest, expectError } from "./server-test-kit.js";

const NOW = Date.UTC(2026, 2, 1, 12, 0, 0);
const NOW_SEC = NOW / 1000;
const ACCOUNT = "0x4a1c0ffee";
const agent = newClient("agent");
const dfnsKey = newKey("default");
const token = randomBytes(24).toString("base64url");
const userAction = randomBytes(24).toString("base64url");
const clock = new FrozenClock(NOW);
let dfns: FakeDfnsSigner;
let sc: TestSidecar;

beforeAll(async () => {
  dfns = await startFakeDfnsSigner(dfnsKey.privateKey);
  sc = await startTestSidecar(
    sidecarEnv({
      clients: [agent],
      keys: [],
      extra: {
        KEYRING_SIGNER_PROVIDER: "dfns",
        KEYRING_DFNS_SIGNER_URL: dfns.url,
        KEYRING_DFNS_AUTH_TOKEN: token,
        KEYRING_DFNS_USER_ACTION_SIGNATURE: userAction,
        KEYRING_DFNS_PINNED_PUBKEYS_JSON: JSON.stringify({ default: dfns.publicKey }),
        KEYRING_ALLOWED_CHAIN_IDS: SN_SEPOLIA,
      },
    }),
    { now: clock.now },
  );
});
afterAll(async () => {
  await sc.close();
  await dfns.close();
});
afterEach(() => {
  dfns.mode = "sign";
});

const request = (overrides: Record<string, unknown> = {}) => sessionRequest(NOW, { accountAddress: ACCOUNT, ...overrides });

describe("DFNS mode judges the policy before DFNS is asked (SISNA's gap)", () => {
  it("an upgrade self-call on a non-allowlisted chain valid for 10 days → 422, and DFNS is never called", async () => {
    const before = dfns.calls.length;
    const res = await signedRequest(sc, {
      client: agent,
      body: request({ chainId: SN_MAIN, validUntil: NOW_SEC + 10 * 86_400, calls: [{ contractAddress: ACCOUNT, entrypoint: "upgrade", calldata: ["0x1"] }] }),
    });
    expectError(res, 422, "POLICY_DENIED");
    expect(dfns.calls.length).toBe(before);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ["a denied selector", { calls: [{ contractAddress: "0x49d3", entrypoint: "upgrade", calldata: [] }] }, "call.denied_selector"],
    ["a self-call", { calls: [{ contractAddress: `0x00${ACCOUNT.slice(2)}`, entrypoint: "transfer", calldata: [] }] }, "call.self_call"],
    ["a chain outside the allowlist", { chainId: SN_MAIN }, "chain.not_allowed"],
    ["a 10-day validity", { validUntil: NOW_SEC + 10 * 86_400 }, "validity.too_far"],
    ["an expired validity", { validUntil: NOW_SEC - 1 }, "validity.expired"],
    ["a key id with no pin", { keyId: "unpinned" }, "key.unknown"],
  ])("%s alone → 422 %s without calling DFNS", async (_name, overrides, ruleId) => {
    const before = dfns.calls.length;
    const res = await signedRequest(sc, { client: agent, body: request(overrides) });
    expectError(res, 422, "POLICY_DENIED");
    expect(res.body["ruleId"]).toBe(ruleId);
    expect(dfns.calls.length).toBe(before);
  });

  it("a good request is signed by DFNS: signerProvider dfns, pinned key, a signature that verifies", async () => {
    const before = dfns.calls.length;
    const body = request();
    const res = await signedRequest(sc, { client: agent, body });
    expect(res.status).toBe(200);
    const sig = res.body["signature"] as [string, string, string, string];
    expect(res.body).toMatchObject({ signerProvider: "dfns", sessionPublicKey: dfns.publicKey, ...starknetJsHashes(body as unknown as WireSessionRequest) });
    expect(verifiesWithStarknetJs(res.body["messageHash"] as string, sig[1], sig[2], dfnsKey.privateKey)).toBe(true);

    expect(dfns.calls.length).toBe(before + 1);
    const call = dfns.calls.at(-1)!;
    expect(call.headers).toMatchObject({ authorization: `Bearer ${token}`, "x-dfns-useraction": userAction, "content-type": "application/json" });
    expect(call.body).toEqual({ clientId: "agent", request: body, kind: "Snip12", signatureMode: "v2_snip12" });
  });

  it("DFNS answering with a signature over another hash → 503 SIGNER_UNAVAILABLE", async () => {
    dfns.mode = "signOtherHash";
    expectError(await signedRequest(sc, { client: agent, body: request() }), 503, "SIGNER_UNAVAILABLE", "signer unavailable");
  });

  it("the policy dry run never calls DFNS either", async () => {
    const before = dfns.calls.length;
    const res = await signedRequest(sc, { client: agent, path: PATHS.evaluate, body: request() });
    expect(res.body["allowed"]).toBe(true);
    expect(dfns.calls.length).toBe(before);
  });
});

describe("public routes in DFNS mode", () => {
  it("/health/dfns-preflight → 200, reachable (any HTTP answer counts, as in SISNA)", async () => {
    const res = await plainRequest(sc, PATHS.dfnsPreflight);
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ ok: true, reachable: true, endpointUrl: dfns.url, statusCode: 401 });
  });

  it("/ready → 200 with the signer check", async () => {
    const res = await plainRequest(sc, PATHS.ready);
    expect(res.body).toMatchObject({ ready: true, checks: { signer: { ok: true } } });
  });
});

it("the harness knows the DFNS credentials as secrets (so the audit check below covers them)", () => {
  expect(sc.secrets).toEqual(expect.arrayContaining([token, userAction, agent.secret]));
});

auditInvariantsTest();
