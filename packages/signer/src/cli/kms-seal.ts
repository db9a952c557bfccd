// `airlock-signer kms-seal`: the operator seals the keys of a Nitro sidecar with AWS KMS, once,
// for every later enclave start (`airlock-signer kms-unseal`, run by the host).
//
// 1. Reads the keys file (the provision command's format and checks) and the admin private key,
//    and refuses an existing --out; nothing is asked of KMS when any of it is wrong.
// 2. kmsSeal: KMS GenerateDataKey under --kms-key-id, the bundle encrypted locally with
//    AES-256-GCM, the data key zeroed; the blob keeps only KMS's wrapped copy.
// 3. Signs the blob with the admin key (the enclave loads no blob the admin did not sign) and
//    writes {"blob": {…}, "adminSignature": "…"} to --out (mode 0600, never overwriting).
// Prints the KMS key ARN (AIRLOCK_KMS_KEY_ID must name it), the blob's SHA-256 and the key ids
// with their Stark public keys; never a secret. AWS credentials come from AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN only (the operator's role: kms:GenerateDataKey).
//
// Exit codes: 0 written; 1 KMS could not be reached, failed for now or answered nonsense;
// 2 usage or a local file (nothing asked of KMS); 4 KMS refused (access, credentials, key).
import { lstatSync, writeFileSync } from "node:fs";
import { adminKeyIdOf, kmsBlobSha256, MAX_PLAINTEXT_BYTES, parseKmsSealedBlob, ProvisioningError, signKmsBlob, type SignedKmsBlob } from "@airlock/core/provisioning";
import { createPublicKey } from "node:crypto";
import { checkKmsEndpoint, defaultKmsEndpoint, parseKmsKeyArn, AWS_REGION } from "../enclave/kms/kms-endpoint.js";
import { KmsSealError } from "../enclave/kms/kms-seal-error.js";
import { kmsSeal } from "../enclave/kms/kms-seal.js";
import { bundleOf } from "../provisioning/provision-bundle.js";
import { awsCredentialsFromEnv } from "./aws-env.js";
import { defaultIo, Failure, readAdminKeyFile, readKeysFile, runCommand, type CommandIo } from "./operator-cli.js";

export interface KmsSealCliOptions {
  readonly keysFile: string | undefined;
  readonly adminKeyFile: string | undefined;
  readonly kmsKeyId: string | undefined;
  readonly region: string | undefined;
  readonly endpoint: string | undefined;
  readonly out: string | undefined;
  readonly json: boolean;
  readonly timeoutMs?: number;
}

function fileExists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch (err) {
    if ((err as { code?: unknown }).code === "ENOENT") return false;
    throw new Failure(2, "usage", "--out cannot be checked (is its directory readable?)");
  }
}

/** The options that say where KMS is; usage failures otherwise. */
function kmsTarget(opts: KmsSealCliOptions): { keyId: string; region: string; endpoint: string } {
  if (!opts.keysFile || !opts.adminKeyFile || !opts.kmsKeyId || !opts.region || !opts.out) {
    throw new Failure(2, "usage", "--keys-file, --admin-key-file, --kms-key-id, --region and --out are required");
  }
  if (!AWS_REGION.test(opts.region)) throw new Failure(2, "usage", "--region must be an AWS region name such as us-east-1");
  if (!/^[\x21-\x7e]{1,2048}$/.test(opts.kmsKeyId)) throw new Failure(2, "usage", "--kms-key-id must be a KMS key ARN (or key id or alias): 1-2048 printable characters");
  const arn = parseKmsKeyArn(opts.kmsKeyId);
  if (arn !== undefined && arn.region !== opts.region) throw new Failure(2, "usage", "--kms-key-id names a key in another region than --region");
  const endpoint = opts.endpoint ?? defaultKmsEndpoint(opts.region, arn?.partition);
  try {
    return { keyId: opts.kmsKeyId, region: opts.region, endpoint: checkKmsEndpoint(endpoint).origin };
  } catch (err) {
    throw new Failure(2, "usage", `--endpoint: ${err instanceof TypeError ? err.message.replace(/^KMS client: /, "") : "invalid"}`);
  }
}

