// KMS unseal configuration: AIRLOCK_KMS_KEY_ID (a key ARN), AIRLOCK_KMS_REGION, optional
// AIRLOCK_KMS_ENDPOINT and AIRLOCK_KMS_CONNECT_PORT, only with sealed provisioning; strict
// values, one clear problem per broken rule.
import { generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/env-config.js";
import { BASE, expectOneProblem, problemsOf } from "./fixtures.js";

const admin = generateKeyPairSync("ed25519");
const ARN = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";

const NITRO: Readonly<Record<string, string>> = Object.freeze({
  KEYRING_AUTH_CLIENTS_JSON: JSON.stringify([{ clientId: "default" }]),
  AIRLOCK_BACKEND: "nitro",
  AIRLOCK_ATTESTATION_SOURCE: "emulator",
  AIRLOCK_ADMIN_PUBLIC_KEY: (admin.publicKey.export({ format: "der", type: "spki" }) as Buffer).toString("base64"),
  AIRLOCK_PROVISIONED_KEY_IDS: "default",
});
const KMS = { ...NITRO, AIRLOCK_KMS_KEY_ID: ARN, AIRLOCK_KMS_REGION: "eu-west-1" };

describe("KMS unseal configuration", () => {
  it("is off unless AIRLOCK_KMS_KEY_ID is set", () => {
    expect(loadConfig(NITRO).provisioning?.kms).toBeUndefined();
  });

  it("reads the key ARN and region, with the regional endpoint by default", () => {
    expect(loadConfig(KMS).provisioning?.kms).toEqual({ keyArn: ARN, region: "eu-west-1", endpoint: "https://kms.eu-west-1.amazonaws.com" });
    // A multi-Region key, and the China partition's endpoint.
    const mrk = "arn:aws-cn:kms:cn-north-1:111122223333:key/mrk-0123456789abcdef0123456789abcdef";
    expect(loadConfig({ ...NITRO, AIRLOCK_KMS_KEY_ID: mrk, AIRLOCK_KMS_REGION: "cn-north-1" }).provisioning?.kms?.endpoint).toBe("https://kms.cn-north-1.amazonaws.com.cn");
  });

  it("takes an endpoint origin and the forwarder's loopback port", () => {
    const kms = loadConfig({ ...KMS, AIRLOCK_KMS_ENDPOINT: "https://kms-fips.eu-west-1.amazonaws.com/", AIRLOCK_KMS_CONNECT_PORT: "8000" }).provisioning?.kms;
    expect(kms).toEqual({ keyArn: ARN, region: "eu-west-1", endpoint: "https://kms-fips.eu-west-1.amazonaws.com", connectPort: 8000 });
    // Plain http only to a loopback IP (tests), and not in production.
    expect(loadConfig({ ...KMS, AIRLOCK_KMS_ENDPOINT: "http://127.0.0.1:4566" }).provisioning?.kms?.endpoint).toBe("http://127.0.0.1:4566");
  });

  it.each([
    [{ AIRLOCK_KMS_KEY_ID: "1234abcd-12ab-34cd-56ef-1234567890ab" }, "AIRLOCK_KMS_KEY_ID must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<key id>); not a bare key id or an alias"],
    [{ AIRLOCK_KMS_KEY_ID: "arn:aws:kms:eu-west-1:111122223333:alias/airlock" }, /must be a KMS key ARN/],
    [{ AIRLOCK_KMS_KEY_ID: `${ARN} ` }, /must be a KMS key ARN/],
    [{ AIRLOCK_KMS_KEY_ID: ARN.toUpperCase() }, /must be a KMS key ARN/],
    [{ AIRLOCK_KMS_REGION: "EU-WEST-1" }, "AIRLOCK_KMS_REGION must be an AWS region name such as us-east-1"],
    [{ AIRLOCK_KMS_REGION: "us-east-1" }, "AIRLOCK_KMS_KEY_ID names a key in another region than AIRLOCK_KMS_REGION"],
    [{ AIRLOCK_KMS_ENDPOINT: "http://kms.eu-west-1.amazonaws.com" }, "AIRLOCK_KMS_ENDPOINT: plain http is allowed only to a loopback address; use https"],
    [{ AIRLOCK_KMS_ENDPOINT: "http://localhost:4566" }, "AIRLOCK_KMS_ENDPOINT: plain http is allowed only to a loopback address; use https"],
    [{ AIRLOCK_KMS_ENDPOINT: "https://kms.eu-west-1.amazonaws.com/v1" }, "AIRLOCK_KMS_ENDPOINT: endpoint must be an origin (no path, query or fragment)"],
    [{ AIRLOCK_KMS_ENDPOINT: "https://user:pw@kms.eu-west-1.amazonaws.com" }, "AIRLOCK_KMS_ENDPOINT: endpoint must not carry credentials"],
    [{ AIRLOCK_KMS_ENDPOINT: "ftp://kms.eu-west-1.amazonaws.com" }, "AIRLOCK_KMS_ENDPOINT: endpoint must be https"],
    [{ AIRLOCK_KMS_ENDPOINT: "not a url" }, "AIRLOCK_KMS_ENDPOINT: endpoint is not a URL"],
    [{ AIRLOCK_KMS_CONNECT_PORT: "0" }, /^AIRLOCK_KMS_CONNECT_PORT must be an integer between 1 and 65535/],
    [{ AIRLOCK_KMS_CONNECT_PORT: "65536" }, /^AIRLOCK_KMS_CONNECT_PORT must be an integer/],
    [{ AIRLOCK_KMS_CONNECT_PORT: "8000 " }, /^AIRLOCK_KMS_CONNECT_PORT must be an integer/],
    [{ AIRLOCK_KMS_CONNECT_PORT: "+8000" }, /^AIRLOCK_KMS_CONNECT_PORT must be an integer/],
  ])("refuses %j", (override, problem) => {
    expectOneProblem({ ...KMS, ...override }, problem);
  });

  it("needs the key and the region together", () => {
    const both = "AIRLOCK_KMS_KEY_ID and AIRLOCK_KMS_REGION must be set together (AIRLOCK_KMS_ENDPOINT and AIRLOCK_KMS_CONNECT_PORT are optional)";
    expectOneProblem({ ...NITRO, AIRLOCK_KMS_KEY_ID: ARN }, both);
    expectOneProblem({ ...NITRO, AIRLOCK_KMS_REGION: "eu-west-1" }, both);
    expectOneProblem({ ...NITRO, AIRLOCK_KMS_CONNECT_PORT: "8000" }, both);
  });

  it("needs sealed provisioning: the unsealed keys install through its door", () => {
    expectOneProblem(
      { ...BASE, AIRLOCK_KMS_KEY_ID: ARN, AIRLOCK_KMS_REGION: "eu-west-1" },
      "AIRLOCK_KMS_KEY_ID, AIRLOCK_KMS_REGION: KMS unseal needs sealed provisioning (AIRLOCK_BACKEND=nitro with AIRLOCK_ADMIN_PUBLIC_KEY and AIRLOCK_PROVISIONED_KEY_IDS)",
    );
    // With sealed provisioning asked for but broken, its own problem is reported, and the KMS
    // variables are still checked.
    const problems = problemsOf({ ...KMS, AIRLOCK_ADMIN_PUBLIC_KEY: "not a key", AIRLOCK_KMS_CONNECT_PORT: "x" });
    expect(problems).toContain("AIRLOCK_KMS_CONNECT_PORT must be an integer between 1 and 65535 (the enclave's loopback forwarder to the vsock-proxy)");
    expect(problems.some((p) => p.startsWith("AIRLOCK_ADMIN_PUBLIC_KEY must be an Ed25519 public key"))).toBe(true);
  });

  it("production: https only (the way to KMS runs through the host)", () => {
    const env = { ...KMS, NODE_ENV: "production", AIRLOCK_ATTESTATION_SOURCE: "nsm" };
    expect(loadConfig(env).provisioning?.kms?.endpoint).toBe("https://kms.eu-west-1.amazonaws.com");
    expectOneProblem({ ...env, AIRLOCK_KMS_ENDPOINT: "http://127.0.0.1:4566" }, "AIRLOCK_KMS_ENDPOINT must be https with NODE_ENV=production");
  });

  it("the configuration holds no secret and does not change the policy hash", () => {
    expect(loadConfig(KMS).policyHash).toBe(loadConfig(NITRO).policyHash);
    expect([...loadConfig(KMS).signer.secretsForScanner]).toEqual([]);
  });
});
