// POST /v1/admin/kms-unseal (Nitro backend, sealed provisioning with AIRLOCK_KMS_KEY_ID): the
// host's upload, at every enclave start, of the KMS-sealed blob the operator made and signed,
// with the AWS credentials of its instance role. Not HMAC-authenticated: the admin's Ed25519
// signature over the blob is the authority; the credentials only let KMS be asked, and KMS's
// key policy (the attested PCR0) decides whether the data key is released to this enclave.
//
// Order, each step refusing with its own code: strict JSON and schema; the blob canonical;
// admin signature (nothing reaches KMS without it); the blob names the configured key; not yet
// provisioned; then, one unseal at a time: KMS releases the data key to an attested one-time RSA
// key and the blob opens (kmsUnseal); the bundle installs all or nothing through the same door
// as an upload (installBundle). Every KMS or attestation failure fails closed: nothing installed.
import { KmsUnsealUpload, kmsBlobSha256, ProvisioningError, verifyKmsBlobSignature, type KmsUnsealAnswer } from "@airlock/core/provisioning";
import type { AttestationSource } from "../../attestation/attestation-source.js";
import type { KmsUnsealConfig, ProvisioningConfig } from "../../config/config-types.js";
import { KmsError } from "../../enclave/kms/kms-errors.js";
import { KmsSealError } from "../../enclave/kms/kms-seal-error.js";
import { kmsUnseal } from "../../enclave/kms/kms-unseal.js";
import type { AwsCredentials } from "../../enclave/kms/sigv4.js";
import { HttpError } from "../http-error.js";
import type { RequestContext } from "../request-context.js";
import { parseJsonBody } from "./admission-steps.js";
import type { TokenBucket } from "./attestation-route.js";
import { installBundle } from "./install-bundle.js";
import type { RouteResult } from "./session-routes.js";

/** The audit and metrics label of the route. */
export const KMS_UNSEAL_ROUTE_LABEL = "admin.kms_unseal";

export interface KmsUnsealRouteDeps {
  readonly provisioning: ProvisioningConfig;
  readonly kms: KmsUnsealConfig;
  /** Attests the one-time RSA recipient key KMS envelopes the data key to. */
  readonly attestation: AttestationSource;
  readonly policyHash: string;
  /** Hands the installed secrets to the leak scanner and the audit log. */
  readonly learnSecrets: (secrets: readonly string[]) => void;
  /** Bounds how often the route is tried. */
  readonly throttle: TokenBucket;
}

export interface KmsUnsealRoute {
  readonly throttle: TokenBucket;
  /** Handles one upload (the body already read, bounded). Throws HttpError refusals. */
  unseal(ctx: RequestContext, raw: Buffer, contentType: string | undefined): Promise<RouteResult>;
}

/** KMS client codes that mean "try again later". */
const TRANSIENT = new Set(["UNREACHABLE", "THROTTLED", "SERVICE_ERROR"]);
/** KMS client codes that mean KMS refused (the key policy, the credentials, the key, the request). */
const REFUSED = new Set(["ACCESS_DENIED", "AUTH_FAILED", "NOT_FOUND", "KEY_UNUSABLE", "INVALID_CIPHERTEXT", "REQUEST_REJECTED"]);

/** The wire refusal for a failed kmsUnseal; records the KMS outcome (codes only) for the audit. */
function refusalOf(ctx: RequestContext, err: unknown): unknown {
  if (!(err instanceof KmsSealError)) return err;
  const note = (fields: Record<string, string>): void => {
    ctx.auditDetails = { ...ctx.auditDetails, ...fields };
  };
  if (err.code === "ATTESTATION_FAILED") {
    note({ reason: err.code });
    return new HttpError("ATTESTATION_UNAVAILABLE");
  }
  if (err.code === "KMS_FAILED" && err.kmsCode !== undefined) {
    const awsErrorType = err.cause instanceof KmsError ? err.cause.awsErrorType : undefined;
    const details = { kmsCode: err.kmsCode, ...(awsErrorType === undefined ? {} : { awsErrorType }) };
    note(details);
    if (TRANSIENT.has(err.kmsCode)) return new HttpError("KMS_UNAVAILABLE", undefined, { details });
    if (REFUSED.has(err.kmsCode)) return new HttpError("KMS_REFUSED", undefined, { details });
    note({ reason: err.kmsCode });
    return new HttpError("KMS_ANSWER_INVALID", undefined, { details: { reason: err.kmsCode } });
  }
  if (err.code === "KMS_KEY_MISMATCH" || err.code === "RECIPIENT_CIPHERTEXT_INVALID" || err.code === "DATA_KEY_INVALID" || err.code === "SEALED_BLOB_AUTH_FAILED") {
    note({ reason: err.code });
    return new HttpError("KMS_ANSWER_INVALID", undefined, { details: { reason: err.code } });
  }
  // SEALED_BLOB_INVALID and OPTIONS_INVALID cannot follow the checks above: a bug, answered
  // INTERNAL_ERROR and logged by name and code.
  return err;
}

