import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  FrozenClock,
  PATHS,
  findSecret,
  newClient,
  newKey,
  sessionRequest,
  sidecarEnv,
  signedRequest,
  startTestSidecar,
  type TestSidecar,
} from "../../../../test/support/sidecar-harness.js";
import { auditInvariantsTest, expectError } from "./server-test-kit.js";

const NOW = Date.UTC(2026, 2, 1, 12, 0, 0);
const agent = newClient("agent");
const other = newClient("other");
const key = newKey("default");
const spare = newKey("spare");
const clock = new FrozenClock(NOW);
let block: TestSidecar;
let warn: TestSidecar;
let off: TestSidecar;

const env = (extra: Record<string, string>) => sidecarEnv({ clients: [agent, other], keys: [key, spare], extra });

beforeAll(async () => {
  [block, warn, off] = await Promise.all([
    startTestSidecar(env({ KEYRING_LEAK_SCANNER_ENABLED: "true", KEYRING_LEAK_SCANNER_ACTION: "block" }), { now: clock.now }),
    startTestSidecar(env({ KEYRING_LEAK_SCANNER_ENABLED: "true", KEYRING_LEAK_SCANNER_ACTION: "warn" }), { now: clock.now }),
    startTestSidecar(env({}), { now: clock.now }),
  ]);
});
afterAll(() => Promise.all([block.close(), warn.close(), off.close()]));

const withReason = (reason: string) => sessionRequest(NOW, { context: { reason } });
const hmacSecret = agent.secret;
const keyValue = key.privateKey;

describe("inbound leak scanner, block mode", () => {
  it.each<[string, string, string]>([
    ["a PEM private key header", "-----BEGIN PRIVATE KEY-----\nMIIE", "pem.private_key"],
    ['"privateKey":"0x1234…" inside context.reason (escaped quotes in the raw JSON; SISNA missed it)', '{"privateKey":"0x1234abcd"}', "json.private_key"],
    ["privateKey=0x… as key=value text", "use privateKey=0xdeadbeef please", "kv.private_key"],
    ["the STARKNET_PRIVATE_KEY variable name", "read STARKNET_PRIVATE_KEY from env", "env.starknet_private_key"],
  ])("%s → 422 LEAK_DETECTED with patterns", async (_name, reason, pattern) => {
    const res = await signedRequest(block, { client: agent, body: withReason(reason) });
    expectError(res, 422, "LEAK_DETECTED", "secret leak pattern detected in request payload");
    expect(res.body["patterns"]).toContain(pattern);
    expect(res.text).not.toContain(reason.slice(0, 12));
  });

  it.each<[string, string]>([
    ["the HMAC secret as configured", hmacSecret],
    ["the HMAC secret in uppercase", hmacSecret.toUpperCase()],
    ["the HMAC secret with 0x", `0x${hmacSecret}`],
    ["the HMAC secret in decimal", BigInt(`0x${hmacSecret}`).toString(10)],
    ["another client's HMAC secret", other.secret],
    ["the private key in hex with 0x", `0x${keyValue.toString(16)}`],
    ["the private key in hex without 0x", keyValue.toString(16)],
    ["the private key zero-padded to 64 digits", `0x${keyValue.toString(16).padStart(64, "0")}`],
    ["the private key in uppercase hex", `0X${keyValue.toString(16).toUpperCase()}`],
    ["the private key in decimal", keyValue.toString(10)],
    ["a second key's private key in decimal", spare.privateKey.toString(10)],
  ])("%s inside context.reason → 422 secret.configured, and the answer does not echo it", async (_name, secret) => {
    const res = await signedRequest(block, { client: agent, body: withReason(`note: ${secret} end`) });
    expectError(res, 422, "LEAK_DETECTED");
    expect(res.body["patterns"]).toContain("secret.configured");
    expect(findSecret(res.text, [hmacSecret, other.secret, key.privateKeyHex, spare.privateKeyHex])).toBeUndefined();
  });

  it("the private key smuggled as a calldata felt → 422", async () => {
    const body = sessionRequest(NOW, { calls: [{ contractAddress: "0x49d3", entrypoint: "transfer", calldata: ["0x1234", keyValue.toString(10), "0"] }] });
    const res = await signedRequest(block, { client: agent, body });
    expectError(res, 422, "LEAK_DETECTED");
    expect(res.body["patterns"]).toContain("secret.configured");
  });

  it("the policy dry run scans too: a leak is a 422, not an evaluation", async () => {
    const res = await signedRequest(block, { client: agent, path: PATHS.evaluate, body: withReason(`${hmacSecret}`) });
    expectError(res, 422, "LEAK_DETECTED");
  });

  it.each<[string, string]>([
    ["a PEM header", "-----BEGIN PRIVATE KEY-----"],
    ["the private key in decimal", keyValue.toString(10)],
  ])("%s in a duplicate key that JSON.parse would shadow never gets past: duplicate keys are refused", async (_name, hidden) => {
    const inner = JSON.stringify(sessionRequest(NOW)).slice(1, -1);
    for (const body of [
      `{"context":{"reason":${JSON.stringify(hidden)}},${inner},"context":{"reason":"ok"}}`,
      // The same key spelled with an escape is still the same key.
      `{"\\u0063ontext":{"reason":${JSON.stringify(hidden)}},${inner},"context":{"reason":"ok"}}`,
    ]) {
      const res = await signedRequest(block, { client: agent, body });
      expectError(res, 400, "MALFORMED_JSON");
    }
  });

  it("a clean request is signed (no false positive on felts, names and hashes)", async () => {
    const body = sessionRequest(NOW, { context: { requester: "agent-7", tool: "transfer", reason: "pay invoice 0x2a, private note" } });
    expect((await signedRequest(block, { client: agent, body })).status).toBe(200);
  });
});

describe("warn mode", () => {
  it("signs (200) and writes a security.leak_pattern_detected audit record beside the decision", async () => {
    const res = await signedRequest(warn, { client: agent, body: withReason('{"privateKey":"0x1234abcd"}') });
    expect(res.status).toBe(200);
    const records = warn.auditLines().filter((l) => l.requestId === res.headers["x-request-id"]);
    expect(records.map((r) => r.event).sort()).toEqual(["security.leak_pattern_detected", "sign.session_transaction.success"]);
    expect(records.find((r) => r.event === "security.leak_pattern_detected")).toMatchObject({
      outcome: "allowed",
      clientId: "agent",
      details: { direction: "inbound", action: "warn", patternIds: ["json.private_key"] },
    });
  });

  it("a configured secret in warn mode is signed, recorded by pattern id, and never written to the audit log", async () => {
    const res = await signedRequest(warn, { client: agent, body: withReason(keyValue.toString(10)) });
    expect(res.status).toBe(200);
    const record = warn.auditLines().find((l) => l.requestId === res.headers["x-request-id"] && l.event === "security.leak_pattern_detected");
    expect(record).toMatchObject({ details: { patternIds: ["secret.configured"] } });
    expect(findSecret(warn.auditText(), warn.secrets)).toBeUndefined();
  });
});

it("with the scanner off (the default) the same text is signed", async () => {
  expect((await signedRequest(off, { client: agent, body: withReason('{"privateKey":"0x1234abcd"}') })).status).toBe(200);
});

auditInvariantsTest();
