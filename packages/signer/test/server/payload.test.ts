import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  FrozenClock,
  PATHS,
  newClient,
  newKey,
  rawRequest,
  sessionRequest,
  sidecarEnv,
  signedRequest,
  startTestSidecar,
  type TestSidecar,
} from "../../../../test/support/sidecar-harness.js";
import { auditInvariantsTest, expectError } from "./server-test-kit.js";

const NOW = Date.UTC(2026, 2, 1, 12, 0, 0);
const STARK_PRIME = (1n << 251n) + 17n * (1n << 192n) + 1n;
const MAX_BODY = 256 * 1024;
const agent = newClient("agent");
const clock = new FrozenClock(NOW);
let sc: TestSidecar;

beforeAll(async () => {
  sc = await startTestSidecar(sidecarEnv({ clients: [agent], keys: [newKey("default")] }), { now: clock.now });
});
afterAll(() => sc.close());

const valid = () => sessionRequest(NOW);

describe("schema (400 INVALID_PAYLOAD with zod's flattened details)", () => {
  it("a missing field → 400 with details.fieldErrors naming it", async () => {
    const { accountAddress: _drop, ...rest } = valid();
    const res = await signedRequest(sc, { client: agent, body: rest });
    expectError(res, 400, "INVALID_PAYLOAD", "invalid payload");
    const details = res.body["details"] as { formErrors: unknown[]; fieldErrors: Record<string, unknown> };
    expect(Array.isArray(details.formErrors)).toBe(true);
    expect(Object.keys(details.fieldErrors)).toContain("accountAddress");
  });

  it("an unknown body field → 400 (SISNA stripped it)", async () => {
    const res = await signedRequest(sc, { client: agent, body: { ...valid(), sessionKey: "0x1" } });
    expectError(res, 400, "INVALID_PAYLOAD");
    expect(JSON.stringify(res.body["details"])).toContain("sessionKey");
  });

  it("an unknown field inside a call or context → 400", async () => {
    const inCall = await signedRequest(sc, { client: agent, body: { ...valid(), calls: [{ contractAddress: "0x1", entrypoint: "transfer", calldata: [], value: "1" }] } });
    expectError(inCall, 400, "INVALID_PAYLOAD");
    expectError(await signedRequest(sc, { client: agent, body: { ...valid(), context: { reason: "r", prompt: "p" } } }), 400, "INVALID_PAYLOAD");
  });

  it.each<[string, Record<string, unknown>]>([
    ["accountAddress = P (hex)", { accountAddress: `0x${STARK_PRIME.toString(16)}` }],
    ["chainId = P (decimal)", { chainId: STARK_PRIME.toString(10) }],
    ["nonce = 2^256 - 1", { nonce: `0x${"f".repeat(64)}` }],
    ["a calldata felt = P + 1", { calls: [{ contractAddress: "0x49d3", entrypoint: "transfer", calldata: [(STARK_PRIME + 1n).toString(10), "1", "0"] }] }],
    ["a raw selector = P", { calls: [{ contractAddress: "0x49d3", entrypoint: `0x${STARK_PRIME.toString(16)}`, calldata: [] }] }],
  ])("felt ≥ the Stark prime: %s → 400", async (_name, overrides) => {
    expectError(await signedRequest(sc, { client: agent, body: { ...valid(), ...overrides } }), 400, "INVALID_PAYLOAD");
  });

  it("P - 1 is a valid felt", async () => {
    const res = await signedRequest(sc, { client: agent, body: { ...valid(), nonce: `0x${(STARK_PRIME - 1n).toString(16)}` } });
    expect(res.status).toBe(200);
  });

  it.each<[string, unknown]>([
    ["a numeric string", String(Math.floor(NOW / 1000) + 600)],
    ["a float", Math.floor(NOW / 1000) + 600.5],
    ["zero", 0],
    ["negative", -1],
    ["beyond 2^53", 2 ** 53 + 2],
    ["null", null],
  ])("validUntil as %s → 400", async (_name, validUntil) => {
    expectError(await signedRequest(sc, { client: agent, body: { ...valid(), validUntil } }), 400, "INVALID_PAYLOAD");
  });

  it("executeAfter later than validUntil → 400", async () => {
    const v = valid();
    expectError(await signedRequest(sc, { client: agent, body: { ...v, executeAfter: String((v["validUntil"] as number) + 1) } }), 400, "INVALID_PAYLOAD");
  });

  it("no calls, 65 calls, 257 calldata items, or 2049 calldata in total → 400", async () => {
    const call = (n: number) => ({ contractAddress: "0x1", entrypoint: "ping", calldata: Array.from({ length: n }, () => "0x1") });
    for (const calls of [[], Array.from({ length: 65 }, () => call(0)), [call(257)], Array.from({ length: 9 }, () => call(228))]) {
      expectError(await signedRequest(sc, { client: agent, body: { ...valid(), calls } }), 400, "INVALID_PAYLOAD");
    }
  });
});

