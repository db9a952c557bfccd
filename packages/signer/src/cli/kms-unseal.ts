// `airlock-signer kms-unseal`: the host has a freshly started enclave restore its keys from the
// operator's KMS-sealed blob (`airlock-signer kms-seal`), at every start.
//
// 1. Reads the signed blob file strictly and the AWS credentials (AWS_ACCESS_KEY_ID,
//    AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN: the instance role's, which may call kms:Decrypt
//    only for an attested enclave); with --trust-file, attests the sidecar as the client does
//    and sends nothing unless it verifies.
// 2. Uploads {"blob", "adminSignature", "awsCredentials"} to POST /v1/admin/kms-unseal; the
//    enclave checks the admin signature, has KMS release the data key to its attested key,
//    opens the blob and installs the keys.
// 3. With --trust-file, verifies the answer's receipt against the attested receipt key (request
//    hash: SHA-256 of the exact upload) and that the answer names this blob and the attested
//    policy. Prints the installed ids and public keys; never a secret or a credential.
//
// Exit codes: 0 installed; 1 the sidecar could not be reached or answered nonsense; 2 usage or a
// local file; 3 the signer is not trusted (attestation: nothing sent; receipt: outcome unknown);
// 4 refused (the code is printed); 5 refused for now (KMS or attestation unavailable, throttled:
// retry later).
import { KMS_UNSEAL_ROUTE, KmsUnsealAnswer, kmsBlobSha256, parseKmsSealedBlob, ProvisioningError, SignedKmsBlob, type VerifiedSigner } from "@airlock/core/provisioning";
import { RECEIPT_HEADER } from "@airlock/core/receipts";
import { HttpError } from "../server/http-error.js";
import { parseStrictJson } from "../server/strict-json.js";
import { awsCredentialsFromEnv } from "./aws-env.js";
import {
  attestSidecar,
  defaultIo,
  Failure,
  jsonOf,
  readLocalFile,
  readOrigin,
  readTlsFiles,
  readTrustFile,
  receiptProblem,
  refusal,
  requestSha256,
  requestSidecar,
  runCommand,
  type CommandIo,
} from "./operator-cli.js";

export interface KmsUnsealCliOptions {
  readonly url: string | undefined;
  readonly blobFile: string | undefined;
  readonly trustFile: string | undefined;
  readonly caFile?: string | undefined;
  readonly certFile?: string | undefined;
  readonly keyFile?: string | undefined;
  readonly json: boolean;
  /** Deadline of each request to the sidecar (default 30 s: the enclave waits for KMS). */
  readonly timeoutMs?: number;
}

/** The signed blob file, strictly: no repeated key, the closed schema, canonical base64. */
function readBlobFile(path: string): SignedKmsBlob {
  const bad = (): never => {
    throw new Failure(2, "usage", "--blob is not a signed sealed blob (`airlock-signer kms-seal` writes one)");
  };
  let value: unknown;
  try {
    value = parseStrictJson(readLocalFile(path, "--blob"));
  } catch (err) {
    if (err instanceof HttpError) return bad();
    throw err;
  }
  const parsed = SignedKmsBlob.safeParse(value);
  if (!parsed.success) return bad();
  try {
    parseKmsSealedBlob(parsed.data.blob);
  } catch (err) {
    if (err instanceof ProvisioningError) return bad();
    throw err;
  }
  return parsed.data;
}

async function unseal(opts: KmsUnsealCliOptions, env: Readonly<Record<string, string | undefined>>) {
  if (!opts.url || !opts.blobFile) throw new Failure(2, "usage", "--url and --blob are required");
  const origin = readOrigin(opts.url);
  const trust = opts.trustFile === undefined ? undefined : readTrustFile(opts.trustFile);
  const signed = readBlobFile(opts.blobFile);
  const blobSha256 = kmsBlobSha256(signed.blob);
  const awsCredentials = awsCredentialsFromEnv(env);
  const target = { origin, tls: readTlsFiles(opts), timeoutMs: opts.timeoutMs ?? 30_000 };

  const signer: VerifiedSigner | undefined = trust === undefined ? undefined : await attestSidecar(target, trust, "nothing was sent");
  const upload = Buffer.from(JSON.stringify({ blob: signed.blob, adminSignature: signed.adminSignature, awsCredentials }), "utf8");
  const uploadSha256 = requestSha256(upload);
  const res = await requestSidecar(target, { method: "POST", path: KMS_UNSEAL_ROUTE, body: upload }, "upload");

  const problem = signer === undefined || (res.headers[RECEIPT_HEADER] === undefined && res.status !== 200) ? undefined : receiptProblem(res, uploadSha256, signer, "admin.kms_unseal");
  if (res.status !== 200) throw refusal(res, "the unseal", problem, 5);
  if (problem !== undefined) throw new Failure(3, "answer", `the answer's receipt does not verify against the attested key: ${problem}; the keys may or may not be installed`);
  const answer = KmsUnsealAnswer.safeParse(jsonOf(res.body));
  if (!answer.success) throw new Failure(1, "answer", "the answer does not match the wire schema; the keys may or may not be installed");
  const fail = (message: string): never => {
    throw new Failure(3, "answer", `${message}; the keys may or may not be installed`);
  };
  if (answer.data.blobSha256 !== blobSha256 || answer.data.kmsKeyId !== signed.blob.keyId) fail("the answer names another blob or KMS key");
  if (signer !== undefined && answer.data.policyHash !== signer.policyHash) fail("the answer names another policy than the attested one");
  return { answer: answer.data, signer, origin: origin.origin };
}

/** Runs the command; returns the exit code. */
export async function runKmsUnseal(opts: KmsUnsealCliOptions, env: Readonly<Record<string, string | undefined>> = process.env, io: CommandIo = defaultIo): Promise<number> {
  return runCommand("kms-unseal", opts.json, io, async () => {
    const { answer, signer, origin } = await unseal(opts, env);
    const summary = {
      ok: true,
      sidecar: origin,
      // Without a trust file nothing here is verified: the answer is the sidecar's word.
      verified: signer !== undefined,
      ...(signer === undefined ? {} : { pcr0: signer.pcrs["0"], receiptKeyId: signer.receiptKey.receiptKeyId, moduleId: signer.moduleId }),
      policyHash: answer.policyHash,
      kmsKeyId: answer.kmsKeyId,
      blobSha256: answer.blobSha256,
      adminKeyId: answer.adminKeyId,
      keys: answer.keys,
      clients: answer.clients,
      exchangeAccounts: answer.exchangeAccounts,
      ...(signer?.registry === undefined ? {} : { registry: { active: signer.registry.active, owner: signer.registry.owner } }),
    };
    const lines = [
      `keys unsealed with KMS on ${origin}${signer === undefined ? " (not verified: no --trust-file)" : ""}`,
      ...(signer === undefined ? [] : [`  PCR0         ${signer.pcrs["0"] ?? "?"}`, `  receipt key  ${signer.receiptKey.receiptKeyId}`]),
      `  policy hash  ${answer.policyHash}`,
      `  KMS key      ${answer.kmsKeyId}`,
      `  blob         ${answer.blobSha256}`,
      ...answer.keys.map((k) => `  key          ${k.keyId} ${k.sessionPublicKey}`),
      ...answer.clients.map((c) => `  client       ${c}`),
      ...answer.exchangeAccounts.map((a) => `  account      ${a.account} (${a.venue} ${a.environment})`),
    ];
    return { summary, lines };
  });
}
