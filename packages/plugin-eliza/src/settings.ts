import type { AirlockClientOptions, VenueOriginsOption } from "@airlock/core";
import { Identifier, isAirlockError, resolveVenueOrigins, Venue } from "@airlock/core";
import { NITRO_SETTING_NAMES, NITRO_SETTINGS, nitroTrustFromSettings, type NitroSettingName, type OperatorSettings } from "@airlock/core/agent-tools";
import { encodeShortString, feltHex, HEX_FELT_PATTERN, parseFelt } from "@airlock/core/starknet";
import type { IAgentRuntime } from "@elizaos/core";
import { z } from "zod";
import { AirlockSettingsError } from "./settings-errors.js";
import { readPemFile } from "./read-pem-file.js";

/** How one setting is declared (mirrored in package.json `agentConfig.pluginParameters`). */
export interface SettingSpec {
  readonly required: boolean;
  readonly sensitive: boolean;
  /** What a valid value looks like; completes "<NAME> must be ..." in error messages. */
  readonly expected: string;
}

/** The Nitro trust settings (shared with the MCP server): none is a secret, but an RPC URL may embed an API key. */
const NITRO_SPECS = Object.fromEntries(
  NITRO_SETTING_NAMES.map((name) => [name, { required: false, sensitive: NITRO_SETTINGS[name].sensitive, expected: NITRO_SETTINGS[name].expected }]),
) as Record<NitroSettingName, SettingSpec>;

/**
 * Every setting the plugin reads, through `runtime.getSetting` (character.secrets, then
 * character.settings, then character.settings.secrets, then the runtime's settings, i.e. the
 * environment). A test checks this table against package.json and against the keys actually read.
 */
export const SETTINGS = Object.freeze({
  AIRLOCK_URL: { required: true, sensitive: false, expected: "the sidecar's origin: http(s)://host[:port], without path, query or credentials" },
  AIRLOCK_CLIENT_ID: { required: false, sensitive: false, expected: "1-128 of [A-Za-z0-9._:@-], starting with a letter or digit" },
  AIRLOCK_HMAC_SECRET: { required: true, sensitive: true, expected: "a string of 16 to 4096 characters" },
  AIRLOCK_KEY_ID: { required: false, sensitive: false, expected: "1-64 of [A-Za-z0-9._:@-], starting with a letter or digit" },
  AIRLOCK_ACCOUNT_ADDRESS: { required: false, sensitive: false, expected: "a non-zero 0x-hex Starknet address below the field prime" },
  AIRLOCK_CHAIN_ID: { required: false, sensitive: false, expected: "a 0x-hex chain id or a chain name such as SN_SEPOLIA or SN_MAIN" },
  AIRLOCK_DEFAULT_VALID_FOR_SECONDS: { required: false, sensitive: false, expected: "an integer from 1 to 86400" },
  AIRLOCK_TIMEOUT_MS: { required: false, sensitive: false, expected: "an integer from 1 to 600000" },
  AIRLOCK_TLS_CA: { required: false, sensitive: false, expected: "the path of a PEM file with the CA certificate(s) of the sidecar" },
  AIRLOCK_TLS_CERT: { required: false, sensitive: false, expected: "the path of a PEM file with the client certificate (mTLS)" },
  AIRLOCK_TLS_KEY: { required: false, sensitive: false, expected: "the path of a PEM file with the client private key (mTLS)" },
  AIRLOCK_TLS_PINNED_SPKI_SHA256: { required: false, sensitive: false, expected: "1 to 32 comma-separated base64 SHA-256 SPKI pins (44 characters each)" },
  AIRLOCK_EXPECTED_SESSION_PUBLIC_KEYS: { required: false, sensitive: false, expected: 'a JSON object of key id to 0x-hex session public key, e.g. {"default":"0x..."}' },
  AIRLOCK_EXCHANGE_ACCOUNT: { required: false, sensitive: false, expected: "an exchange account id configured in the sidecar: 1-64 of [A-Za-z0-9._:@-]" },
  AIRLOCK_EXCHANGE_VENUE: { required: false, sensitive: false, expected: `one of ${Venue.options.join(", ")}` },
  AIRLOCK_VENUE_ORIGINS: {
    required: false,
    sensitive: false,
    expected: 'a JSON object of venue to an array of API origins, e.g. {"binance_futures":["https://gateway.example"]} (https, or http on a loopback host)',
  },
  ...NITRO_SPECS,
} satisfies Record<string, SettingSpec>);

