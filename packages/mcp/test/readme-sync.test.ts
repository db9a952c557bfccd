import { readFileSync } from "node:fs";
import { join } from "node:path";
import { TOOL_NAMES } from "@airlock/core/agent-tools";
import { ENV_VARS, SERVER_INFO } from "@airlock/mcp";
import { describe, expect, it } from "vitest";
import { PACKAGE_DIR } from "./mcp-helpers.js";

const readme = readFileSync(join(PACKAGE_DIR, "README.md"), "utf8");
const pkg = JSON.parse(readFileSync(join(PACKAGE_DIR, "package.json"), "utf8")) as { name: string; version: string; bin: Record<string, string> };

describe("packages/mcp/README.md and package.json agree with the code", () => {
  it("documents exactly the variables the settings loader reads, and every tool", () => {
    const documented = [...readme.matchAll(/^\| `(AIRLOCK_[A-Z0-9_]+)` \|/gm)].map((m) => m[1]);
    expect(documented.sort()).toEqual(Object.values(ENV_VARS).sort());
    for (const name of Object.values(TOOL_NAMES)) expect(readme).toContain(`\`${name}\``);
  });

  it("shows MCP client configurations that name this package at its version and only known variables", () => {
    const blocks = [...readme.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => JSON.parse(m[1]!) as { mcpServers: Record<string, { command: string; args: string[]; env: Record<string, string> }> });
    expect(blocks.length).toBeGreaterThanOrEqual(2);
    const known = new Set<string>(Object.values(ENV_VARS));
    for (const block of blocks) {
      const entry = block.mcpServers["airlock"]!;
      expect(entry.command).toBe("npx");
      expect(entry.args).toEqual(["-y", `--package=${pkg.name}@${pkg.version}`, "airlock-mcp"]);
      for (const variable of Object.keys(entry.env)) expect(known.has(variable), variable).toBe(true);
      // The examples use the secret file, never an inline secret.
      expect(Object.keys(entry.env)).toContain(ENV_VARS.hmacSecretFile);
      expect(Object.keys(entry.env)).not.toContain(ENV_VARS.hmacSecret);
    }
  });

  it("announces the package version and ships the bin it documents", () => {
    expect(SERVER_INFO.version).toBe(pkg.version);
    expect(pkg.bin).toEqual({ "airlock-mcp": "./dist/bin.js" });
    expect(readFileSync(join(PACKAGE_DIR, "src", "bin.ts"), "utf8").startsWith("#!/usr/bin/env node\n")).toBe(true);
  });
});
