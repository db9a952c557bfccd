// Entry point of @airlock/plugin-eliza: the ElizaOS plugin that signs through the Airlock sidecar.
import type { Plugin } from "@elizaos/core";
import { checkSigningPolicyAction } from "./actions/check-signing-policy.js";
import { signStarknetSessionTxAction } from "./actions/sign-session-tx.js";
import { airlockSignerStatusAction } from "./actions/signer-status.js";
import { AirlockService } from "./airlock-service.js";
import { airlockSignerProvider } from "./status-provider.js";

/**
 * The Airlock plugin: one AirlockService (the client, built from the AIRLOCK_* settings), three
 * actions and a status provider. No key, no crypto and no policy live here: the sidecar signs
 * and decides, @airlock/core verifies its answers.
 */
export const airlockPlugin: Plugin = {
  name: "airlock",
  description:
    "Signs Starknet session transactions through the Airlock signer sidecar (the agent never holds a key): sign, policy dry run, signer status.",
  services: [AirlockService],
  actions: [signStarknetSessionTxAction, checkSigningPolicyAction, airlockSignerStatusAction],
  providers: [airlockSignerProvider],
};

export default airlockPlugin;

export { AirlockService, AIRLOCK_SERVICE_TYPE, airlockServiceOf } from "./airlock-service.js";
export { signStarknetSessionTxAction, SIGN_STARKNET_SESSION_TX } from "./actions/sign-session-tx.js";
export { checkSigningPolicyAction, CHECK_SIGNING_POLICY } from "./actions/check-signing-policy.js";
export { airlockSignerStatusAction, AIRLOCK_SIGNER_STATUS } from "./actions/signer-status.js";
export { airlockSignerProvider, AIRLOCK_SIGNER_PROVIDER } from "./status-provider.js";
export { loadAirlockSettings, SETTINGS, SETTING_NAMES, type AirlockPluginSettings, type SettingName, type SettingSpec } from "./settings.js";
export { AirlockSettingsError } from "./settings-errors.js";
export { resolveSessionInput, type SessionInput, type MissingField } from "./action-input.js";
export { sessionTransactionTemplate, sessionTransactionPrompt } from "./templates.js";
export { StatusCache, STATUS_TTL_MS, STATUS_ERROR_TTL_MS } from "./status-cache.js";
