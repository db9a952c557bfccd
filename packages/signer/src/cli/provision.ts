// `airlock-signer provision`: the operator's sealed upload of keys to a Nitro sidecar.
//
// 1. Reads the trust file (the client's `nitro` trust options), the admin private key and the
//    keys file; nothing is sent when any of them is wrong.
// 2. Fetches GET /v1/attestation with a fresh random nonce and verifies the document with the
//    client's own code (resolveNitroTrust + verifySignerDocument): chain to the pinned root,
//    PCR allowlists, nonce, enclave claims, registry. Nothing is uploaded unless it passes.
// 3. Seals the secrets to the attested provisioning key, bound to the document hash, signs the
//    envelope with the admin key and uploads it (POST /v1/admin/provision).
// 4. Verifies the answer's receipt against the attested receipt key (request hash: SHA-256 of
//    the exact upload; response hash; status; policy hash), then that exactly the keys and
//    accounts of the file were installed with the expected public keys.
// Prints a summary (installed ids, Stark public keys, PCR0, policy hash); never a secret.
//
// Exit codes: 0 installed; 1 the sidecar could not be reached or answered nonsense; 2 usage or
// a local file is wrong; 3 the signer is not trusted (attestation or receipt: for an
// attestation failure nothing was uploaded); 4 the sidecar refused the upload.
import { createHash, randomBytes } from "node:crypto";
import { AttestationResponse, ErrorBody, UntrustedSignerError, isAirlockError } from "@airlock/core";
import {
  MAX_PLAINTEXT_BYTES,
  PROVISION_ROUTE,
  ProvisionAnswer,
  ProvisioningError,
  parseAdminPrivateKey,
  resolveNitroTrust,
  sealForEnclave,
  signEnvelope,
  verifySignerDocument,
  type VerifiedSigner,
} from "@airlock/core/provisioning";
import { decodeReceiptHeader, ReceiptError, RECEIPT_HEADER, verifyReceipt } from "@airlock/core/receipts";
import { feltHex, starkKeyOf } from "@airlock/core/starknet";
import type { KeyObject } from "node:crypto";
import { readSecretFile } from "../config/secret-files.js";
import { parsePrivateKey, PRIVATE_KEY_RULE } from "../custody/private-key.js";
import { BundleProblems, bundleOf, parseBundleJson, ProvisionKeysFile } from "../provisioning/provision-bundle.js";
import { parseSidecarOrigin, SidecarHttpError, sidecarRequest, type SidecarAnswer, type SidecarTls } from "./sidecar-http.js";

export interface ProvisionOptions {
  readonly url: string | undefined;
  readonly trustFile: string | undefined;
  readonly adminKeyFile: string | undefined;
  readonly keysFile: string | undefined;
  readonly json: boolean;
  /** TLS to the sidecar: CA bundle, and client certificate and key for mTLS (PEM files). */
  readonly caFile?: string | undefined;
  readonly certFile?: string | undefined;
  readonly keyFile?: string | undefined;
  readonly timeoutMs?: number;
}

export interface ProvisionIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

const defaultIo: ProvisionIo = { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t) };

type Stage = "usage" | "attestation" | "upload" | "answer";

/** A failure with its exit code; the message names files, options and codes, never a secret. */
class Failure extends Error {
  constructor(
    readonly exitCode: 1 | 2 | 3 | 4,
    readonly stage: Stage,
    message: string,
    readonly code?: string,
    readonly problems?: readonly string[],
  ) {
    super(message);
  }
}

/** Printable, bounded text from the sidecar (its messages are fixed strings, but it is a remote party). */
function clean(text: unknown, max = 300): string {
  return typeof text === "string" ? text.replace(/[^\x20-\x7e]/g, "?").slice(0, max) : "";
}

function readFile(path: string, what: string): string {
  try {
    return readSecretFile(path);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    throw new Failure(2, "usage", `${what} could not be read (${typeof code === "string" && /^[A-Z0-9_]{1,32}$/.test(code) ? code : "read failed"})`);
  }
}