/** A failed kmsSeal as a Failure: its code and, for KMS, the KMS client's code. */
function sealFailure(err: KmsSealError): Failure {
  if (err.code === "OPTIONS_INVALID") return new Failure(2, "usage", `the KMS options are not valid: ${err.message}`, err.code);
  const refused = err.code === "KMS_FAILED" && err.kmsCode !== undefined && !err.retryable && err.kmsCode !== "RESPONSE_INVALID";
  return new Failure(refused ? 4 : 1, "kms", `${refused ? "KMS refused" : "KMS failed"}: ${err.message}; nothing was written`, err.kmsCode ?? err.code);
}

async function seal(opts: KmsSealCliOptions, env: Readonly<Record<string, string | undefined>>) {
  const target = kmsTarget(opts);
  const out = opts.out!;
  if (fileExists(out)) throw new Failure(2, "usage", "--out exists; refusing to overwrite it");
  const credentials = awsCredentialsFromEnv(env);
  const adminKey = readAdminKeyFile(opts.adminKeyFile!);
  const { file, publicKeys } = readKeysFile(opts.keysFile!);

  const plaintext = Buffer.from(JSON.stringify(bundleOf(file)), "utf8");
  let sealed: string;
  try {
    // The enclave opens what a sealed upload carries, within the same bound.
    if (plaintext.length > MAX_PLAINTEXT_BYTES) throw new Failure(2, "usage", `--keys-file holds more than ${MAX_PLAINTEXT_BYTES} bytes of secrets`);
    sealed = await kmsSeal({ kms: { endpoint: target.endpoint, region: target.region, credentials, ...(opts.timeoutMs === undefined ? {} : { timeoutMs: opts.timeoutMs }) }, keyId: target.keyId, plaintext });
  } catch (err) {
    if (err instanceof KmsSealError) throw sealFailure(err);
    throw err;
  } finally {
    plaintext.fill(0);
  }

  let signed: SignedKmsBlob;
  try {
    const blob = parseKmsSealedBlob(JSON.parse(sealed));
    signed = { blob, adminSignature: signKmsBlob(blob, adminKey) };
  } catch (err) {
    if (err instanceof ProvisioningError) throw new Failure(1, "kms", `the sealed blob does not fit the wire format (${err.code}); nothing was written`);
    throw err;
  }
  try {
    // "wx": never overwrite (the file may be the only copy of another blob).
    writeFileSync(out, `${JSON.stringify(signed)}\n`, { mode: 0o600, flag: "wx" });
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    throw new Failure(2, "usage", code === "EEXIST" ? "--out exists; refusing to overwrite it" : `--out could not be written (${typeof code === "string" && /^[A-Z0-9_]{1,32}$/.test(code) ? code : "write failed"})`);
  }
  return { signed, file, publicKeys, adminKeyId: adminKeyIdOf(createPublicKey(adminKey)), out };
}

/** Runs the command; returns the exit code. */
export async function runKmsSeal(opts: KmsSealCliOptions, env: Readonly<Record<string, string | undefined>> = process.env, io: CommandIo = defaultIo): Promise<number> {
  return runCommand("kms-seal", opts.json, io, async () => {
    const { signed, file, publicKeys, adminKeyId, out } = await seal(opts, env);
    const keys = [...publicKeys].map(([keyId, sessionPublicKey]) => ({ keyId, sessionPublicKey }));
    const summary = {
      ok: true,
      out,
      kmsKeyId: signed.blob.keyId,
      blobSha256: kmsBlobSha256(signed.blob),
      adminKeyId,
      keys,
      clients: (file.clients ?? []).map((c) => c.clientId),
      exchangeAccounts: (file.exchangeAccounts ?? []).map((a) => a.account),
    };
    const lines = [
      `sealed blob written to ${out} (not secret, but keep it: the enclave restores its keys from it)`,
      `  KMS key      ${summary.kmsKeyId}   (AIRLOCK_KMS_KEY_ID must be this ARN)`,
      `  blob         ${summary.blobSha256}`,
      `  admin key    ${adminKeyId}`,
      ...keys.map((k) => `  key          ${k.keyId} ${k.sessionPublicKey}`),
      ...summary.clients.map((c) => `  client       ${c}`),
      ...summary.exchangeAccounts.map((a) => `  account      ${a}`),
    ];
    return { summary, lines };
  });
}
