// Entry point of @airlock/mcp. Importing it starts nothing: no transport, no timer, no stdin
// read. The `airlock-mcp` command (bin.ts) is what serves over stdio.
export { createAirlockMcpServer, outcomeResult, SERVER_INFO, MAX_TOOL_INPUT_ELEMENTS, type AirlockMcpServerOptions } from "./server.js";
export { loadMcpSettings, clientFromSettings, MCP_REQUESTER, type McpSettings } from "./env-settings.js";
export { ENV_VARS } from "./env-fields.js";
export { McpSettingsError, type SettingsProblem } from "./settings-error.js";
