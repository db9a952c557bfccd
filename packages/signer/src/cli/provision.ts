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
import { MAX_PLAINTEXT_BYTES, PROVISION_ROUTE, ProvisionAnswer, ProvisioningError, sealForEnclave, signEnvelope, type ResolvedNitroTrust, type VerifiedSigner } from "@airlock/core/provisioning";
import { RECEIPT_HEADER } from "@airlock/core/receipts";
import type { KeyObject } from "node:crypto";
import { bundleOf, type ProvisionKeysFile } from "../provisioning/provision-bundle.js";
import {
  attestSidecar,
  defaultIo,
  Failure,
  jsonOf,
  readAdminKeyFile,
  readKeysFile,
  readOrigin,
  readTlsFiles,
  readTrustFile,
  receiptProblem,
  refusal,
  requestSha256,
  requestSidecar,
  runCommand,
  type CommandIo,
  type SidecarTarget,
} from "./operator-cli.js";

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

export type ProvisionIo = CommandIo;

interface Inputs {
  readonly target: SidecarTarget;
  readonly trust: ResolvedNitroTrust;
  readonly adminKey: KeyObject;
  readonly file: ProvisionKeysFile;
  /** Expected Stark public key (0x hex) by key id. */
  readonly publicKeys: ReadonlyMap<string, string>;
}

function readInputs(opts: ProvisionOptions): Inputs {
  if (!opts.url || !opts.trustFile || !opts.adminKeyFile || !opts.keysFile) {
    throw new Failure(2, "usage", "--url, --trust-file, --admin-key-file and --keys-file are required");
  }
  const origin = readOrigin(opts.url);
  const trust = readTrustFile(opts.trustFile);
  const adminKey = readAdminKeyFile(opts.adminKeyFile);
  const { file, publicKeys } = readKeysFile(opts.keysFile);
  const tls = readTlsFiles(opts);
  return { target: { origin, tls, timeoutMs: opts.timeoutMs ?? 15_000 }, trust, adminKey, file, publicKeys };
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
  const inputs = readInputs(opts);
  const signer = await attestSidecar(inputs.target, inputs.trust, "nothing was uploaded");

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
  const uploadSha256 = requestSha256(upload);
  const res = await requestSidecar(inputs.target, { method: "POST", path: PROVISION_ROUTE, body: upload }, "upload");

  const problem = res.headers[RECEIPT_HEADER] === undefined && res.status !== 200 ? undefined : receiptProblem(res, uploadSha256, signer, "admin.provision");
  if (res.status !== 200) throw refusal(res, "the upload", problem);
  if (problem !== undefined) throw new Failure(3, "answer", `the answer's receipt does not verify against the attested key: ${problem}; the keys may or may not be installed`);
  const answer = ProvisionAnswer.safeParse(jsonOf(res.body));
  if (!answer.success) throw new Failure(1, "answer", "the answer does not match the wire schema; the keys may or may not be installed");
  checkAnswer(answer.data, inputs, signer);
  return { answer: answer.data, signer, origin: inputs.target.origin.origin };
}

/** Runs the command; returns the exit code. */
export async function runProvision(opts: ProvisionOptions, io: ProvisionIo = defaultIo): Promise<number> {
  return runCommand("provision", opts.json, io, async () => {
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
    return { summary, lines };
  });
}
