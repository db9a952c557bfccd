// Sealed key provisioning end to end (Nitro backend, NSM emulator): a sidecar that starts with
// declared key ids, a declared client and a declared exchange account but no secret refuses
// everything (503 KEYS_NOT_PROVISIONED, not ready); `airlock-signer provision` (the built CLI,
// as a child process) attests it with a trust file, seals the keys, the client's HMAC secret and
// the exchange credentials to the attested enclave key and uploads them; then an
// attestation-gated AirlockClient signs with the provisioned keys. Replays,
// another admin key, an envelope for another document, a second upload and a trust file with
// the wrong PCR0 are all refused, and no secret shows up in any output.
import { createHash, createHmac, generateKeyPairSync, randomBytes, type KeyObject } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AirlockClient, type SessionTransactionRequest } from "@airlock/core";
import {
  PROVISION_ROUTE,
  resolveNitroTrust,
  sealForEnclave,
  signEnvelope,
  verifySignerDocument,
  type SealedEnvelope,
  type VerifiedSigner,
} from "@airlock/core/provisioning";
import { decodeReceiptHeader, RECEIPT_HEADER, verifyReceipt } from "@airlock/core/receipts";
import { feltHex, starkKeyOf, verifyWithStarkKey } from "@airlock/core/starknet";
import { createBinanceFake, type BinanceFake } from "../packages/signer/test/exchange/fakes/binance-fake.js";
import { runCli, type RunResult } from "./support/cli-process.js";
import {
  auditViolations,
  findSecret,
  newClient,
  newKey,
  PATHS,
  plainRequest,
  rawRequest,
  sessionRequest,
  signedRequest,
  startTestSidecar,
  type Reply,
  type TestSidecar,
} from "./support/sidecar-harness.js";
import { enclaveEnv, writeOperatorFiles } from "./support/enclave-env.js";

const PCR0 = "d0".repeat(48);
const agent = newClient("agent");
const defaultKey = newKey("default");
const opsKey = newKey("ops");
const binanceKey = { apiKey: `prov-binance-key-${randomBytes(6).toString("hex")}`, apiSecret: `prov-binance-secret-${randomBytes(16).toString("hex")}` };
const admin = generateKeyPairSync("ed25519");
const intruder = generateKeyPairSync("ed25519");
const SECRETS = [defaultKey.privateKeyHex, opsKey.privateKeyHex, binanceKey.apiSecret, agent.secret];

let dir: string;
let binance: BinanceFake;
let sc: TestSidecar;
const clients: AirlockClient[] = [];
const files: Record<string, string> = {};

function provisioningEnv(): Record<string, string> {
  return enclaveEnv({
    clients: [agent],
    pcrs: { 0: PCR0 },
    provisioning: { admin: admin.publicKey, keyIds: ["default", "ops"] },
    extra: {
      KEYRING_LEAK_SCANNER_ENABLED: "true",
      KEYRING_POLICY_FILE: files["policy"]!,
      KEYRING_EXCHANGE_ACCOUNTS_JSON: JSON.stringify([
        { account: "bf-test", venue: "binance_futures", environment: "testnet", baseUrl: binance.url, clients: [agent.id], credentials: "provisioned" },
      ]),
    },
  });
}

function nitroClient(keyId = "default"): AirlockClient {
  const client = new AirlockClient({
    baseUrl: sc.url,
    clientId: agent.id,
    hmacSecret: agent.secret,
    keyId,
    retry: { attempts: 1 },
    venueOrigins: { binance_futures: [binance.url] },
    nitro: { allowedPcrs: { "0": [PCR0] }, rootFingerprintSha256: sc.emulatorRootFingerprintSha256!, expectedPolicyHash: sc.policyHash },
  });
  clients.push(client);
  return client;
}

const request = (): SessionTransactionRequest => sessionRequest(Date.now()) as unknown as SessionTransactionRequest;

/** Fetches and verifies one document as the CLI does. */
async function attest(target: TestSidecar = sc): Promise<VerifiedSigner> {
  const nonce = randomBytes(32);
  const reply = await plainRequest(target, `/v1/attestation?nonce=${nonce.toString("hex")}`);
  expect(reply.status).toBe(200);
  const trust = resolveNitroTrust({ allowedPcrs: { "0": [PCR0] }, rootFingerprintSha256: target.emulatorRootFingerprintSha256 });
  return verifySignerDocument(new Uint8Array(Buffer.from(reply.body["document"] as string, "base64")), nonce, trust);
}

