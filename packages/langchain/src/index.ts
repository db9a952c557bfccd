// Entry point of @airlock/langchain: the Airlock signing, exchange and verification tools as a LangChain toolkit.
export { AirlockToolkit } from "./toolkit.js";
export {
  signSessionTransactionTool,
  checkSigningPolicyTool,
  signerStatusTool,
  placeExchangeOrderTool,
  cancelExchangeOrderTool,
  getExchangeAccountTool,
  verifySignerTool,
} from "./tools.js";
export { TOOL_NAMES, TOOL_DESCRIPTIONS, type OperatorSettings, type ToolOutcome } from "@airlock/core/agent-tools";
