import { AirlockClient, isAirlockError, type AirlockClientOptions } from "@airlock/core";
import { NITRO_SETTING_NAMES, NITRO_SETTINGS, nitroTrustFromSettings, type OperatorSettings } from "@airlock/core/agent-tools";
import { ENV_FIELDS, ENV_VARS, isLoopbackHost, secretProblem, type EnvValue, type EnvVariable } from "./env-fields.js";
import { McpSettingsError, type SettingsProblem } from "./settings-error.js";
import { readSettingFile } from "./setting-file.js";
import { loadTls, warnIfShared } from "./tls-settings.js";

/** Who asks, as recorded in the signer's audit context for every request of this server. */
export const MCP_REQUESTER = "mcp";

const MAX_SECRET_FILE_BYTES = 8192;
const KNOWN: ReadonlySet<string> = new Set(Object.values(ENV_VARS));

/** Everything airlock-mcp needs, from the environment. `client` holds the HMAC secret: never log it. */
export interface McpSettings {
  readonly client: AirlockClientOptions;
  readonly operator: OperatorSettings;
  /** Things that work but deserve attention (a shared secret file, plain http off this host). */
  readonly warnings: readonly string[];
}

/**
 * Reads and validates the AIRLOCK_* environment variables once, and returns the AirlockClient
 * options and the operator settings (requester "mcp"). An empty variable counts as unset.
 * Throws McpSettingsError listing every problem, each under its variable name; no message
 * ever contains a value, a file path or file content.
 */
export function loadMcpSettings(env: Readonly<Record<string, string | undefined>> = process.env): McpSettings {
  const problems: SettingsProblem[] = [];
  const warnings: string[] = [];
  const raw = new Map<string, string>();
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith("AIRLOCK_") || value === undefined || value === "") continue;
    if (KNOWN.has(name)) raw.set(name, value);
    // A misspelt variable (a pin, a key file) would otherwise be silently ignored.
    else if (/^AIRLOCK_[A-Z0-9_]{1,64}$/.test(name)) problems.push({ variable: name, message: "is not a setting of airlock-mcp (check its spelling)" });
    else problems.push({ variable: "AIRLOCK_*", message: "a variable that is not a setting of airlock-mcp is set (check its spelling)" });
  }

  const field = <V extends EnvVariable>(variable: V): EnvValue<V> | undefined => {
    const value = raw.get(variable);
    if (value === undefined) return undefined;
    const parsed = ENV_FIELDS[variable].safeParse(value);
    if (parsed.success) return parsed.data as EnvValue<V>;
    // Issue messages are the fixed texts of ENV_FIELDS; issues (which hold the input) go no further.
    for (const issue of parsed.error.issues) problems.push({ variable, message: issue.message });
    return undefined;
  };

  const url = field(ENV_VARS.url);
  if (!raw.has(ENV_VARS.url)) {
    problems.push({ variable: ENV_VARS.url, message: "is not set: give the signer's origin, e.g. http://127.0.0.1:8545" });
  }
  if (url !== undefined && url.protocol === "http:" && !isLoopbackHost(url)) {
    warnings.push(`${ENV_VARS.url}: plain http to another host; use https (and ${ENV_VARS.tlsCa}) off this machine`);
  }
  const clientId = field(ENV_VARS.clientId);
  const keyId = field(ENV_VARS.keyId);
  const accountAddress = field(ENV_VARS.accountAddress);
  const chainId = field(ENV_VARS.chainId);
  const timeoutMs = field(ENV_VARS.timeoutMs);
  const expectedSessionPublicKeys = field(ENV_VARS.expectedSessionPublicKeys);
  const exchangeAccount = field(ENV_VARS.exchangeAccount);
  const venue = field(ENV_VARS.exchangeVenue);
  const venueOrigins = field(ENV_VARS.venueOrigins);
  // The Nitro trust settings: text read here, judged by the client's own rules (resolveNitroTrust).
  const trust = nitroTrustFromSettings((name) => field(name));
  if (!trust.ok) for (const p of trust.problems) problems.push({ variable: p.setting, message: p.message });
  const secret = loadSecret(raw, field, problems, warnings);
  const tls = loadTls(
    {
      https: url === undefined ? undefined : url.protocol === "https:",
      caPath: field(ENV_VARS.tlsCa),
      certPath: field(ENV_VARS.tlsCert),
      keyPath: field(ENV_VARS.tlsKey),
      pins: field(ENV_VARS.tlsPins),
    },
    problems,
    warnings,
  );

  if (problems.length > 0 || url === undefined || secret === undefined) throw new McpSettingsError(problems);
  const client: AirlockClientOptions = {
    baseUrl: url.origin,
    hmacSecret: secret,
    ...(clientId === undefined ? {} : { clientId }),
    ...(keyId === undefined ? {} : { keyId }),
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
    ...(tls === undefined ? {} : { tls }),
    ...(expectedSessionPublicKeys === undefined ? {} : { expectedSessionPublicKeys }),
    ...(venueOrigins === undefined ? {} : { venueOrigins }),
    ...(trust.ok && trust.nitro !== undefined ? { nitro: trust.nitro } : {}),
  };
  const operator: OperatorSettings = {
    requester: MCP_REQUESTER,
    ...(keyId === undefined ? {} : { keyId }),
    ...(accountAddress === undefined ? {} : { accountAddress }),
    ...(chainId === undefined ? {} : { chainId }),
    ...(exchangeAccount === undefined ? {} : { exchangeAccount }),
    ...(venue === undefined ? {} : { venue }),
  };
  return { client, operator, warnings };
}

