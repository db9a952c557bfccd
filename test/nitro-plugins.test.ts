// The shared agent tool airlock_verify_signer against a live Nitro sidecar (NSM emulator) and the
// real PCR0 registry on ganache, both on loopback: what a verified signer reports, and how a
// signer that fails any check is refused, by this tool and by every other one.
import { randomBytes } from "node:crypto";
import { AirlockClient, type AirlockClientOptions } from "@airlock/core";
import { runSignerStatus, runSignSessionTransaction, runVerifySigner, toolOutputText, type ToolOutcome } from "@airlock/core/agent-tools";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRegistryChain, type RegistryChain } from "../packages/core/test/registry/rpc-servers.js";
import { findSecret, newClient, newKey, sidecarEnv, SN_SEPOLIA, startTestSidecar, type TestSidecar } from "./support/sidecar-harness.js";

const PCR0 = "c0".repeat(48);
const PCR1 = "c1".repeat(48);
const PCR2 = "c2".repeat(48);
const PCR8 = "c8".repeat(48);
const agent = newClient("agent");
const key = newKey("default");
/** An API key in the RPC URL's path, as hosted RPC providers do: it must never surface. */
const RPC_KEY = `sk-rpc-${randomBytes(12).toString("hex")}`;

let sc: TestSidecar;
let chain: RegistryChain;
let rpcUrl: string;
const clients: AirlockClient[] = [];
const outcomes: ToolOutcome[] = [];

function nitroClient(nitro: Record<string, unknown> = {}): AirlockClient {
  const client = new AirlockClient({
    baseUrl: sc.url,
    clientId: agent.id,
    hmacSecret: agent.secret,
    retry: { attempts: 1 },
    nitro: { allowedPcrs: { "0": [PCR0] }, rootFingerprintSha256: sc.emulatorRootFingerprintSha256!, ...nitro } as AirlockClientOptions["nitro"] & object,
  });
  clients.push(client);
  return client;
}

const registry = (owner = chain.accounts[0]!) => ({ registry: { rpcUrl, address: chain.registryAddress, owner } });

async function tool(run: Promise<ToolOutcome>): Promise<ToolOutcome> {
  const out = await run;
  outcomes.push(out);
  return out;
}

beforeAll(async () => {
  sc = await startTestSidecar(
    sidecarEnv({
      clients: [agent],
      keys: [key],
      extra: {
        AIRLOCK_BACKEND: "nitro",
        AIRLOCK_ATTESTATION_SOURCE: "emulator",
        AIRLOCK_EMULATOR_PCRS_JSON: JSON.stringify({ 0: PCR0, 1: PCR1, 2: PCR2, 8: PCR8 }),
      },
    }),
  );
  sc.untrackedTraffic = true;
  chain = await startRegistryChain();
  rpcUrl = `${chain.url}/v3/${RPC_KEY}`;
  await (await chain.as(0).getFunction("registerPCR0").send(`0x${PCR0}`, `0x${"11".repeat(32)}`, "airlock test build")).wait();
});

afterAll(async () => {
  for (const c of clients) await c.close();
  await chain?.close();
  await sc?.close();
});

