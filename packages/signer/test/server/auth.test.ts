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
import { auditInvariantsTest, expectError } from "./server-test-kit.js";

const NOW = Date.UTC(2026, 2, 1, 12, 0, 0);
const MAX_SKEW_MS = 5_000;
const agent = newClient("agent");
const other = newClient("other");
const clock = new FrozenClock(NOW);
let sc: TestSidecar;

beforeAll(async () => {
  sc = await startTestSidecar(
    sidecarEnv({ clients: [agent, other], keys: [newKey("default")], extra: { KEYRING_MAX_SKEW_MS: String(MAX_SKEW_MS), KEYRING_NONCE_TTL_MS: "60000" } }),
    { now: clock.now },
  );
});
afterAll(() => sc.close());

const body = () => sessionRequest(NOW);

describe("missing and oversized headers", () => {
  it.each(["timestamp", "nonce", "signature"] as const)("no %s header → 401 AUTH_MISSING_HEADERS", async (header) => {
    expectError(await signedRequest(sc, { client: agent, body: body(), auth: { omit: [header] } }), 401, "AUTH_MISSING_HEADERS", "missing authentication headers");
  });

  it("an empty nonce counts as missing", async () => {
    expectError(await signedRequest(sc, { client: agent, body: body(), auth: { nonce: "" } }), 401, "AUTH_MISSING_HEADERS", "missing authentication headers");
  });

  it.each<[string, AuthKnobs]>([
    ["timestamp of 33 characters", { timestamp: "1".repeat(33) }],
    ["nonce of 129 characters", { nonce: "n".repeat(129) }],
    ["signature of 257 characters", { signature: "a".repeat(257) }],
    ["client id of 129 characters", { clientId: "c".repeat(129) }],
  ])("%s → 401 AUTH_HEADER_TOO_LARGE", async (_name, auth) => {
    expectError(await signedRequest(sc, { client: agent, body: body(), auth }), 401, "AUTH_HEADER_TOO_LARGE", "authentication header too large");
  });

  it("a nonce of exactly 128 characters is accepted", async () => {
    expect((await signedRequest(sc, { client: agent, body: body(), auth: { nonce: `${"n".repeat(92)}${randomUUID()}` } })).status).toBe(200);
  });

  it("an unknown client id → 401 AUTH_UNKNOWN_CLIENT", async () => {
    expectError(await signedRequest(sc, { client: agent, body: body(), auth: { clientId: "nobody" } }), 401, "AUTH_UNKNOWN_CLIENT", "unknown client id");
  });

  it("without a client id header the default client (the first configured) applies", async () => {
    expect((await signedRequest(sc, { client: agent, body: body(), auth: { clientId: null } })).status).toBe(200);
    expectError(await signedRequest(sc, { client: other, body: body(), auth: { clientId: null } }), 401, "AUTH_INVALID_SIGNATURE");
  });
});

describe("timestamp", () => {
  it.each(["12abc", "1e12", "-5", "1 2", "+1772366400000", "0x1", "1772366400000.0", "1".repeat(17), "1".repeat(32)])(
    "%j → 401 AUTH_INVALID_TIMESTAMP",
    async (ts) => {
      expectError(await signedRequest(sc, { client: agent, body: body(), auth: { timestamp: ts } }), 401, "AUTH_INVALID_TIMESTAMP", "invalid timestamp");
    },
  );

  it('" 1" → 401: HTTP strips the leading space, so the sidecar judges "1" (outside the window)', async () => {
    // RFC 9110 optional whitespace: no header value can start with a space on the wire.
    expectError(await signedRequest(sc, { client: agent, body: body(), auth: { timestamp: " 1", mac: { timestamp: "1" } } }), 401, "AUTH_TIMESTAMP_OUT_OF_WINDOW");
  });

  it.each([
    ["behind", NOW - MAX_SKEW_MS - 1],
    ["ahead", NOW + MAX_SKEW_MS + 1],
  ])("1 ms beyond KEYRING_MAX_SKEW_MS %s → 401 AUTH_TIMESTAMP_OUT_OF_WINDOW", async (_dir, ts) => {
    expectError(
      await signedRequest(sc, { client: agent, body: body(), auth: { timestamp: String(ts) } }),
      401,
      "AUTH_TIMESTAMP_OUT_OF_WINDOW",
      "timestamp outside accepted window",
    );
  });

  it.each([NOW - MAX_SKEW_MS, NOW + MAX_SKEW_MS])("exactly KEYRING_MAX_SKEW_MS away (%d) is accepted", async (ts) => {
    expect((await signedRequest(sc, { client: agent, body: body(), auth: { timestamp: String(ts) } })).status).toBe(200);
  });
});