export type SettingName = keyof typeof SETTINGS;
export const SETTING_NAMES = Object.freeze(Object.keys(SETTINGS) as SettingName[]);

/** What the service needs: the client's options (holding the secret) and what the operator fixed. */
export interface AirlockPluginSettings {
  readonly clientOptions: AirlockClientOptions;
  readonly operator: Omit<OperatorSettings, "requester">;
}

const CLIENT_ID = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$/;
const SPKI_PIN = /^[A-Za-z0-9+/]{43}=$/;
const CHAIN_NAME = /^[A-Z][A-Z0-9_]{0,30}$/;
const MAX_PATH_CHARS = 4096;
const MAX_JSON_CHARS = 64 * 1024;

function isOrigin(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  return (
    (url.protocol === "http:" || url.protocol === "https:") &&
    url.hostname !== "" &&
    url.username === "" &&
    url.password === "" &&
    url.pathname === "/" &&
    !value.includes("?") &&
    !value.includes("#")
  );
}

const nonZeroHexFelt = (value: string): boolean => HEX_FELT_PATTERN.test(value) && (parseFelt(value) ?? 0n) !== 0n;

/** A setting that is an integer: a JSON number in the character, or digits in the environment. */
const intSetting = (min: number, max: number) =>
  z
    .union([z.number(), z.string().regex(/^[0-9]{1,9}$/).transform(Number)])
    .pipe(z.number().int().min(min).max(max));

const pathSetting = z.string().max(MAX_PATH_CHARS);

const RawSettings = z
  .object({
    AIRLOCK_URL: z.string().max(2048).refine(isOrigin),
    AIRLOCK_CLIENT_ID: z.string().regex(CLIENT_ID).optional(),
    AIRLOCK_HMAC_SECRET: z.string().min(16).max(4096),
    AIRLOCK_KEY_ID: Identifier.optional(),
    AIRLOCK_ACCOUNT_ADDRESS: z.string().refine(nonZeroHexFelt).transform((v) => feltHex(BigInt(v))).optional(),
    AIRLOCK_CHAIN_ID: z
      .string()
      .refine((v) => nonZeroHexFelt(v) || CHAIN_NAME.test(v))
      .transform((v) => feltHex(v.startsWith("0x") ? BigInt(v) : encodeShortString(v)))
      .optional(),
    AIRLOCK_DEFAULT_VALID_FOR_SECONDS: intSetting(1, 86_400).optional(),
    AIRLOCK_TIMEOUT_MS: intSetting(1, 600_000).optional(),
    AIRLOCK_TLS_CA: pathSetting.optional(),
    AIRLOCK_TLS_CERT: pathSetting.optional(),
    AIRLOCK_TLS_KEY: pathSetting.optional(),
    AIRLOCK_TLS_PINNED_SPKI_SHA256: z
      .string()
      .max(2048)
      .transform((v) => v.split(",").map((pin) => pin.trim()))
      .pipe(z.array(z.string().regex(SPKI_PIN)).min(1).max(32))
      .optional(),
    AIRLOCK_EXPECTED_SESSION_PUBLIC_KEYS: z
      .string()
      .max(MAX_JSON_CHARS)
      .transform((v, ctx) => {
        try {
          return JSON.parse(v) as unknown;
        } catch {
          ctx.addIssue({ code: "custom", message: "not JSON" });
          return z.NEVER;
        }
      })
      .pipe(z.record(Identifier, z.string().refine(nonZeroHexFelt)).refine((keys) => Object.keys(keys).length <= 1024))
      .optional(),
    AIRLOCK_EXCHANGE_ACCOUNT: Identifier.optional(),
    AIRLOCK_EXCHANGE_VENUE: Venue.optional(),
    AIRLOCK_VENUE_ORIGINS: z
      .string()
      .max(MAX_JSON_CHARS)
      .transform((v, ctx) => {
        let parsed: unknown;
        try {
          parsed = JSON.parse(v) as unknown;
        } catch {
          ctx.addIssue({ code: "custom", message: "not JSON" });
          return z.NEVER;
        }
        // The client's own check, run here so the refusal names the setting at start.
        try {
          resolveVenueOrigins(parsed);
        } catch (err) {
          // ConfigError messages are fixed text and option names (venueOrigins.okx[0] ...), never values.
          const detail = isAirlockError(err, "CONFIG") ? err.message.replace(/^venueOrigins\.?/, "").trim() : "is invalid";
          ctx.addIssue({ code: "custom", message: `AIRLOCK_VENUE_ORIGINS ${/^(must|has)\b/.test(detail) ? detail : `entry ${detail}`}` });
          return z.NEVER;
        }
        return parsed as VenueOriginsOption;
      })
      .optional(),
  })
  .superRefine((s, ctx) => {
    // Messages written here start with the setting's name; they are used as they are.
    if ((s.AIRLOCK_TLS_CERT === undefined) !== (s.AIRLOCK_TLS_KEY === undefined)) {
      ctx.addIssue({ code: "custom", path: ["AIRLOCK_TLS_CERT"], message: "AIRLOCK_TLS_CERT and AIRLOCK_TLS_KEY go together (mTLS needs both)" });
    }
    const tls = s.AIRLOCK_TLS_CA ?? s.AIRLOCK_TLS_CERT ?? s.AIRLOCK_TLS_KEY ?? s.AIRLOCK_TLS_PINNED_SPKI_SHA256;
    if (tls !== undefined && !s.AIRLOCK_URL.startsWith("https:")) {
      ctx.addIssue({ code: "custom", path: ["AIRLOCK_URL"], message: "AIRLOCK_URL must be an https origin when AIRLOCK_TLS_* settings are set" });
    }
  });

