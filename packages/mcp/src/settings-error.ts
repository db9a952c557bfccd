/** One thing wrong with the settings: the variable at fault and what is wrong, never its value. */
export interface SettingsProblem {
  readonly variable: string;
  readonly message: string;
}

/**
 * The environment does not describe a usable configuration. Lists every problem found, one
 * line each, so a user fixes them all in one go. Built only from variable names and fixed
 * text: no value, no path, no parser message (those can quote the input), and no cause.
 */
export class McpSettingsError extends Error {
  readonly code = "INVALID_SETTINGS" as const;
  readonly problems: readonly SettingsProblem[];

  constructor(problems: readonly SettingsProblem[]) {
    super(`invalid airlock-mcp settings:\n${problems.map((p) => `  ${p.variable}: ${p.message}`).join("\n")}`);
    this.name = "McpSettingsError";
    this.problems = Object.freeze([...problems]);
  }
}
