// The Nitro backend end to end, with the NSM emulator: the attestation-gated client attests
// before anything is sent, verifies a receipt on every answer, and refuses (sending nothing
// HMAC-signed) whenever the signer cannot be verified. A hostile host in the middle
// (mitm-proxy.ts) rewrites documents, bodies and receipts; every change is caught.
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AirlockClient, HEADER, ROUTE, type SessionTransactionRequest } from "@airlock/core";
import { decodeReceiptHeader, RECEIPT_HEADER, receiptKeyFromSpki, verifyReceipt } from "@airlock/core/receipts";
import { verifyWithStarkKey } from "@airlock/core/starknet";
import { createBinanceFake, type BinanceFake } from "../packages/signer/test/exchange/fakes/binance-fake.js";
import { newClient, newKey, sessionRequest, sidecarEnv, startTestSidecar, type TestSidecar } from "./support/sidecar-harness.js";
import { enclaveEnv } from "./support/enclave-env.js";
import { startMitmProxy, type MitmProxy } from "./support/mitm-proxy.js";

const PCR0 = "a0".repeat(48);
const PCR1 = "a1".repeat(48);
const PCR2 = "a2".repeat(48);
const agent = newClient("agent");
const key = newKey("default");
const binanceKey = { apiKey: `nitro-binance-key-${randomBytes(6).toString("hex")}`, apiSecret: `nitro-binance-secret-${randomBytes(16).toString("hex")}` };

let dir: string;
let binance: BinanceFake;
let sc: TestSidecar;
let proxy: MitmProxy;
const clients: AirlockClient[] = [];

const nitroEnv = (extra: Record<string, string> = {}): Record<string, string> => enclaveEnv({ clients: [agent], keys: [key], pcrs: { 0: PCR0, 1: PCR1, 2: PCR2 }, extra });

function nitroClient(baseUrl: string, trust: Record<string, unknown> = {}): AirlockClient {
  const client = new AirlockClient({
    baseUrl,
    clientId: agent.id,
    hmacSecret: agent.secret,
    keyId: "default",
    retry: { attempts: 1 },
    venueOrigins: { binance_futures: [binance.url] },
    nitro: { allowedPcrs: { "0": [PCR0] }, rootFingerprintSha256: sc.emulatorRootFingerprintSha256!, ...trust },
  });
  clients.push(client);
  return client;
}

const request = (): SessionTransactionRequest => sessionRequest(Date.now()) as unknown as SessionTransactionRequest;
const hmacSigned = (p: MitmProxy) => p.seen.filter((r) => r.headers[HEADER.signature] !== undefined);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "airlock-nitro-e2e-"));
  binance = createBinanceFake({ product: "futures", keys: [binanceKey], symbols: ["BTCUSDT"], quoteBalance: "100000", markPrice: "50000" });
  await binance.start();
  const policy = join(dir, "policy.yaml");
  await writeFile(policy, ["version: 1", "exchange:", "  - { client: agent, account: bf-test, operations: [place_order, cancel_order], symbols: { BTCUSDT: { maxQuantity: \"1\" } } }", ""].join("\n"));
  sc = await startTestSidecar(
    nitroEnv({
      KEYRING_POLICY_FILE: policy,
      KEYRING_EXCHANGE_ACCOUNTS_JSON: JSON.stringify([{ account: "bf-test", venue: "binance_futures", environment: "testnet", baseUrl: binance.url, ...binanceKey, clients: [agent.id] }]),
    }),
  );
  sc.untrackedTraffic = true;
  proxy = await startMitmProxy(sc.url);
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await proxy?.close();
  await sc?.close();
  await binance?.close();
  await rm(dir, { recursive: true, force: true });
});

