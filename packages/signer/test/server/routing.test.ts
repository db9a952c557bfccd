import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  FrozenClock,
  PATHS,
  newClient,
  newKey,
  plainRequest,
  sessionRequest,
  sidecarEnv,
  signedRequest,
  startTestSidecar,
  type Reply,
  type TestSidecar,
} from "../../../../test/support/sidecar-harness.js";
import { auditInvariantsTest, expectError } from "./server-test-kit.js";

const NOW = Date.UTC(2026, 2, 1, 12, 0, 0);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const agent = newClient("agent");
const clock = new FrozenClock(NOW);
let sc: TestSidecar;

beforeAll(async () => {
  sc = await startTestSidecar(sidecarEnv({ clients: [agent], keys: [newKey("default")] }), { now: clock.now });
});
afterAll(() => sc.close());

const valid = () => sessionRequest(NOW);

describe("browser origins", () => {
  it.each([PATHS.health, PATHS.ready, PATHS.metrics])("an Origin header on %s → 403 ORIGIN_REJECTED", async (path) => {
    expectError(await plainRequest(sc, path, { headers: { origin: "https://evil.example" } }), 403, "ORIGIN_REJECTED", "browser origins are not allowed");
  });

  it("an Origin header on the signing route, even with a valid MAC → 403", async () => {
    const res = await signedRequest(sc, { client: agent, body: valid(), headers: { origin: "null" } });
    expectError(res, 403, "ORIGIN_REJECTED", "browser origins are not allowed");
  });
});

describe("paths and methods", () => {
  it("an unknown path without authentication → 401", async () => {
    expectError(await plainRequest(sc, "/admin"), 401, "AUTH_MISSING_HEADERS");
    expectError(await plainRequest(sc, "/v1/sign/../../etc/passwd", { method: "POST", body: "{}" }), 401, "AUTH_MISSING_HEADERS");
  });

  it("an unknown path with valid authentication → 404 NOT_FOUND", async () => {
    expectError(await signedRequest(sc, { client: agent, path: "/v1/sign/other", body: valid() }), 404, "NOT_FOUND", "not found");
    expectError(await signedRequest(sc, { client: agent, method: "GET", path: "/admin" }), 404, "NOT_FOUND");
  });

  it.each<[string, string, string]>([
    ["GET", PATHS.sign, "POST"],
    ["PUT", PATHS.sign, "POST"],
    ["DELETE", PATHS.evaluate, "POST"],
    ["POST", PATHS.health, "GET, HEAD"],
    ["DELETE", PATHS.metrics, "GET, HEAD"],
    ["PUT", PATHS.ready, "GET, HEAD"],
  ])("%s %s → 405 with allow: %s", async (method, path, allow) => {
    const res = await plainRequest(sc, path, { method });
    expectError(res, 405, "METHOD_NOT_ALLOWED", "method not allowed");
    expect(res.headers["allow"]).toBe(allow);
  });
});

describe("public routes", () => {
  it("/health → 200 {ok:true}, JSON, no x-powered-by, hardened headers", async () => {
    const res = await plainRequest(sc, PATHS.health);
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ ok: true });
    expect(res.headers["x-powered-by"]).toBeUndefined();
    expect(res.headers["content-type"]).toMatch(/^application\/json/);
    expect(res.headers).toMatchObject({ "x-content-type-options": "nosniff", "cache-control": "no-store" });
  });

  it("/health with a query string is still /health", async () => {
    expect((await plainRequest(sc, `${PATHS.health}?probe=1`)).json).toEqual({ ok: true });
  });

  it("/health/dfns-preflight with the local provider → 404 DFNS_NOT_ENABLED", async () => {
    expectError(await plainRequest(sc, PATHS.dfnsPreflight), 404, "DFNS_NOT_ENABLED", "dfns signer provider is not enabled");
  });

  it("/ready → 200 with its checks", async () => {
    const res = await plainRequest(sc, PATHS.ready);
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ ready: true, checks: { audit: { ok: true }, signer: { ok: true } }, requestId: res.headers["x-request-id"] });
  });
});

