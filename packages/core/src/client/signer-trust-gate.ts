// The attestation gate of a client configured for the Nitro backend: nothing HMAC-signed leaves
// the process until the signer is verified (fresh nonce, document, claims, registry), the
// verification is redone when it ages out or the receipt key changes, and every answer's
// receipt must verify against the attested key and the request actually sent.
import { randomBytes } from "node:crypto";
import { decodeReceiptHeader, ReceiptError, RECEIPT_HEADER, verifyReceipt } from "../receipts/receipt.js";
import { UntrustedSignerError } from "./errors.js";
import { verifySignerDocument, type ResolvedNitroTrust, type VerifiedSigner } from "./nitro-trust.js";

/** Fetches one attestation document for a nonce (unauthenticated GET /v1/attestation, bounded by a timeout). */
export type AttestationFetcher = (nonceHex: string) => Promise<Uint8Array>;

/** `promise`, or the signal's reason as soon as it aborts (the promise itself runs on). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener("abort", onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(e);
      },
    );
  });
}

/** What the gate needs to check one answer's receipt. */
export interface AnsweredRequest {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** SHA-256 hex of the exact body bytes received. */
  readonly bodySha256: string;
  /** SHA-256 hex of the canonical string the request's MAC covered. */
  readonly requestHash: string;
  readonly requestId?: string | undefined;
}

export class SignerTrustGate {
  #current: VerifiedSigner | undefined;
  #pending: Promise<VerifiedSigner> | undefined;

  constructor(
    private readonly trust: ResolvedNitroTrust,
    private readonly fetchDocument: AttestationFetcher,
    private readonly now: () => number = Date.now,
  ) {}

  /** The last verification, if any (possibly aged out). */
  get current(): VerifiedSigner | undefined {
    return this.#current;
  }

  /** A verification younger than maxAttestationAgeMs, attesting first when there is none. */
  async ensure(signal?: AbortSignal): Promise<VerifiedSigner> {
    const current = this.#current;
    if (current !== undefined && this.now() - current.verifiedAt < this.trust.maxAttestationAgeMs) return current;
    return this.refresh(signal);
  }

  /**
   * Attests now (concurrent callers share one attestation, bounded by the client's timeout). A
   * caller's signal only stops that caller's wait: it never aborts the attestation the others
   * share. A failure forgets the old verification.
   */
  refresh(signal?: AbortSignal): Promise<VerifiedSigner> {
    this.#pending ??= this.#attest().finally(() => {
      this.#pending = undefined;
    });
    return signal === undefined ? this.#pending : untilAborted(this.#pending, signal);
  }

  async #attest(): Promise<VerifiedSigner> {
    this.#current = undefined;
    const nonce = randomBytes(32);
    const document = await this.fetchDocument(nonce.toString("hex"));
    const verified = await verifySignerDocument(document, nonce, this.trust, this.now());
    this.#current = verified;
    return verified;
  }

  /**
   * Verifies the receipt of an answer. `required` answers (successes, policy refusals) must carry one; a
   * refusal's receipt is checked when present. A receipt by another key means the enclave
   * changed: re-attest once, then the receipt must verify against the new key.
   */
  async checkReceipt(answer: AnsweredRequest, required: boolean, signedHash?: string): Promise<void> {
    const header = answer.headers[RECEIPT_HEADER];
    if (header === undefined && !required) return;
    const fail = (err: unknown): never => {
      const code = err instanceof ReceiptError ? err.code : undefined;
      throw new UntrustedSignerError("receipt_invalid", err instanceof Error ? err.message : "receipt check failed", code, { status: answer.status, requestId: answer.requestId });
    };
    let receipt;
    try {
      receipt = decodeReceiptHeader(header);
    } catch (err) {
      return fail(err);
    }
    let signer = this.#current ?? (await this.ensure());
    if (receipt.receiptKeyId !== signer.receiptKey.receiptKeyId) signer = await this.refresh();
    try {
      verifyReceipt(receipt, signer.receiptKey, {
        requestHash: answer.requestHash,
        responseHash: answer.bodySha256,
        status: answer.status,
        policyHash: signer.policyHash,
        ...(signedHash === undefined ? {} : { signedHash }),
      });
    } catch (err) {
      fail(err);
    }
  }
}