interface Inputs {
  readonly origin: URL;
  readonly trust: ReturnType<typeof resolveNitroTrust>;
  readonly adminKey: KeyObject;
  readonly file: ProvisionKeysFile;
  /** Expected Stark public key (0x hex) by key id. */
  readonly publicKeys: ReadonlyMap<string, string>;
  readonly tls: SidecarTls;
}

function readInputs(opts: ProvisionOptions): Inputs {
  if (!opts.url || !opts.trustFile || !opts.adminKeyFile || !opts.keysFile) {
    throw new Failure(2, "usage", "--url, --trust-file, --admin-key-file and --keys-file are required");
  }
  const origin = parseSidecarOrigin(opts.url);
  if (origin === undefined) throw new Failure(2, "usage", "--url must be the sidecar origin: https://host[:port], or http:// on a loopback host, without a path");

  let trustJson: unknown;
  try {
    trustJson = JSON.parse(readFile(opts.trustFile, "--trust-file"));
  } catch (err) {
    if (err instanceof Failure) throw err;
    throw new Failure(2, "usage", "--trust-file is not JSON");
  }
  let trust;
  try {
    trust = resolveNitroTrust(trustJson, "trust-file");
  } catch (err) {
    throw new Failure(2, "usage", isAirlockError(err) ? err.message : "--trust-file is not valid");
  }

  let adminKey: KeyObject;
  try {
    adminKey = parseAdminPrivateKey(readFile(opts.adminKeyFile, "--admin-key-file"));
  } catch (err) {
    if (err instanceof ProvisioningError) throw new Failure(2, "usage", `--admin-key-file: ${err.message}`);
    throw err;
  }

  let file: ProvisionKeysFile;
  try {
    file = parseBundleJson(readFile(opts.keysFile, "--keys-file"), ProvisionKeysFile, "keys-file");
  } catch (err) {
    if (err instanceof BundleProblems) throw new Failure(2, "usage", "--keys-file is not acceptable", undefined, err.problems);
    throw err;
  }
  if (file.keys.length === 0) throw new Failure(2, "usage", "--keys-file lists no key");
  const publicKeys = new Map<string, string>();
  const problems: string[] = [];
  file.keys.forEach((k, i) => {
    const privateKey = parsePrivateKey(k.privateKey);
    if (privateKey === undefined) problems.push(`keys-file.keys[${i}] (keyId ${k.keyId}): private key ${PRIVATE_KEY_RULE}`);
    else publicKeys.set(k.keyId, feltHex(starkKeyOf(privateKey)));
  });
  if (problems.length > 0) throw new Failure(2, "usage", "--keys-file is not acceptable", undefined, problems);

  const tls: { ca?: string; cert?: string; key?: string } = {};
  if (opts.caFile) tls.ca = readFile(opts.caFile, "--ca");
  if ((opts.certFile === undefined) !== (opts.keyFile === undefined)) throw new Failure(2, "usage", "--cert and --key go together");
  if (opts.certFile && opts.keyFile) {
    tls.cert = readFile(opts.certFile, "--cert");
    tls.key = readFile(opts.keyFile, "--key");
  }
  return { origin, trust, adminKey, file, publicKeys, tls };
}

async function request(inputs: Inputs, req: Parameters<typeof sidecarRequest>[1], stage: Stage, timeoutMs: number): Promise<SidecarAnswer> {
  try {
    return await sidecarRequest(inputs.origin, req, { timeoutMs, tls: inputs.tls });
  } catch (err) {
    if (err instanceof SidecarHttpError) throw new Failure(1, stage, `${stage === "attestation" ? "GET /v1/attestation" : `POST ${PROVISION_ROUTE}`}: ${err.message}`);
    throw err;
  }
}

function jsonOf(body: Buffer): unknown {
  try {
    return JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(body));
  } catch {
    return undefined;
  }
}