describe("signature", () => {
  it("a MAC under the wrong secret → 401 AUTH_INVALID_SIGNATURE and the nonce is not burned", async () => {
    const nonce = randomUUID();
    expectError(
      await signedRequest(sc, { client: agent, body: body(), auth: { nonce, mac: { secret: other.secret } } }),
      401,
      "AUTH_INVALID_SIGNATURE",
      "invalid signature",
    );
    expect((await signedRequest(sc, { client: agent, body: body(), auth: { nonce } })).status).toBe(200);
  });

  it.each<[string, (valid: string) => string]>([
    ["trailing junk", (v) => `${v}zz`],
    ["an extra nibble", (v) => `${v}0`],
    ["uppercase hex", (v) => v.toUpperCase()],
    ["63 characters", (v) => v.slice(0, 63)],
    ["a 0x prefix", (v) => `0x${v}`],
    ["base64 of the MAC", (v) => Buffer.from(v, "hex").toString("base64")],
    ["one flipped bit", (v) => `${v.slice(0, 63)}${(parseInt(v.slice(63), 16) ^ 1).toString(16)}`],
  ])("the valid MAC with %s → 401 AUTH_INVALID_SIGNATURE (SISNA accepted some), nonce not burned", async (_name, mangle) => {
    const nonce = randomUUID();
    expectError(await signedRequest(sc, { client: agent, body: body(), auth: { nonce, signature: mangle } }), 401, "AUTH_INVALID_SIGNATURE", "invalid signature");
    expect((await signedRequest(sc, { client: agent, body: body(), auth: { nonce } })).status).toBe(200);
  });

  it.each<[string, NonNullable<AuthKnobs["mac"]>]>([
    ["another timestamp", { timestamp: String(NOW - 1) }],
    ["another nonce", { nonce: "other-nonce" }],
    ["another method", { method: "PUT" }],
    ["the path without its query string", { path: PATHS.sign }],
    ["another body", { body: "{}" }],
  ])("a MAC over %s than what is sent → 401 AUTH_INVALID_SIGNATURE", async (_name, mac) => {
    const res = await signedRequest(sc, { client: agent, path: `${PATHS.sign}?trace=1`, body: body(), auth: { mac } });
    expectError(res, 401, "AUTH_INVALID_SIGNATURE");
  });

  it("the MAC covers the query string: a request with a query, MACed with it, is signed", async () => {
    expect((await signedRequest(sc, { client: agent, path: `${PATHS.sign}?trace=1&x=%20`, body: body() })).status).toBe(200);
  });

  it.each(["a.b", "a b", "n\u00e9", "a,b", "{}"])("nonce %j (outside [A-Za-z0-9_:+/=-]) → 401 AUTH_INVALID_NONCE", async (nonce) => {
    expectError(await signedRequest(sc, { client: agent, body: body(), auth: { nonce } }), 401, "AUTH_INVALID_NONCE", "invalid nonce");
  });
});

describe("replay", () => {
  it("a replayed nonce → 401 AUTH_REPLAYED_NONCE", async () => {
    const nonce = randomUUID();
    expect((await signedRequest(sc, { client: agent, body: body(), auth: { nonce } })).status).toBe(200);
    expectError(await signedRequest(sc, { client: agent, body: body(), auth: { nonce } }), 401, "AUTH_REPLAYED_NONCE", "replayed nonce");
  });

  it("a nonce is burned by a request that authenticated but was then refused", async () => {
    const nonce = randomUUID();
    expectError(await signedRequest(sc, { client: agent, body: { nope: 1 }, auth: { nonce } }), 400, "INVALID_PAYLOAD");
    expectError(await signedRequest(sc, { client: agent, body: body(), auth: { nonce } }), 401, "AUTH_REPLAYED_NONCE");
  });

  it("the same nonce from two different clients: both 200 (nonces are per client)", async () => {
    const nonce = randomUUID();
    expect((await signedRequest(sc, { client: agent, body: body(), auth: { nonce } })).status).toBe(200);
    expect((await signedRequest(sc, { client: other, body: body(), auth: { nonce } })).status).toBe(200);
  });

  it("20 parallel requests with one nonce: exactly one 200, the rest 401 replayed nonce", async () => {
    const nonce = randomUUID();
    const replies = await Promise.all(Array.from({ length: 20 }, () => signedRequest(sc, { client: agent, body: body(), auth: { nonce } })));
    expect(replies.filter((r) => r.status === 200)).toHaveLength(1);
    const refused = replies.filter((r) => r.status !== 200);
    expect(refused).toHaveLength(19);
    for (const r of refused) expectError(r, 401, "AUTH_REPLAYED_NONCE", "replayed nonce");
  });
});

auditInvariantsTest();
