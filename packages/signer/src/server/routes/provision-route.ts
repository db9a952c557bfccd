// POST /v1/admin/provision (Nitro backend with sealed provisioning): the operator's sealed
// upload of the declared keys and exchange credentials. Not HMAC-authenticated: the admin's
// Ed25519 signature over the envelope is the authentication, and the envelope must be sealed to
// this process's provisioning key and name a document this process issued recently, once.
//
// Order, each step refusing with its own code: strict JSON and schema; admin signature; not yet
// provisioned; the document (consumed here: one upload per document, so a captured upload
// cannot be replayed, and only an admin-signed upload can use a document up); the envelope
// opens; the secrets are exactly the declared ones; install. From the admin check to the
// install nothing awaits, so two uploads cannot interleave.
import { createHash } from "node:crypto";
import { openSealedEnvelope, ProvisioningError, ProvisionUpload, verifyEnvelopeSignature, type ProvisionAnswer } from "@airlock/core/provisioning";
import type { ProvisioningConfig } from "../../config/config-types.js";
import type { EnclaveIdentity } from "../../enclave/enclave-identity.js";
import type { IssuedAttestations } from "../../enclave/issued-attestations.js";
import { HttpError } from "../http-error.js";
import type { RequestContext } from "../request-context.js";
import type { TokenBucket } from "./attestation-route.js";
import { parseJsonBody } from "./admission-steps.js";
import { installBundle } from "./install-bundle.js";
import type { RouteResult } from "./session-routes.js";

/** The audit and metrics label of the route. */
export const PROVISION_ROUTE_LABEL = "admin.provision";

export interface ProvisionRouteDeps {
  readonly provisioning: ProvisioningConfig;
  /** Holds the provisioning key the envelope is sealed to. */
  readonly identity: EnclaveIdentity;
  /** The documents this process issued (GET /v1/attestation), consumed by uploads. */
  readonly issued: IssuedAttestations;
  readonly policyHash: string;
  /** Hands the installed secrets to the leak scanner and the audit log, so they are refused from now on. */
  readonly learnSecrets: (secrets: readonly string[]) => void;
  /** Bounds how often the route is tried (each attempt costs a signature check and an audit record). */
  readonly throttle: TokenBucket;
}

/** SHA-256 (hex) of the exact upload: what the answer's receipt names as its request. */
export function uploadHash(raw: Buffer): string {
  return createHash("sha256").update(raw).digest("hex");
}

/** Handles one upload (the body already read, bounded). Throws HttpError refusals. */
export function provisionKeys(ctx: RequestContext, raw: Buffer, contentType: string | undefined, deps: ProvisionRouteDeps, nowMs: number): RouteResult {
  const parsed = ProvisionUpload.safeParse(parseJsonBody(raw, contentType));
  if (!parsed.success) throw new HttpError("INVALID_PAYLOAD", undefined, { details: parsed.error.flatten() });
  const { envelope, adminSignature } = parsed.data;
  ctx.auditDetails = { documentSha256: envelope.documentSha256 };

  try {
    verifyEnvelopeSignature(envelope, adminSignature, deps.provisioning.adminPublicKey);
  } catch (err) {
    if (err instanceof ProvisioningError && err.code === "MALFORMED_ENVELOPE") throw new HttpError("INVALID_PAYLOAD", "the sealed envelope is not canonical");
    if (err instanceof ProvisioningError) throw new HttpError("ADMIN_SIGNATURE_INVALID");
    throw err;
  }
  ctx.auditDetails = { ...ctx.auditDetails, adminKeyId: deps.provisioning.adminKeyId };

  const keyring = deps.provisioning.keyring;
  if (keyring.installed) throw new HttpError("ALREADY_PROVISIONED");
  if (!deps.issued.consume(envelope.documentSha256, nowMs)) throw new HttpError("PROVISION_DOCUMENT_UNKNOWN");

  let plaintext: Buffer;
  try {
    plaintext = openSealedEnvelope(envelope, (peer) => deps.identity.provisioningSharedSecret(peer), deps.identity.provisioningPublicKey);
  } catch (err) {
    if (err instanceof ProvisioningError) throw new HttpError("PROVISION_ENVELOPE_INVALID");
    throw err;
  }
  try {
    const { installed, auditDetails } = installBundle(plaintext, { keyring, learnSecrets: deps.learnSecrets });
    const body: ProvisionAnswer = {
      requestId: ctx.requestId,
      documentSha256: envelope.documentSha256,
      policyHash: deps.policyHash,
      adminKeyId: deps.provisioning.adminKeyId,
      ...installed,
    };
    return { status: 200, body, headers: {}, auditDetails: { ...ctx.auditDetails, ...auditDetails } };
  } finally {
    plaintext.fill(0);
  }
}