function bundle(overrides: Record<string, unknown> = {}): Buffer {
  return Buffer.from(
    JSON.stringify({
      v: 1,
      keys: [
        { keyId: "default", privateKey: defaultKey.privateKeyHex },
        { keyId: "ops", privateKey: opsKey.privateKeyHex },
      ],
      clients: [{ clientId: agent.id, hmacSecret: agent.secret }],
      exchangeAccounts: [{ account: "bf-test", ...binanceKey }],
      ...overrides,
    }),
  );
}

function uploadBody(envelope: SealedEnvelope, key: KeyObject = admin.privateKey): string {
  return JSON.stringify({ v: 1, envelope, adminSignature: signEnvelope(envelope, key) });
}

function sealTo(signer: VerifiedSigner, plaintext: Buffer, documentSha256 = signer.documentSha256): SealedEnvelope {
  return sealForEnclave({ plaintext, enclavePublicKey: signer.provisioningPublicKey, documentSha256 });
}

function upload(body: string, target: TestSidecar = sc, contentType = "application/json"): Promise<Reply> {
  return rawRequest(target, { method: "POST", path: PROVISION_ROUTE, headers: { "content-type": contentType }, body });
}

function expectRefusal(reply: Reply, status: number, code: string): void {
  expect({ status: reply.status, code: reply.body["code"] }).toEqual({ status, code });
}

function provisionCli(trustFile: string, adminKeyFile = files["admin"]!, url = sc.url): Promise<RunResult> {
  return runCli(["provision", "--url", url, "--trust-file", trustFile, "--admin-key-file", adminKeyFile, "--keys-file", files["keys"]!, "--json"], {});
}

const provisionRecords = () => sc.auditLines().filter((l) => l.event.startsWith("admin.provision"));
const cliOutputs: RunResult[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "airlock-provisioning-"));
  binance = createBinanceFake({ product: "futures", keys: [binanceKey], symbols: ["BTCUSDT"], quoteBalance: "100000", markPrice: "50000" });
  await binance.start();
  files["policy"] = join(dir, "policy.yaml");
  await writeFile(files["policy"], ["version: 1", "exchange:", '  - { client: agent, account: bf-test, operations: [place_order], symbols: { BTCUSDT: { maxQuantity: "1" } } }', ""].join("\n"));
  Object.assign(files, await writeOperatorFiles(dir, admin.privateKey, { keys: [defaultKey, opsKey], clients: [agent], exchangeAccounts: [{ account: "bf-test", ...binanceKey }] }));
  files["intruder"] = join(dir, "intruder.pem");
  await writeFile(files["intruder"], intruder.privateKey.export({ format: "pem", type: "pkcs8" }) as string, { mode: 0o600 });
  sc = await startTestSidecar(provisioningEnv());
  sc.untrackedTraffic = true;
  files["trust"] = join(dir, "trust.json");
  await writeFile(files["trust"], JSON.stringify({ allowedPcrs: { "0": [PCR0] }, rootFingerprintSha256: sc.emulatorRootFingerprintSha256, expectedPolicyHash: sc.policyHash }));
  files["wrongPcr"] = join(dir, "trust-wrong-pcr0.json");
  await writeFile(files["wrongPcr"], JSON.stringify({ allowedPcrs: { "0": ["e0".repeat(48)] }, rootFingerprintSha256: sc.emulatorRootFingerprintSha256 }));
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await sc?.close();
  await binance?.close();
  await rm(dir, { recursive: true, force: true });
});

