import { AirlockClient } from "@airlock/core";
import { runCheckSigningPolicy, runSignerStatus, runSignSessionTransaction, runVerifySigner, TOOL_DESCRIPTIONS, type OperatorSettings } from "@airlock/core/agent-tools";
import { feltHex, selectorOf, starkKeyOf } from "@airlock/core/starknet";
import { ec, hash } from "starknet";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findSecret, newClient, newKey, sidecarEnv, SN_SEPOLIA, startTestSidecar, type TestSidecar } from "./support/sidecar-harness.js";

const agent = newClient("agent");
const key = newKey("default");
const ACCOUNT = "0x4a11ce";
const TOKEN = "0x49d36570d4e46f48e99674bd3fcc84644ddd6b96f7c741b1562b82f9e004dc7";
const operator: OperatorSettings = { accountAddress: ACCOUNT, chainId: SN_SEPOLIA, requester: "test-agent" };
const transfer = { calls: [{ contractAddress: TOKEN, entrypoint: "transfer", calldata: ["0x1", "100", "0"] }] };

let sc: TestSidecar;
let client: AirlockClient;
beforeAll(async () => {
  sc = await startTestSidecar(
    sidecarEnv({
      clients: [agent],
      keys: [key],
      extra: { KEYRING_RATE_LIMIT_ENABLED: "true", KEYRING_RATE_LIMIT_MAX_REQUESTS: "6", KEYRING_ALLOWED_CHAIN_IDS: SN_SEPOLIA },
    }),
  );
  client = new AirlockClient({ baseUrl: sc.url, clientId: agent.id, hmacSecret: agent.secret });
});
afterAll(async () => {
  await client.close();
  await sc.close();
});

describe("agent tools over a live sidecar", () => {
  it("signs with the operator's account and chain, and the signature verifies", async () => {
    const out = await runSignSessionTransaction(client, { ...transfer, reason: "pay the invoice" }, operator);
    expect(out.ok).toBe(true);
    if (!out.ok) return;
    const data = out.data as { signature: string[]; messageHash: string; accountAddress: string; sessionPublicKey: string };
    expect(data.accountAddress).toBe(ACCOUNT);
    expect(data.sessionPublicKey).toBe(feltHex(starkKeyOf(key.privateKey)));
    const full = ec.starkCurve.getPublicKey(feltHex(key.privateKey).slice(2).padStart(64, "0"), false);
    expect(ec.starkCurve.verify(new ec.starkCurve.Signature(BigInt(data.signature[1]!), BigInt(data.signature[2]!)), data.messageHash, full)).toBe(true);
    // The audit context says who asked and why.
    expect(sc.auditLines().at(-1)).toMatchObject({ event: "sign.session_transaction.success", outcome: "allowed" });
  });

  it("refuses, without a network call, an account or chain other than the operator's", async () => {
    const before = sc.auditLines().length;
    const out = await runSignSessionTransaction(client, { ...transfer, accountAddress: "0xbad" }, operator);
    expect(out).toMatchObject({ ok: false, error: "invalid_input" });
    expect(out.summary).toContain("fixed by the operator");
    expect((await runSignSessionTransaction(client, { ...transfer, chainId: "0x534e5f4d41494e" }, operator)).ok).toBe(false);
    // The same account spelled differently is the same account.
    expect((await runSignSessionTransaction(client, { ...transfer, accountAddress: "0x0004A11CE" }, operator)).ok).toBe(true);
    expect(sc.auditLines().length).toBe(before + 1);
  });

  it("asks for a missing account instead of guessing, and reports malformed input readably", async () => {
    expect(await runSignSessionTransaction(client, transfer, {})).toMatchObject({ ok: false, error: "invalid_input", summary: expect.stringContaining("accountAddress is required") });
    const bad = await runSignSessionTransaction(client, { calls: [] }, operator);
    expect(bad).toMatchObject({ ok: false, error: "invalid_input" });
    const notFelt = await runSignSessionTransaction(client, { calls: [{ contractAddress: "0xzz", entrypoint: "transfer" }] }, operator);
    expect(notFelt).toMatchObject({ ok: false, error: "invalid_input" });
  });

  it("turns a policy denial into a readable refusal naming the rule, and the dry run agrees", async () => {
    const upgrade = { calls: [{ contractAddress: TOKEN, entrypoint: "upgrade", calldata: ["0x1"] }] };
    const verdict = await runCheckSigningPolicy(client, upgrade, operator);
    expect(verdict).toMatchObject({ ok: true, data: { allowed: false, ruleId: "call.denied_selector" } });
    const out = await runSignSessionTransaction(client, upgrade, operator);
    expect(out).toMatchObject({ ok: false, error: "policy_denied", ruleId: "call.denied_selector" });
    expect(out.summary).toContain("denied selector: upgrade");
    const raw = await runSignSessionTransaction(client, { calls: [{ contractAddress: TOKEN, entrypoint: feltHex(selectorOf("upgrade")) }] }, operator);
    expect(raw).toMatchObject({ ok: false, ruleId: "call.denied_selector" });
    expect(BigInt(hash.getSelectorFromName("upgrade"))).toBe(selectorOf("upgrade"));
    expect((await runCheckSigningPolicy(client, transfer, operator)).data).toMatchObject({ allowed: true });
  });

  it("reports the signer's status: keys the agent may use and the policy summary", async () => {
    const out = await runSignerStatus(client);
    expect(out).toMatchObject({ ok: true, data: { signerProvider: "local", keys: [{ keyId: "default" }] } });
    expect(out.summary).toContain(SN_SEPOLIA);
  });

  it("says plainly that a keyring signer has no attestation to verify, and asks it nothing", async () => {
    const before = sc.auditLines().length;
    const out = await runVerifySigner(client);
    expect(out).toMatchObject({ ok: false, error: "not_configured" });
    expect(out.summary).toContain("with the keyring backend there is no attestation");
    expect(client.attestedSigner).toBeUndefined();
    expect(sc.auditLines().length).toBe(before);
  });

  it("reports a rate limit with the wait, and an unreachable signer as unavailable", async () => {
    let last;
    for (let i = 0; i < 8; i++) {
      last = await runSignSessionTransaction(client, transfer, operator);
      if (!last.ok) break;
    }
    expect(last).toMatchObject({ ok: false, error: "rate_limited", retryAfterMs: expect.any(Number) });
    const closed = new AirlockClient({ baseUrl: "http://127.0.0.1:9", hmacSecret: agent.secret, retry: { attempts: 1 } });
    try {
      expect(await runSignerStatus(closed)).toMatchObject({ ok: false, error: "unavailable" });
    } finally {
      await closed.close();
    }
  });

  it("never puts a secret in a description or an outcome", async () => {
    const outs = [
      await runSignerStatus(client),
      await runVerifySigner(client),
      await runCheckSigningPolicy(client, transfer, operator),
      await runSignSessionTransaction(client, { calls: [{ contractAddress: TOKEN, entrypoint: "transfer", calldata: [BigInt(`0x${agent.secret}`).toString()] }] }, operator),
    ];
    const text = JSON.stringify([outs, TOOL_DESCRIPTIONS]);
    expect(findSecret(text, sc.secrets)).toBeUndefined();
  });
});
