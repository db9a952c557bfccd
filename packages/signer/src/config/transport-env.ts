import type { TlsConfig } from "./config-types.js";
import type { EnvReader } from "./env-reader.js";
import type { Problems } from "./problems.js";

/** The transport settings read from the environment. */
export interface TransportEnv {
  readonly transport: "http" | "https";
  readonly mtlsRequired: boolean;
  /** Set for https with both paths present. */
  readonly tls: TlsConfig | undefined;
}

/** SISNA's KEYRING_TRANSPORT / KEYRING_TLS_* / KEYRING_MTLS_REQUIRED and their startup rules. */
export function readTransport(env: EnvReader, problems: Problems): TransportEnv {
  const transport = env.oneOf("KEYRING_TRANSPORT", ["http", "https"] as const, "http");
  const certPath = env.optional("KEYRING_TLS_CERT_PATH");
  const keyPath = env.optional("KEYRING_TLS_KEY_PATH");
  const caPath = env.optional("KEYRING_TLS_CA_PATH");
  const mtlsRequired = env.bool("KEYRING_MTLS_REQUIRED", false);
  if (transport === "https" && (certPath === undefined || keyPath === undefined)) {
    problems.add("KEYRING_TLS_CERT_PATH and KEYRING_TLS_KEY_PATH are required when KEYRING_TRANSPORT=https");
  }
  if (mtlsRequired && transport !== "https") problems.add("KEYRING_MTLS_REQUIRED=true requires KEYRING_TRANSPORT=https");
  if (mtlsRequired && caPath === undefined) problems.add("KEYRING_TLS_CA_PATH is required when KEYRING_MTLS_REQUIRED=true");
  const tls =
    transport === "https" && certPath !== undefined && keyPath !== undefined
      ? { certPath, keyPath, ...(caPath !== undefined ? { caPath } : {}), mtlsRequired }
      : undefined;
  return { transport, mtlsRequired, tls };
}
