// The one door through which opened secrets enter a provisioned sidecar, shared by both admin
// routes (a sealed upload and a KMS unseal): the plaintext is parsed as a provisioning bundle,
// installed all or nothing (exactly the declared key ids, clients and accounts), and its secrets
// are handed to the leak scanner and the audit log before anything is answered.
import { feltHex } from "@airlock/core/starknet";
import type { InstalledSecrets } from "@airlock/core/provisioning";
import { BundleProblems, parseBundleBytes } from "../../provisioning/provision-bundle.js";
import { AlreadyProvisionedError, type ProvisionedKeyring } from "../../provisioning/provisioned-keyring.js";
import { HttpError } from "../http-error.js";

export interface InstallDeps {
  readonly keyring: ProvisionedKeyring;
  /** Hands the installed secrets to the leak scanner and the audit log, so they are refused from now on. */
  readonly learnSecrets: (secrets: readonly string[]) => void;
}

/** What an install answers and audits: ids and public keys only. */
export interface InstallOutcome {
  readonly installed: InstalledSecrets;
  readonly auditDetails: { readonly keys: string[]; readonly clients: string[]; readonly exchangeAccounts: string[] };
}

/**
 * Installs the bundle in `plaintext` (the caller zeroes its buffer afterwards). Throws
 * HttpError PROVISION_SECRETS_INVALID (details.problems names fields and rules, never values)
 * or ALREADY_PROVISIONED; nothing is installed then.
 */
export function installBundle(plaintext: Uint8Array, deps: InstallDeps): InstallOutcome {
  try {
    const result = deps.keyring.install(parseBundleBytes(plaintext));
    deps.learnSecrets(result.scannerSecrets);
    const installed: InstalledSecrets = {
      keys: result.keys.map((k) => ({ keyId: k.keyId, sessionPublicKey: feltHex(k.publicKey) })),
      clients: [...result.clients],
      exchangeAccounts: result.exchangeAccounts.map((a) => ({ account: a.account, venue: a.venue, environment: a.environment })),
    };
    return {
      installed,
      auditDetails: {
        keys: installed.keys.map((k) => `${k.keyId} ${k.sessionPublicKey}`),
        clients: installed.clients,
        exchangeAccounts: installed.exchangeAccounts.map((a) => a.account),
      },
    };
  } catch (err) {
    if (err instanceof BundleProblems) throw new HttpError("PROVISION_SECRETS_INVALID", undefined, { details: { problems: err.problems.slice(0, 64) } });
    if (err instanceof AlreadyProvisionedError) throw new HttpError("ALREADY_PROVISIONED");
    throw err;
  }
}
