import type { NitroTrustOptions } from "../client/nitro-trust.js";
import { resolveNitroTrust } from "../client/nitro-trust.js";

/**
 * The Nitro trust settings as the framework bindings read them (ElizaOS character settings, MCP
 * environment variables): flat text, mapped onto the client's `nitro` option. Only the text is
 * read here (lists split, integers parsed); the rules are the client's own, applied by calling
 * resolveNitroTrust, so a binding refuses at start exactly what the client would. The registry
 * module checks its options (address checksums, https off loopback, the chain) at the first
 * verification, and refuses then without sending anything.
 *
 * Problems never quote a value: AIRLOCK_REGISTRY_RPC_URL may embed an API key.
 */

/** How one Nitro setting is declared. */
export interface NitroSettingSpec {
  /** The client option it sets. */
  readonly option: string;
  /** Keep its value out of logs, errors and tool outputs. */
  readonly sensitive: boolean;
  /** What a valid value looks like; completes "<NAME> must be ...". */
  readonly expected: string;
}

const pcrList = (index: string, extra = ""): NitroSettingSpec => ({
  option: `nitro.allowedPcrs.${index}`,
  sensitive: false,
  expected: `a comma-separated list of 1 to 16 PCR${index} measurements (48 bytes, 96 hex characters each)${extra}`,
});

export const NITRO_SETTINGS = Object.freeze({
  AIRLOCK_NITRO_EXPECTED_PCR0: pcrList("0", "; setting it makes the client attest the signer (Nitro backend) before anything is sent"),
  AIRLOCK_NITRO_EXPECTED_PCR1: pcrList("1"),
  AIRLOCK_NITRO_EXPECTED_PCR2: pcrList("2"),
  AIRLOCK_NITRO_EXPECTED_PCR8: pcrList("8"),
  AIRLOCK_NITRO_ROOT_SHA256: {
    option: "nitro.rootFingerprintSha256",
    sensitive: false,
    expected: "the SHA-256 fingerprint (64 hex characters) of the attestation root certificate (default: the AWS Nitro Enclaves Root CA G1)",
  },
  AIRLOCK_NITRO_MAX_AGE_MS: {
    option: "nitro.maxAttestationAgeMs",
    sensitive: false,
    expected: "an integer from 10000 to 86400000: milliseconds after which the signer is attested again (default 600000)",
  },
  AIRLOCK_NITRO_POLICY_HASH: {
    option: "nitro.expectedPolicyHash",
    sensitive: false,
    expected: "the policy hash the enclave must attest: 64 lowercase hex characters",
  },
  AIRLOCK_REGISTRY_RPC_URL: {
    option: "nitro.registry.rpcUrl",
    sensitive: true,
    expected: "the JSON-RPC URL of the chain holding the PCR0 registry: https (plain http only on a loopback host)",
  },
  AIRLOCK_REGISTRY_ADDRESS: { option: "nitro.registry.address", sensitive: false, expected: "the 0x address (20 bytes) of the PCR0 registry contract" },
  AIRLOCK_REGISTRY_OWNER: {
    option: "nitro.registry.owner",
    sensitive: false,
    expected: "the 0x address (20 bytes) of the owner whose PCR0 registrations are trusted",
  },
  AIRLOCK_REGISTRY_CHAIN_ID: {
    option: "nitro.registry.chainId",
    sensitive: false,
    expected: "the registry chain's id as a decimal integer, e.g. 1 (Ethereum) or 8453 (Base)",
  },
} satisfies Record<string, NitroSettingSpec>);

export type NitroSettingName = keyof typeof NITRO_SETTINGS;
export const NITRO_SETTING_NAMES = Object.freeze(Object.keys(NITRO_SETTINGS) as NitroSettingName[]);

/** One malformed or missing Nitro setting; `message` completes "<setting> ..." and never holds its value. */
export interface NitroSettingProblem {
  readonly setting: NitroSettingName;
  readonly message: string;
}

export type NitroSettingsResult =
  | { readonly ok: true; readonly nitro: NitroTrustOptions | undefined }
  | { readonly ok: false; readonly problems: readonly NitroSettingProblem[] };