describe("body framing", () => {
  it("malformed JSON → 400 MALFORMED_JSON as JSON", async () => {
    expectError(await signedRequest(sc, { client: agent, body: '{"accountAddress":' }), 400, "MALFORMED_JSON", "malformed JSON body");
  });

  it("no content-type with a valid MAC → 415", async () => {
    expectError(await signedRequest(sc, { client: agent, body: valid(), contentType: null }), 415, "UNSUPPORTED_MEDIA_TYPE", "content-type must be application/json");
  });

  it.each(["text/plain", "application/x-www-form-urlencoded", "application/jsonp", "multipart/form-data; boundary=x"])(
    "content-type %s with a valid MAC → 415",
    async (contentType) => {
      expectError(await signedRequest(sc, { client: agent, body: valid(), contentType }), 415, "UNSUPPORTED_MEDIA_TYPE");
    },
  );

  it.each(["application/json; charset=utf-8", "Application/JSON"])("content-type %s is JSON", async (contentType) => {
    expect((await signedRequest(sc, { client: agent, body: valid(), contentType })).status).toBe(200);
  });

  it("content-type is judged after authentication: a bad MAC without content-type is a 401", async () => {
    expectError(await signedRequest(sc, { client: agent, body: valid(), contentType: null, auth: { signature: "0".repeat(64) } }), 401, "AUTH_INVALID_SIGNATURE");
  });

  const oversized = () => Buffer.from(JSON.stringify({ ...valid(), context: { reason: "x".repeat(MAX_BODY) } }));

  it("a body over 256 KiB with a content-length → 413 JSON, never HTML", async () => {
    const res = await signedRequest(sc, { client: agent, body: oversized() });
    expectError(res, 413, "BODY_TOO_LARGE", "request body too large");
    expect(res.headers["connection"]).toBe("close");
  });

  it("a chunked body over 256 KiB (no content-length) → 413 JSON", async () => {
    const res = await signedRequest(sc, { client: agent, body: oversized(), transfer: "chunked" });
    expectError(res, 413, "BODY_TOO_LARGE", "request body too large");
  });

  it("a body of exactly 256 KiB is read (and judged on its content)", async () => {
    const base = JSON.stringify({ ...valid(), context: { reason: "" } });
    const text = base.replace('"reason":""', `"reason":"${" ".repeat(MAX_BODY - base.length)}"`);
    expect(Buffer.byteLength(text)).toBe(MAX_BODY);
    // 256 KiB of reason exceeds the schema's 512 characters: a 400, not a 413.
    expectError(await signedRequest(sc, { client: agent, body: text, transfer: "chunked" }), 400, "INVALID_PAYLOAD");
  });

  it("an oversized body is refused before authentication: 413 even without auth headers", async () => {
    const res = await rawRequest(sc, { path: PATHS.sign, headers: { "content-type": "application/json" }, body: oversized() });
    expectError(res, 413, "BODY_TOO_LARGE");
  });

  it("the sidecar keeps serving after an oversized body", async () => {
    expect((await signedRequest(sc, { client: agent, body: valid() })).status).toBe(200);
  });
});

auditInvariantsTest();
