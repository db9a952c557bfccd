import { inspect } from "node:util";
import { precomputeSigningTables, signLowS, starkKeyOf } from "@airlock/core/starknet";
import type { SessionSignature, SessionSignerProvider, SessionSignInput } from "./provider-types.js";
import { UnknownKeyIdError } from "./provider-errors.js";

/** One in-process signing key, already parsed (see parsePrivateKey). */
export interface LocalKey {
  readonly keyId: string;
  readonly privateKey: bigint;
}

interface HeldKey {
  readonly privateKey: bigint;
  readonly publicKey: bigint;
}

/**
 * Session keys held in process memory (SISNA's "local" provider). Keys live only in a private
 * field: they are not enumerable, JSON.stringify and util.inspect show a redacted description,
 * and nothing returns them. The Stark key of each is derived once, here.
 */
export class LocalSessionSignerProvider implements SessionSignerProvider {
  readonly kind = "local" as const;
  readonly #keys: ReadonlyMap<string, HeldKey>;
  readonly #keyIds: readonly string[];

  constructor(keys: readonly LocalKey[]) {
    // Once per process, at startup: the larger k·G table makes every signature cheaper.
    if (keys.length > 0) precomputeSigningTables();
    const held = new Map<string, HeldKey>();
    for (const { keyId, privateKey } of keys) {
      if (held.has(keyId)) throw new Error(`duplicate keyId: ${keyId}`);
      held.set(keyId, { privateKey, publicKey: starkKeyOf(privateKey) });
    }
    this.#keys = held;
    this.#keyIds = Object.freeze([...held.keys()]);
  }

  keyIds(): readonly string[] {
    return this.#keyIds;
  }

  publicKey(keyId: string): bigint | undefined {
    return this.#keys.get(keyId)?.publicKey;
  }

  async sign(input: SessionSignInput): Promise<SessionSignature> {
    const key = this.#keys.get(input.keyId);
    if (!key) throw new UnknownKeyIdError(input.keyId);
    const { r, s } = signLowS(input.hashes.messageHash, key.privateKey);
    return { provider: "local", publicKey: key.publicKey, r, s };
  }

  async check(): Promise<{ ok: boolean; error?: string }> {
    return { ok: true };
  }

  toJSON(): { kind: "local"; keyIds: readonly string[] } {
    return { kind: this.kind, keyIds: this.#keyIds };
  }

  [inspect.custom](): string {
    return `LocalSessionSignerProvider { keyIds: ${JSON.stringify(this.#keyIds)}, keys: [redacted] }`;
  }
}
