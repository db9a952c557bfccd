import { randomBytes } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { decodeEnclaveClaims, verifyAttestationDocument } from "@airlock/core/attestation";
import { receiptKeyIdOf } from "@airlock/core/receipts";
import { newClient, newKey, plainRequest, sessionRequest, sidecarEnv, signedRequest, startTestSidecar, startedSidecars } from "../../../../test/support/sidecar-harness.js";
import { startSidecar } from "../../src/server/sidecar.js";
import { loadConfig } from "../../src/config/env-config.js";
import { enclaveEnv } from "../../../../test/support/enclave-env.js";
import { expectError } from "./server-test-kit.js";

const PCR0 = "c0".repeat(48);
const env = (extra: Record<string, string> = {}) => enclaveEnv({ clients: [newClient("agent")], keys: [newKey("default")], pcrs: { 0: PCR0 }, extra });

afterAll(async () => {
  await Promise.all(startedSidecars().map((s) => s.close()));
});

describe("GET /v1/attestation", () => {
  it("returns a fresh document naming the receipt key, the policy hash and the provisioning key", async () => {
    const sc = await startTestSidecar(env());
    const nonce = randomBytes(32);
    const reply = await plainRequest(sc, `/v1/attestation?nonce=${nonce.toString("hex")}`, { method: "GET" });
    expect(reply.status).toBe(200);
    expect(Object.keys(reply.body).sort()).toEqual(["document", "requestId", "source"]);
    expect(reply.body["source"]).toBe("emulator");
    const doc = Buffer.from(reply.body["document"] as string, "base64");
    const verified = verifyAttestationDocument(doc, { now: new Date(), expectedNonce: nonce, rootFingerprintSha256: sc.emulatorRootFingerprintSha256!, allowedPcrs: { 0: [PCR0] } });
    expect(receiptKeyIdOf(verified.publicKey!)).toBe(sc.receiptKeyId);
    const claims = decodeEnclaveClaims(verified.userData);
    expect(claims.policyHash).toBe(sc.policyHash);
    expect(claims.provisioningPublicKey).toHaveLength(32);
    // Public: no audit record, no receipt.
    expect(reply.headers["x-airlock-receipt"]).toBeUndefined();
    expect(sc.auditLines()).toEqual([]);
  });

  it("requires exactly one nonce of 16 to 64 lowercase hex bytes", async () => {
    const sc = await startTestSidecar(env());
    for (const query of ["", "?", "?nonce=", `?nonce=${"ab".repeat(15)}`, `?nonce=${"ab".repeat(65)}`, `?nonce=${"AB".repeat(32)}`, `?nonce=${"ab".repeat(32)}&x=1`, `?x=1&nonce=${"ab".repeat(32)}`, `?nonce=${"ab".repeat(32)}&nonce=${"cd".repeat(32)}`, `?nonce=${"a".repeat(63)}`]) {
      expectError(await plainRequest(sc, `/v1/attestation${query}`, { method: "GET" }), 400, "INVALID_PAYLOAD");
    }
    expectError(await plainRequest(sc, `/v1/attestation?nonce=${"ab".repeat(32)}`, { method: "POST", body: "{}" }), 405, "METHOD_NOT_ALLOWED");
  });

  it("throttles documents (each costs an NSM call)", async () => {
    const sc = await startTestSidecar(env());
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) statuses.push((await plainRequest(sc, `/v1/attestation?nonce=${randomBytes(16).toString("hex")}`, { method: "GET" })).status);
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(20);
    expect(statuses).toContain(429);
    expect(statuses.every((s) => s === 200 || s === 429)).toBe(true);
  });

  it("is not found on the keyring backend", async () => {
    const sc = await startTestSidecar(sidecarEnv({ clients: [newClient("agent")], keys: [newKey("default")] }) as Record<string, string>);
    expectError(await plainRequest(sc, `/v1/attestation?nonce=${"ab".repeat(32)}`, { method: "GET" }), 404, "NOT_FOUND");
  });

  it("does not start without an NSM device, saying what to do", async () => {
    const config = loadConfig(env({ AIRLOCK_ATTESTATION_SOURCE: "nsm", AIRLOCK_EMULATOR_PCRS_JSON: undefined as unknown as string, AIRLOCK_NSM_DEVICE: "/nonexistent/nsm" }));
    await expect(startSidecar(config, { log: () => {} })).rejects.toMatchObject({ code: "NSM_UNAVAILABLE", message: expect.stringContaining("AIRLOCK_ATTESTATION_SOURCE=emulator") });
  });
});

describe("receipts by backend", () => {
  it("the keyring backend signs none unless AIRLOCK_RECEIPTS=on; the audit record then carries it", async () => {
    const agent = newClient("agent");
    const plain = await startTestSidecar(sidecarEnv({ clients: [agent], keys: [newKey("default")] }) as Record<string, string>);
    const withReceipts = await startTestSidecar(sidecarEnv({ clients: [agent], keys: [newKey("default")], extra: { AIRLOCK_RECEIPTS: "on" } }) as Record<string, string>);
    const a = await signedRequest(plain, { client: agent, body: sessionRequest(plain.now()) });
    expect(a.status).toBe(200);
    expect(a.headers["x-airlock-receipt"]).toBeUndefined();
    expect(plain.auditLines().at(-1)?.["receipt"]).toBeUndefined();
    const b = await signedRequest(withReceipts, { client: agent, body: sessionRequest(withReceipts.now()) });
    expect(b.status).toBe(200);
    expect(typeof b.headers["x-airlock-receipt"]).toBe("string");
    expect(withReceipts.auditLines().at(-1)?.["receipt"]).toMatchObject({ receiptKeyId: withReceipts.receiptKeyId, status: 200 });
  });
});

describe("a failing attestation source", () => {
  it("answers 503 ATTESTATION_UNAVAILABLE, telling the caller nothing and the operator the code", async () => {
    const { attestationAnswer, TokenBucket } = await import("../../src/server/routes/attestation-route.js");
    const { createEnclaveIdentity } = await import("../../src/enclave/enclave-identity.js");
    const { IssuedAttestations } = await import("../../src/enclave/issued-attestations.js");
    const { AttestationSourceError } = await import("../../src/attestation/attestation-source.js");
    const logged: string[] = [];
    const deps = {
      source: { kind: "nsm" as const, attest: () => Promise.reject(new AttestationSourceError("NSM_ERROR", "ioctl failed: EIO on /dev/nsm", "EIO")) },
      identity: createEnclaveIdentity(),
      policyHash: "ab".repeat(32),
      issued: new IssuedAttestations(),
      throttle: new TokenBucket(5, 1),
      now: Date.now,
      onSourceError: (code: string) => logged.push(code),
    };
    const err = await attestationAnswer(`/v1/attestation?nonce=${"ab".repeat(32)}`, "req-1", deps).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "ATTESTATION_UNAVAILABLE", status: 503, message: "attestation unavailable" });
    expect(logged).toEqual(["NSM_ERROR"]);
  });
});
