// Receipts on answers: every answer to an authenticated request (signatures, policy answers,
// status, refusals after authentication) carries a receipt signed by the boot-time receipt key,
// over the exact bytes of the body that is sent.
import { createHash } from "node:crypto";
import type { Receipt } from "@airlock/core/receipts";
import type { EnclaveIdentity } from "../enclave/enclave-identity.js";
import type { RequestContext } from "./request-context.js";

export interface ReceiptIssuer {
  /** Signs the receipt of `payload` (the exact JSON text sent) for an authenticated request. */
  issue(ctx: RequestContext, status: number, payload: string, signedHash: string | undefined): Receipt;
}

export function createReceiptIssuer(identity: EnclaveIdentity, policyHash: string, now: () => number): ReceiptIssuer {
  return {
    issue(ctx, status, payload, signedHash) {
      if (ctx.requestHash === undefined) throw new Error("receipt for an unauthenticated request");
      return identity.signReceipt({
        requestId: ctx.requestId,
        route: ctx.route,
        clientId: ctx.clientId ?? null,
        keyId: ctx.keyId ?? null,
        requestHash: ctx.requestHash,
        policyHash,
        signedHash: signedHash ?? null,
        responseHash: createHash("sha256").update(payload, "utf8").digest("hex"),
        status,
        issuedAt: now(),
      });
    },
  };
}
