import { PassThrough } from "node:stream";
import { afterAll, beforeAll, expect, it } from "vitest";
import { PATHS, newClient, newKey, plainRequest, sessionRequest, sidecarEnv, signedRequest, startTestSidecar, type TestSidecar } from "../../../../test/support/sidecar-harness.js";
import { expectError } from "./server-test-kit.js";

const agent = newClient("agent");
const auditStream = new PassThrough();
let sc: TestSidecar;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

beforeAll(async () => {
  process.on("unhandledRejection", onUnhandled);
  sc = await startTestSidecar(sidecarEnv({ clients: [agent], keys: [newKey("default")] }), { auditStream });
});
afterAll(async () => {
  await sc.close();
  process.off("unhandledRejection", onUnhandled);
});

it("once the audit log fails, no decision is made (503 AUDIT_UNAVAILABLE, no signature), /ready says so, and the sidecar neither crashes nor leaves unhandled rejections", async () => {
  expect((await signedRequest(sc, { client: agent, body: sessionRequest(Date.now()) })).status).toBe(200);
  auditStream.destroy(new Error("disk full"));

  // The decision that cannot be recorded is not handed out.
  const signed = await signedRequest(sc, { client: agent, body: sessionRequest(Date.now()) });
  expectError(signed, 503, "AUDIT_UNAVAILABLE");
  expect(signed.body["signature"]).toBeUndefined();
  // Every later request on an authenticated route is refused up front, whatever it holds.
  expectError(await signedRequest(sc, { client: agent, body: "{" }), 503, "AUDIT_UNAVAILABLE");
  expectError(await signedRequest(sc, { client: agent, body: sessionRequest(Date.now()), auth: { signature: "0".repeat(64) } }), 503, "AUDIT_UNAVAILABLE");
  expect((await plainRequest(sc, PATHS.health)).status).toBe(200);
  const ready = await plainRequest(sc, PATHS.ready);
  expect(ready.status).toBe(503);
  expect(ready.json).toMatchObject({ ready: false, checks: { audit: { ok: false } } });
  // Let any rejection from the request handlers surface.
  await new Promise((resolve) => setImmediate(resolve));
  expect(unhandled.map((e) => (e as { code?: unknown }).code ?? String(e))).toEqual([]);
  expect(sc.logLines().some((l) => l.includes('"event":"audit.write_failed"') && l.includes("AUDIT_WRITE_FAILED"))).toBe(true);
});
