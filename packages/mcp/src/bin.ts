#!/usr/bin/env node
// airlock-mcp: serves the Airlock tools to an MCP client over stdio. stdout carries only MCP
// messages; every diagnostic goes to stderr and is built from fixed text, error names and
// codes: never a secret, a request, or an error message that could quote one.
// Exit codes: 0 after a clean shutdown, 1 on an internal failure, 2 on invalid settings.
import type { AirlockClient } from "@airlock/core";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { clientFromSettings, loadMcpSettings, type McpSettings } from "./env-settings.js";
import { createAirlockMcpServer, SERVER_INFO } from "./server.js";
import { McpSettingsError } from "./settings-error.js";

/** Bound on unparsed stdin; the largest valid tool call is well under 2 MiB. */
const MAX_STDIN_BUFFER_BYTES = 4 * 1024 * 1024;
/** A close that hangs must not keep an orphaned server alive. */
const SHUTDOWN_GRACE_MS = 5_000;
const EXIT_FAILURE = 1;
const EXIT_SETTINGS = 2;

function log(line: string): void {
  process.stderr.write(`airlock-mcp: ${line}\n`);
}

/** An error as a log may show it: its name and code, never its message. */
function errorKind(err: unknown): string {
  if (typeof err !== "object" || err === null) return "non-error value";
  const { name, code } = err as { name?: unknown; code?: unknown };
  const safe = (v: unknown) => (typeof v === "string" && /^[A-Za-z0-9_.-]{1,64}$/.test(v) ? v : undefined);
  return [safe(name) ?? "Error", safe(code)].filter((v) => v !== undefined).join(" ");
}

/** The reason and check code of an UntrustedSignerError (fixed codes only), or undefined. */
function untrustedSigner(err: unknown): string | undefined {
  const { code, reason, verifierCode } = (typeof err === "object" && err !== null ? err : {}) as { code?: unknown; reason?: unknown; verifierCode?: unknown };
  if (code !== "UNTRUSTED_SIGNER") return undefined;
  const safe = (v: unknown) => (typeof v === "string" && /^[A-Za-z0-9_]{1,64}$/.test(v) ? v : undefined);
  return [safe(reason) ?? "unknown reason", safe(verifierCode)].filter((v) => v !== undefined).join(", ");
}

function start(): { settings: McpSettings; client: AirlockClient } | undefined {
  try {
    const settings = loadMcpSettings(process.env);
    return { settings, client: clientFromSettings(settings) };
  } catch (err) {
    if (!(err instanceof McpSettingsError)) throw err;
    log(err.message);
    return undefined;
  }
}

async function main(): Promise<void> {
  process.on("uncaughtException", (err) => {
    log(`internal error (${errorKind(err)}); exiting`);
    process.exit(EXIT_FAILURE);
  });
  process.on("unhandledRejection", (err) => {
    log(`internal error (${errorKind(err)}); exiting`);
    process.exit(EXIT_FAILURE);
  });

  const started = start();
  if (started === undefined) {
    process.exitCode = EXIT_SETTINGS;
    return;
  }
  const { settings, client } = started;
  for (const warning of settings.warnings) log(`warning: ${warning}`);

  const server = createAirlockMcpServer({ client, operator: settings.operator });
  const transport = new StdioServerTransport(process.stdin, process.stdout, { maxBufferSize: MAX_STDIN_BUFFER_BYTES });

  let closing = false;
  const shutdown = (reason: string): void => {
    if (closing) return;
    closing = true;
    log(`shutting down (${reason})`);
    setTimeout(() => process.exit(EXIT_FAILURE), SHUTDOWN_GRACE_MS).unref();
    void Promise.allSettled([server.close(), client.close()]).then(() => process.exit(0));
  };
  // `once`: a second Ctrl-C gets the default action and ends the process at once.
  process.once("SIGINT", () => shutdown("SIGINT"));
  process.once("SIGTERM", () => shutdown("SIGTERM"));
  process.stdin.once("end", () => shutdown("stdin closed"));
  process.stdout.on("error", (err) => shutdown(`stdout ${errorKind(err)}`));
  server.server.onclose = () => shutdown("transport closed");
  server.server.onerror = (err) => log(`ignored a bad message (${errorKind(err)})`);

  await server.connect(transport);
  // Whether the signer is attested (Nitro trust settings); the settings themselves are never logged.
  const attested = settings.client.nitro !== undefined;
  log(`${SERVER_INFO.name} ${SERVER_INFO.version} serving on stdio; signer ${client.baseUrl}${attested ? " (Nitro attestation required)" : ""}`);
  // Only a diagnostic: the MCP client may well start before the signer does. With Nitro settings
  // this attests the signer first, so a signer that fails verification shows here.
  client.health().then(
    () => log(attested ? "signer reachable and verified" : "signer reachable"),
    (err: unknown) => {
      if (closing) return;
      if (untrustedSigner(err)) log(`signer NOT verified (${untrustedSigner(err)}); every tool refuses it (untrusted_signer) until it is`);
      else log(`signer not reachable yet (${errorKind(err)}); the tools report it as unavailable until it is`);
    },
  );
}

main().catch((err: unknown) => {
  log(`failed to start (${errorKind(err)})`);
  process.exit(EXIT_FAILURE);
});