const PCR_SETTINGS = [
  ["0", "AIRLOCK_NITRO_EXPECTED_PCR0"],
  ["1", "AIRLOCK_NITRO_EXPECTED_PCR1"],
  ["2", "AIRLOCK_NITRO_EXPECTED_PCR2"],
  ["8", "AIRLOCK_NITRO_EXPECTED_PCR8"],
] as const;
const REGISTRY_TRIO = ["AIRLOCK_REGISTRY_RPC_URL", "AIRLOCK_REGISTRY_ADDRESS", "AIRLOCK_REGISTRY_OWNER"] as const;

/** Stands in for PCR0 while another setting is checked alone. */
const PLACEHOLDER_PCR0 = "11".repeat(48);
const MAX_LIST_CHARS = 4096;
const MAX_TEXT_CHARS = 2048;
const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

type Parsed = Partial<{
  pcrs: Partial<Record<"0" | "1" | "2" | "8", string[]>>;
  root: string;
  maxAge: number;
  policyHash: string;
  rpcUrl: string;
  address: string;
  owner: string;
  chainId: number;
}>;

/** A whole number given as a number (character JSON) or as digits (the environment). */
function integer(value: unknown, maxDigits: number): number | undefined {
  if (typeof value === "number") return Number.isSafeInteger(value) ? value : undefined;
  if (typeof value !== "string" || !new RegExp(`^[0-9]{1,${maxDigits}}$`).test(value)) return undefined;
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : undefined;
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === "https:" || url.protocol === "http:";
  } catch {
    return false;
  }
}

/** The client's own verdict on a trust object: undefined, or its message without the option's name. */
function coreProblem(trust: Record<string, unknown>): { option: string; message: string } | undefined {
  try {
    resolveNitroTrust(trust);
    return undefined;
  } catch (err) {
    const option = (err as { option?: unknown }).option;
    const message = err instanceof Error ? err.message : "";
    // ConfigError messages are "<option> <fixed text>": option names and fixed text, never values.
    if (typeof option !== "string" || !message.startsWith(`${option} `)) return { option: String(option), message: "" };
    return { option, message: message.slice(option.length + 1) };
  }
}

/**
 * Reads the Nitro trust settings through `read` (undefined, null and "" mean unset) and returns
 * the client's `nitro` option (undefined when no Nitro setting is set: the keyring backend), or
 * every problem found. AIRLOCK_NITRO_EXPECTED_PCR0 is required as soon as any other one is set,
 * and the registry's RPC URL, address and owner go together.
 */
