import { AirlockClient, ConfigError, Identifier, Venue, type AirlockClientOptions } from "@airlock/core";
import { AGENT_TOOLS, type OperatorSettings } from "@airlock/core/agent-tools";
import { parseFelt } from "@airlock/core/starknet";
import { BaseToolkit, type StructuredToolInterface } from "@langchain/core/tools";
import { langchainTool } from "./tools.js";

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
  if (operator.exchangeAccount !== undefined && !Identifier.safeParse(operator.exchangeAccount).success) {
    throw new ConfigError("operator setting exchangeAccount must be 1-64 of [A-Za-z0-9._:@-]", "exchangeAccount");
  }
  if (operator.venue !== undefined && !Venue.safeParse(operator.venue).success) {
    throw new ConfigError(`operator setting venue must be one of ${Venue.options.join(", ")}`, "venue");
  }
  if (operator.sendExchangeRequests !== undefined && typeof operator.sendExchangeRequests !== "boolean") {
    throw new ConfigError("operator setting sendExchangeRequests must be a boolean", "sendExchangeRequests");
  }
  // A copy, frozen: changing the caller's object later cannot widen what the agent may do.
  return Object.freeze({ ...operator });
}

/** A client (or a stand-in with its methods), as opposed to the options to build one. */
function isClient(value: AirlockClient | AirlockClientOptions): value is AirlockClient {
  return typeof (value as { signSessionTransaction?: unknown }).signSessionTransaction === "function";
}

/**
 * The Airlock tools for a LangChain agent, one per entry of the shared tool table:
 * `airlock_sign_starknet_session_transaction`, `airlock_check_signing_policy`,
 * `airlock_signer_status`, the exchange tools `airlock_place_exchange_order`,
 * `airlock_cancel_exchange_order` and `airlock_get_exchange_account`, and
 * `airlock_verify_signer` (Nitro attestation), all backed by one {@link AirlockClient}. What the
 * operator fixes (key, account, chain, default validity, requester name, exchange account and
 * venue, whether exchange requests are sent) always wins over what the model supplies. Every
 * tool returns compact JSON text; refusals come back as results with `ok: false` and a readable
 * `summary`, never as thrown errors, so the agent loop keeps running.
 *
 * Give it a client, or the client's options (`AirlockClientOptions`, including the `nitro`
 * trust settings: with them the client attests the signer before anything is sent). A client
 * you pass stays yours: close it yourself. A client built from options belongs to the toolkit:
 * call {@link AirlockToolkit.close} when the agent is done.
 *
 * @example
 * const tools = new AirlockToolkit(client, { accountAddress, chainId: "0x534e5f5345504f4c4941" }).getTools();
 * const agent = createAgent({ model, tools });
 *
 * @throws ConfigError (code CONFIG, `option` names the field) when an operator setting or a
 *   client option is malformed (`nitro.allowedPcrs.0`, ...).
 */
export class AirlockToolkit extends BaseToolkit {
  /** The seven tools, in a fixed order: sign, check policy, status, place order, cancel order, account, verify signer. */
  tools: StructuredToolInterface[];
  readonly #client: AirlockClient;
  readonly #owned: boolean;

  constructor(client: AirlockClient | AirlockClientOptions, operator: OperatorSettings = {}) {
    super();
    const settings = checkedOperatorSettings(operator);
    if (typeof client !== "object" || client === null) throw new ConfigError("AirlockToolkit needs an AirlockClient or its options");
    this.#owned = !isClient(client);
    this.#client = isClient(client) ? client : new AirlockClient(client);
    this.tools = AGENT_TOOLS.map((spec) => langchainTool(spec, this.#client, settings));
  }

  /** The client the tools use (after `verifySigner()`, `attestedSigner` holds what was verified). */
  get client(): AirlockClient {
    return this.#client;
  }

  /** Closes the client when the toolkit built it from options; a client passed in is left open. */
  async close(): Promise<void> {
    if (this.#owned) await this.#client.close();
  }
}