export function createKmsUnsealRoute(deps: KmsUnsealRouteDeps): KmsUnsealRoute {
  // One unseal at a time: each costs an RSA key, an attestation and a KMS call, and only the
  // first can install; the next one finds the keys installed and is refused before KMS.
  let tail: Promise<unknown> = Promise.resolve();
  const exclusive = <T>(run: () => Promise<T>): Promise<T> => {
    const result = tail.then(run);
    tail = result.catch(() => undefined);
    return result;
  };

  async function openAndInstall(ctx: RequestContext, sealed: string, credentials: AwsCredentials, blobSha256: string): Promise<RouteResult> {
    const keyring = deps.provisioning.keyring;
    if (keyring.installed) throw new HttpError("ALREADY_PROVISIONED");
    let plaintext: Buffer;
    try {
      plaintext = await kmsUnseal({
        sealed,
        attestation: deps.attestation,
        kms: {
          endpoint: deps.kms.endpoint,
          region: deps.kms.region,
          credentials,
          // Inside an enclave the only way out: the forwarder to the parent's vsock-proxy.
          ...(deps.kms.connectPort === undefined ? {} : { connectAddress: { host: "127.0.0.1", port: deps.kms.connectPort } }),
        },
      });
    } catch (err) {
      throw refusalOf(ctx, err);
    }
    try {
      const { installed, auditDetails } = installBundle(plaintext, { keyring, learnSecrets: deps.learnSecrets });
      const body: KmsUnsealAnswer = {
        requestId: ctx.requestId,
        kmsKeyId: deps.kms.keyArn,
        blobSha256,
        policyHash: deps.policyHash,
        adminKeyId: deps.provisioning.adminKeyId,
        ...installed,
      };
      return { status: 200, body, headers: {}, auditDetails: { ...ctx.auditDetails, ...auditDetails } };
    } finally {
      plaintext.fill(0);
    }
  }

  return {
    throttle: deps.throttle,
    async unseal(ctx, raw, contentType) {
      const parsed = KmsUnsealUpload.safeParse(parseJsonBody(raw, contentType));
      // zod's messages name fields and rules, never the values (the credentials included).
      if (!parsed.success) throw new HttpError("INVALID_PAYLOAD", undefined, { details: parsed.error.flatten() });
      const { blob, adminSignature, awsCredentials } = parsed.data;

      let blobSha256: string;
      try {
        blobSha256 = kmsBlobSha256(blob);
        ctx.auditDetails = { kmsKeyId: blob.keyId, blobSha256 };
        verifyKmsBlobSignature(blob, adminSignature, deps.provisioning.adminPublicKey);
      } catch (err) {
        if (err instanceof ProvisioningError && err.code === "MALFORMED_BLOB") throw new HttpError("INVALID_PAYLOAD", "the sealed blob is not canonical");
        if (err instanceof ProvisioningError) throw new HttpError("ADMIN_SIGNATURE_INVALID");
        throw err;
      }
      ctx.auditDetails = { ...ctx.auditDetails, adminKeyId: deps.provisioning.adminKeyId };
      // The ARN is compared as configured: the operator seals with this very key.
      if (blob.keyId !== deps.kms.keyArn) throw new HttpError("KMS_BLOB_WRONG_KEY");
      if (deps.provisioning.keyring.installed) throw new HttpError("ALREADY_PROVISIONED");

      const credentials: AwsCredentials =
        awsCredentials.sessionToken === undefined
          ? { accessKeyId: awsCredentials.accessKeyId, secretAccessKey: awsCredentials.secretAccessKey }
          : { accessKeyId: awsCredentials.accessKeyId, secretAccessKey: awsCredentials.secretAccessKey, sessionToken: awsCredentials.sessionToken };
      return exclusive(() => openAndInstall(ctx, JSON.stringify(blob), credentials, blobSha256));
    },
  };
}