export function nitroTrustFromSettings(read: (name: NitroSettingName) => unknown): NitroSettingsResult {
  const problems: NitroSettingProblem[] = [];
  const malformed = (setting: NitroSettingName, message = `must be ${NITRO_SETTINGS[setting].expected}`) => void problems.push({ setting, message });
  const raw = new Map<NitroSettingName, unknown>();
  for (const name of NITRO_SETTING_NAMES) {
    const value = read(name);
    if (value !== undefined && value !== null && value !== "") raw.set(name, value);
  }
  if (raw.size === 0) return { ok: true, nitro: undefined };

  const p: Parsed = {};
  const text = (name: NitroSettingName, max: number): string | undefined => {
    const value = raw.get(name);
    if (value === undefined) return undefined;
    if (typeof value === "string" && value.length <= max) return value;
    malformed(name);
    return undefined;
  };
  for (const [index, name] of PCR_SETTINGS) {
    const list = text(name, MAX_LIST_CHARS)?.split(",").map((entry) => entry.trim());
    if (list === undefined) continue;
    if (list.some((entry) => entry === "")) malformed(name, "has an empty entry: separate the measurements with single commas");
    else (p.pcrs ??= {})[index] = list;
  }
  const root = text("AIRLOCK_NITRO_ROOT_SHA256", MAX_TEXT_CHARS);
  if (root !== undefined) p.root = root;
  const policyHash = text("AIRLOCK_NITRO_POLICY_HASH", MAX_TEXT_CHARS);
  if (policyHash !== undefined) p.policyHash = policyHash;
  if (raw.has("AIRLOCK_NITRO_MAX_AGE_MS")) {
    const maxAge = integer(raw.get("AIRLOCK_NITRO_MAX_AGE_MS"), 9);
    if (maxAge === undefined) malformed("AIRLOCK_NITRO_MAX_AGE_MS");
    else p.maxAge = maxAge;
  }
  const rpcUrl = text("AIRLOCK_REGISTRY_RPC_URL", MAX_TEXT_CHARS);
  if (rpcUrl !== undefined) {
    if (isHttpUrl(rpcUrl)) p.rpcUrl = rpcUrl;
    else malformed("AIRLOCK_REGISTRY_RPC_URL");
  }
  for (const [name, key] of [
    ["AIRLOCK_REGISTRY_ADDRESS", "address"],
    ["AIRLOCK_REGISTRY_OWNER", "owner"],
  ] as const) {
    const value = text(name, MAX_TEXT_CHARS);
    if (value === undefined) continue;
    if (ADDRESS.test(value)) p[key] = value;
    else malformed(name);
  }
  if (raw.has("AIRLOCK_REGISTRY_CHAIN_ID")) {
    const chainId = integer(raw.get("AIRLOCK_REGISTRY_CHAIN_ID"), 16);
    if (chainId === undefined || chainId < 1) malformed("AIRLOCK_REGISTRY_CHAIN_ID");
    else p.chainId = chainId;
  }

  // Which settings go together.
  if (!raw.has("AIRLOCK_NITRO_EXPECTED_PCR0")) {
    malformed("AIRLOCK_NITRO_EXPECTED_PCR0", "is not set, but other Nitro trust settings are: it is required to attest the signer (the measurement of its enclave image)");
  }
  const trio = REGISTRY_TRIO.filter((name) => raw.has(name));
  if (trio.length > 0 && trio.length < REGISTRY_TRIO.length) {
    for (const name of REGISTRY_TRIO) if (!raw.has(name)) malformed(name, `is not set: ${REGISTRY_TRIO.join(", ")} go together (all or none)`);
  }
  if (trio.length === 0 && raw.has("AIRLOCK_REGISTRY_CHAIN_ID")) {
    malformed("AIRLOCK_REGISTRY_CHAIN_ID", `is set without the registry: set ${REGISTRY_TRIO.join(", ")} too, or unset it`);
  }

  // The client's rules, one setting at a time, so that every problem is reported at once.
  const base = { allowedPcrs: { "0": [PLACEHOLDER_PCR0] } };
  const checks: [NitroSettingName, Record<string, unknown>][] = [];
  for (const [index, name] of PCR_SETTINGS) {
    const list = p.pcrs?.[index];
    if (list !== undefined) checks.push([name, { allowedPcrs: { ...base.allowedPcrs, [index]: list } }]);
  }
  if (p.root !== undefined) checks.push(["AIRLOCK_NITRO_ROOT_SHA256", { ...base, rootFingerprintSha256: p.root }]);
  if (p.maxAge !== undefined) checks.push(["AIRLOCK_NITRO_MAX_AGE_MS", { ...base, maxAttestationAgeMs: p.maxAge }]);
  if (p.policyHash !== undefined) checks.push(["AIRLOCK_NITRO_POLICY_HASH", { ...base, expectedPolicyHash: p.policyHash }]);
  for (const [name, trust] of checks) {
    const problem = coreProblem(trust);
    if (problem !== undefined) malformed(name, problem.message === "" ? undefined : problem.message);
  }
  if (problems.length > 0) return { ok: false, problems };

  const pcrs = p.pcrs as NitroTrustOptions["allowedPcrs"];
  const nitro: NitroTrustOptions = {
    allowedPcrs: pcrs,
    ...(p.root === undefined ? {} : { rootFingerprintSha256: p.root }),
    ...(p.maxAge === undefined ? {} : { maxAttestationAgeMs: p.maxAge }),
    ...(p.policyHash === undefined ? {} : { expectedPolicyHash: p.policyHash }),
    ...(p.rpcUrl === undefined || p.address === undefined || p.owner === undefined
      ? {}
      : { registry: { rpcUrl: p.rpcUrl, address: p.address, owner: p.owner, ...(p.chainId === undefined ? {} : { chainId: p.chainId }) } }),
  };
  // The whole, once more: what the client will be given must pass as it is.
  const whole = coreProblem(nitro as unknown as Record<string, unknown>);
  if (whole !== undefined) {
    const setting = NITRO_SETTING_NAMES.find((name) => NITRO_SETTINGS[name].option === whole.option) ?? "AIRLOCK_NITRO_EXPECTED_PCR0";
    return { ok: false, problems: [{ setting, message: whole.message === "" ? `must be ${NITRO_SETTINGS[setting].expected}` : whole.message }] };
  }
  return { ok: true, nitro };
}
