/**
 * The configuration is unusable. `problems` holds one line per problem found (all of them,
 * not just the first); no line ever contains a secret value.
 */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  readonly code = "CONFIG_INVALID" as const;
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    const list = problems.map((p) => `  - ${p}`).join("\n");
    super(`invalid configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n${list}`);
    this.problems = Object.freeze([...problems]);
  }
}
