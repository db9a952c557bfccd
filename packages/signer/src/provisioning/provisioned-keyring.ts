// The keys of a sidecar provisioned by sealed upload (Nitro backend): the configuration declares
// key ids and exchange accounts (so the policy hash is fixed at boot and attested), this holder
// starts empty, and one sealed upload installs exactly the declared secrets, once, in memory
// only. Until then the session provider and the accounts' venue signers refuse to sign.
import { randomBytes } from "node:crypto";
import { inspect } from "node:util";
import { HEX_FELT_PATTERN, STARK_PRIME, starkKeyOf } from "@airlock/core/starknet";
import type { ExchangeOperation } from "@airlock/core";
import type { AuthClient } from "../config/config-types.js";
import { ExchangeAccountEntry, scannerSecretsOf, type ProvisionedAccountDeclaration } from "../config/exchange-account-schema.js";
import { addZodProblems, Problems } from "../config/problems.js";
import { LocalSessionSignerProvider, type LocalKey } from "../custody/local-provider.js";
import { parsePrivateKey, PRIVATE_KEY_RULE } from "../custody/private-key.js";
import type { SessionSignature, SessionSignerProvider, SessionSignInput } from "../custody/provider-types.js";
import { createVenueSigner, venueSettingsOf } from "../exchange/venue-signers.js";
import type { SignedVenueRequest, VenueAccountSettings, VenueSigner } from "../exchange/venue-types.js";
import { BundleProblems, ProvisionBundle as ProvisionBundleSchema, registerBundleSecrets, type ProvisionBundle } from "./provision-bundle.js";

/** A signing attempt before the sealed upload installed the keys. */
export class KeysNotProvisionedError extends Error {
  override readonly name = "KeysNotProvisionedError";
  constructor() {
    super("signing keys not provisioned");
  }
}

/** A second install: keys are installed once per process. */
export class AlreadyProvisionedError extends Error {
  override readonly name = "AlreadyProvisionedError";
  constructor() {
    super("keys already provisioned");
  }
}

/** What an install put in place: ids and public facts only. */
export interface InstalledKeys {
  readonly keys: readonly { readonly keyId: string; readonly publicKey: bigint }[];
  /** Auth clients whose HMAC secret was installed. */
  readonly clients: readonly string[];
  readonly exchangeAccounts: readonly { readonly account: string; readonly venue: VenueAccountSettings["venue"]; readonly environment: "testnet" | "live" }[];
  /** Values the leak scanner and the audit log must now refuse (private keys, API secrets…). Never logged. */
  readonly scannerSecrets: readonly string[];
}

/** The session provider of a provisioned sidecar: the declared key ids; signs once installed. */
class ProvisionedSessionSigner implements SessionSignerProvider {
  readonly kind = "local" as const;
  #inner: LocalSessionSignerProvider | undefined;

  constructor(private readonly declared: readonly string[]) {}

  fill(inner: LocalSessionSignerProvider): void {
    this.#inner = inner;
  }

  keyIds(): readonly string[] {
    return this.declared;
  }

  publicKey(keyId: string): bigint | undefined {
    return this.#inner?.publicKey(keyId);
  }

