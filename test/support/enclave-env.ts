// The environment of a sidecar on the Nitro backend with the NSM emulator, as the Nitro tests
// start it: fixed PCRs, and either in-process keys or sealed provisioning (declared key ids and
// clients, an admin key, no secret at all until an upload or a KMS unseal installs them).
import type { KeyObject } from "node:crypto";
import { sidecarEnv, type TestClient, type TestKey } from "./sidecar-harness.js";

export interface EnclaveEnvOptions {
  readonly clients: readonly TestClient[];
  /** PCR values (96 hex characters) by index; the emulator's built-in ones for the others. */
  readonly pcrs: Readonly<Record<number, string>>;
  /** In-process keys (no provisioning). */
  readonly keys?: readonly TestKey[];
  /** Sealed provisioning: the admin key and the key ids to declare (the first is the default). */
  readonly provisioning?: { readonly admin: KeyObject; readonly keyIds: readonly string[] };
  /** Added or overriding variables (undefined removes one). */
  readonly extra?: Readonly<Record<string, string | undefined>>;
}

/** The DER (base64) of an Ed25519 public key, as AIRLOCK_ADMIN_PUBLIC_KEY takes it. */
export function adminPublicKeyVariable(admin: KeyObject): string {
  return (admin.export({ format: "der", type: "spki" }) as Buffer).toString("base64");
}

export function enclaveEnv(opts: EnclaveEnvOptions): Record<string, string> {
  const provisioning = opts.provisioning;
  return sidecarEnv({
    clients: [...opts.clients],
    keys: provisioning ? [] : [...(opts.keys ?? [])],
    extra: {
      AIRLOCK_BACKEND: "nitro",
      AIRLOCK_ATTESTATION_SOURCE: "emulator",
      AIRLOCK_EMULATOR_PCRS_JSON: JSON.stringify(opts.pcrs),
      ...(provisioning === undefined
        ? {}
        : {
            AIRLOCK_ADMIN_PUBLIC_KEY: adminPublicKeyVariable(provisioning.admin),
            AIRLOCK_PROVISIONED_KEY_IDS: provisioning.keyIds.join(","),
            KEYRING_DEFAULT_KEY_ID: provisioning.keyIds[0],
            // Declared only: the HMAC secrets arrive sealed too.
            KEYRING_AUTH_CLIENTS_JSON: JSON.stringify(opts.clients.map((c) => ({ clientId: c.id }))),
          }),
      ...opts.extra,
    },
  }) as Record<string, string>;
}