/** The HMAC secret, from exactly one of AIRLOCK_HMAC_SECRET and AIRLOCK_HMAC_SECRET_FILE. */
function loadSecret(
  raw: ReadonlyMap<string, string>,
  field: <V extends EnvVariable>(variable: V) => EnvValue<V> | undefined,
  problems: SettingsProblem[],
  warnings: string[],
): string | undefined {
  const inline = raw.has(ENV_VARS.hmacSecret);
  const fromFile = raw.has(ENV_VARS.hmacSecretFile);
  if (inline && fromFile) {
    problems.push({ variable: ENV_VARS.hmacSecret, message: `and ${ENV_VARS.hmacSecretFile} are both set; set only one` });
    return undefined;
  }
  if (!inline && !fromFile) {
    problems.push({ variable: ENV_VARS.hmacSecretFile, message: `is not set (nor ${ENV_VARS.hmacSecret}): name the file that holds the HMAC secret` });
    return undefined;
  }
  if (inline) return field(ENV_VARS.hmacSecret);

  const path = field(ENV_VARS.hmacSecretFile);
  if (path === undefined) return undefined;
  const file = readSettingFile(path, MAX_SECRET_FILE_BYTES);
  if (!file.ok) {
    problems.push({ variable: ENV_VARS.hmacSecretFile, message: file.reason });
    return undefined;
  }
  warnIfShared(ENV_VARS.hmacSecretFile, file.mode, warnings);
  let content: string;
  try {
    content = new TextDecoder("utf-8", { fatal: true }).decode(file.bytes);
  } catch {
    problems.push({ variable: ENV_VARS.hmacSecretFile, message: "names a file that is not UTF-8 text" });
    return undefined;
  }
  // Editors and `echo` end files with a line break: exactly one is not part of the secret.
  const secret = content.replace(/\r?\n$/, "");
  const problem = secretProblem(secret);
  if (problem !== undefined) {
    problems.push({ variable: ENV_VARS.hmacSecretFile, message: `the secret in the file ${problem}` });
    return undefined;
  }
  return secret;
}

const VARIABLE_OF_OPTION: Readonly<Record<string, string>> = {
  baseUrl: ENV_VARS.url,
  clientId: ENV_VARS.clientId,
  keyId: ENV_VARS.keyId,
  timeoutMs: ENV_VARS.timeoutMs,
  "tls.ca": ENV_VARS.tlsCa,
  "tls.cert": ENV_VARS.tlsCert,
  "tls.key": ENV_VARS.tlsKey,
  "tls.pinnedPublicKeySha256": ENV_VARS.tlsPins,
  expectedSessionPublicKeys: ENV_VARS.expectedSessionPublicKeys,
  nitro: ENV_VARS.nitroExpectedPcr0,
  ...Object.fromEntries(NITRO_SETTING_NAMES.map((name) => [NITRO_SETTINGS[name].option, name])),
};

/**
 * Builds the AirlockClient of loaded settings. The client checks its options once more; a
 * ConfigError it raises is reported as an McpSettingsError under the variable at fault.
 */
export function clientFromSettings(settings: McpSettings): AirlockClient {
  try {
    return new AirlockClient(settings.client);
  } catch (err) {
    if (!isAirlockError(err, "CONFIG")) throw err;
    const option = String((err as { option?: unknown }).option);
    const variable =
      option === "hmacSecret"
        ? `${ENV_VARS.hmacSecret} / ${ENV_VARS.hmacSecretFile}`
        : option === "venueOrigins" || option.startsWith("venueOrigins.")
          ? ENV_VARS.venueOrigins
          : (VARIABLE_OF_OPTION[option] ?? (option.startsWith("nitro.") ? VARIABLE_OF_OPTION["nitro"] : undefined) ?? "AIRLOCK_*");
    // ConfigError messages are built from option names and fixed text only (core's contract).
    throw new McpSettingsError([{ variable, message: err.message }]);
  }
}
