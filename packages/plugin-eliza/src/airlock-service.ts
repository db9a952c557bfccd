import { AirlockClient, isAirlockError } from "@airlock/core";
import { NITRO_SETTING_NAMES, NITRO_SETTINGS, runSignerStatus, type OperatorSettings, type ToolOutcome } from "@airlock/core/agent-tools";
import { Service, type IAgentRuntime } from "@elizaos/core";
import { AirlockSettingsError } from "./settings-errors.js";
import { loadAirlockSettings } from "./settings.js";
import { StatusCache } from "./status-cache.js";

/** The service type the plugin registers under; `runtime.getService(AIRLOCK_SERVICE_TYPE)`. */
export const AIRLOCK_SERVICE_TYPE = "airlock";

declare module "@elizaos/core" {
  interface ServiceTypeRegistry {
    AIRLOCK: typeof AIRLOCK_SERVICE_TYPE;
  }
}

/** Client options (as AirlockClient names them) mapped back to the setting that set them. */
const SETTING_OF_OPTION: Readonly<Record<string, string>> = {
  baseUrl: "AIRLOCK_URL",
  clientId: "AIRLOCK_CLIENT_ID",
  hmacSecret: "AIRLOCK_HMAC_SECRET",
  keyId: "AIRLOCK_KEY_ID",
  timeoutMs: "AIRLOCK_TIMEOUT_MS",
  tls: "AIRLOCK_URL",
  "tls.ca": "AIRLOCK_TLS_CA",
  "tls.cert": "AIRLOCK_TLS_CERT",
  "tls.key": "AIRLOCK_TLS_KEY",
  "tls.pinnedPublicKeySha256": "AIRLOCK_TLS_PINNED_SPKI_SHA256",
  expectedSessionPublicKeys: "AIRLOCK_EXPECTED_SESSION_PUBLIC_KEYS",
  venueOrigins: "AIRLOCK_VENUE_ORIGINS",
  nitro: "AIRLOCK_NITRO_EXPECTED_PCR0",
  ...Object.fromEntries(NITRO_SETTING_NAMES.map((name) => [NITRO_SETTINGS[name].option, name])),
};

interface Started {
  readonly client: AirlockClient;
  readonly operator: OperatorSettings;
}

/**
 * Holds the one AirlockClient of an agent, built at start from the plugin settings, and the
 * values the operator fixed. Actions and the provider reach the signer only through it.
 */
export class AirlockService extends Service {
  static override serviceType = AIRLOCK_SERVICE_TYPE;

  override capabilityDescription =
    "Asks the Airlock signer sidecar to sign Starknet session transactions and exchange orders under its policy, dry-runs its policy, and reports its status. The agent never holds a key or an exchange secret.";

  readonly #started: Started | undefined;
  readonly #status: StatusCache | undefined;

  /** ElizaOS builds services through `start`; a service constructed bare is not configured. */
  constructor(runtime?: IAgentRuntime, started?: Started) {
    super(runtime);
    this.#started = started;
    this.#status = started === undefined ? undefined : new StatusCache(() => runSignerStatus(started.client));
  }

  /**
   * Reads and validates the settings and builds the client. Throws AirlockSettingsError naming
   * the setting at fault (never its value); ElizaOS then reports the service as failed.
   */
  static override async start(runtime: IAgentRuntime): Promise<AirlockService> {
    const { clientOptions, operator } = await loadAirlockSettings(runtime);
    let client: AirlockClient;
    try {
      client = new AirlockClient(clientOptions);
    } catch (err) {
      // The settings schema mirrors the client's checks; this only catches a drift between them.
      if (isAirlockError(err, "CONFIG")) {
        const option = (err as { option?: string }).option;
        // Per-venue options ("venueOrigins.okx") belong to their parent setting; "nitro.x" to its own.
        const setting = (option === undefined ? undefined : (SETTING_OF_OPTION[option] ?? SETTING_OF_OPTION[option.split(".")[0]!])) ?? "";
        throw new AirlockSettingsError(setting, `${setting === "" ? "Airlock plugin settings" : setting}: ${err.message}`);
      }
      throw err;
    }
    const name = typeof runtime.character?.name === "string" ? runtime.character.name : undefined;
    const service = new AirlockService(runtime, { client, operator: { ...operator, ...(name === undefined ? {} : { requester: name }) } });
    runtime.logger?.info(
      {
        src: "plugin:airlock",
        signer: client.baseUrl,
        clientId: client.clientId ?? "(default)",
        keyId: client.keyId ?? "(default)",
        // Whether the signer is attested (Nitro backend); the trust settings themselves are not logged.
        attestation: clientOptions.nitro === undefined ? "none" : "nitro",
      },
      "Airlock signer client ready",
    );
    return service;
  }

  static override async stop(runtime: IAgentRuntime): Promise<void> {
    await runtime.getService<AirlockService>(AIRLOCK_SERVICE_TYPE)?.stop();
  }

  /** Closes the client's connection pool; later calls answer "unavailable". */
  override async stop(): Promise<void> {
    await this.#started?.client.close();
  }

  /** True once started from valid settings. */
  get isConfigured(): boolean {
    return this.#started !== undefined;
  }

  /** The agent's client. Throws when the service was not started through `start`. */
  get client(): AirlockClient {
    return this.#require().client;
  }

  /** What the operator fixed (key, account, chain, validity), with the character name as requester. */
  get operator(): OperatorSettings {
    return this.#require().operator;
  }

  /** The signer's status, cached briefly (see StatusCache). */
  signerStatus(): Promise<ToolOutcome> {
    return this.#status === undefined ? Promise.resolve(notConfigured()) : this.#status.get();
  }

  #require(): Started {
    if (this.#started === undefined) throw new AirlockSettingsError("", "The Airlock service was not started from the plugin settings.");
    return this.#started;
  }
}

function notConfigured(): ToolOutcome {
  return { ok: false, error: "not_configured", summary: "The Airlock signer is not configured for this agent." };
}

/** The agent's AirlockService when it started and is configured, else undefined. */
export function airlockServiceOf(runtime: IAgentRuntime): AirlockService | undefined {
  const service = runtime.getService<AirlockService>(AIRLOCK_SERVICE_TYPE);
  return service instanceof AirlockService && service.isConfigured ? service : undefined;
}
