import { createPrivateKey, X509Certificate, type KeyObject } from "node:crypto";
import type { AirlockTlsOptions } from "@airlock/core";
import { ENV_VARS } from "./env-fields.js";
import type { SettingsProblem } from "./settings-error.js";
import { readSettingFile } from "./setting-file.js";

const MAX_PEM_BYTES = 1024 * 1024;

/** What the TLS variables named, once read. */
export interface TlsInputs {
  /** Whether AIRLOCK_URL is https; undefined when it is itself missing or invalid (reported there). */
  readonly https: boolean | undefined;
  readonly caPath?: string | undefined;
  readonly certPath?: string | undefined;
  readonly keyPath?: string | undefined;
  readonly pins?: readonly string[] | undefined;
}

/**
 * Reads and checks the CA, client certificate and key files, so a wrong file is reported at
 * start under its variable instead of as an unreachable signer at the first tool call.
 * Returns the client's tls options (undefined when no TLS variable is set).
 */
export function loadTls(input: TlsInputs, problems: SettingsProblem[], warnings: string[]): AirlockTlsOptions | undefined {
  const given = (
    [
      [ENV_VARS.tlsCa, input.caPath],
      [ENV_VARS.tlsCert, input.certPath],
      [ENV_VARS.tlsKey, input.keyPath],
      [ENV_VARS.tlsPins, input.pins],
    ] as const
  ).filter(([, v]) => v !== undefined);
  if (given.length === 0) return undefined;
  if (input.https === false) {
    for (const [variable] of given) problems.push({ variable, message: `needs an https ${ENV_VARS.url}` });
    return undefined;
  }
  if ((input.certPath === undefined) !== (input.keyPath === undefined)) {
    const missing = input.certPath === undefined ? ENV_VARS.tlsCert : ENV_VARS.tlsKey;
    problems.push({ variable: missing, message: `is not set: ${ENV_VARS.tlsCert} and ${ENV_VARS.tlsKey} go together (mTLS)` });
  }

  const pem = (variable: string, path: string | undefined): Buffer | undefined => {
    if (path === undefined) return undefined;
    const file = readSettingFile(path, MAX_PEM_BYTES);
    if (!file.ok) {
      problems.push({ variable, message: file.reason });
      return undefined;
    }
    if (variable === ENV_VARS.tlsKey) warnIfShared(variable, file.mode, warnings);
    return file.bytes;
  };
  const ca = pem(ENV_VARS.tlsCa, input.caPath);
  const cert = pem(ENV_VARS.tlsCert, input.certPath);
  const key = pem(ENV_VARS.tlsKey, input.keyPath);

  if (ca !== undefined && certificateOf(ca) === undefined) {
    problems.push({ variable: ENV_VARS.tlsCa, message: "does not name a PEM certificate file" });
  }
  const certificate = cert === undefined ? undefined : certificateOf(cert);
  if (cert !== undefined && certificate === undefined) {
    problems.push({ variable: ENV_VARS.tlsCert, message: "does not name a PEM certificate file" });
  }
  const privateKey = key === undefined ? undefined : privateKeyOf(key);
  if (key !== undefined && privateKey === undefined) {
    problems.push({ variable: ENV_VARS.tlsKey, message: "does not name an unencrypted PEM private key file" });
  }
  if (certificate !== undefined && privateKey !== undefined && !certificate.checkPrivateKey(privateKey)) {
    problems.push({ variable: ENV_VARS.tlsKey, message: `does not match the certificate of ${ENV_VARS.tlsCert}` });
  }

  return {
    ...(ca === undefined ? {} : { ca }),
    ...(cert === undefined ? {} : { cert }),
    ...(key === undefined ? {} : { key }),
    ...(input.pins === undefined ? {} : { pinnedPublicKeySha256: input.pins }),
  };
}

/** Warns (never fails) when a file holding a secret is open to group or others (POSIX modes). */
export function warnIfShared(variable: string, mode: number, warnings: string[]): void {
  if (process.platform !== "win32" && (mode & 0o077) !== 0) {
    warnings.push(`${variable}: the file is accessible to other users; restrict it (chmod 600)`);
  }
}

function certificateOf(bytes: Buffer): X509Certificate | undefined {
  if (!bytes.includes("-----BEGIN CERTIFICATE-----")) return undefined;
  try {
    return new X509Certificate(bytes);
  } catch {
    return undefined;
  }
}

function privateKeyOf(bytes: Buffer): KeyObject | undefined {
  if (!/-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/.test(bytes.toString("latin1"))) return undefined;
  try {
    return createPrivateKey({ key: bytes, format: "pem" });
  } catch {
    return undefined;
  }
}
