// Pieces shared by the operator commands that talk to a Nitro sidecar without HMAC
// (`provision`, `kms-seal`, `kms-unseal`): failures with exit codes, strict reads of the local
// files (trust file, admin key, keys file, TLS files), attesting the sidecar the way the client
// does, verifying an answer's receipt, and printing the outcome (text or one JSON line). No
// message ever quotes a secret: files are named, their contents never.
import { createHash, randomBytes, type KeyObject } from "node:crypto";
import { AttestationResponse, ErrorBody, UntrustedSignerError, isAirlockError } from "@airlock/core";
import { ProvisioningError, parseAdminPrivateKey, resolveNitroTrust, verifySignerDocument, type ResolvedNitroTrust, type VerifiedSigner } from "@airlock/core/provisioning";
import { decodeReceiptHeader, ReceiptError, RECEIPT_HEADER, verifyReceipt } from "@airlock/core/receipts";
import { feltHex, starkKeyOf } from "@airlock/core/starknet";
import { readSecretFile } from "../config/secret-files.js";
import { parsePrivateKey, PRIVATE_KEY_RULE } from "../custody/private-key.js";
import { BundleProblems, parseBundleJson, ProvisionKeysFile } from "../provisioning/provision-bundle.js";
import { parseSidecarOrigin, SidecarHttpError, sidecarRequest, type SidecarAnswer, type SidecarTls } from "./sidecar-http.js";

export interface CommandIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

export const defaultIo: CommandIo = { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t) };

export type Stage = "usage" | "attestation" | "upload" | "answer" | "kms";

/**
 * A failure with its exit code; the message names files, options and codes, never a secret.
 * Exit codes: 1 the other side could not be reached or answered nonsense; 2 usage or a local
 * file; 3 not trusted; 4 refused; 5 refused for now (503, 429: retry later).
 */
export class Failure extends Error {
  constructor(
    readonly exitCode: 1 | 2 | 3 | 4 | 5,
    readonly stage: Stage,
    message: string,
    readonly code?: string,
    readonly problems?: readonly string[],
  ) {
    super(message);
  }
}

/** Printable, bounded text from a remote party (the sidecar's messages are fixed strings, but still). */
export function clean(text: unknown, max = 300): string {
  return typeof text === "string" ? text.replace(/[^\x20-\x7e]/g, "?").slice(0, max) : "";
}

/** Reads a local file (bounded, as secret files are); a failure names the option and the error code only. */
export function readLocalFile(path: string, what: string): string {
  try {
    return readSecretFile(path);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    throw new Failure(2, "usage", `${what} could not be read (${typeof code === "string" && /^[A-Z0-9_]{1,32}$/.test(code) ? code : "read failed"})`);
  }
}

/** --url: the sidecar origin (https, or http on a loopback host). */
export function readOrigin(url: string): URL {
  const origin = parseSidecarOrigin(url);
  if (origin === undefined) throw new Failure(2, "usage", "--url must be the sidecar origin: https://host[:port], or http:// on a loopback host, without a path");
  return origin;
}

/** --trust-file: the client's `nitro` trust options, checked by the client's own code. */
export function readTrustFile(path: string): ResolvedNitroTrust {
  let trustJson: unknown;
  try {
    trustJson = JSON.parse(readLocalFile(path, "--trust-file"));
  } catch (err) {
    if (err instanceof Failure) throw err;
    throw new Failure(2, "usage", "--trust-file is not JSON");
  }
  try {
    return resolveNitroTrust(trustJson, "trust-file");
  } catch (err) {
    throw new Failure(2, "usage", isAirlockError(err) ? err.message : "--trust-file is not valid");
  }
}

/** --admin-key-file: the Ed25519 admin private key (PKCS#8 PEM). */
export function readAdminKeyFile(path: string): KeyObject {
  try {
    return parseAdminPrivateKey(readLocalFile(path, "--admin-key-file"));
  } catch (err) {
    if (err instanceof ProvisioningError) throw new Failure(2, "usage", `--admin-key-file: ${err.message}`);
    throw err;
  }
}

/** --keys-file, strictly, with the Stark public key (0x hex) each private key derives, by key id. */
export function readKeysFile(path: string): { readonly file: ProvisionKeysFile; readonly publicKeys: ReadonlyMap<string, string> } {
  let file: ProvisionKeysFile;
  try {
    file = parseBundleJson(readLocalFile(path, "--keys-file"), ProvisionKeysFile, "keys-file");
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
  return { file, publicKeys };
}

/** --ca, --cert and --key (PEM files; --cert and --key go together). */
export function readTlsFiles(opts: { caFile?: string | undefined; certFile?: string | undefined; keyFile?: string | undefined }): SidecarTls {
  const tls: { ca?: string; cert?: string; key?: string } = {};
  if (opts.caFile) tls.ca = readLocalFile(opts.caFile, "--ca");
  if ((opts.certFile === undefined) !== (opts.keyFile === undefined)) throw new Failure(2, "usage", "--cert and --key go together");
  if (opts.certFile && opts.keyFile) {
    tls.cert = readLocalFile(opts.certFile, "--cert");
    tls.key = readLocalFile(opts.keyFile, "--key");
  }
  return tls;
}

/** How to reach the sidecar. */
export interface SidecarTarget {
  readonly origin: URL;
  readonly tls: SidecarTls;
  readonly timeoutMs: number;
}

/** One request to the sidecar; a transport failure is exit 1 naming the method and path. */
export async function requestSidecar(target: SidecarTarget, req: Parameters<typeof sidecarRequest>[1], stage: Stage): Promise<SidecarAnswer> {
  try {
    return await sidecarRequest(target.origin, req, { timeoutMs: target.timeoutMs, tls: target.tls });
  } catch (err) {
    if (err instanceof SidecarHttpError) throw new Failure(1, stage, `${req.method} ${req.path.split("?", 1)[0]}: ${err.message}`);
    throw err;
  }
}

/** The JSON of a body, or undefined (fatal UTF-8). */
export function jsonOf(body: Buffer): unknown {
  try {
    return JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(body));
  } catch {
    return undefined;
  }
}