/** Attests the sidecar as the client does: a fresh nonce, the document verified against the trust file. */
async function attest(inputs: Inputs, timeoutMs: number): Promise<VerifiedSigner> {
  const nonce = randomBytes(32);
  const res = await request(inputs, { method: "GET", path: `/v1/attestation?nonce=${nonce.toString("hex")}` }, "attestation", timeoutMs);
  if (res.status !== 200) throw new Failure(1, "attestation", `GET /v1/attestation answered ${res.status} (is it the Nitro backend?)`, ErrorBody.safeParse(jsonOf(res.body)).data?.code);
  const parsed = AttestationResponse.safeParse(jsonOf(res.body));
  if (!parsed.success) throw new Failure(1, "attestation", "the attestation answer does not match the wire schema");
  const document = Buffer.from(parsed.data.document, "base64");
  if (document.toString("base64") !== parsed.data.document) throw new Failure(1, "attestation", "the attestation document is not canonical base64");
  try {
    return await verifySignerDocument(new Uint8Array(document), nonce, inputs.trust);
  } catch (err) {
    if (err instanceof UntrustedSignerError) throw new Failure(3, "attestation", `${err.message}; nothing was uploaded`, err.verifierCode ?? err.reason);
    throw err;
  }
}

/** Verifies an answer's receipt against the attested key and the exact upload; returns a problem or undefined. */
function receiptProblem(res: SidecarAnswer, uploadSha256: string, signer: VerifiedSigner): string | undefined {
  try {
    const receipt = decodeReceiptHeader(res.headers[RECEIPT_HEADER]);
    verifyReceipt(receipt, signer.receiptKey, {
      requestHash: uploadSha256,
      responseHash: createHash("sha256").update(res.body).digest("hex"),
      status: res.status,
      policyHash: signer.policyHash,
    });
    if (receipt.route !== "admin.provision") return "the receipt is for another route";
    return undefined;
  } catch (err) {
    if (err instanceof ReceiptError) return `${err.message} (${err.code})`;
    throw err;
  }
}

/** The installed keys and accounts must be exactly the file's, with the public keys derived locally. */
function checkAnswer(answer: ProvisionAnswer, inputs: Inputs, signer: VerifiedSigner): void {
  const fail = (message: string): never => {
    throw new Failure(3, "answer", `${message}; the keys may or may not be installed`);
  };
  if (answer.documentSha256 !== signer.documentSha256) fail("the answer names another attestation document");
  if (answer.policyHash !== signer.policyHash) fail("the answer names another policy than the attested one");
  const keys = new Map(answer.keys.map((k) => [k.keyId, k.sessionPublicKey]));
  if (keys.size !== answer.keys.length || keys.size !== inputs.publicKeys.size) fail("the installed key ids are not the ones uploaded");
  for (const [keyId, publicKey] of inputs.publicKeys) {
    const installed = keys.get(keyId);
    if (installed === undefined) fail(`key ${keyId} was not installed`);
    if (BigInt(installed!) !== BigInt(publicKey)) fail(`key ${keyId} was installed with another public key`);
  }
  const clients = new Set(answer.clients);
  const sentClients = new Set((inputs.file.clients ?? []).map((c) => c.clientId));
  if (clients.size !== answer.clients.length || clients.size !== sentClients.size || [...sentClients].some((c) => !clients.has(c))) {
    fail("the installed client secrets are not the ones uploaded");
  }
  const accounts = new Set(answer.exchangeAccounts.map((a) => a.account));
  const sent = new Set((inputs.file.exchangeAccounts ?? []).map((a) => a.account));
  if (accounts.size !== answer.exchangeAccounts.length || accounts.size !== sent.size || [...sent].some((a) => !accounts.has(a))) {
    fail("the installed exchange accounts are not the ones uploaded");
  }
}

