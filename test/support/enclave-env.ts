// The environment of a sidecar on the Nitro backend with the NSM emulator, as the Nitro tests
// start it: fixed PCRs, and either in-process keys or sealed provisioning (declared key ids and
// clients, an admin key, no secret at all until an upload or a KMS unseal installs them).
import type { KeyObject } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
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

/** What an operator holds for sealed provisioning: the secrets, as the keys file carries them. */
export interface OperatorSecrets {
  readonly keys: readonly TestKey[];
  readonly clients: readonly TestClient[];
  readonly exchangeAccounts?: readonly Record<string, string>[];
}

/**
 * Writes the operator's files into `dir` (mode 0600): the admin private key (PKCS#8 PEM) and the
 * keys file `provision` and `kms-seal` read. Returns their paths.
 */
export async function writeOperatorFiles(dir: string, admin: KeyObject, secrets: OperatorSecrets): Promise<{ admin: string; keys: string }> {
  const paths = { admin: join(dir, "admin.pem"), keys: join(dir, "keys.json") };
  await writeFile(paths.admin, admin.export({ format: "pem", type: "pkcs8" }) as string, { mode: 0o600 });
  const bundle = {
    keys: secrets.keys.map((k) => ({ keyId: k.keyId, privateKey: k.privateKeyHex })),
    clients: secrets.clients.map((c) => ({ clientId: c.id, hmacSecret: c.secret })),
    ...(secrets.exchangeAccounts === undefined ? {} : { exchangeAccounts: secrets.exchangeAccounts }),
  };
  await writeFile(paths.keys, JSON.stringify(bundle), { mode: 0o600 });
  return paths;
}
