import { AirlockClient } from "@airlock/core";
import { existsSync, readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  FrozenClock,
  PATHS,
  SN_MAIN,
  newClient,
  newKey,
  sessionRequest,
  sidecarEnv,
  signedRequest,
  startTestSidecar,
  type TestSidecar,
} from "../../../../test/support/sidecar-harness.js";
import { starkKey, starknetJsHashes, verifiesWithStarknetJs, type WireSessionRequest } from "../../../../test/support/starknet-js-reference.js";
import { auditInvariantsTest } from "./server-test-kit.js";

const STARK_ORDER = 3618502788666131213697322783095070105526743751716087489154079457884512865583n;
const LOWER_HEX = /^0x(0|[1-9a-f][0-9a-f]*)$/;
const NOW = Date.UTC(2026, 2, 1, 12, 0, 0);

const client = newClient("agent");
const key = newKey("default");
const clock = new FrozenClock(NOW);
let sc: TestSidecar;

beforeAll(async () => {
  sc = await startTestSidecar(sidecarEnv({ clients: [client], keys: [key] }), { now: clock.now });
});
afterAll(() => sc.close());

describe("a signed session transaction", () => {
  it("answers with exactly SISNA's fields, lowercase unpadded hex, signature [pubkey, r, s, validUntilHex]", async () => {
    const req = sessionRequest(NOW);
    const res = await signedRequest(sc, { client, body: req });
    expect(res.status).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual(
      ["domainHash", "messageHash", "requestId", "sessionPublicKey", "signature", "signatureKind", "signatureMode", "signerProvider"].sort(),
    );
    const body = res.body as { signature: string[]; sessionPublicKey: string; domainHash: string; messageHash: string };
    expect(res.body).toMatchObject({ requestId: res.headers["x-request-id"], signatureMode: "v2_snip12", signatureKind: "Snip12", signerProvider: "local" });
    for (const v of [body.domainHash, body.messageHash, body.sessionPublicKey, ...body.signature]) expect(v).toMatch(LOWER_HEX);
    expect(body.signature).toHaveLength(4);
    expect(body.sessionPublicKey).toBe(starkKey(key.privateKey));
    expect(body.signature[0]).toBe(body.sessionPublicKey);
    expect(body.signature[3]).toBe(`0x${(req["validUntil"] as number).toString(16)}`);
    expect(res.headers["x-powered-by"]).toBeUndefined();
  });

  it.each<[string, Record<string, unknown>]>([
    ["a named transfer", {}],
    ["an explicit caller and executeAfter", { caller: "0x0abc", executeAfter: "0x10" }],
    ["caller 0x0 (kept, not ANY_CALLER)", { caller: "0x0" }],
    ["decimal felts", { chainId: BigInt(SN_MAIN).toString(10), nonce: "12345", calls: [{ contractAddress: "0x49d3", entrypoint: "transfer", calldata: ["4660", "10", "0"] }] }],
    [
      "a multicall",
      {
        calls: [
          { contractAddress: "0x49d3", entrypoint: "approve", calldata: ["0x99", "0x64", "0x0"] },
          { contractAddress: "0x0777", entrypoint: "swap", calldata: [] },
          { contractAddress: "0x888", entrypoint: "0x1234abcd", calldata: ["0x1"] },
        ],
      },
    ],
  ])("signs %s over the hash starknet.js computes, and the signature verifies with starknet.js", async (_name, overrides) => {
    const req = sessionRequest(NOW, overrides) as unknown as WireSessionRequest;
    const res = await signedRequest(sc, { client, body: req });
    expect(res.status).toBe(200);
    const body = res.body as { signature: [string, string, string, string]; domainHash: string; messageHash: string };
    expect({ domainHash: body.domainHash, messageHash: body.messageHash }).toEqual(starknetJsHashes(req));
    const [, r, s] = body.signature;
    expect(verifiesWithStarknetJs(body.messageHash, r, s, key.privateKey)).toBe(true);
    expect(BigInt(s)).toBeLessThanOrEqual(STARK_ORDER / 2n);
  });

  it("signs a raw 0x entrypoint as that selector, not as the keccak of its text (SISNA's quirk)", async () => {
    const req = sessionRequest(NOW, { calls: [{ contractAddress: "0x1111", entrypoint: "0x2222222222222222", calldata: [] }] }) as unknown as WireSessionRequest;
    const res = await signedRequest(sc, { client, body: req });
    expect(res.status).toBe(200);
    expect(res.body["messageHash"]).toBe(starknetJsHashes(req).messageHash);
    // What SISNA would have signed: starknet.js hashing "0x2222222222222222" as a function name.
    const asName = { ...req, calls: [{ ...req.calls[0]!, entrypoint: "x" }] };
    expect(res.body["messageHash"]).not.toBe(starknetJsHashes(asName).messageHash);
  });
});

