import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** packages/mcp, and the repository root. */
export const PACKAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), "..");
export const REPO_ROOT = join(PACKAGE_DIR, "..", "..");
export const BUILT_BIN = join(PACKAGE_DIR, "dist", "bin.js");
export const BUILT_INDEX = join(PACKAGE_DIR, "dist", "index.js");

/** Fails loudly when the package was not built (the root `npm test` builds first). */
export function requireBuilt(): void {
  if (!existsSync(BUILT_BIN) || !existsSync(BUILT_INDEX)) {
    throw new Error("packages/mcp/dist is missing: run `npx tsc -b packages/mcp` (or `npm run build`) first");
  }
}

/** An MCP client connected to `server` over a linked in-memory pair. */
export async function connectInMemory(server: McpServer): Promise<Client> {
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: "airlock-mcp-test", version: "0.0.0" });
  await server.connect(serverSide);
  await client.connect(clientSide);
  return client;
}

/** The single text block of a tool result. */
export function textOf(result: unknown): string {
  const content = (result as CallToolResult).content;
  if (!Array.isArray(content) || content.length !== 1 || content[0]?.type !== "text") {
    throw new Error(`expected one text block, got ${JSON.stringify(content)}`);
  }
  return content[0].text;
}

/** The tool outcome carried by a result's text (it is JSON by contract). */
export function outcomeOf(result: unknown): Record<string, unknown> & { ok: boolean; summary: string } {
  return JSON.parse(textOf(result)) as Record<string, unknown> & { ok: boolean; summary: string };
}
