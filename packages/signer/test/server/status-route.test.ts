import { AirlockClient } from "@airlock/core";
import { feltHex, starkKeyOf } from "@airlock/core/starknet";
import { PassThrough } from "node:stream";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/env-config.js";
import { startSidecar, type Sidecar } from "../../src/server/sidecar.js";

const KEY_OPS = 0x5a4f1e2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5dn;
const KEY_TREASURY = 0x1111222233334444555566667777888899990000aaaabbbbccccddddeeeen;
const SECRET_AGENT = "status-agent-secret-0123456789";
const SECRET_OPS = "status-ops-secret-0123456789ab";

let sidecar: Sidecar;
beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), "airlock-status-"));
  const policy = join(dir, "policy.yaml");
  writeFileSync(
    policy,
    [
      "version: 1",
      "clients:",
      "  agent:",
      "    allowedContracts: ['0x49d3']",
      "spendingLimits:",
      "  - keyId: ops",
      "    token: '0x49d3'",
      "    maxPerCall: '1000'",
      "    maxPerWindow: '5000'",
      "    windowSeconds: 3600",
    ].join("\n"),
  );
  const config = loadConfig({
    PORT: "0",
    LOG_LEVEL: "silent",
    KEYRING_AUTH_CLIENTS_JSON: JSON.stringify([
      { clientId: "agent", hmacSecret: SECRET_AGENT, allowedKeyIds: ["ops"] },
      { clientId: "admin", hmacSecret: SECRET_OPS },
    ]),
    KEYRING_DEFAULT_AUTH_CLIENT_ID: "agent",
    KEYRING_SIGNING_KEYS_JSON: JSON.stringify([
      { keyId: "ops", privateKey: feltHex(KEY_OPS) },
      { keyId: "treasury", privateKey: feltHex(KEY_TREASURY) },
    ]),
    KEYRING_DEFAULT_KEY_ID: "ops",
    KEYRING_POLICY_FILE: policy,
  });
  sidecar = await startSidecar(config, { auditStream: new PassThrough().resume(), log: () => {} });
});
afterAll(() => sidecar.close());

describe("GET /v1/status", () => {
  it("lists only the keys the client may use, with their session keys, and its policy summary", async () => {
    const agent = new AirlockClient({ baseUrl: sidecar.url, clientId: "agent", hmacSecret: SECRET_AGENT });
    try {
      const status = await agent.status();
      expect(status.signerProvider).toBe("local");
      expect(status.defaultKeyId).toBe("ops");
      expect(status.keys).toEqual([{ keyId: "ops", sessionPublicKey: feltHex(starkKeyOf(KEY_OPS)) }]);
      expect(status.policy).toMatchObject({ clientId: "agent", clientPolicy: true, allowedContracts: 1 });
      expect(status.policy.spendingLimits).toEqual([{ keyId: "ops", token: "0x49d3", maxPerCall: "1000", maxPerWindow: "5000", windowMs: 3_600_000, allowedRecipients: "any" }]);
      expect(JSON.stringify(status)).not.toContain(SECRET_AGENT);
    } finally {
      await agent.close();
    }
    const admin = new AirlockClient({ baseUrl: sidecar.url, clientId: "admin", hmacSecret: SECRET_OPS });
    try {
      expect((await admin.status()).keys.map((k) => k.keyId)).toEqual(["ops", "treasury"]);
    } finally {
      await admin.close();
    }
  });

  it("is refused without authentication and a pinned key that disagrees is an invalid response", async () => {
    const res = await fetch(`${sidecar.url}/v1/status`);
    expect(res.status).toBe(401);
    const pinned = new AirlockClient({
      baseUrl: sidecar.url,
      clientId: "agent",
      hmacSecret: SECRET_AGENT,
      expectedSessionPublicKeys: { ops: feltHex(starkKeyOf(KEY_TREASURY)) },
    });
    try {
      await expect(pinned.status()).rejects.toMatchObject({ code: "INVALID_RESPONSE", reason: "pinned_key_mismatch" });
    } finally {
      await pinned.close();
    }
  });
});
