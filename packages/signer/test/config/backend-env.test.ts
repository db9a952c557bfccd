import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/env-config.js";
import { policyHashOf } from "../../src/policy/policy-hash.js";
import { BASE, PRODUCTION, SECRET_2, problemsOf } from "./fixtures.js";

function expectConfigError(env: Record<string, string>, fragment: string): void {
  expect(problemsOf(env).some((p) => p.includes(fragment))).toBe(true);
}

const NITRO = { ...BASE, AIRLOCK_BACKEND: "nitro", AIRLOCK_ATTESTATION_SOURCE: "emulator" };

describe("backend configuration", () => {
  it("defaults to the keyring backend", () => {
    expect(loadConfig(BASE).backend).toEqual({ kind: "keyring", receipts: false });
    expect(loadConfig({ ...BASE, AIRLOCK_RECEIPTS: "on" }).backend).toEqual({ kind: "keyring", receipts: true });
  });

  it("reads the nitro backend with the NSM device by default", () => {
    expect(loadConfig({ ...BASE, AIRLOCK_BACKEND: "nitro" }).backend).toEqual({ kind: "nitro", receipts: true, attestation: { source: "nsm", nsmDevice: "/dev/nsm" } });
  });

  it("reads emulator PCR overrides and the root file", () => {
    const pcr0 = "AB".repeat(48);
    const config = loadConfig({ ...NITRO, AIRLOCK_EMULATOR_PCRS_JSON: JSON.stringify({ 0: pcr0 }), AIRLOCK_EMULATOR_ROOT_FILE: "/tmp/root.pem" });
    expect(config.backend.attestation?.emulatorPcrs?.get(0)).toBe(pcr0.toLowerCase());
    expect(config.backend.attestation?.emulatorRootFile).toBe("/tmp/root.pem");
  });

  it("refuses the emulator in production, nitro-only variables elsewhere, and malformed PCRs", () => {
    expectConfigError({ ...PRODUCTION, AIRLOCK_BACKEND: "nitro", AIRLOCK_ATTESTATION_SOURCE: "emulator" }, "AIRLOCK_ATTESTATION_SOURCE=emulator is refused with NODE_ENV=production");
    expectConfigError({ ...BASE, AIRLOCK_ATTESTATION_SOURCE: "emulator" }, "AIRLOCK_ATTESTATION_SOURCE needs AIRLOCK_BACKEND=nitro");
    expectConfigError({ ...BASE, AIRLOCK_BACKEND: "enclave" }, "AIRLOCK_BACKEND must be one of keyring, nitro");
    expectConfigError({ ...NITRO, AIRLOCK_RECEIPTS: "off" }, "AIRLOCK_RECEIPTS=off is refused with AIRLOCK_BACKEND=nitro");
    expectConfigError({ ...BASE, AIRLOCK_RECEIPTS: "yes" }, "AIRLOCK_RECEIPTS must be one of on, off");
    expectConfigError({ ...BASE, AIRLOCK_BACKEND: "nitro", AIRLOCK_EMULATOR_ROOT_FILE: "/tmp/r.pem" }, "AIRLOCK_EMULATOR_* variables need AIRLOCK_ATTESTATION_SOURCE=emulator");
    for (const bad of ['{"16":"' + "ab".repeat(48) + '"}', '{"0":"abcd"}', '{"0":1}', "[1]", '{"x":"' + "ab".repeat(48) + '"}']) {
      expectConfigError({ ...NITRO, AIRLOCK_EMULATOR_PCRS_JSON: bad }, "AIRLOCK_EMULATOR_PCRS_JSON");
    }
  });
});

describe("policy hash", () => {
  it("is stable for one policy and changes with any rule, not with secrets", () => {
    const a = loadConfig(BASE);
    expect(a.policyHash).toMatch(/^[0-9a-f]{64}$/);
    expect(loadConfig(BASE).policyHash).toBe(a.policyHash);
    expect(policyHashOf(a)).toBe(a.policyHash);
    // Another HMAC secret is not another policy.
    expect(loadConfig({ ...BASE, KEYRING_HMAC_SECRET: SECRET_2 }).policyHash).toBe(a.policyHash);
    // Every policy knob moves it.
    expect(loadConfig({ ...BASE, KEYRING_MAX_VALIDITY_WINDOW_SEC: "600" }).policyHash).not.toBe(a.policyHash);
    expect(loadConfig({ ...BASE, KEYRING_ALLOWED_CHAIN_IDS: "0x534e5f5345504f4c4941" }).policyHash).not.toBe(a.policyHash);
  });
});
