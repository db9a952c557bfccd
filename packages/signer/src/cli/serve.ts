import { ConfigError, loadConfig } from "../config/env-config.js";
import { startSidecar } from "../server/sidecar.js";
import { closeOnSignals } from "./shutdown.js";

/** Prints one line per configuration problem, as SISNA's startup checks do. */
export function reportConfigError(err: unknown): number {
  if (err instanceof ConfigError) {
    for (const problem of err.problems) process.stderr.write(`airlock-signer: config: ${problem}\n`);
    return 1;
  }
  throw err;
}

/** `airlock-signer serve`: the real thing, configured from the environment. */
export async function runServe(env: NodeJS.ProcessEnv): Promise<number> {
  let config;
  try {
    config = loadConfig(env);
  } catch (err) {
    return reportConfigError(err);
  }
  const provider = config.signer.provider;
  if (config.signer.preflightOnStartup && provider.preflight) {
    const result = await provider.preflight();
    if (!result.ok) {
      process.stderr.write(`airlock-signer: dfns preflight failed: ${result.error ?? "unreachable"}\n`);
      return 1;
    }
  }
  closeOnSignals(await startSidecar(config));
  return 0;
}
