import type { AirlockClient } from "@airlock/core";
import { agentTool, outcomeOfError, toolOutputText, type AgentToolSpec, type OperatorSettings } from "@airlock/core/agent-tools";
import { tool } from "@langchain/core/tools";

/**
 * A LangChain tool for one entry of the shared tool table (AGENT_TOOLS). It always resolves with the compact
 * JSON text of its outcome: the table's run functions never throw (refusals are `ok: false`
 * outcomes, anything unexpected a generic one), so a call never breaks the agent loop.
 */
export function langchainTool(spec: AgentToolSpec, client: AirlockClient, operator: OperatorSettings) {
  return tool(
    async (input) => {
      const outcome = await spec.run(client, input, operator);
      try {
        return toolOutputText(outcome);
      } catch (err) {
        // An outcome that cannot be serialised (a client returning something odd) still answers.
        return toolOutputText(outcomeOfError(err));
      }
    },
    {
      name: spec.name,
      description: spec.description,
      schema: spec.schema,
    },
  );
}

/** `airlock_sign_starknet_session_transaction`: signs the model's calls, or says which rule refused them. */
export const signSessionTransactionTool = (client: AirlockClient, operator: OperatorSettings) =>
  langchainTool(agentTool("signSessionTransaction"), client, operator);

/** `airlock_check_signing_policy`: the policy dry run; nothing is signed, no budget is used. */
export const checkSigningPolicyTool = (client: AirlockClient, operator: OperatorSettings) =>
  langchainTool(agentTool("checkSigningPolicy"), client, operator);

/** `airlock_signer_status`: reachability, the session keys this agent may use, the policy summary. */
export const signerStatusTool = (client: AirlockClient) => langchainTool(agentTool("signerStatus"), client, {});

/** `airlock_place_exchange_order`: places an order (or with dryRun only asks the trading policy). */
export const placeExchangeOrderTool = (client: AirlockClient, operator: OperatorSettings) =>
  langchainTool(agentTool("placeExchangeOrder"), client, operator);

/** `airlock_cancel_exchange_order`: cancels one order (orderId or clientOrderId) or all of a symbol. */
export const cancelExchangeOrderTool = (client: AirlockClient, operator: OperatorSettings) =>
  langchainTool(agentTool("cancelExchangeOrder"), client, operator);

/** `airlock_get_exchange_account`: account, balances, positions or open orders. */
export const getExchangeAccountTool = (client: AirlockClient, operator: OperatorSettings) =>
  langchainTool(agentTool("getExchangeAccount"), client, operator);

/** `airlock_verify_signer`: attests the signer (Nitro backend): its PCRs, registry status and receipt key. */
export const verifySignerTool = (client: AirlockClient) => langchainTool(agentTool("verifySigner"), client, {});