async function provision(opts: ProvisionOptions): Promise<{ answer: ProvisionAnswer; signer: VerifiedSigner; origin: string }> {
  const timeoutMs = opts.timeoutMs ?? 15_000;
  const inputs = readInputs(opts);
  const signer = await attest(inputs, timeoutMs);

  const plaintext = Buffer.from(JSON.stringify(bundleOf(inputs.file)), "utf8");
  let upload: Buffer;
  try {
    if (plaintext.length > MAX_PLAINTEXT_BYTES) throw new Failure(2, "usage", `--keys-file holds more than ${MAX_PLAINTEXT_BYTES} bytes of secrets`);
    const envelope = sealForEnclave({ plaintext, enclavePublicKey: signer.provisioningPublicKey, documentSha256: signer.documentSha256 });
    upload = Buffer.from(JSON.stringify({ v: 1, envelope, adminSignature: signEnvelope(envelope, inputs.adminKey) }), "utf8");
  } catch (err) {
    if (err instanceof ProvisioningError) throw new Failure(3, "attestation", `the attested provisioning key cannot be sealed to (${err.code}); nothing was uploaded`);
    throw err;
  } finally {
    plaintext.fill(0);
  }
  const uploadSha256 = createHash("sha256").update(upload).digest("hex");
  const res = await request(inputs, { method: "POST", path: PROVISION_ROUTE, body: upload }, "upload", timeoutMs);

  const problem = res.headers[RECEIPT_HEADER] === undefined && res.status !== 200 ? undefined : receiptProblem(res, uploadSha256, signer);
  if (res.status !== 200) {
    const body = ErrorBody.safeParse(jsonOf(res.body));
    const details = (jsonOf(res.body) as { details?: { problems?: unknown } } | undefined)?.details?.problems;
    const problems = Array.isArray(details) ? details.slice(0, 64).map((p) => clean(p)) : undefined;
    const code = body.success ? body.data.code : undefined;
    const note = problem === undefined ? "" : ` (and its receipt does not verify: ${problem})`;
    throw new Failure(4, "upload", `the sidecar refused the upload: HTTP ${res.status}${code === undefined ? "" : ` ${code}`}${body.success ? `: ${clean(body.data.error)}` : ""}${note}`, code, problems);
  }
  if (problem !== undefined) throw new Failure(3, "answer", `the answer's receipt does not verify against the attested key: ${problem}; the keys may or may not be installed`);
  const answer = ProvisionAnswer.safeParse(jsonOf(res.body));
  if (!answer.success) throw new Failure(1, "answer", "the answer does not match the wire schema; the keys may or may not be installed");
  checkAnswer(answer.data, inputs, signer);
  return { answer: answer.data, signer, origin: inputs.origin.origin };
}

/** Runs the command; returns the exit code. */
export async function runProvision(opts: ProvisionOptions, io: ProvisionIo = defaultIo): Promise<number> {
  try {
    const { answer, signer, origin } = await provision(opts);
    const summary = {
      ok: true,
      sidecar: origin,
      pcr0: signer.pcrs["0"],
      policyHash: signer.policyHash,
      documentSha256: answer.documentSha256,
      receiptKeyId: signer.receiptKey.receiptKeyId,
      moduleId: signer.moduleId,
      adminKeyId: answer.adminKeyId,
      keys: answer.keys,
      clients: answer.clients,
      exchangeAccounts: answer.exchangeAccounts,
      ...(signer.registry === undefined ? {} : { registry: { active: signer.registry.active, owner: signer.registry.owner } }),
    };
    if (opts.json) {
      io.stdout(`${JSON.stringify(summary)}\n`);
    } else {
      const lines = [
        `sealed keys installed on ${origin}`,
        `  PCR0         ${summary.pcr0 ?? "?"}`,
        `  policy hash  ${summary.policyHash}`,
        `  document     ${summary.documentSha256}`,
        `  receipt key  ${summary.receiptKeyId}`,
        ...answer.keys.map((k) => `  key          ${k.keyId} ${k.sessionPublicKey}`),
        ...answer.clients.map((c) => `  client       ${c}`),
        ...answer.exchangeAccounts.map((a) => `  account      ${a.account} (${a.venue} ${a.environment})`),
      ];
      io.stdout(`${lines.join("\n")}\n`);
    }
    return 0;
  } catch (err) {
    if (!(err instanceof Failure)) throw err;
    io.stderr(`airlock-signer provision: ${err.message}\n${(err.problems ?? []).map((p) => `  - ${p}\n`).join("")}`);
    if (opts.json) {
      io.stdout(`${JSON.stringify({ ok: false, stage: err.stage, exitCode: err.exitCode, message: err.message, ...(err.code === undefined ? {} : { code: err.code }), ...(err.problems === undefined ? {} : { problems: err.problems }) })}\n`);
    }
    return err.exitCode;
  }
}
