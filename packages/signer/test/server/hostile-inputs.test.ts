import { ERROR_CODES } from "@airlock/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HOSTILE_HEADERS, hostileBodies, hostileRawRequests } from "../../../../test/support/hostile-inputs.js";
import {
  FrozenClock,
  PATHS,
  newClient,
  newKey,
  rawRequest,
  rawSocketExchange,
  sessionRequest,
  sidecarEnv,
  signedRequest,
  startTestSidecar,
  type Reply,
  type TestSidecar,
} from "../../../../test/support/sidecar-harness.js";
import { auditInvariantsTest } from "./server-test-kit.js";

const NOW = Date.UTC(2026, 2, 1, 12, 0, 0);
const agent = newClient("agent");
const clock = new FrozenClock(NOW);
let sc: TestSidecar;

beforeAll(async () => {
  sc = await startTestSidecar(
    sidecarEnv({
      clients: [agent],
      keys: [newKey("default")],
      extra: { KEYRING_LEAK_SCANNER_ENABLED: "true", KEYRING_RATE_LIMIT_ENABLED: "true", KEYRING_RATE_LIMIT_MAX_REQUESTS: "100000" },
    }),
    { now: clock.now },
  );
});
afterAll(() => sc.close());

const BODIES = hostileBodies(sessionRequest(NOW));
const AUTHED = [PATHS.sign, PATHS.evaluate] as const;
const PUBLIC = [PATHS.health, PATHS.ready, PATHS.metrics, PATHS.dfnsPreflight] as const;

/** A success of the route, or a JSON error with a registered code and this request's id; never a 5xx. */
function expectWellFormed(reply: Reply, path: string, what: string): void {
  const context = `${what} → ${reply.status} ${reply.text.slice(0, 200)}`;
  expect(reply.status, context).toBeLessThan(500);
  expect(reply.headers["x-request-id"], context).toBeTypeOf("string");
  if (path === PATHS.metrics && reply.status === 200) {
    expect(reply.headers["content-type"], context).toMatch(/^text\/plain/);
    return;
  }
  expect(reply.headers["content-type"], context).toMatch(/^application\/json/);
  expect(reply.json, context).toBeTypeOf("object");
  if (reply.status >= 200 && reply.status < 300) {
    if (path === PATHS.sign) expect(reply.body["signature"], context).toHaveLength(4);
    else if (path === PATHS.evaluate) expect(reply.body["allowed"], context).toBeTypeOf("boolean");
    else if (path === PATHS.health) expect(reply.json, context).toEqual({ ok: true });
    else if (path === PATHS.ready) expect(reply.body["ready"], context).toBe(true);
    return;
  }
  expect(Object.keys(ERROR_CODES), context).toContain(reply.body["code"]);
  expect(reply.body["error"], context).toBeTypeOf("string");
  expect(reply.body["requestId"], context).toBe(reply.headers["x-request-id"]);
}

