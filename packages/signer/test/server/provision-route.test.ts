// POST /v1/admin/provision at the HTTP level: not enabled without sealed provisioning (and
// audited); before the install a declared client cannot authenticate (503 KEYS_NOT_PROVISIONED,
// audited as auth.keys_not_provisioned), afterwards it signs; learned secrets are redacted from
// the audit log even with the leak scanner off.
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { starkKeyOf } from "@airlock/core/starknet";
import { PROVISION_ROUTE, resolveNitroTrust, sealForEnclave, signEnvelope, verifySignerDocument } from "@airlock/core/provisioning";
import { auditViolations, findSecret, newClient, newKey, PATHS, plainRequest, rawRequest, sessionRequest, sidecarEnv, signedRequest, startTestSidecar, startedSidecars, type TestSidecar } from "../../../../test/support/sidecar-harness.js";
import { expectError } from "./server-test-kit.js";
import { enclaveEnv } from "../../../../test/support/enclave-env.js";

const PCR0 = "e1".repeat(48);
const agent = newClient("agent");
const key = newKey("default");
const admin = generateKeyPairSync("ed25519");

function provisioningEnv(extra: Record<string, string> = {}): Record<string, string> {
  return enclaveEnv({
    clients: [agent],
    pcrs: { 0: PCR0 },
    provisioning: { admin: admin.publicKey, keyIds: ["default"] },
    extra: {
      KEYRING_AUTH_CLIENTS_JSON: JSON.stringify([{ clientId: agent.id, allowedKeyIds: ["default"] }]),
      ...extra,
    },
  });
}

/** Attests `sc`, seals `keys` to it and uploads them signed by the admin key. */
async function provision(sc: TestSidecar, privateKey: string) {
  const nonce = randomBytes(32);
  const doc = await plainRequest(sc, `/v1/attestation?nonce=${nonce.toString("hex")}`);
  const signer = await verifySignerDocument(Buffer.from(doc.body["document"] as string, "base64"), nonce, resolveNitroTrust({ allowedPcrs: { "0": [PCR0] }, rootFingerprintSha256: sc.emulatorRootFingerprintSha256 }));
  const envelope = sealForEnclave({ plaintext: Buffer.from(JSON.stringify({ v: 1, keys: [{ keyId: "default", privateKey }], clients: [{ clientId: agent.id, hmacSecret: agent.secret }], exchangeAccounts: [] })), enclavePublicKey: signer.provisioningPublicKey, documentSha256: signer.documentSha256 });
  return rawRequest(sc, { method: "POST", path: PROVISION_ROUTE, headers: { "content-type": "application/json" }, body: JSON.stringify({ v: 1, envelope, adminSignature: signEnvelope(envelope, admin.privateKey) }) });
}

afterAll(async () => {
  await Promise.all(startedSidecars().map((s) => s.close()));
});

describe("POST /v1/admin/provision", () => {
  it("is not enabled on the keyring backend, nor on Nitro without sealed provisioning; attempts are audited", async () => {
    const keyring = await startTestSidecar(sidecarEnv({ clients: [agent], keys: [key] }));
    const nitro = await startTestSidecar(sidecarEnv({ clients: [agent], keys: [key], extra: { AIRLOCK_BACKEND: "nitro", AIRLOCK_ATTESTATION_SOURCE: "emulator" } }));
    for (const sc of [keyring, nitro]) {
      const reply = await rawRequest(sc, { method: "POST", path: PROVISION_ROUTE, headers: { "content-type": "application/json" }, body: "{}" });
      expectError(reply, 404, "PROVISIONING_NOT_ENABLED");
      expect(sc.auditLines().map((l) => l.event)).toEqual(["admin.provision.provisioning_not_enabled"]);
      expect(auditViolations(sc)).toEqual([]);
    }
  });

  it("before the install a declared client cannot authenticate; afterwards it signs with the provisioned secret", async () => {
    const sc = await startTestSidecar(provisioningEnv());
    for (const path of [PATHS.sign, PATHS.evaluate]) {
      const reply = await signedRequest(sc, { client: agent, path, body: sessionRequest(sc.now()) });
      expectError(reply, 503, "KEYS_NOT_PROVISIONED");
      // No MAC could be checked, so no receipt.
      expect(reply.headers["x-airlock-receipt"]).toBeUndefined();
    }
    expect(sc.auditLines().map((l) => [l.event, l["clientId"]])).toEqual([
      ["auth.keys_not_provisioned", agent.id],
      ["auth.keys_not_provisioned", agent.id],
    ]);
    // Checks before the MAC still come first: a stale timestamp is a stale timestamp.
    expectError(await signedRequest(sc, { client: agent, body: sessionRequest(sc.now()), auth: { timestamp: "1" } }), 401, "AUTH_TIMESTAMP_OUT_OF_WINDOW");
    const ready = await plainRequest(sc, PATHS.ready);
    expect(ready.status).toBe(503);

    expect((await provision(sc, key.privateKeyHex)).status).toBe(200);
    expect((await plainRequest(sc, PATHS.ready)).status).toBe(200);
    const signed = await signedRequest(sc, { client: agent, body: sessionRequest(sc.now()) });
    expect(signed.status).toBe(200);
    expect(BigInt(signed.body["sessionPublicKey"] as string)).toBe(starkKeyOf(key.privateKey));
    expect(auditViolations(sc)).toEqual([]);
  });

  it("learned secrets are redacted from the audit log even with the leak scanner off", async () => {
    const sc = await startTestSidecar(provisioningEnv({ KEYRING_LEAK_SCANNER_ENABLED: "false" }));
    expect((await provision(sc, key.privateKeyHex)).status).toBe(200);
    // A caller that echoes the key in its context: signed (no scanner), but the audit record hides it.
    const leaky = await signedRequest(sc, { client: agent, body: sessionRequest(sc.now(), { context: { requester: `agent ${key.privateKeyHex}` } }) });
    expect(leaky.status).toBe(200);
    const record = sc.auditLines().find((l) => l.requestId === leaky.headers["x-request-id"])!;
    expect((record["details"] as Record<string, unknown>)["requester"]).toBe("[redacted]");
    expect(findSecret(sc.auditText(), [key.privateKeyHex])).toBeUndefined();
    expect(findSecret(sc.logLines().join("\n"), [key.privateKeyHex])).toBeUndefined();
  });
});
