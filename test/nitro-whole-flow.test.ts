// The Nitro backend's whole flow in one place, as an operator and an agent would run it, all on
// loopback: the PCR0 registry deployed on an in-process EVM (ganache) with the build registered
// by its owner; an emulated enclave that starts with no secret at all; `airlock-signer
// provision` (the built CLI) verifying the enclave, the registry included, and sealing the
// keys to it; an attestation-gated client signing with receipts on every answer; then the
// owner retiring the build on chain, after which the client refuses the enclave, and a
// squatter who cannot take the retired measurement over.
import { generateKeyPairSync } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AirlockClient, HEADER, type SessionTransactionRequest } from "@airlock/core";
import { starkKeyOf, verifyWithStarkKey } from "@airlock/core/starknet";
import { startRegistryChain, type RegistryChain } from "../packages/core/test/registry/rpc-servers.js";
import { runCli } from "./support/cli-process.js";
import { startMitmProxy, type MitmProxy } from "./support/mitm-proxy.js";
import { findSecret, newClient, newKey, sessionRequest, startTestSidecar, type TestSidecar } from "./support/sidecar-harness.js";
import { enclaveEnv, writeOperatorFiles } from "./support/enclave-env.js";

const PCR0 = "f0".repeat(48);
const agent = newClient("agent");
const key = newKey("default");
const admin = generateKeyPairSync("ed25519");

let dir: string;
let chain: RegistryChain;
let sc: TestSidecar;
let proxy: MitmProxy;
const clients: AirlockClient[] = [];
const outputs: string[] = [];

const request = (): SessionTransactionRequest => sessionRequest(Date.now()) as unknown as SessionTransactionRequest;

function trust(): Record<string, unknown> {
  return {
    allowedPcrs: { "0": [PCR0] },
    rootFingerprintSha256: sc.emulatorRootFingerprintSha256,
    expectedPolicyHash: sc.policyHash,
    // No cache: the test retires the build on chain and expects the next attestation to see it.
    registry: { rpcUrl: chain.url, address: chain.registryAddress, owner: chain.accounts[0], cacheTtlMs: 0 },
  };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "airlock-nitro-flow-"));
  chain = await startRegistryChain();
  // The owner registers the build it published (PCR0 from build-eif.sh's output).
  await (await chain.as(0).getFunction("registerPCR0").send(`0x${PCR0}`, `0x${"22".repeat(32)}`, "airlock-signer 0.1.0")).wait();

  sc = await startTestSidecar(
    enclaveEnv({
      clients: [agent],
      pcrs: { 0: PCR0 },
      provisioning: { admin: admin.publicKey, keyIds: ["default"] },
    }),
  );
  sc.untrackedTraffic = true;
  proxy = await startMitmProxy(sc.url);
  await writeFile(join(dir, "trust.json"), JSON.stringify(trust()));
  await writeOperatorFiles(dir, admin.privateKey, { keys: [key], clients: [agent] });
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await proxy?.close();
  await sc?.close();
  await chain?.close();
  await rm(dir, { recursive: true, force: true });
  // Nothing secret in anything the CLI printed or the sidecar logged.
  for (const text of [...outputs, ...(sc ? sc.logLines() : []), sc?.auditText() ?? ""]) {
    expect(findSecret(text, [key.privateKeyHex, agent.secret])).toBeUndefined();
  }
});

describe("Nitro backend, whole flow", () => {
  it("provisions a registered enclave, then an attestation-gated agent signs with receipts", async () => {
    const provisioned = await runCli(
      ["provision", "--url", sc.url, "--trust-file", join(dir, "trust.json"), "--admin-key-file", join(dir, "admin.pem"), "--keys-file", join(dir, "keys.json"), "--json"],
      {},
    );
    outputs.push(provisioned.stdout, provisioned.stderr);
    expect(provisioned.code).toBe(0);

    const client = new AirlockClient({ baseUrl: proxy.url, clientId: agent.id, hmacSecret: agent.secret, keyId: "default", retry: { attempts: 1 }, nitro: trust() as never });
    clients.push(client);
    const signed = await client.signSessionTransaction(request());
    const [, r, s] = signed.signature;
    expect(verifyWithStarkKey(BigInt(signed.messageHash), starkKeyOf(key.privateKey), { r: BigInt(r), s: BigInt(s) })).toBe(true);
    const attested = client.attestedSigner!;
    expect(attested.registry).toMatchObject({ active: true, owner: chain.accounts[0], registry: chain.registryAddress });
    expect(attested.receiptKey.receiptKeyId).toBe(sc.receiptKeyId);
    // Every answer carried a receipt the client verified (a stripped one would have failed the call).
    expect(proxy.seen.filter((req) => req.headers[HEADER.signature] !== undefined)).toHaveLength(1);
  });

  it("once the owner retires the build on chain, the client refuses the enclave and sends nothing", async () => {
    const client = new AirlockClient({ baseUrl: proxy.url, clientId: agent.id, hmacSecret: agent.secret, keyId: "default", retry: { attempts: 1 }, nitro: trust() as never });
    clients.push(client);
    await expect(client.signSessionTransaction(request())).resolves.toBeDefined();

    await (await chain.as(0).getFunction("deprecatePCR0").send(`0x${PCR0}`)).wait();
    await expect(client.verifySigner()).rejects.toMatchObject({ code: "UNTRUSTED_SIGNER", reason: "registry", verifierCode: "NOT_ACTIVE" });
    const before = proxy.seen.filter((req) => req.headers[HEADER.signature] !== undefined).length;
    await expect(client.signSessionTransaction(request())).rejects.toMatchObject({ code: "UNTRUSTED_SIGNER", reason: "registry" });
    expect(proxy.seen.filter((req) => req.headers[HEADER.signature] !== undefined)).toHaveLength(before);

    // A squatter cannot re-register the retired measurement to make it look active again.
    await expect(chain.as(1).getFunction("registerPCR0").send(`0x${PCR0}`, `0x${"33".repeat(32)}`, "squatter", { gasLimit: 500_000 }).then((tx) => tx.wait())).rejects.toBeDefined();
    await expect(client.verifySigner()).rejects.toMatchObject({ reason: "registry", verifierCode: "NOT_ACTIVE" });
  });
});
