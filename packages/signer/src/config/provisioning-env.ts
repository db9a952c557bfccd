// Sealed key provisioning settings (Nitro backend): the admin public key that must sign every
// upload, and the session key ids the upload must deliver. Both or neither; only with
// AIRLOCK_BACKEND=nitro, where the upload is sealed to an attested enclave key.
import type { KeyObject } from "node:crypto";
import { adminKeyIdOf, parseAdminPublicKey } from "@airlock/core/provisioning";
import type { BackendConfig } from "./config-types.js";
import { ID_PATTERN, type EnvReader } from "./env-reader.js";
import type { Problems } from "./problems.js";

/** Most declared session keys (the loader's bound for KEYRING_SIGNING_KEYS_JSON). */
const MAX_KEY_IDS = 256;

export interface ProvisioningEnv {
  readonly adminPublicKey: KeyObject;
  readonly adminKeyId: string;
  /** Declared key ids, in the order written, distinct. */
  readonly keyIds: readonly string[];
}

function readKeyIds(r: EnvReader, problems: Problems): string[] | undefined {
  const raw = r.optional("AIRLOCK_PROVISIONED_KEY_IDS") ?? "";
  const ids = raw.split(",").map((v) => v.trim());
  if (ids.length > MAX_KEY_IDS || ids.some((id) => !ID_PATTERN.test(id))) {
    problems.add(`AIRLOCK_PROVISIONED_KEY_IDS must be a comma-separated list of 1-${MAX_KEY_IDS} key ids (1-64 of [A-Za-z0-9._:@-])`);
    return undefined;
  }
  if (new Set(ids).size !== ids.length) {
    problems.add("AIRLOCK_PROVISIONED_KEY_IDS lists a key id twice");
    return undefined;
  }
  return ids;
}

/** Undefined when sealed provisioning is not configured (or misconfigured: a problem is added). */
export function readProvisioningEnv(r: EnvReader, problems: Problems, backend: BackendConfig): ProvisioningEnv | undefined {
  const keyGiven = r.has("AIRLOCK_ADMIN_PUBLIC_KEY");
  const idsGiven = r.has("AIRLOCK_PROVISIONED_KEY_IDS");
  if (!keyGiven && !idsGiven) return undefined;
  if (backend.kind !== "nitro") {
    problems.add("AIRLOCK_ADMIN_PUBLIC_KEY and AIRLOCK_PROVISIONED_KEY_IDS need AIRLOCK_BACKEND=nitro: keys are sealed to an attested enclave");
    return undefined;
  }
  if (!keyGiven || !idsGiven) {
    problems.add("AIRLOCK_ADMIN_PUBLIC_KEY and AIRLOCK_PROVISIONED_KEY_IDS must be set together");
    return undefined;
  }
  let adminPublicKey: KeyObject | undefined;
  try {
    adminPublicKey = parseAdminPublicKey(r.optional("AIRLOCK_ADMIN_PUBLIC_KEY") ?? "");
  } catch {
    problems.add("AIRLOCK_ADMIN_PUBLIC_KEY must be an Ed25519 public key: SPKI PEM or the base64 of its DER (`airlock-signer provision-keygen` prints one)");
  }
  const keyIds = readKeyIds(r, problems);
  if (adminPublicKey === undefined || keyIds === undefined) return undefined;
  return { adminPublicKey, adminKeyId: adminKeyIdOf(adminPublicKey), keyIds };
}