describe("airlock_verify_signer against the emulated enclave", () => {
  it("reports the attested PCRs, module, receipt key, policy, time and the registry's answer", async () => {
    const client = nitroClient({ allowedPcrs: { "0": [PCR0], "1": [PCR1], "2": [PCR2], "8": [PCR8] }, ...registry() });
    const out = await tool(runVerifySigner(client));
    expect(out.ok).toBe(true);
    if (!out.ok) return;
    for (const part of [`PCR0 ${PCR0}`, `PCR1 ${PCR1}`, `PCR2 ${PCR2}`, `PCR8 ${PCR8}`, `Receipt key ${sc.receiptKeyId}`, `policy hash ${sc.policyHash}`]) {
      expect(out.summary).toContain(part);
    }
    expect(out.summary).toContain(`registry ${chain.registryAddress} lists PCR0 as active, registered by the pinned owner ${chain.accounts[0]}`);
    const attested = client.attestedSigner!;
    expect(out.data).toMatchObject({
      verified: true,
      moduleId: attested.moduleId,
      pcrs: { "0": PCR0, "1": PCR1, "2": PCR2, "8": PCR8 },
      receiptKeyId: sc.receiptKeyId,
      receiptPublicKey: attested.receiptPublicKey,
      policyHash: sc.policyHash,
      documentTime: new Date(attested.documentTimestamp).toISOString(),
      registry: { address: chain.registryAddress, owner: chain.accounts[0], active: true },
    });
    expect(out.summary).toContain(attested.moduleId);
    // The registry was really asked, over the URL that carries the key; the key is nowhere in the outcome.
    expect(chain.count("eth_call")).toBeGreaterThan(0);
    expect(toolOutputText(out)).not.toContain(RPC_KEY);
    expect(toolOutputText(out)).not.toContain(chain.url);
    // With the signer verified, the other tools work, receipts checked on every answer.
    expect(await tool(runSignerStatus(client))).toMatchObject({ ok: true, data: { keys: [{ keyId: "default" }] } });
    const transfer = { calls: [{ contractAddress: "0x49d3", entrypoint: "transfer", calldata: ["0x1", "5", "0"] }] };
    expect(await tool(runSignSessionTransaction(client, transfer, { accountAddress: "0x4a11ce", chainId: SN_SEPOLIA }))).toMatchObject({ ok: true });
  });

  it("without a registry, says none is configured; PCR8 is not reported unless the image is signed", async () => {
    const out = await tool(runVerifySigner(nitroClient()));
    expect(out).toMatchObject({ ok: true, data: { pcrs: { "0": PCR0, "8": PCR8 } } });
    expect(out.summary).toContain("No on-chain registry check is configured.");
    expect((out as { data: Record<string, unknown> }).data).not.toHaveProperty("registry");
  });

  it("refuses an enclave whose PCR0 is not allowed, naming the reason, and sends nothing HMAC-signed", async () => {
    const before = sc.auditLines().length;
    const client = nitroClient({ allowedPcrs: { "0": ["d0".repeat(48)] } });
    const out = await tool(runVerifySigner(client));
    expect(out).toMatchObject({ ok: false, error: "untrusted_signer", reason: "attestation_invalid", verifierCode: "PCR_NOT_ALLOWED" });
    expect(out.summary).toMatch(/^The signer is NOT verified: its attestation document did not verify because an enclave measurement \(PCR\) is not in the allowlist/);
    // Every other tool refuses too, and says nothing was sent.
    const status = await tool(runSignerStatus(client));
    expect(status).toMatchObject({ ok: false, error: "untrusted_signer", reason: "attestation_invalid", verifierCode: "PCR_NOT_ALLOWED" });
    expect(status.summary).toContain("Nothing was sent to it, so nothing was signed.");
    expect(sc.auditLines().length).toBe(before);
    expect(client.attestedSigner).toBeUndefined();
  });

  it("refuses a PCR1 outside its allowlist and another attested policy", async () => {
    expect(await tool(runVerifySigner(nitroClient({ allowedPcrs: { "0": [PCR0], "1": ["d1".repeat(48)] } })))).toMatchObject({ ok: false, reason: "attestation_invalid", verifierCode: "PCR_NOT_ALLOWED" });
    const policy = await tool(runVerifySigner(nitroClient({ expectedPolicyHash: "0".repeat(64) })));
    expect(policy).toMatchObject({ ok: false, reason: "claims_invalid", verifierCode: "POLICY_MISMATCH" });
    expect(policy.summary).toContain("another signing policy than the expected one");
  });

  it("refuses a measurement the registry does not list for the pinned owner", async () => {
    const other = await tool(runVerifySigner(nitroClient(registry(chain.accounts[1]))));
    expect(other).toMatchObject({ ok: false, error: "untrusted_signer", reason: "registry", verifierCode: "OWNER_MISMATCH" });
    expect(other.summary).toContain("registered by another owner than the pinned one");
    // An address without the registry contract cannot confirm anything.
    const unlisted = await tool(runVerifySigner(nitroClient({ registry: { rpcUrl, address: chain.accounts[2]!, owner: chain.accounts[0]! } })));
    expect(unlisted).toMatchObject({ ok: false, reason: "registry" });
    for (const o of [other, unlisted]) expect(toolOutputText(o)).not.toContain(RPC_KEY);
  });

  it("refuses a signer that is unreachable as attestation_unavailable", async () => {
    const down = new AirlockClient({ baseUrl: "http://127.0.0.1:9", hmacSecret: agent.secret, retry: { attempts: 1 }, nitro: { allowedPcrs: { "0": [PCR0] } } });
    clients.push(down);
    const out = await tool(runVerifySigner(down));
    expect(out).toMatchObject({ ok: false, error: "untrusted_signer", reason: "attestation_unavailable" });
    expect(out.summary).toContain("no attestation could be fetched from it");
  });

  it("never put a secret or the RPC key into any outcome", () => {
    expect(outcomes.length).toBeGreaterThan(8);
    const text = JSON.stringify(outcomes);
    expect(findSecret(text, sc.secrets)).toBeUndefined();
    expect(text).not.toContain(RPC_KEY);
  });
});