describe("hostile bodies", () => {
  it.each(AUTHED)("on %s with a valid MAC over the hostile bytes: a JSON error or a success, never a 5xx", async (path) => {
    for (const entry of BODIES) {
      const reply = await signedRequest(sc, { client: agent, path, body: entry.body, contentType: entry.contentType === undefined ? "application/json" : entry.contentType });
      expectWellFormed(reply, path, entry.name);
    }
  });

  it("on the signing route without authentication: 401 (or 413), JSON", async () => {
    for (const entry of BODIES) {
      const reply = await rawRequest(sc, { path: PATHS.sign, headers: { "content-type": "application/json" }, body: entry.body });
      expectWellFormed(reply, PATHS.sign, entry.name);
      expect([401, 413], entry.name).toContain(reply.status);
    }
  });

  it.each(PUBLIC)("on %s (GET with the body, and POST): the route's answer or 405, JSON", async (path) => {
    for (const entry of BODIES) {
      expectWellFormed(await rawRequest(sc, { method: "GET", path, body: entry.body }), path, `GET ${entry.name}`);
      const post = await rawRequest(sc, { method: "POST", path, body: entry.body });
      expectWellFormed(post, path, `POST ${entry.name}`);
      expect(post.status, entry.name).toBe(405);
    }
  });

  it("nothing hostile is signed: every body the signing route accepted is the valid one, unchanged in meaning", async () => {
    // Bodies that are the valid request with harmless extras (odd bytes inside the free-text
    // reason) may be signed; anything else must be refused, duplicate keys included.
    const signed: string[] = [];
    for (const entry of BODIES) {
      const reply = await signedRequest(sc, { client: agent, body: entry.body, contentType: entry.contentType === undefined ? "application/json" : entry.contentType });
      if (reply.status === 200) signed.push(entry.name);
    }
    expect(signed.sort()).toEqual(
      [
        "escaped NUL in context.reason",
        "unicode line separators in context.reason",
        "lone surrogate escape in context.reason",
        "invalid UTF-8 byte 0xff in context.reason",
        "overlong UTF-8 in context.reason",
        "truncated UTF-8 sequence in context.reason",
      ].sort(),
    );
  });
});

describe("hostile headers", () => {
  it("on the signing route and on /health: a JSON error or a success, never a 5xx", async () => {
    for (const entry of HOSTILE_HEADERS) {
      const reply = await signedRequest(sc, {
        client: agent,
        body: sessionRequest(NOW),
        headers: entry.headers,
        auth: entry.auth ?? {},
      });
      expectWellFormed(reply, PATHS.sign, entry.name);
      expectWellFormed(await rawRequest(sc, { method: "GET", path: PATHS.health, headers: entry.headers }), PATHS.health, entry.name);
    }
  });
});

describe("malformed HTTP framing", () => {
  // Node's HTTP layer answers these itself (before the sidecar's handler runs) unless the
  // server handles them; the wire contract still promises a JSON error.
  const CASES = [
    ...hostileRawRequests(PATHS.health).map(([name, bytes]) => [`${name} (${PATHS.health})`, bytes] as const),
    ...hostileRawRequests(PATHS.sign)
      .filter(([name]) => /content-length|chunk/.test(name))
      .map(([name, bytes]) => [`${name} (${PATHS.sign})`, bytes] as const),
  ];

  it("every framing error (parser errors, a missing or dropped Host) is answered with a 4xx JSON error, as docs/errors.md promises", async () => {
    const notJson: string[] = [];
    for (const [name, bytes] of CASES) {
      const answer = await rawSocketExchange(sc, bytes);
      const [head = "", body = ""] = answer.split("\r\n\r\n", 2);
      expect(head, name).toMatch(/^HTTP\/1\.1 4\d\d /);
      let parsed: unknown;
      try {
        parsed = JSON.parse(body);
      } catch {
        parsed = undefined;
      }
      const ok =
        head.toLowerCase().includes("content-type: application/json") &&
        typeof parsed === "object" &&
        parsed !== null &&
        ["error", "code", "requestId"].every((k) => typeof (parsed as Record<string, unknown>)[k] === "string");
      if (!ok) notJson.push(`${name}: ${head.split("\r\n", 1)[0]}`);
    }
    expect(notJson).toEqual([]);
  });

  it("an absolute-form request target is answered as JSON", async () => {
    const answer = await rawSocketExchange(sc, `GET http://127.0.0.1/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    expect(answer).toMatch(/^HTTP\/1\.1 (200|401) /);
    expect(answer.toLowerCase()).toContain("content-type: application/json");
  });
});

describe("after the corpus", () => {
  it("the sidecar is still up, still signs, and logged no internal error", async () => {
    expect((await rawRequest(sc, { method: "GET", path: PATHS.health })).json).toEqual({ ok: true });
    expect((await signedRequest(sc, { client: agent, body: sessionRequest(NOW) })).status).toBe(200);
    expect(sc.logLines().filter((l) => l.includes("internal_error"))).toEqual([]);
  });
});

auditInvariantsTest();
