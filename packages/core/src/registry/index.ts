// Entry point of @airlock/core/registry: the on-chain PCR0 registry check.
export { RegistryError, type RegistryErrorCode } from "./registry-error.js";
export {
  DEFAULT_CACHE_TTL_MS,
  DEFAULT_TIMEOUT_MS,
  MAX_CACHE_TTL_MS,
  MAX_TIMEOUT_MS,
  type Pcr0RegistryOptions,
} from "./registry-options.js";
export { createPcr0RegistryCheck, type Pcr0RegistryCheck, type RegistryStatus } from "./pcr0-registry.js";
