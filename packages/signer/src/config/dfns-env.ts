import { z } from "zod";
import { HEX_FELT_PATTERN, STARK_PRIME } from "@airlock/core/starknet";
import type { DfnsProviderOptions } from "../custody/dfns-provider.js";
import { ID_PATTERN, type EnvReader } from "./env-reader.js";
import { frozenMap } from "./immutable.js";
import { readJsonEnv } from "./json-env.js";
import { addZodProblems, type Problems } from "./problems.js";

const PinnedKeys = z
  .record(
    z.string().regex(ID_PATTERN, "expected 1-64 of [A-Za-z0-9._:@-]"),
    z
      .string()
      .regex(HEX_FELT_PATTERN, "expected 0x-prefixed hex of 1-64 digits")
      .refine((v) => BigInt(v) > 0n && BigInt(v) < STARK_PRIME, "must be a non-zero felt below the Stark prime"),
  )
  .refine((pins) => Object.keys(pins).length >= 1 && Object.keys(pins).length <= 256, "must pin 1-256 key ids");

/** Header values we send: visible ASCII only, so no value can inject a header line. */
const HEADER_VALUE = /^[\x21-\x7e]{1,8192}$/;
const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

/** The validated DFNS settings: provider options plus startup preflight. */
export interface DfnsEnv {
  readonly options: DfnsProviderOptions;
  readonly preflightOnStartup: boolean;
  /** The bearer token and user-action signature, for the leak scanner. */
  readonly secrets: readonly string[];
}

function readHeaderSecret(env: EnvReader, problems: Problems, name: string): string | undefined {
  const value = env.optional(name);
  problems.secret(value);
  if (value === undefined) {
    problems.add(`${name} is required when KEYRING_SIGNER_PROVIDER=dfns`);
    return undefined;
  }
  if (!HEADER_VALUE.test(value)) {
    problems.add(`${name} must be 1-8192 printable ASCII characters without spaces`);
    return undefined;
  }
  return value;
}

function readEndpoint(env: EnvReader, problems: Problems, production: boolean): string | undefined {
  const raw = env.optional("KEYRING_DFNS_SIGNER_URL");
  if (raw === undefined) {
    problems.add("KEYRING_DFNS_SIGNER_URL is required when KEYRING_SIGNER_PROVIDER=dfns");
    return undefined;
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    problems.add("KEYRING_DFNS_SIGNER_URL must be an absolute http:// or https:// URL");
    return undefined;
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    problems.add("KEYRING_DFNS_SIGNER_URL must be an absolute http:// or https:// URL");
    return undefined;
  }
  if (url.username !== "" || url.password !== "") {
    problems.add("KEYRING_DFNS_SIGNER_URL must not embed credentials (use KEYRING_DFNS_AUTH_TOKEN)");
    return undefined;
  }
  // Beyond SISNA: a bearer token must not cross a network in clear text in production.
  if (production && url.protocol === "http:" && !LOOPBACK_HOSTS.has(url.hostname)) {
    problems.add("NODE_ENV=production requires KEYRING_DFNS_SIGNER_URL to use https:// (http is allowed on loopback only)");
    return undefined;
  }
  return url.href;
}

/**
 * SISNA's KEYRING_DFNS_* variables, read only when KEYRING_SIGNER_PROVIDER=dfns. Returns
 * undefined when any required part is missing or malformed (problems added).
 */
export function readDfnsEnv(env: EnvReader, problems: Problems, production: boolean): DfnsEnv | undefined {
  const endpointUrl = readEndpoint(env, problems, production);
  const authToken = readHeaderSecret(env, problems, "KEYRING_DFNS_AUTH_TOKEN");
  const userActionSignature = readHeaderSecret(env, problems, "KEYRING_DFNS_USER_ACTION_SIGNATURE");
  const timeoutMs = env.int("KEYRING_DFNS_TIMEOUT_MS", 7000, 1, 120_000);
  const preflightTimeoutMs = env.int("KEYRING_DFNS_PREFLIGHT_TIMEOUT_MS", 3000, 1, 120_000);
  const preflightOnStartup = env.bool("KEYRING_DFNS_PREFLIGHT_ON_STARTUP", false);

  let pins: ReadonlyMap<string, bigint> | undefined;
  if (!env.has("KEYRING_DFNS_PINNED_PUBKEYS_JSON")) {
    problems.add("KEYRING_DFNS_PINNED_PUBKEYS_JSON is required when KEYRING_SIGNER_PROVIDER=dfns");
  } else {
    const json = readJsonEnv(env, problems, "KEYRING_DFNS_PINNED_PUBKEYS_JSON");
    if (json !== undefined) {
      const parsed = PinnedKeys.safeParse(json);
      if (!parsed.success) addZodProblems(problems, "KEYRING_DFNS_PINNED_PUBKEYS_JSON", parsed.error);
      else pins = frozenMap(Object.entries(parsed.data).map(([keyId, key]) => [keyId, BigInt(key)] as const));
    }
  }

  if (endpointUrl === undefined || authToken === undefined || userActionSignature === undefined || pins === undefined) {
    return undefined;
  }
  return {
    options: { endpointUrl, authToken, userActionSignature, timeoutMs, preflightTimeoutMs, pinnedPublicKeys: pins },
    preflightOnStartup,
    secrets: [authToken, userActionSignature],
  };
}
