import { DfnsSessionSignerProvider, type DfnsProviderOptions } from "./dfns-provider.js";
import { FallbackSessionSignerProvider, type FallbackEvent } from "./fallback-provider.js";
import { LocalSessionSignerProvider, type LocalKey } from "./local-provider.js";
import type { SessionSignerProvider } from "./provider-types.js";

/** What loadConfig decided the signer should be. */
export type SignerProviderSpec =
  | { readonly kind: "local"; readonly keys: readonly LocalKey[] }
  | {
      readonly kind: "dfns";
      readonly dfns: DfnsProviderOptions;
      /** KEYRING_SIGNER_FALLBACK_PROVIDER=local: the keys of the local fallback. */
      readonly fallbackKeys?: readonly LocalKey[];
    };

/** Observers of provider events (the audit log subscribes here). */
export interface SignerProviderHooks {
  /** Called whenever the fallback signs because the primary failed. */
  readonly onFallback?: (event: FallbackEvent) => void;
}

/** Builds the provider behind config.signer.provider: local, DFNS, or DFNS with a local fallback. */
export function createSignerProvider(spec: SignerProviderSpec, hooks: SignerProviderHooks = {}): SessionSignerProvider {
  if (spec.kind === "local") return new LocalSessionSignerProvider(spec.keys);
  const dfns = new DfnsSessionSignerProvider(spec.dfns);
  if (spec.fallbackKeys === undefined) return dfns;
  return new FallbackSessionSignerProvider(dfns, new LocalSessionSignerProvider(spec.fallbackKeys), hooks.onFallback);
}