/** Reads one setting; null, and an empty string (an unset line in a .env file), mean absent. */
function readSetting(runtime: IAgentRuntime, name: SettingName): string | number | boolean | undefined {
  const value = runtime.getSetting(name);
  return value === null || value === "" ? undefined : value;
}

/**
 * The HMAC secret must live where ElizaOS keeps secrets (character `secrets`, `settings.secrets`
 * or the environment), never in plain character `settings`, which end up in prompts and logs.
 * A copy in plain settings is refused even when `secrets` holds one too: the copy is the leak.
 */
function refuseSecretInPlainSettings(runtime: IAgentRuntime): void {
  const settings = (runtime.character as { settings?: unknown } | undefined)?.settings;
  if (typeof settings !== "object" || settings === null) return;
  const plain = (settings as Record<string, unknown>)["AIRLOCK_HMAC_SECRET"];
  if (plain === undefined || plain === null || plain === "") return;
  throw new AirlockSettingsError(
    "AIRLOCK_HMAC_SECRET",
    "AIRLOCK_HMAC_SECRET is in the character's plain `settings`, which can end up in prompts and logs: " +
      "move it to the character's `secrets` (or the environment) and rotate it if the character file was shared. The plugin did not start.",
  );
}

type Issue = z.ZodError["issues"][number];

/** The error for one issue, from the SETTINGS table: zod's own messages are never used. */
function settingsError(issue: Issue, raw: Readonly<Record<string, unknown>>): AirlockSettingsError {
  const name = String(issue.path[0] ?? "");
  const spec = (SETTINGS as Record<string, SettingSpec>)[name];
  if (spec === undefined) return new AirlockSettingsError("", "The Airlock plugin settings are invalid.");
  if (issue.code === "custom" && issue.message.startsWith(`${name} `)) return new AirlockSettingsError(name, issue.message);
  if (raw[name] === undefined) return new AirlockSettingsError(name, `${name} is not set; it is required and must be ${spec.expected}.`);
  return new AirlockSettingsError(name, `${name} must be ${spec.expected}.`);
}

/**
 * Reads and validates every setting, and reads the TLS files. Throws AirlockSettingsError naming
 * the first setting at fault; no message ever holds a setting's value.
 */