/** Attests the sidecar as the client does: a fresh nonce, the document verified against the trust file. */
export async function attestSidecar(target: SidecarTarget, trust: ResolvedNitroTrust, nothingSent: string): Promise<VerifiedSigner> {
  const nonce = randomBytes(32);
  const res = await requestSidecar(target, { method: "GET", path: `/v1/attestation?nonce=${nonce.toString("hex")}` }, "attestation");
  if (res.status !== 200) throw new Failure(1, "attestation", `GET /v1/attestation answered ${res.status} (is it the Nitro backend?)`, ErrorBody.safeParse(jsonOf(res.body)).data?.code);
  const parsed = AttestationResponse.safeParse(jsonOf(res.body));
  if (!parsed.success) throw new Failure(1, "attestation", "the attestation answer does not match the wire schema");
  const document = Buffer.from(parsed.data.document, "base64");
  if (document.toString("base64") !== parsed.data.document) throw new Failure(1, "attestation", "the attestation document is not canonical base64");
  try {
    return await verifySignerDocument(new Uint8Array(document), nonce, trust);
  } catch (err) {
    if (err instanceof UntrustedSignerError) throw new Failure(3, "attestation", `${err.message}; ${nothingSent}`, err.verifierCode ?? err.reason);
    throw err;
  }
}

/** SHA-256 (hex) of the exact request body: what an admin route's receipt names as its request. */
export function requestSha256(body: Buffer): string {
  return createHash("sha256").update(body).digest("hex");
}

/** Verifies an answer's receipt against the attested key, the exact request and the route; returns a problem or undefined. */
export function receiptProblem(res: SidecarAnswer, bodySha256: string, signer: VerifiedSigner, route: string): string | undefined {
  try {
    const receipt = decodeReceiptHeader(res.headers[RECEIPT_HEADER]);
    verifyReceipt(receipt, signer.receiptKey, {
      requestHash: bodySha256,
      responseHash: createHash("sha256").update(res.body).digest("hex"),
      status: res.status,
      policyHash: signer.policyHash,
    });
    if (receipt.route !== route) return "the receipt is for another route";
    return undefined;
  } catch (err) {
    if (err instanceof ReceiptError) return `${err.message} (${err.code})`;
    throw err;
  }
}

/**
 * The failure for an error answer: its code, message and problem lines (cleaned), exit 4, or
 * `retryLaterExit` when the sidecar says to retry later (503, 429). `receiptNote` is a receipt
 * problem, if any.
 */
export function refusal(res: SidecarAnswer, what: string, receiptNote: string | undefined, retryLaterExit: 4 | 5 = 4): Failure {
  const json = jsonOf(res.body);
  const body = ErrorBody.safeParse(json);
  const details = (json as { details?: { problems?: unknown } } | undefined)?.details?.problems;
  const problems = Array.isArray(details) ? details.slice(0, 64).map((p) => clean(p)) : undefined;
  const code = body.success ? body.data.code : undefined;
  const note = receiptNote === undefined ? "" : ` (and its receipt does not verify: ${receiptNote})`;
  const exit = res.status === 503 || res.status === 429 ? retryLaterExit : 4;
  return new Failure(exit, "upload", `the sidecar refused ${what}: HTTP ${res.status}${code === undefined ? "" : ` ${code}`}${body.success ? `: ${clean(body.data.error)}` : ""}${note}`, code, problems);
}

/**
 * Runs a command body and prints its outcome: on success `lines` (or the summary as one JSON
 * line with --json), exit 0; on a Failure its message and problems on stderr (and a JSON line
 * on stdout with --json), its exit code.
 */
export async function runCommand(name: string, json: boolean, io: CommandIo, body: () => Promise<{ summary: Record<string, unknown>; lines: readonly string[] }>): Promise<number> {
  try {
    const { summary, lines } = await body();
    io.stdout(json ? `${JSON.stringify(summary)}\n` : `${lines.join("\n")}\n`);
    return 0;
  } catch (err) {
    if (!(err instanceof Failure)) throw err;
    io.stderr(`airlock-signer ${name}: ${err.message}\n${(err.problems ?? []).map((p) => `  - ${p}\n`).join("")}`);
    if (json) {
      io.stdout(`${JSON.stringify({ ok: false, stage: err.stage, exitCode: err.exitCode, message: err.message, ...(err.code === undefined ? {} : { code: err.code }), ...(err.problems === undefined ? {} : { problems: err.problems }) })}\n`);
    }
    return err.exitCode;
  }
}
