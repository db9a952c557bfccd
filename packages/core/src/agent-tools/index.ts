// Entry point of @airlock/core/agent-tools: the tools every framework binding exposes.
export { TOOL_NAMES, TOOL_DESCRIPTIONS, ToolCall, SessionTransactionToolInput, SignerStatusToolInput, VerifySignerToolInput } from "./tool-specs.js";
export { PlaceExchangeOrderToolInput, CancelExchangeOrderToolInput, GetExchangeAccountToolInput } from "./exchange-tool-specs.js";
export { outcomeOfError, invalidInput, toolOutputText, type ToolOutcome, type ToolFailure } from "./tool-outcome.js";
export {
  runSignSessionTransaction,
  runCheckSigningPolicy,
  runSignerStatus,
  sessionRequestFromToolInput,
  type OperatorSettings,
} from "./run-tools.js";
export { runPlaceExchangeOrder, runCancelExchangeOrder, runGetExchangeAccount } from "./exchange-tools.js";
export { placeOrderFromToolInput, cancelFromToolInput, accountReadFromToolInput, type ExchangeToolRequest } from "./exchange-input.js";
export { orderIdsOf, boundedVenueBody, MAX_VENUE_RESPONSE_CHARS } from "./exchange-outcome.js";
export { runVerifySigner, outcomeOfVerifiedSigner, outcomeOfVerifyFailure } from "./verify-signer.js";
export { outcomeOfUntrustedSigner } from "./untrusted-signer-outcome.js";
export {
  NITRO_SETTINGS,
  NITRO_SETTING_NAMES,
  nitroTrustFromSettings,
  type NitroSettingName,
  type NitroSettingSpec,
  type NitroSettingProblem,
  type NitroSettingsResult,
} from "./nitro-settings.js";
export { AGENT_TOOLS, agentTool, type AgentToolSpec } from "./tool-table.js";
