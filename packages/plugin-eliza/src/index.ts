// Entry point of @airlock/plugin-eliza: the ElizaOS plugin that signs through the Airlock sidecar.
import type { Plugin } from "@elizaos/core";
import { cancelExchangeOrderAction } from "./actions/cancel-exchange-order.js";
import { checkSigningPolicyAction } from "./actions/check-signing-policy.js";
import { getExchangeAccountAction } from "./actions/get-exchange-account.js";
import { placeExchangeOrderAction } from "./actions/place-exchange-order.js";
import { signStarknetSessionTxAction } from "./actions/sign-session-tx.js";
import { airlockSignerStatusAction } from "./actions/signer-status.js";
import { verifySignerAction } from "./actions/verify-signer.js";
import { AirlockService } from "./airlock-service.js";
import { airlockSignerProvider } from "./status-provider.js";

/**
 * The Airlock plugin: one AirlockService (the client, built from the AIRLOCK_* settings), seven
 * actions (sign, policy dry run, status; place, cancel and read on an exchange account; verify
 * the signer's Nitro attestation) and a status provider. No key, no crypto and no policy live here: the sidecar signs
 * and decides, @airlock/core verifies its answers.
 */
export const airlockPlugin: Plugin = {
  name: "airlock",
  description:
    "Signs Starknet session transactions and exchange orders through the Airlock signer sidecar (the agent never holds a key or an exchange secret): sign, policy dry run, signer status, place, cancel and read exchange orders, verify the signer's enclave attestation.",
  services: [AirlockService],
  actions: [
    signStarknetSessionTxAction,
    checkSigningPolicyAction,
    airlockSignerStatusAction,
    placeExchangeOrderAction,
    cancelExchangeOrderAction,
    getExchangeAccountAction,
    verifySignerAction,
  ],
  providers: [airlockSignerProvider],
};

export default airlockPlugin;

export { AirlockService, AIRLOCK_SERVICE_TYPE, airlockServiceOf } from "./airlock-service.js";
export { signStarknetSessionTxAction, SIGN_STARKNET_SESSION_TX } from "./actions/sign-session-tx.js";
export { checkSigningPolicyAction, CHECK_SIGNING_POLICY } from "./actions/check-signing-policy.js";
export { airlockSignerStatusAction, AIRLOCK_SIGNER_STATUS } from "./actions/signer-status.js";
export { placeExchangeOrderAction, PLACE_EXCHANGE_ORDER } from "./actions/place-exchange-order.js";
export { cancelExchangeOrderAction, CANCEL_EXCHANGE_ORDER } from "./actions/cancel-exchange-order.js";
export { getExchangeAccountAction, GET_EXCHANGE_ACCOUNT } from "./actions/get-exchange-account.js";
export { verifySignerAction, VERIFY_SIGNER } from "./actions/verify-signer.js";
export { airlockSignerProvider, AIRLOCK_SIGNER_PROVIDER } from "./status-provider.js";
export { loadAirlockSettings, SETTINGS, SETTING_NAMES, type AirlockPluginSettings, type SettingName, type SettingSpec } from "./settings.js";
export { AirlockSettingsError } from "./settings-errors.js";
export { resolveSessionInput, type SessionInput, type MissingField } from "./action-input.js";
export { sessionTransactionTemplate, sessionTransactionPrompt } from "./templates.js";
export { resolveExchangeInput, type ExchangeInput, type ExchangeMissingField } from "./exchange-input.js";
export { exchangePrompt, type ExchangeKind } from "./exchange-templates.js";
export { StatusCache, STATUS_TTL_MS, STATUS_ERROR_TTL_MS } from "./status-cache.js";