/** The value of one series in a Prometheus text exposition (0 when absent). */
function metric(text: string, series: string): number {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

describe("/metrics", () => {
  it("serves Prometheus text whose series count the traffic", async () => {
    const series = {
      ok: 'airlock_requests_total{route="sign.session_transaction",outcome="ok"}',
      badMac: 'airlock_auth_failures_total{reason="invalid_signature"}',
      replays: "airlock_replay_rejections_total",
      denied: 'airlock_policy_denials_total{rule="call.denied_selector"}',
      durations: 'airlock_sign_duration_seconds_count{route="sign.session_transaction"}',
    };
    const read = async () => {
      const res = await plainRequest(sc, PATHS.metrics);
      expect(res.status).toBe(200);
      expect(res.headers["content-type"]).toMatch(/^text\/plain; version=0\.0\.4/);
      return Object.fromEntries(Object.entries(series).map(([k, s]) => [k, metric(res.text, s)])) as Record<keyof typeof series, number>;
    };
    const before = await read();
    const nonce = randomUUID();
    expect((await signedRequest(sc, { client: agent, body: valid(), auth: { nonce } })).status).toBe(200);
    expect((await signedRequest(sc, { client: agent, body: valid() })).status).toBe(200);
    expect((await signedRequest(sc, { client: agent, body: valid(), auth: { nonce } })).status).toBe(401);
    expect((await signedRequest(sc, { client: agent, body: valid(), auth: { signature: "f".repeat(64) } })).status).toBe(401);
    const denied = { ...valid(), calls: [{ contractAddress: "0x1", entrypoint: "upgrade", calldata: [] }] };
    expect((await signedRequest(sc, { client: agent, body: denied })).status).toBe(422);
    const after = await read();
    expect({
      ok: after.ok - before.ok,
      badMac: after.badMac - before.badMac,
      replays: after.replays - before.replays,
      denied: after.denied - before.denied,
      durations: after.durations - before.durations,
    }).toEqual({ ok: 2, badMac: 1, replays: 1, denied: 1, durations: 2 });
    const text = (await plainRequest(sc, PATHS.metrics)).text;
    expect(text).toMatch(/^# HELP airlock_requests_total /m);
    expect(text).toMatch(/^airlock_build_info\{version="[^"]+",poseidon="(wasm|js)"\} 1$/m);
  });

  it("→ 404 NOT_FOUND when KEYRING_METRICS_ENABLED=false", async () => {
    const off = await startTestSidecar(sidecarEnv({ clients: [agent], keys: [newKey("default")], extra: { KEYRING_METRICS_ENABLED: "false" } }));
    try {
      expectError(await plainRequest(off, PATHS.metrics), 404, "NOT_FOUND");
      expect((await plainRequest(off, PATHS.health)).status).toBe(200);
    } finally {
      await off.close();
    }
  });
});

describe("request ids", () => {
  it("every response has its own x-request-id (a UUID), success and errors alike", async () => {
    const replies: Reply[] = [
      await plainRequest(sc, PATHS.health),
      await plainRequest(sc, PATHS.ready),
      await plainRequest(sc, PATHS.metrics),
      await plainRequest(sc, PATHS.dfnsPreflight),
      await plainRequest(sc, PATHS.health, { method: "POST" }),
      await plainRequest(sc, PATHS.health, { headers: { origin: "x" } }),
      await plainRequest(sc, "/nope"),
      await signedRequest(sc, { client: agent, body: valid() }),
      await signedRequest(sc, { client: agent, body: "{" }),
      await signedRequest(sc, { client: agent, body: valid(), auth: { signature: "0".repeat(64) } }),
    ];
    const ids = replies.map((r) => r.headers["x-request-id"]);
    for (const id of ids) expect(id).toMatch(UUID);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("a caller's x-request-id comes back as x-caller-request-id", async () => {
    const res = await signedRequest(sc, { client: agent, body: valid(), headers: { "x-request-id": "agent-req-42" } });
    expect(res.status).toBe(200);
    expect(res.headers["x-caller-request-id"]).toBe("agent-req-42");
    expect(res.headers["x-request-id"]).toMatch(UUID);
    expect((await plainRequest(sc, PATHS.health, { headers: { "x-request-id": "probe-1" } })).headers["x-caller-request-id"]).toBe("probe-1");
  });

  it.each([["with a space", "a b"], ["over 128 characters", "r".repeat(129)], ["with latin-1", "r\u00e9q"]])(
    "a caller's x-request-id %s is not echoed",
    async (_name, id) => {
      expect((await plainRequest(sc, PATHS.health, { headers: { "x-request-id": id } })).headers["x-caller-request-id"]).toBeUndefined();
    },
  );
});

describe("trace context", () => {
  const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
  const PARENT = "00f067aa0ba902b7";

  const auditOf = (requestId: unknown) => sc.auditLines().find((l) => l.requestId === requestId && !l.event.startsWith("security."));

  it("a valid traceparent keeps its trace id in the response traceparent and in the audit record", async () => {
    const res = await signedRequest(sc, { client: agent, body: valid(), headers: { traceparent: `00-${TRACE}-${PARENT}-01` } });
    expect(res.status).toBe(200);
    const m = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/.exec(String(res.headers["traceparent"]));
    expect(m?.[1]).toBe(TRACE);
    expect(m?.[2]).not.toBe(PARENT);
    expect(auditOf(res.headers["x-request-id"])).toMatchObject({ traceId: TRACE });
  });

  it("the audit record's spanId is the sidecar's own span: the parent-id of the traceparent it returns (docs/audit.md)", async () => {
    const res = await signedRequest(sc, { client: agent, body: valid(), headers: { traceparent: `00-${TRACE}-${PARENT}-01` } });
    const ours = /^00-[0-9a-f]{32}-([0-9a-f]{16})-01$/.exec(String(res.headers["traceparent"]))![1];
    expect(ours).not.toBe(PARENT);
    expect(auditOf(res.headers["x-request-id"])).toMatchObject({ traceId: TRACE, spanId: ours });
  });

  it("a refused request keeps the trace id too", async () => {
    const res = await signedRequest(sc, { client: agent, body: valid(), auth: { signature: "0".repeat(64) }, headers: { traceparent: `00-${TRACE}-${PARENT}-00` } });
    expect(res.status).toBe(401);
    expect(String(res.headers["traceparent"])).toMatch(new RegExp(`^00-${TRACE}-[0-9a-f]{16}-00$`));
    expect(auditOf(res.headers["x-request-id"])).toMatchObject({ traceId: TRACE });
  });

  it.each([
    ["garbage", "garbage"],
    ["an all-zero trace id", `00-${"0".repeat(32)}-${PARENT}-01`],
    ["an all-zero parent id", `00-${TRACE}-${"0".repeat(16)}-01`],
    ["uppercase hex", `00-${TRACE.toUpperCase()}-${PARENT}-01`],
  ])("an invalid traceparent (%s) starts a new trace", async (_name, traceparent) => {
    const res = await signedRequest(sc, { client: agent, body: valid(), headers: { traceparent } });
    const m = /^00-([0-9a-f]{32})-([0-9a-f]{16})-00$/.exec(String(res.headers["traceparent"]));
    expect(m).not.toBeNull();
    expect(m![1]!.toLowerCase()).not.toBe(TRACE);
    expect(auditOf(res.headers["x-request-id"])).toMatchObject({ traceId: m![1] });
  });
});

auditInvariantsTest();
