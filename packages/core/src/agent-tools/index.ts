// Entry point of @airlock/core/agent-tools: the tools every framework binding exposes.
export { TOOL_NAMES, TOOL_DESCRIPTIONS, ToolCall, SessionTransactionToolInput, SignerStatusToolInput } from "./tool-specs.js";
export { outcomeOfError, invalidInput, toolOutputText, type ToolOutcome, type ToolFailure } from "./tool-outcome.js";
export {
  runSignSessionTransaction,
  runCheckSigningPolicy,
  runSignerStatus,
  sessionRequestFromToolInput,
  type OperatorSettings,
} from "./run-tools.js";