  async sign(input: SessionSignInput): Promise<SessionSignature> {
    if (this.#inner === undefined) throw new KeysNotProvisionedError();
    return this.#inner.sign(input);
  }

  async check(): Promise<{ ok: boolean; error?: string }> {
    return this.#inner === undefined ? { ok: false, error: "signing keys not provisioned" } : { ok: true };
  }

  toJSON(): { kind: "local"; keyIds: readonly string[]; provisioned: boolean } {
    return { kind: this.kind, keyIds: this.declared, provisioned: this.#inner !== undefined };
  }

  [inspect.custom](): string {
    return `ProvisionedSessionSigner { keyIds: ${JSON.stringify(this.declared)}, provisioned: ${this.#inner !== undefined}, keys: [redacted] }`;
  }
}

/** A provisioned account's venue signer: its settings are the declaration's; signs once installed. */
class ProvisionedVenueSigner implements VenueSigner {
  #inner: VenueSigner | undefined;

  constructor(readonly settings: VenueAccountSettings) {}

  fill(inner: VenueSigner): void {
    this.#inner = inner;
  }

  sign(op: ExchangeOperation, nowMs: number): SignedVenueRequest {
    if (this.#inner === undefined) throw new KeysNotProvisionedError();
    return this.#inner.sign(op, nowMs);
  }

  secrets(): readonly string[] {
    return this.#inner?.secrets() ?? [];
  }

  toJSON(): { account: string; provisioned: boolean } {
    return { account: this.settings.account, provisioned: this.#inner !== undefined };
  }

  [inspect.custom](): string {
    return `ProvisionedVenueSigner { account: ${JSON.stringify(this.settings.account)}, provisioned: ${this.#inner !== undefined}, credentials: [redacted] }`;
  }
}

/** The entry a declaration describes, without credentials (its `credentials` marker dropped). */
function settingsEntry(declaration: ProvisionedAccountDeclaration): ExchangeAccountEntry {
  const { credentials: _marker, ...settings } = declaration;
  return settings;
}

export class ProvisionedKeyring {
  readonly #keyIds: readonly string[];
  readonly #session: ProvisionedSessionSigner;
  /** Declared auth clients, and their HMAC secrets once installed. */
  readonly #clients = new Map<string, string | undefined>();
  /**
   * What a declared client's hmacSecret reads as before the install: 32 random bytes nobody
   * knows, so even a code path that forgot to check secretPending verifies no MAC.
   */
  readonly #placeholder = randomBytes(32).toString("hex");
  readonly #accounts = new Map<string, { readonly declaration: ProvisionedAccountDeclaration; readonly signer: ProvisionedVenueSigner }>();
  #installed = false;

  /** `keyIds`: the declared session key ids (AIRLOCK_PROVISIONED_KEY_IDS), distinct and valid. */
  constructor(keyIds: readonly string[]) {
    if (new Set(keyIds).size !== keyIds.length) throw new RangeError("provisioned key ids must be distinct");
    this.#keyIds = Object.freeze([...keyIds]);
    this.#session = new ProvisionedSessionSigner(this.#keyIds);
  }

  /** The session provider: the declared key ids, refusing to sign until installed. */
  get sessionProvider(): SessionSignerProvider {
    return this.#session;
  }

  /** True once the sealed upload installed the keys. */
  get installed(): boolean {
    return this.#installed;
  }

  get declaredKeyIds(): readonly string[] {
    return this.#keyIds;
  }

  get declaredAccounts(): readonly string[] {
    return [...this.#accounts.keys()];
  }

  get declaredClients(): readonly string[] {
    return [...this.#clients.keys()];
  }

  /**
   * Declares an auth client whose HMAC secret arrives sealed (configuration time only). The
   * returned client reports secretPending() until the install; its hmacSecret is
   * non-enumerable, like every configured client's.
   */
  declareClient(fields: Omit<AuthClient, "hmacSecret" | "secretPending">): AuthClient {
    if (this.#installed) throw new AlreadyProvisionedError();
    if (this.#clients.has(fields.clientId)) throw new RangeError("auth client declared twice");
    this.#clients.set(fields.clientId, undefined);
    const clients = this.#clients;
    const placeholder = this.#placeholder;
    const id = fields.clientId;
    const client = { ...fields, secretPending: () => clients.get(id) === undefined };
    return Object.defineProperty(client, "hmacSecret", { get: () => clients.get(id) ?? placeholder, enumerable: false }) as AuthClient;
  }

  /** Declares an account whose credentials arrive sealed (configuration time only); returns its venue signer. */
  declareAccount(declaration: ProvisionedAccountDeclaration): VenueSigner {
    if (this.#installed) throw new AlreadyProvisionedError();
    if (this.#accounts.has(declaration.account)) throw new RangeError("exchange account declared twice");
    const signer = new ProvisionedVenueSigner(venueSettingsOf(settingsEntry(declaration)));
    this.#accounts.set(declaration.account, { declaration, signer });
    return signer;
  }

  /**
   * Installs a bundle: exactly the declared key ids and accounts, every key and credential
   * valid. Everything is checked and built before anything is installed, so an install is all
   * or nothing. Throws AlreadyProvisionedError, or BundleProblems naming fields and rules.
   */
  install(bundle: ProvisionBundle): InstalledKeys {
    if (this.#installed) throw new AlreadyProvisionedError();
    const problems = new Problems();
    registerBundleSecrets(problems, bundle);
    // Callers other than the upload route (a KMS unseal) may hand over an unchecked value.
    const checked = ProvisionBundleSchema.safeParse(bundle);
    if (!checked.success) {
      addZodProblems(problems, "secrets", checked.error);
      throw new BundleProblems(problems.lines());
    }
    const keys = this.#checkKeys(checked.data, problems);
    this.#checkClients(checked.data, problems);
    const accounts = this.#checkAccounts(checked.data, problems);
    if (problems.count > 0) throw new BundleProblems(problems.lines());

    const provider = new LocalSessionSignerProvider(keys);
    const scannerSecrets = [...checked.data.keys.map((k) => k.privateKey), ...checked.data.clients.map((c) => c.hmacSecret), ...accounts.flatMap((a) => a.scannerSecrets)];
    this.#session.fill(provider);
    for (const c of checked.data.clients) this.#clients.set(c.clientId, c.hmacSecret);
    for (const a of accounts) this.#accounts.get(a.account)!.signer.fill(a.signer);
    this.#installed = true;
    return {
      keys: keys.map((k) => ({ keyId: k.keyId, publicKey: provider.publicKey(k.keyId)! })),
      clients: checked.data.clients.map((c) => c.clientId),
      exchangeAccounts: accounts.map((a) => ({ account: a.account, venue: a.signer.settings.venue, environment: a.signer.settings.environment })),
      scannerSecrets,
    };
  }

  #checkKeys(bundle: ProvisionBundle, problems: Problems): LocalKey[] {
    const declared = new Set(this.#keyIds);
    const given = new Set(bundle.keys.map((k) => k.keyId));
    for (const keyId of this.#keyIds) if (!given.has(keyId)) problems.add(`keys: no key for declared keyId ${keyId}`);
    const keys: LocalKey[] = [];
    bundle.keys.forEach((entry, i) => {
      const where = `keys[${i}] (keyId ${entry.keyId})`;
      if (!declared.has(entry.keyId)) {
        problems.add(`${where}: not a declared key id (AIRLOCK_PROVISIONED_KEY_IDS)`);
        return;
      }
      const privateKey = parsePrivateKey(entry.privateKey);
      if (privateKey === undefined) {
        problems.add(`${where}: private key ${PRIVATE_KEY_RULE}`);
        return;
      }
      if (entry.publicKey !== undefined && (!HEX_FELT_PATTERN.test(entry.publicKey) || BigInt(entry.publicKey) >= STARK_PRIME || BigInt(entry.publicKey) !== starkKeyOf(privateKey))) {
        problems.add(`${where}: public key does not match the Stark key derived from the private key`);
        return;
      }
      keys.push({ keyId: entry.keyId, privateKey });
    });
    return keys;
  }

  #checkClients(bundle: ProvisionBundle, problems: Problems): void {
    const given = new Set(bundle.clients.map((c) => c.clientId));
    for (const clientId of this.#clients.keys()) if (!given.has(clientId)) problems.add(`clients: no secret for declared client ${clientId}`);
    bundle.clients.forEach((c, i) => {
      if (!this.#clients.has(c.clientId)) problems.add(`clients[${i}] (clientId ${c.clientId}): not a declared auth client (KEYRING_AUTH_CLIENTS_JSON)`);
    });
  }

  #checkAccounts(bundle: ProvisionBundle, problems: Problems): { account: string; signer: VenueSigner; scannerSecrets: string[] }[] {
    const given = new Set(bundle.exchangeAccounts.map((a) => a.account));
    for (const account of this.#accounts.keys()) if (!given.has(account)) problems.add(`exchangeAccounts: no credentials for declared account ${account}`);
    const out: { account: string; signer: VenueSigner; scannerSecrets: string[] }[] = [];
    bundle.exchangeAccounts.forEach((credentials, i) => {
      const where = `exchangeAccounts[${i}] (account ${credentials.account})`;
      const slot = this.#accounts.get(credentials.account);
      if (slot === undefined) {
        problems.add(`${where}: not an account declared with "credentials": "provisioned"`);
        return;
      }
      const { account: _account, ...fields } = credentials;
      const parsed = ExchangeAccountEntry.safeParse({ ...settingsEntry(slot.declaration), ...fields });
      if (!parsed.success) {
        addZodProblems(problems, where, parsed.error);
        return;
      }
      let signer: VenueSigner;
      try {
        signer = createVenueSigner(parsed.data);
      } catch (err) {
        // A VenueConfigError names the rule only; anything else is named by class.
        const e = err as { name?: unknown; message?: unknown } | null;
        const why = e?.name === "VenueConfigError" && typeof e.message === "string" ? e.message.slice(0, 200) : typeof e?.name === "string" ? e.name.slice(0, 64) : "refused";
        problems.add(`${where}: the ${parsed.data.venue} signer refused the credentials (${why})`);
        return;
      }
      out.push({ account: credentials.account, signer, scannerSecrets: scannerSecretsOf(parsed.data) });
    });
    return out;
  }

  toJSON(): { keyIds: readonly string[]; clients: readonly string[]; accounts: readonly string[]; installed: boolean } {
    return { keyIds: this.#keyIds, clients: this.declaredClients, accounts: this.declaredAccounts, installed: this.#installed };
  }

  [inspect.custom](): string {
    return `ProvisionedKeyring ${JSON.stringify(this.toJSON())}`;
  }
}
