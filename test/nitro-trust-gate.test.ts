// The client's attestation gate against the NSM emulator and the sidecar's own identity code:
// one attestation shared by concurrent callers, re-attestation when it ages out or when a
// receipt names a new key (an enclave restart), and strict receipt checks.
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { encodeEnclaveClaims } from "@airlock/core/attestation";
import { encodeReceiptHeader, RECEIPT_HEADER } from "@airlock/core/receipts";
import { resolveNitroTrust } from "../packages/core/src/client/nitro-trust.js";
import { SignerTrustGate } from "../packages/core/src/client/signer-trust-gate.js";
import { createNsmEmulator } from "../packages/signer/src/attestation/nsm-emulator.js";
import { createEnclaveIdentity, type EnclaveIdentity } from "../packages/signer/src/enclave/enclave-identity.js";

const PCR0 = "d0".repeat(48);
const POLICY = "ab".repeat(32);
const sha = (s: string) => createHash("sha256").update(s).digest("hex");

function setup(maxAttestationAgeMs = 60_000) {
  const emulator = createNsmEmulator({ production: false, pcrs: new Map([[0, new Uint8Array(Buffer.from(PCR0, "hex"))]]) });
  const state = { identity: createEnclaveIdentity() as EnclaveIdentity, fetches: 0, now: Date.now(), fail: false };
  const trust = resolveNitroTrust({ allowedPcrs: { "0": [PCR0] }, rootFingerprintSha256: emulator.rootFingerprintSha256, maxAttestationAgeMs });
  const gate = new SignerTrustGate(
    trust,
    async (nonceHex) => {
      state.fetches++;
      if (state.fail) throw new Error("down");
      return emulator.attest({
        nonce: Buffer.from(nonceHex, "hex"),
        publicKey: state.identity.receiptPublicKeySpki,
        userData: encodeEnclaveClaims({ policyHash: POLICY, provisioningPublicKey: state.identity.provisioningPublicKey }),
      });
    },
    () => state.now,
  );
  const answer = (identity: EnclaveIdentity, body = '{"ok":true}', status = 200) => {
    const receipt = identity.signReceipt({
      requestId: "r-1",
      route: "status",
      clientId: "agent",
      keyId: null,
      requestHash: sha("request"),
      policyHash: POLICY,
      signedHash: null,
      responseHash: sha(body),
      status,
      issuedAt: state.now,
    });
    return { status, headers: { [RECEIPT_HEADER]: encodeReceiptHeader(receipt) }, bodySha256: sha(body), requestHash: sha("request") };
  };
  return { emulator, state, gate, answer };
}

describe("SignerTrustGate", () => {
  it("attests once for concurrent callers and again when the verification ages out", async () => {
    const { state, gate } = setup(60_000);
    const [a, b, c] = await Promise.all([gate.ensure(), gate.ensure(), gate.ensure()]);
    expect(state.fetches).toBe(1);
    expect(a).toBe(b);
    expect(b).toBe(c);
    expect(a.receiptKey.receiptKeyId).toBe(state.identity.receiptKeyId);
    state.now += 59_999;
    await gate.ensure();
    expect(state.fetches).toBe(1);
    state.now += 1;
    const fresh = await gate.ensure();
    expect(state.fetches).toBe(2);
    expect(fresh).not.toBe(a);
  });

  it("re-attests when a receipt names another key (a restarted enclave), then verifies against the new key", async () => {
    const { state, gate, answer } = setup();
    await gate.ensure();
    await expect(gate.checkReceipt(answer(state.identity), true)).resolves.toBeUndefined();
    const before = state.fetches;
    state.identity = createEnclaveIdentity();
    await expect(gate.checkReceipt(answer(state.identity), true)).resolves.toBeUndefined();
    expect(state.fetches).toBe(before + 1);
    expect(gate.current!.receiptKey.receiptKeyId).toBe(state.identity.receiptKeyId);
  });

  it("refuses a receipt by a key the enclave does not attest, even after re-attesting", async () => {
    const { state, gate, answer } = setup();
    await gate.ensure();
    const impostor = createEnclaveIdentity();
    await expect(gate.checkReceipt(answer(impostor), true)).rejects.toMatchObject({ code: "UNTRUSTED_SIGNER", reason: "receipt_invalid", verifierCode: "UNKNOWN_KEY" });
    expect(state.fetches).toBe(2);
  });

  it("requires a receipt on successes and checks one on refusals when present", async () => {
    const { state, gate, answer } = setup();
    await gate.ensure();
    const ok = answer(state.identity);
    await expect(gate.checkReceipt({ ...ok, headers: {} }, true)).rejects.toMatchObject({ verifierCode: "MISSING" });
    await expect(gate.checkReceipt({ ...ok, headers: {} }, false)).resolves.toBeUndefined();
    await expect(gate.checkReceipt({ ...answer(state.identity, "{}", 422), status: 200 }, false)).rejects.toMatchObject({ verifierCode: "MISMATCH" });
    await expect(gate.checkReceipt({ ...ok, requestHash: sha("other") }, true)).rejects.toMatchObject({ verifierCode: "MISMATCH" });
  });

  it("forgets the verification when re-attestation fails (fail closed)", async () => {
    const { state, gate } = setup(60_000);
    await gate.ensure();
    state.now += 60_000;
    state.fail = true;
    await expect(gate.ensure()).rejects.toThrow("down");
    expect(gate.current).toBeUndefined();
    state.fail = false;
    await expect(gate.ensure()).resolves.toBeDefined();
  });

  it("one caller giving up does not abort the attestation the others wait for", async () => {
    const { state, gate } = setup();
    const controller = new AbortController();
    const impatient = gate.ensure(controller.signal);
    const patient = gate.ensure();
    controller.abort(new Error("gave up"));
    await expect(impatient).rejects.toThrow("gave up");
    await expect(patient).resolves.toMatchObject({ policyHash: POLICY });
    expect(state.fetches).toBe(1);
  });
});