describe("Nitro backend with the NSM emulator", () => {
  it("attests before the first request, then signs with a verified receipt on every answer", async () => {
    proxy.seen.length = 0;
    proxy.rewrite = undefined;
    const client = nitroClient(proxy.url);
    const signed = await client.signSessionTransaction(request());
    // The first thing on the wire was the attestation request, unauthenticated.
    expect(proxy.seen[0]!.path).toMatch(/^\/v1\/attestation\?nonce=[0-9a-f]{64}$/);
    expect(proxy.seen[0]!.headers[HEADER.signature]).toBeUndefined();
    const attested = client.attestedSigner!;
    expect(attested.receiptKey.receiptKeyId).toBe(sc.receiptKeyId);
    expect(attested.policyHash).toBe(sc.policyHash);
    expect(attested.pcrs["0"]).toBe(PCR0);
    const [, r, s] = signed.signature;
    expect(verifyWithStarkKey(BigInt(signed.messageHash), BigInt(signed.sessionPublicKey), { r: BigInt(r), s: BigInt(s) })).toBe(true);

    // The audit record carries the same receipt the answer did, verifiable with the attested key.
    const line = sc.auditLines().find((l) => l.requestId === signed.requestId)!;
    const receipt = decodeReceiptHeader(Buffer.from(JSON.stringify(line["receipt"])).toString("base64url"));
    expect(receipt.signedHash).toBe(signed.messageHash);
    expect(receipt.route).toBe("sign.session_transaction");
    expect(() => verifyReceipt(receipt, receiptKeyFromSpki(Buffer.from(attested.receiptPublicKey, "base64")), { requestHash: receipt.requestHash, responseHash: receipt.responseHash, status: 200 })).not.toThrow();

    // Policy answers, status and exchange signatures are receipted and verified too.
    await expect(client.evaluatePolicy(request())).resolves.toMatchObject({ allowed: true });
    await expect(client.status()).resolves.toMatchObject({ defaultKeyId: "default" });
    const order = await client.placeOrder({ account: "bf-test", venue: "binance_futures", symbol: "BTCUSDT", side: "buy", orderType: "limit", quantity: "0.01", price: "50000" });
    expect(order.signed.url.startsWith(binance.url)).toBe(true);
    const exchangeLine = sc.auditLines().find((l) => l.requestId === order.signed.requestId)!;
    expect((exchangeLine["receipt"] as { keyId: string }).keyId).toBe("bf-test");
    // One attestation for all of it.
    expect(proxy.seen.filter((r) => r.path.startsWith(ROUTE.attestation))).toHaveLength(1);
  });

  it("a policy refusal carries a receipt too, and it is verified", async () => {
    proxy.rewrite = undefined;
    const client = nitroClient(proxy.url);
    const upgrade = (): SessionTransactionRequest => sessionRequest(Date.now(), { calls: [{ contractAddress: "0x49d3", entrypoint: "upgrade", calldata: ["0x1"] }] }) as unknown as SessionTransactionRequest;
    const denied = await client.evaluatePolicy(upgrade());
    expect(denied.allowed).toBe(false);
    // Tampering with the refusal's body is caught, like with a success.
    proxy.rewrite = (req, answer) => (req.path === ROUTE.policyEvaluate ? { ...answer, body: Buffer.from(answer.body.toString().replace("denied", "DENIED")) } : answer);
    await expect(client.evaluatePolicy(upgrade())).rejects.toMatchObject({ code: "UNTRUSTED_SIGNER", reason: "receipt_invalid", verifierCode: "MISMATCH" });
    // A host cannot forge a refusal either: one without a receipt is refused.
    proxy.rewrite = (req, answer) =>
      req.path === ROUTE.policyEvaluate ? { ...answer, headers: Object.fromEntries(Object.entries(answer.headers).filter(([k]) => k !== RECEIPT_HEADER)) } : answer;
    await expect(client.evaluatePolicy(upgrade())).rejects.toMatchObject({ code: "UNTRUSTED_SIGNER", reason: "receipt_invalid", verifierCode: "MISSING" });
    proxy.rewrite = undefined;
  });

  it("sends nothing HMAC-signed to a signer whose measurement is not allowed", async () => {
    proxy.seen.length = 0;
    proxy.rewrite = undefined;
    const client = nitroClient(proxy.url, { allowedPcrs: { "0": ["b0".repeat(48)] } });
    await expect(client.signSessionTransaction(request())).rejects.toMatchObject({ code: "UNTRUSTED_SIGNER", reason: "attestation_invalid", verifierCode: "PCR_NOT_ALLOWED" });
    await expect(client.status()).rejects.toMatchObject({ code: "UNTRUSTED_SIGNER" });
    expect(proxy.seen.length).toBeGreaterThan(0);
    expect(hmacSigned(proxy)).toHaveLength(0);
  });

  it("refuses PCR1/PCR2 outside their allowlists, the AWS pin for an emulated root, and another policy", async () => {
    proxy.seen.length = 0;
    const cases: [Record<string, unknown>, string, string][] = [
      [{ allowedPcrs: { "0": [PCR0], "1": ["b1".repeat(48)] } }, "attestation_invalid", "PCR_NOT_ALLOWED"],
      [{ allowedPcrs: { "0": [PCR0], "2": ["b2".repeat(48)] } }, "attestation_invalid", "PCR_NOT_ALLOWED"],
      [{ rootFingerprintSha256: undefined }, "attestation_invalid", "UNTRUSTED_ROOT"],
      [{ expectedPolicyHash: "0".repeat(64) }, "claims_invalid", "POLICY_MISMATCH"],
    ];
    for (const [trust, reason, verifierCode] of cases) {
      const t = { ...trust };
      const client = new AirlockClient({
        baseUrl: proxy.url,
        clientId: agent.id,
        hmacSecret: agent.secret,
        retry: { attempts: 1 },
        nitro: { allowedPcrs: { "0": [PCR0] }, ...(t["rootFingerprintSha256"] === undefined && "rootFingerprintSha256" in t ? {} : { rootFingerprintSha256: sc.emulatorRootFingerprintSha256! }), ...Object.fromEntries(Object.entries(t).filter(([, v]) => v !== undefined)) },
      });
      clients.push(client);
      await expect(client.signSessionTransaction(request())).rejects.toMatchObject({ code: "UNTRUSTED_SIGNER", reason, verifierCode });
    }
    expect(hmacSigned(proxy)).toHaveLength(0);
    // With PCR1 and PCR2 pinned right, and the policy hash pinned, it works.
    const pinned = nitroClient(proxy.url, { allowedPcrs: { "0": [PCR0], "1": [PCR1], "2": [PCR2] }, expectedPolicyHash: sc.policyHash });
    await expect(pinned.signSessionTransaction(request())).resolves.toMatchObject({ signatureMode: "v2_snip12" });
  });

  it("catches a host that replays an old document, swaps in another enclave's, or answers without one", async () => {
    proxy.rewrite = undefined;
    const first = nitroClient(proxy.url);
    await first.verifySigner();
    // Record a genuine document, then replay it to a new client (its nonce is stale).
    let recorded: Buffer | undefined;
    proxy.rewrite = (req, answer) => {
      if (req.path.startsWith(ROUTE.attestation)) recorded = answer.body;
      return answer;
    };
    await first.verifySigner();
    proxy.seen.length = 0;
    proxy.rewrite = (req, answer) => (req.path.startsWith(ROUTE.attestation) ? { ...answer, body: recorded! } : answer);
    const replayed = nitroClient(proxy.url);
    await expect(replayed.signSessionTransaction(request())).rejects.toMatchObject({ reason: "attestation_invalid", verifierCode: "NONCE_MISMATCH" });
    // Another emulated enclave (its own test PKI) is not this trust anchor.
    const other = await startTestSidecar(nitroEnv());
    try {
      proxy.rewrite = undefined;
      proxy.target = other.url;
      await expect(nitroClient(proxy.url).signSessionTransaction(request())).rejects.toMatchObject({ reason: "attestation_invalid", verifierCode: "UNTRUSTED_ROOT" });
    } finally {
      proxy.target = sc.url;
      await other.close();
    }
    // A 404 (a keyring sidecar) or a 503: attestation_unavailable.
    proxy.rewrite = (req, answer) => (req.path.startsWith(ROUTE.attestation) ? { ...answer, status: 503 } : answer);
    await expect(nitroClient(proxy.url).signSessionTransaction(request())).rejects.toMatchObject({ reason: "attestation_unavailable" });
    expect(hmacSigned(proxy)).toHaveLength(0);
  });

  it("a keyring sidecar cannot pass for a Nitro one", async () => {
    const keyring = await startTestSidecar(sidecarEnv({ clients: [agent], keys: [key] }));
    keyring.untrackedTraffic = true;
    const p = await startMitmProxy(keyring.url);
    try {
      await expect(nitroClient(p.url).signSessionTransaction(request())).rejects.toMatchObject({ code: "UNTRUSTED_SIGNER", reason: "attestation_unavailable" });
      expect(p.seen.map((r) => r.path)).toEqual([expect.stringMatching(/^\/v1\/attestation\?/)]);
    } finally {
      await p.close();
      await keyring.close();
    }
  });

  it("catches altered bodies, stripped or swapped receipts, and a changed status", async () => {
    proxy.rewrite = undefined;
    const client = nitroClient(proxy.url);
    let saved: string | undefined;
    proxy.rewrite = (req, answer) => {
      if (req.path === ROUTE.status) saved = answer.headers[RECEIPT_HEADER] as string;
      return answer;
    };
    await client.status();
    const rewrites: [string, (a: { status: number; headers: Record<string, unknown>; body: Buffer }) => { status: number; headers: Record<string, unknown>; body: Buffer }, string][] = [
      ["body", (a) => ({ ...a, body: Buffer.from(a.body.toString().replace(/"requestId":"/, '"requestId":"x')) }), "MISMATCH"],
      ["stripped receipt", (a) => ({ ...a, headers: Object.fromEntries(Object.entries(a.headers).filter(([k]) => k !== RECEIPT_HEADER)) }), "MISSING"],
      ["swapped receipt", (a) => ({ ...a, headers: { ...a.headers, [RECEIPT_HEADER]: saved } }), "MISMATCH"],
      ["garbage receipt", (a) => ({ ...a, headers: { ...a.headers, [RECEIPT_HEADER]: "AAAA" } }), "MALFORMED"],
    ];
    for (const [, rewrite, verifierCode] of rewrites) {
      proxy.rewrite = (req, answer) => (req.path === ROUTE.signSessionTransaction ? (rewrite(answer as never) as never) : answer);
      await expect(client.signSessionTransaction(request())).rejects.toMatchObject({ code: "UNTRUSTED_SIGNER", reason: "receipt_invalid", verifierCode });
    }
    proxy.rewrite = undefined;
    await expect(client.signSessionTransaction(request())).resolves.toMatchObject({ signatureMode: "v2_snip12" });
  });
});