describe("sealed key provisioning, end to end", () => {
  it("before provisioning: not ready, and nothing is answered but 503 KEYS_NOT_PROVISIONED", async () => {
    const ready = await plainRequest(sc, PATHS.ready);
    expect(ready.status).toBe(503);
    expect(ready.body["checks"]).toMatchObject({ signer: { ok: false, error: "signing keys not provisioned" } });

    // The client's secret has not arrived: its MAC cannot be checked, so no receipt either.
    const sign = await signedRequest(sc, { client: agent, body: sessionRequest(sc.now()) });
    expectRefusal(sign, 503, "KEYS_NOT_PROVISIONED");
    expect(sign.headers[RECEIPT_HEADER]).toBeUndefined();
    const exchange = await signedRequest(sc, {
      client: agent,
      path: "/v1/sign/exchange-request",
      body: { venue: "binance_futures", account: "bf-test", operation: { type: "place_order", symbol: "BTCUSDT", side: "buy", orderType: "limit", quantity: "0.01", price: "50000" } },
    });
    expectRefusal(exchange, 503, "KEYS_NOT_PROVISIONED");

    // The attestation-gated client attests, then reports the refusal as unavailable.
    await expect(nitroClient().signSessionTransaction(request())).rejects.toMatchObject({ code: "UNAVAILABLE", serverCode: "KEYS_NOT_PROVISIONED" });
    expectRefusal(await signedRequest(sc, { client: agent, method: "GET", path: "/v1/status", contentType: null }), 503, "KEYS_NOT_PROVISIONED");
    expectRefusal(await signedRequest(sc, { client: agent, path: PATHS.evaluate, body: sessionRequest(sc.now()) }), 503, "KEYS_NOT_PROVISIONED");
    // An unknown client is still an unknown client.
    expectRefusal(await signedRequest(sc, { client: newClient("stranger") }), 401, "AUTH_UNKNOWN_CLIENT");
    expect(sc.auditLines().filter((l) => l.event === "auth.keys_not_provisioned").length).toBeGreaterThanOrEqual(4);
  });

  it("the CLI documents itself", async () => {
    const help = await runCli(["provision", "--help"], {});
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("--trust-file FILE");
    const missing = await runCli(["provision", "--url", sc.url], {});
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--trust-file, --admin-key-file and --keys-file are required/);
  });

  it("a trust file with another PCR0: the CLI refuses (exit 3) and uploads nothing", async () => {
    const before = provisionRecords().length;
    const run = await provisionCli(files["wrongPcr"]!);
    cliOutputs.push(run);
    expect(run.code).toBe(3);
    expect(JSON.parse(run.stdout)).toMatchObject({ ok: false, stage: "attestation", code: "PCR_NOT_ALLOWED" });
    expect(run.stderr).toMatch(/nothing was uploaded/);
    expect(provisionRecords().length).toBe(before);
    expect((await plainRequest(sc, PATHS.ready)).status).toBe(503);
  });

  it("refuses an upload signed by another admin key, without using up its document", async () => {
    const signer = await attest();
    const envelope = sealTo(signer, bundle({ keys: [{ keyId: "default", privateKey: defaultKey.privateKeyHex }] }));
    expectRefusal(await upload(uploadBody(envelope, intruder.privateKey)), 401, "ADMIN_SIGNATURE_INVALID");
    // A body altered after signing fails the same way.
    const altered = JSON.parse(uploadBody(envelope)) as { envelope: SealedEnvelope };
    altered.envelope.iv = sealTo(signer, Buffer.from("x")).iv;
    expectRefusal(await upload(JSON.stringify(altered)), 401, "ADMIN_SIGNATURE_INVALID");
    // The document is still usable: the admin's upload reaches the secrets check (a key is missing).
    const reply = await upload(uploadBody(envelope));
    expectRefusal(reply, 400, "PROVISION_SECRETS_INVALID");
    expect((reply.body["details"] as { problems: string[] }).problems).toContain("keys: no key for declared keyId ops");
    // The refusal names fields and ids, never a value.
    expect(findSecret(reply.text, SECRETS)).toBeUndefined();
  });

  it("refuses secrets that are not exactly the declared ones (a client too many, a missing client secret)", async () => {
    const extra = await upload(uploadBody(sealTo(await attest(), bundle({ clients: [{ clientId: agent.id, hmacSecret: agent.secret }, { clientId: "intruder", hmacSecret: randomBytes(16).toString("hex") }] }))));
    expectRefusal(extra, 400, "PROVISION_SECRETS_INVALID");
    expect((extra.body["details"] as { problems: string[] }).problems).toEqual(["clients[1] (clientId intruder): not a declared auth client (KEYRING_AUTH_CLIENTS_JSON)"]);
    const missing = await upload(uploadBody(sealTo(await attest(), bundle({ clients: [] }))));
    expect((missing.body["details"] as { problems: string[] }).problems).toEqual([`clients: no secret for declared client ${agent.id}`]);
    expect(findSecret(extra.text + missing.text, SECRETS)).toBeUndefined();
  });

  it("refuses a replayed upload: one upload per document", async () => {
    const signer = await attest();
    const body = uploadBody(sealTo(signer, bundle({ exchangeAccounts: [] })));
    const first = await upload(body);
    expectRefusal(first, 400, "PROVISION_SECRETS_INVALID");
    expect((first.body["details"] as { problems: string[] }).problems).toContain("exchangeAccounts: no credentials for declared account bf-test");
    expectRefusal(await upload(body), 400, "PROVISION_DOCUMENT_UNKNOWN");
  });

  it("refuses an envelope for another document, and a document this process never issued", async () => {
    const a = await attest();
    const b = await attest();
    // Sealed with A's hash in the key schedule, labelled as B (which this process did issue).
    const relabelled: SealedEnvelope = { ...sealTo(a, bundle()), documentSha256: b.documentSha256 };
    expectRefusal(await upload(uploadBody(relabelled)), 400, "PROVISION_ENVELOPE_INVALID");
    // A document of another sidecar (its own enclave key and document): unknown here.
    const other = await startTestSidecar(provisioningEnv());
    try {
      const foreign = await attest(other);
      expectRefusal(await upload(uploadBody(sealTo(foreign, bundle()))), 400, "PROVISION_DOCUMENT_UNKNOWN");
    } finally {
      await other.close();
    }
    // A made-up hash.
    const madeUp = sealTo(a, bundle(), createHash("sha256").update("never issued").digest("hex"));
    expectRefusal(await upload(uploadBody(madeUp)), 400, "PROVISION_DOCUMENT_UNKNOWN");
  });

  it("refuses malformed uploads: wrong method, media type, JSON, schema and size", async () => {
    expectRefusal(await plainRequest(sc, PROVISION_ROUTE), 405, "METHOD_NOT_ALLOWED");
    const signer = await attest();
    const body = uploadBody(sealTo(signer, bundle()));
    expectRefusal(await upload(body, sc, "text/plain"), 415, "UNSUPPORTED_MEDIA_TYPE");
    expectRefusal(await upload("{"), 400, "MALFORMED_JSON");
    expectRefusal(await upload(body.replace('{"v":1,', '{"v":1,"v":1,')), 400, "MALFORMED_JSON");
    expectRefusal(await upload(JSON.stringify({ ...JSON.parse(body), extra: true })), 400, "INVALID_PAYLOAD");
    expectRefusal(await upload(`{"pad":"${"a".repeat(100 * 1024)}"}`), 413, "BODY_TOO_LARGE");
    // Refusals after the body was read carry a receipt naming the exact upload.
    const refused = await upload(body, sc, "text/plain");
    const receipt = decodeReceiptHeader(refused.headers[RECEIPT_HEADER] as string);
    expect(receipt.route).toBe("admin.provision");
    expect(receipt.requestHash).toBe(createHash("sha256").update(body).digest("hex"));
    // None of it installed anything.
    expect((await plainRequest(sc, PATHS.ready)).status).toBe(503);
  });

  it("the CLI attests, seals, uploads and verifies the receipt; then the client signs with the provisioned keys", async () => {
    const run = await provisionCli(files["trust"]!);
    cliOutputs.push(run);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const summary = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(summary).toMatchObject({
      ok: true,
      pcr0: PCR0,
      policyHash: sc.policyHash,
      receiptKeyId: sc.receiptKeyId,
      keys: [
        { keyId: "default", sessionPublicKey: feltHex(starkKeyOf(defaultKey.privateKey)) },
        { keyId: "ops", sessionPublicKey: feltHex(starkKeyOf(opsKey.privateKey)) },
      ],
      clients: [agent.id],
      exchangeAccounts: [{ account: "bf-test", venue: "binance_futures", environment: "testnet" }],
    });

    // The upload is audited, with its receipt, and names keys by id and public key only.
    const record = provisionRecords().find((l) => l.event === "admin.provision.success")!;
    expect(record).toBeDefined();
    expect(record["details"]).toMatchObject({
      documentSha256: summary["documentSha256"],
      adminKeyId: summary["adminKeyId"],
      keys: [`default ${feltHex(starkKeyOf(defaultKey.privateKey))}`, `ops ${feltHex(starkKeyOf(opsKey.privateKey))}`],
      clients: [agent.id],
      exchangeAccounts: ["bf-test"],
    });
    expect(sc.logLines().some((l) => l.includes('"event":"provisioning.installed"'))).toBe(true);
    expect((record["receipt"] as { route: string }).route).toBe("admin.provision");

    expect((await plainRequest(sc, PATHS.ready)).status).toBe(200);
    const client = nitroClient();
    const signed = await client.signSessionTransaction(request());
    const [, r, s] = signed.signature;
    expect(BigInt(signed.sessionPublicKey)).toBe(starkKeyOf(defaultKey.privateKey));
    expect(verifyWithStarkKey(BigInt(signed.messageHash), starkKeyOf(defaultKey.privateKey), { r: BigInt(r!), s: BigInt(s!) })).toBe(true);
    expect(client.attestedSigner?.pcrs["0"]).toBe(PCR0);

    const ops = await nitroClient("ops").signSessionTransaction(request());
    expect(BigInt(ops.sessionPublicKey)).toBe(starkKeyOf(opsKey.privateKey));

    // The provisioned exchange credentials sign requests the venue accepts.
    const order = await client.placeOrder({ account: "bf-test", venue: "binance_futures", symbol: "BTCUSDT", side: "buy", orderType: "limit", quantity: "0.01", price: "50000" }, { send: true });
    expect(order.signed.headers["X-MBX-APIKEY"] ?? order.signed.headers["x-mbx-apikey"]).toBe(binanceKey.apiKey);
    expect(order.response.ok).toBe(true);
    const query = new URL(order.signed.url).search.slice(1) + (order.signed.body ?? "");
    const unsigned = query.replace(/&?signature=[0-9a-f]{64}/, "");
    expect(query).toContain(`signature=${createHmac("sha256", binanceKey.apiSecret).update(unsigned).digest("hex")}`);
  });

  it("refuses a second provisioning, by the CLI or by hand", async () => {
    const run = await provisionCli(files["trust"]!);
    cliOutputs.push(run);
    expect(run.code).toBe(4);
    expect(JSON.parse(run.stdout)).toMatchObject({ ok: false, stage: "upload", code: "ALREADY_PROVISIONED" });
    const signer = await attest();
    const reply = await upload(uploadBody(sealTo(signer, bundle())));
    expectRefusal(reply, 403, "ALREADY_PROVISIONED");
    // Its receipt verifies against the attested key and names this exact upload.
    const receipt = decodeReceiptHeader(reply.headers[RECEIPT_HEADER] as string);
    expect(() =>
      verifyReceipt(receipt, signer.receiptKey, {
        requestHash: receipt.requestHash,
        responseHash: createHash("sha256").update(reply.text).digest("hex"),
        status: 403,
        policyHash: signer.policyHash,
      }),
    ).not.toThrow();
  });

  it("the provisioned secrets join the leak scanner: a request carrying one is refused", async () => {
    const leaking = sessionRequest(sc.now(), { calls: [{ contractAddress: "0x49d3", entrypoint: "transfer", calldata: [opsKey.privateKeyHex, "10", "0"] }] });
    const reply = await signedRequest(sc, { client: agent, path: PATHS.evaluate, body: leaking });
    expectRefusal(reply, 422, "LEAK_DETECTED");
    expect(reply.body["patterns"]).toContain("secret.configured");
    // The client's own HMAC secret, learned by the upload, too.
    const echo = await signedRequest(sc, { client: agent, path: PATHS.evaluate, body: sessionRequest(sc.now(), { context: { requester: agent.secret } }) });
    expectRefusal(echo, 422, "LEAK_DETECTED");
    // And the client authenticates with the provisioned secret, not with anything else.
    expectRefusal(await signedRequest(sc, { client: { ...agent, secret: randomBytes(32).toString("hex") } }), 401, "AUTH_INVALID_SIGNATURE");
  });

  it("no secret appears in the audit log, the operational log, any answer or the CLI's output", () => {
    expect(findSecret(sc.auditText(), SECRETS)).toBeUndefined();
    expect(findSecret(sc.logLines().join("\n"), SECRETS)).toBeUndefined();
    for (const run of cliOutputs) expect(findSecret(run.stdout + run.stderr, SECRETS)).toBeUndefined();
    expect(sc.logLines().some((l) => l.includes('"event":"provisioning.waiting"'))).toBe(true);
    // Every upload the harness sent has exactly one audit record; attestation answers have none.
    expect(auditViolations(sc)).toEqual([]);
  });
});
