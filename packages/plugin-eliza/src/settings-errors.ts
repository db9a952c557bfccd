/**
 * A plugin setting is missing, malformed or in the wrong place. The message names the setting
 * and what it must look like, never its value (a misplaced secret would otherwise be echoed into
 * the runtime's logs by the very error that refuses it).
 */
export class AirlockSettingsError extends Error {
  /** Stable code for callers that branch on it. */
  readonly code = "AIRLOCK_SETTINGS" as const;
  /** The setting at fault, e.g. "AIRLOCK_URL". */
  readonly setting: string;

  constructor(setting: string, message: string) {
    super(message);
    this.name = "AirlockSettingsError";
    this.setting = setting;
  }
}
