// airlock_verify_signer's outcomes, and how every tool reports an untrusted signer, from the
// client's typed errors (the live attestation path is in test/nitro-plugins.test.ts).
import { generateKeyPairSync } from "node:crypto";
import { AirlockClient, ConfigError, UntrustedSignerError, type UntrustedSignerReason } from "@airlock/core";
import { AGENT_TOOLS, agentTool, runSignerStatus, runVerifySigner, TOOL_DESCRIPTIONS, TOOL_NAMES, toolOutputText, VerifySignerToolInput } from "@airlock/core/agent-tools";
import { receiptKeyFromSpki } from "@airlock/core/receipts";
import { describe, expect, it } from "vitest";

const RPC_HOST = "rpc-host-with-key.example";
const spki = generateKeyPairSync("ed25519").publicKey.export({ format: "der", type: "spki" });
const receiptKey = receiptKeyFromSpki(spki);

function signer(pcr8: string, registry = true) {
  return {
    verifiedAt: Date.UTC(2026, 0, 2, 3, 4, 5),
    documentTimestamp: Date.UTC(2026, 0, 2, 3, 4, 4),
    moduleId: "i-0123456789abcdef0-enc0123456789abcdef",
    pcrs: { "0": "a0".repeat(48), "1": "a1".repeat(48), "2": "a2".repeat(48), "3": "00".repeat(48), "8": pcr8 },
    receiptKey,
    receiptPublicKey: spki.toString("base64"),
    policyHash: "ab".repeat(32),
    provisioningPublicKey: new Uint8Array(32).fill(7),
    documentSha256: "cd".repeat(32),
    ...(registry
      ? { registry: { active: true as const, owner: "0x1111111111111111111111111111111111111111", registry: "0x2222222222222222222222222222222222222222", checkedAt: Date.UTC(2026, 0, 2, 3, 4, 5) } }
      : {}),
  };
}

/** A stand-in client whose verifySigner resolves or rejects as told. */
const clientThat = (verifySigner: () => Promise<unknown>, status?: () => Promise<unknown>) => ({ verifySigner, status }) as unknown as AirlockClient;

describe("the tool's declaration", () => {
  it("has a fixed name, a description that says what it reports and nothing configured, and no input", () => {
    expect(TOOL_NAMES.verifySigner).toBe("airlock_verify_signer");
    for (const word of ["attestation", "PCR0", "PCR1", "PCR2", "PCR8", "registry", "receipt key", "Nothing is signed"]) expect(TOOL_DESCRIPTIONS.verifySigner).toContain(word);
    expect(TOOL_DESCRIPTIONS.verifySigner).not.toMatch(/127\.0\.0\.1|https?:|secret/i);
    expect(VerifySignerToolInput.safeParse({}).success).toBe(true);
    expect(Object.keys(VerifySignerToolInput.shape)).toEqual([]);
    const spec = agentTool("verifySigner");
    expect(AGENT_TOOLS.at(-1)).toBe(spec);
    expect(AGENT_TOOLS).toHaveLength(7);
    expect(spec).toMatchObject({ name: TOOL_NAMES.verifySigner, description: TOOL_DESCRIPTIONS.verifySigner, annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true } });
  });
});