const vectorsPath = new URL("../../../../../shared/conformance/starknet-session-v2.json", import.meta.url);

describe.skipIf(!existsSync(vectorsPath))("conformance vector raw_selector_explicit_caller", () => {
  interface Vector extends WireSessionRequest {
    id: string;
    expected: { domainHash: string; messageHash: string; signature: string[] };
  }
  const file = existsSync(vectorsPath) ? (JSON.parse(readFileSync(vectorsPath, "utf8")) as { privateKey: string; vectors: Vector[] }) : undefined;
  const vector = file?.vectors.find((v) => v.id === "raw_selector_explicit_caller");
  let vsc: TestSidecar;
  const vclient = newClient("vector-agent");

  beforeAll(async () => {
    // The vector's validUntil is fixed; freeze the clock ten minutes before it.
    const vclock = new FrozenClock((vector!.validUntil - 600) * 1000);
    vsc = await startTestSidecar(sidecarEnv({ clients: [vclient], keys: [newKey("default", BigInt(file!.privateKey))] }), { now: vclock.now });
  });
  afterAll(() => vsc.close());

  it("is signed over the raw selector with the vector's exact hashes and signature", async () => {
    expect(vector).toBeDefined();
    const { id: _id, expected, ...request } = vector!;
    const res = await signedRequest(vsc, { client: vclient, body: request });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ domainHash: expected.domainHash, messageHash: expected.messageHash, signature: expected.signature });
    expect(starknetJsHashes(request)).toEqual({ domainHash: expected.domainHash, messageHash: expected.messageHash });
  });
});

describe("AirlockClient against the sidecar", () => {
  // The client stamps Date.now(), so this pair runs against a sidecar on the real clock.
  let live: TestSidecar;
  beforeAll(async () => {
    live = await startTestSidecar(sidecarEnv({ clients: [client], keys: [key] }));
    live.untrackedTraffic = true;
  });
  afterAll(() => live.close());

  it("signs, verifies the answer itself, and evaluates with the same messageHash", async () => {
    const ac = new AirlockClient({ baseUrl: live.url, clientId: client.id, hmacSecret: client.secret, keyId: "default", expectedSessionPublicKeys: { default: starkKey(key.privateKey) } });
    try {
      const req = sessionRequest(Date.now()) as unknown as Parameters<AirlockClient["signSessionTransaction"]>[0];
      const signed = await ac.signSessionTransaction(req);
      expect(signed.signerProvider).toBe("local");
      const evaluation = await ac.evaluatePolicy(req);
      expect(evaluation).toMatchObject({ allowed: true, messageHash: signed.messageHash });
      const denied = await ac.evaluatePolicy({ ...req, calls: [{ contractAddress: "0x1", entrypoint: "upgrade", calldata: [] }] });
      expect(denied).toMatchObject({ allowed: false, ruleId: "call.denied_selector", reason: "denied selector: upgrade" });
      expect(await ac.health()).toEqual({ ok: true });
    } finally {
      await ac.close();
    }
  });
});

it("serves the signing route only on its exact path", async () => {
  const res = await signedRequest(sc, { client, path: `${PATHS.sign}/`, body: sessionRequest(NOW) });
  expect(res.status).toBe(404);
});

auditInvariantsTest();
