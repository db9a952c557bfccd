import { ConfigError, type AirlockClient } from "@airlock/core";
import type { OperatorSettings } from "@airlock/core/agent-tools";
import { parseFelt } from "@airlock/core/starknet";
import { BaseToolkit, type StructuredToolInterface } from "@langchain/core/tools";
import { checkSigningPolicyTool, signerStatusTool, signSessionTransactionTool } from "./tools.js";

/** Rejects operator settings that could never produce a valid request, before any agent runs. */
function checkedOperatorSettings(operator: OperatorSettings): Readonly<OperatorSettings> {
  for (const field of ["accountAddress", "chainId"] as const) {
    const value = operator[field];
    if (value !== undefined && (typeof value !== "string" || parseFelt(value) === undefined)) {
      throw new ConfigError(`operator setting ${field} must be a felt (0x-hex or decimal)`, field);
    }
  }
  const validFor = operator.defaultValidForSeconds;
  if (validFor !== undefined && (!Number.isInteger(validFor) || validFor < 1 || validFor > 86_400)) {
    throw new ConfigError("operator setting defaultValidForSeconds must be an integer from 1 to 86400", "defaultValidForSeconds");
  }
  for (const field of ["keyId", "requester"] as const) {
    const value = operator[field];
    if (value !== undefined && (typeof value !== "string" || value.length === 0)) {
      throw new ConfigError(`operator setting ${field} must be a non-empty string`, field);
    }
  }
  // A copy, frozen: changing the caller's object later cannot widen what the agent may do.
  return Object.freeze({ ...operator });
}

/**
 * The Airlock tools for a LangChain agent: `airlock_sign_starknet_session_transaction`,
 * `airlock_check_signing_policy` and `airlock_signer_status`, all backed by one
 * {@link AirlockClient}. What the operator fixes (key, account, chain, default validity,
 * requester name) always wins over what the model supplies. Every tool returns compact JSON
 * text; refusals come back as results with `ok: false` and a readable `summary`, never as
 * thrown errors, so the agent loop keeps running.
 *
 * The toolkit does not own the client: close it yourself when the agent is done.
 *
 * @example
 * const tools = new AirlockToolkit(client, { accountAddress, chainId: "0x534e5f5345504f4c4941" }).getTools();
 * const agent = createAgent({ model, tools });
 *
 * @throws ConfigError (code CONFIG, `option` names the field) when an operator setting is malformed.
 */
export class AirlockToolkit extends BaseToolkit {
  /** The three tools, in a fixed order: sign, check policy, status. */
  tools: StructuredToolInterface[];

  constructor(client: AirlockClient, operator: OperatorSettings = {}) {
    super();
    const settings = checkedOperatorSettings(operator);
    this.tools = [signSessionTransactionTool(client, settings), checkSigningPolicyTool(client, settings), signerStatusTool(client)];
  }
}