describe("runVerifySigner", () => {
  it("reports the attested PCRs, module, receipt key, policy, time and registry of a verified signer", async () => {
    const s = signer("a8".repeat(48));
    const out = await runVerifySigner(clientThat(async () => s));
    expect(out.ok).toBe(true);
    if (!out.ok) return;
    for (const part of [`PCR0 ${"a0".repeat(48)}`, `PCR1 ${"a1".repeat(48)}`, `PCR2 ${"a2".repeat(48)}`, `PCR8 ${"a8".repeat(48)}`, s.moduleId, receiptKey.receiptKeyId, s.policyHash, "2026-01-02T03:04:04.000Z"]) {
      expect(out.summary).toContain(part);
    }
    expect(out.summary).toContain("registry 0x2222222222222222222222222222222222222222 lists PCR0 as active, registered by the pinned owner 0x1111111111111111111111111111111111111111");
    expect(out.summary).not.toContain("PCR3");
    expect(out.data).toEqual({
      verified: true,
      moduleId: s.moduleId,
      pcrs: { "0": "a0".repeat(48), "1": "a1".repeat(48), "2": "a2".repeat(48), "8": "a8".repeat(48) },
      receiptKeyId: receiptKey.receiptKeyId,
      receiptPublicKey: s.receiptPublicKey,
      policyHash: s.policyHash,
      documentTimestamp: s.documentTimestamp,
      documentTime: "2026-01-02T03:04:04.000Z",
      documentSha256: s.documentSha256,
      verifiedAt: "2026-01-02T03:04:05.000Z",
      registry: { address: s.registry!.registry, owner: s.registry!.owner, active: true, checkedAt: "2026-01-02T03:04:05.000Z" },
    });
    // JSON all the way: no key object, no byte array.
    expect(JSON.parse(toolOutputText(out))).toEqual(out);
  });

  it("leaves out PCR8 of an unsigned image (all zeros), and says when no registry is configured", async () => {
    const out = await runVerifySigner(clientThat(async () => signer("00".repeat(48), false)));
    expect(out).toMatchObject({ ok: true, data: { pcrs: { "0": "a0".repeat(48), "1": "a1".repeat(48), "2": "a2".repeat(48) } } });
    if (!out.ok) return;
    expect(Object.keys(out.data["pcrs"] as object)).toEqual(["0", "1", "2"]);
    expect(out.summary).not.toContain("PCR8");
    expect(out.summary).toContain("No on-chain registry check is configured.");
  });

  it("says plainly that a client without Nitro settings (keyring backend) has no attestation", async () => {
    const real = new AirlockClient({ baseUrl: "http://127.0.0.1:9", hmacSecret: "0123456789abcdef0123" });
    try {
      const out = await runVerifySigner(real);
      expect(out).toMatchObject({ ok: false, error: "not_configured" });
      expect(out.summary).toContain("with the keyring backend there is no attestation");
    } finally {
      await real.close();
    }
    // Another CONFIG error (a closed client) is not mistaken for it.
    const closed = await runVerifySigner(clientThat(async () => Promise.reject(new ConfigError("the client is closed"))));
    expect(closed).toMatchObject({ ok: false, error: "rejected" });
  });

  const refusals: [UntrustedSignerReason, string | undefined, RegExp][] = [
    ["attestation_invalid", "PCR_NOT_ALLOWED", /attestation document did not verify because an enclave measurement \(PCR\) is not in the allowlist.*\[reason attestation_invalid, check PCR_NOT_ALLOWED\]/],
    ["attestation_invalid", "UNTRUSTED_ROOT", /does not lead to the pinned root of trust/],
    ["attestation_unavailable", undefined, /no attestation could be fetched from it.*\[reason attestation_unavailable\]/],
    ["claims_invalid", "POLICY_MISMATCH", /another signing policy than the expected one/],
    ["registry", "NOT_ACTIVE", /registry did not confirm.*not active in the registry \(never registered, or retired\)/],
    ["registry", "OWNER_MISMATCH", /registered by another owner than the pinned one/],
    ["registry", "RPC_UNAVAILABLE", /RPC node could not be reached/],
  ];
  it.each(refusals)("refuses a signer that fails verification (%s, %s) with a readable summary", async (reason, code, summary) => {
    const err = new UntrustedSignerError(reason, `details naming ${RPC_HOST}`, code);
    const out = await runVerifySigner(clientThat(async () => Promise.reject(err)));
    expect(out).toMatchObject({ ok: false, error: "untrusted_signer", reason, ...(code === undefined ? {} : { verifierCode: code }) });
    expect(out.summary).toMatch(/^The signer is NOT verified: /);
    expect(out.summary).toMatch(summary);
    expect(out.summary).toContain("Do not rely on it");
    // The error's own text (which can name the RPC host) stays out of the outcome.
    expect(toolOutputText(out)).not.toContain(RPC_HOST);
  });

  it("drops a verifier code or reason that is not one (a foreign copy's odd error)", async () => {
    const err = Object.assign(new UntrustedSignerError("registry", "x"), { verifierCode: "not a code; <script>", reason: "made_up" });
    const out = await runVerifySigner(clientThat(async () => Promise.reject(err)));
    expect(out).toEqual({ ok: false, error: "untrusted_signer", summary: expect.stringContaining("it failed verification") });
  });

  it("turns anything unexpected into the generic outcome", async () => {
    const out = await runVerifySigner(clientThat(async () => Promise.reject(new TypeError(`boom ${RPC_HOST}`))));
    expect(out).toEqual({ ok: false, error: "error", summary: "The signer call failed unexpectedly; nothing was signed." });
  });
});

describe("every other tool, when the client refuses an untrusted signer", () => {
  it("says the signer could not be verified and that nothing was sent", async () => {
    const client = clientThat(
      async () => undefined,
      async () => Promise.reject(new UntrustedSignerError("attestation_invalid", RPC_HOST, "PCR_NOT_ALLOWED")),
    );
    const out = await runSignerStatus(client);
    expect(out).toMatchObject({ ok: false, error: "untrusted_signer", reason: "attestation_invalid", verifierCode: "PCR_NOT_ALLOWED" });
    expect(out.summary).toMatch(/^The signer could not be verified: .*Nothing was sent to it, so nothing was signed\./);
    expect(toolOutputText(out)).not.toContain(RPC_HOST);
  });

  it("says an answer with a bad receipt was discarded, with its request id", async () => {
    const client = clientThat(
      async () => undefined,
      async () => Promise.reject(new UntrustedSignerError("receipt_invalid", "x", "MISMATCH", { requestId: "req-1", status: 200 })),
    );
    const out = await runSignerStatus(client);
    expect(out).toMatchObject({ ok: false, error: "untrusted_signer", reason: "receipt_invalid", verifierCode: "MISMATCH", requestId: "req-1" });
    expect(out.summary).toContain("The answer was discarded; nothing usable was signed.");
  });
});
