// The wire contract of POST /v1/admin/provision (Nitro backend): what the operator's
// `airlock-signer provision` uploads and what the enclave answers. The route is not HMAC
// authenticated: the admin signature over the envelope is the authentication, and the sealed
// envelope is the only thing that carries secrets.
import { z } from "zod";
import { Venue } from "../wire/exchange-schemas.js";
import { Identifier } from "../wire/session-schemas.js";
import { SealedEnvelope } from "./sealed-envelope.js";

/** Path of the provisioning upload. */
export const PROVISION_ROUTE = "/v1/admin/provision";

/** Largest upload body: a full 64 KiB envelope (≈ 87 400 base64url characters) and the JSON around it. */
export const MAX_PROVISION_BODY_BYTES = 96 * 1024;

const HEX64 = /^[0-9a-f]{64}$/;

/** The upload: the sealed envelope and the admin's Ed25519 signature over it (envelope-signature.ts). */
export const ProvisionUpload = z.strictObject({
  v: z.literal(1),
  envelope: SealedEnvelope,
  /** Ed25519 signature, base64url (64 bytes). */
  adminSignature: z.string().regex(/^[A-Za-z0-9_-]{86}$/),
});
export type ProvisionUpload = z.infer<typeof ProvisionUpload>;

/**
 * What an install put in place, by id, with the Stark public key of each session key; never a
 * secret. Shared by the answers of both admin routes (sealed upload and KMS unseal).
 */
export const InstalledSecrets = z.strictObject({
  keys: z
    .array(z.strictObject({ keyId: Identifier, sessionPublicKey: z.string().regex(/^0x[0-9a-f]{1,64}$/) }))
    .max(256),
  /** Auth clients whose HMAC secret was installed. */
  clients: z.array(Identifier).max(256),
  exchangeAccounts: z
    .array(z.strictObject({ account: Identifier, venue: Venue, environment: z.enum(["testnet", "live"]) }))
    .max(64),
});
export type InstalledSecrets = z.infer<typeof InstalledSecrets>;

/**
 * The answer to a successful upload: what was installed (InstalledSecrets) and under which
 * document, policy and admin key. It carries a receipt (x-airlock-receipt) signed by the
 * attested receipt key whose requestHash is the SHA-256 of the exact upload body.
 */
export const ProvisionAnswer = InstalledSecrets.extend({
  requestId: z.string().min(1).max(128),
  /** The document the upload was sealed to (now used up). */
  documentSha256: z.string().regex(HEX64),
  /** The attested policy the installed keys sign under. */
  policyHash: z.string().regex(HEX64),
  /** SHA-256 of the admin public key that signed the upload. */
  adminKeyId: z.string().regex(HEX64),
});
export type ProvisionAnswer = z.infer<typeof ProvisionAnswer>;
