import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  FrozenClock,
  PATHS,
  newClient,
  newKey,
  plainRequest,
  rawRequest,
  sessionRequest,
  sidecarEnv,
  signedRequest,
  startTestSidecar,
  type TestSidecar,
} from "../../../../test/support/sidecar-harness.js";
import { verifyAuditChain } from "../../src/audit/audit-chain.js";
import { auditInvariantsTest } from "./server-test-kit.js";

const NOW = Date.UTC(2026, 2, 1, 12, 0, 0);
const agent = newClient("agent");
const clock = new FrozenClock(NOW);
let sc: TestSidecar;

beforeAll(async () => {
  sc = await startTestSidecar(sidecarEnv({ clients: [agent], keys: [newKey("default")], extra: { KEYRING_LEAK_SCANNER_ENABLED: "true" } }), {
    now: clock.now,
  });
});
afterAll(() => sc.close());

const valid = (extra: Record<string, unknown> = {}) => sessionRequest(NOW, extra);

describe("audit records", () => {
  it("one record per decision, in order, with the event, outcome and ids of each", async () => {
    const start = sc.auditLines().length;
    const nonce = randomUUID();
    const sent: { requestId: unknown; event: string; outcome: string; extra?: Record<string, unknown> }[] = [];
    const expectRecord = async (reply: Promise<{ headers: Record<string, unknown> }>, event: string, outcome: string, extra?: Record<string, unknown>) => {
      sent.push({ requestId: (await reply).headers["x-request-id"], event, outcome, ...(extra ? { extra } : {}) });
    };

    await expectRecord(signedRequest(sc, { client: agent, body: valid(), auth: { nonce } }), "sign.session_transaction.success", "allowed", { clientId: "agent", keyId: "default" });
    await expectRecord(signedRequest(sc, { client: agent, body: valid(), auth: { nonce } }), "auth.replayed_nonce", "denied");
    await expectRecord(signedRequest(sc, { client: agent, body: valid(), auth: { signature: "0".repeat(64) } }), "auth.invalid_signature", "denied");
    await expectRecord(signedRequest(sc, { client: agent, body: valid(), auth: { omit: ["nonce"] } }), "auth.missing_headers", "denied");
    await expectRecord(signedRequest(sc, { client: agent, body: valid(), auth: { clientId: "ghost" } }), "auth.unknown_client", "denied");
    await expectRecord(signedRequest(sc, { client: agent, body: { nope: true } }), "sign.session_transaction.invalid_payload", "denied", { clientId: "agent" });
    await expectRecord(signedRequest(sc, { client: agent, body: "{" }), "sign.session_transaction.malformed_json", "denied");
    await expectRecord(signedRequest(sc, { client: agent, body: valid(), contentType: "text/plain" }), "sign.session_transaction.unsupported_media_type", "denied");
    await expectRecord(
      signedRequest(sc, { client: agent, body: valid({ calls: [{ contractAddress: "0x1", entrypoint: "upgrade", calldata: [] }] }) }),
      "sign.session_transaction.policy_denied",
      "denied",
      { ruleId: "call.denied_selector", keyId: "default" },
    );
    await expectRecord(signedRequest(sc, { client: agent, body: valid({ context: { reason: "-----BEGIN PRIVATE KEY-----" } }) }), "sign.session_transaction.leak_detected", "denied");
    await expectRecord(signedRequest(sc, { client: agent, path: PATHS.evaluate, body: valid() }), "policy.evaluate.allowed", "allowed");
    await expectRecord(
      signedRequest(sc, { client: agent, path: PATHS.evaluate, body: valid({ validUntil: NOW / 1000 }) }),
      "policy.evaluate.denied",
      "denied",
      { ruleId: "validity.expired" },
    );
    await expectRecord(signedRequest(sc, { client: agent, path: "/v1/other", body: valid() }), "unknown.not_found", "denied", { clientId: "agent" });
    await expectRecord(plainRequest(sc, "/v1/other"), "auth.missing_headers", "denied");
    await expectRecord(plainRequest(sc, PATHS.sign), "sign.session_transaction.method_not_allowed", "denied");
    await expectRecord(
      rawRequest(sc, { path: PATHS.sign, headers: { "content-type": "application/json" }, body: Buffer.alloc(300 * 1024, 0x20) }),
      "sign.session_transaction.body_too_large",
      "denied",
    );
    // Public routes decide nothing: no records.
    await plainRequest(sc, PATHS.health);
    await plainRequest(sc, PATHS.ready);
    await plainRequest(sc, PATHS.metrics);

    const records = sc.auditLines().slice(start);
    expect(records.map((r) => [r.event, r.outcome])).toEqual(sent.map((s) => [s.event, s.outcome]));
    records.forEach((r, i) => {
      expect(r.requestId).toBe(sent[i]!.requestId);
      if (sent[i]!.extra) expect(r).toMatchObject(sent[i]!.extra!);
    });
    expect(records.find((r) => r.event === "sign.session_transaction.success")?.messageHash).toMatch(/^0x[0-9a-f]{1,64}$/);
  });

  it("records never hold request content: a unique reason string appears in no line (requester and tool are recorded, as SISNA does)", async () => {
    const marker = `marker-${randomUUID()}`;
    expect((await signedRequest(sc, { client: agent, body: valid({ context: { reason: marker, requester: "agent-7", tool: "t" } }) })).status).toBe(200);
    expect(sc.auditLines().at(-1)).toMatchObject({ details: { calls: 1, requester: "agent-7", tool: "t" } });
    expect((await signedRequest(sc, { client: agent, body: { ...valid(), [marker]: 1 } })).status).toBe(400);
    expect(sc.auditText()).not.toContain(marker);
    expect(sc.logLines().join("\n")).not.toContain(marker);
  });

  it("the chain verifies, and an edited line breaks it at that line", () => {
    const text = sc.auditText();
    expect(verifyAuditChain(text)).toMatchObject({ ok: true });
    const lines = text.split("\n");
    lines[2] = lines[2]!.replace('"outcome":"denied"', '"outcome":"allowed"');
    expect(verifyAuditChain(lines.join("\n"))).toMatchObject({ ok: false, brokenAt: { line: 3 } });
  });
});

auditInvariantsTest();