export async function loadAirlockSettings(runtime: IAgentRuntime): Promise<AirlockPluginSettings> {
  refuseSecretInPlainSettings(runtime);
  const raw: Record<string, unknown> = {};
  for (const name of SETTING_NAMES) raw[name] = readSetting(runtime, name);
  const parsed = RawSettings.safeParse(raw);
  if (!parsed.success) {
    const [first] = parsed.error.issues;
    throw first === undefined ? new AirlockSettingsError("", "The Airlock plugin settings are invalid.") : settingsError(first, raw);
  }
  const s = parsed.data;
  // The Nitro trust settings: read here, judged by the client's own rules (resolveNitroTrust).
  const trust = nitroTrustFromSettings((name) => raw[name]);
  if (!trust.ok) {
    const [first] = trust.problems;
    throw first === undefined ? new AirlockSettingsError("", "The Airlock plugin settings are invalid.") : new AirlockSettingsError(first.setting, `${first.setting} ${first.message}.`);
  }

  const ca = s.AIRLOCK_TLS_CA === undefined ? undefined : await readPemFile(s.AIRLOCK_TLS_CA, "AIRLOCK_TLS_CA");
  const cert = s.AIRLOCK_TLS_CERT === undefined ? undefined : await readPemFile(s.AIRLOCK_TLS_CERT, "AIRLOCK_TLS_CERT");
  const key = s.AIRLOCK_TLS_KEY === undefined ? undefined : await readPemFile(s.AIRLOCK_TLS_KEY, "AIRLOCK_TLS_KEY");
  const tlsSet = ca !== undefined || cert !== undefined || s.AIRLOCK_TLS_PINNED_SPKI_SHA256 !== undefined;

  const clientOptions: AirlockClientOptions = {
    baseUrl: new URL(s.AIRLOCK_URL).origin,
    hmacSecret: s.AIRLOCK_HMAC_SECRET,
    ...(s.AIRLOCK_CLIENT_ID === undefined ? {} : { clientId: s.AIRLOCK_CLIENT_ID }),
    ...(s.AIRLOCK_KEY_ID === undefined ? {} : { keyId: s.AIRLOCK_KEY_ID }),
    ...(s.AIRLOCK_TIMEOUT_MS === undefined ? {} : { timeoutMs: s.AIRLOCK_TIMEOUT_MS }),
    ...(s.AIRLOCK_EXPECTED_SESSION_PUBLIC_KEYS === undefined ? {} : { expectedSessionPublicKeys: s.AIRLOCK_EXPECTED_SESSION_PUBLIC_KEYS }),
    ...(s.AIRLOCK_VENUE_ORIGINS === undefined ? {} : { venueOrigins: s.AIRLOCK_VENUE_ORIGINS }),
    ...(trust.nitro === undefined ? {} : { nitro: trust.nitro }),
    ...(tlsSet
      ? {
          tls: {
            ...(ca === undefined ? {} : { ca }),
            ...(cert === undefined ? {} : { cert }),
            ...(key === undefined ? {} : { key }),
            ...(s.AIRLOCK_TLS_PINNED_SPKI_SHA256 === undefined ? {} : { pinnedPublicKeySha256: s.AIRLOCK_TLS_PINNED_SPKI_SHA256 }),
          },
        }
      : {}),
  };
  const operator: Omit<OperatorSettings, "requester"> = {
    ...(s.AIRLOCK_KEY_ID === undefined ? {} : { keyId: s.AIRLOCK_KEY_ID }),
    ...(s.AIRLOCK_ACCOUNT_ADDRESS === undefined ? {} : { accountAddress: s.AIRLOCK_ACCOUNT_ADDRESS }),
    ...(s.AIRLOCK_CHAIN_ID === undefined ? {} : { chainId: s.AIRLOCK_CHAIN_ID }),
    ...(s.AIRLOCK_DEFAULT_VALID_FOR_SECONDS === undefined ? {} : { defaultValidForSeconds: s.AIRLOCK_DEFAULT_VALID_FOR_SECONDS }),
    ...(s.AIRLOCK_EXCHANGE_ACCOUNT === undefined ? {} : { exchangeAccount: s.AIRLOCK_EXCHANGE_ACCOUNT }),
    ...(s.AIRLOCK_EXCHANGE_VENUE === undefined ? {} : { venue: s.AIRLOCK_EXCHANGE_VENUE }),
  };
  return { clientOptions, operator };
}
