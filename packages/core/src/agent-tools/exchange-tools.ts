import type { AirlockClient } from "../client/airlock-client.js";
import type { SignedExchangeRequest } from "../wire/exchange-schemas.js";
import { accountReadFromToolInput, cancelFromToolInput, placeOrderFromToolInput, type ExchangeToolRequest } from "./exchange-input.js";
import { outcomeOfSendFailure, outcomeOfUnsent, outcomeOfVenueResponse } from "./exchange-outcome.js";
import type { OperatorSettings } from "./run-tools.js";
import { outcomeOfError, type ToolFailure, type ToolOutcome } from "./tool-outcome.js";

/**
 * The exchange tools: input → ExchangeRequest (operator settings win) → signed by the sidecar
 * and verified by the client → sent to the venue once (unless the operator sends requests
 * itself) → an outcome. Never throws: refusals at every step are `ok: false` outcomes.
 */

/** A refusal before or by the sidecar: nothing reached the venue, and the outcome says so. */
function notSent(err: unknown): ToolFailure {
  const outcome = outcomeOfError(err);
  return { ...outcome, summary: `${outcome.summary} Nothing was sent to the exchange.` };
}

async function signAndSend(client: AirlockClient, built: ExchangeToolRequest | ToolFailure, operator: OperatorSettings): Promise<ToolOutcome> {
  if ("ok" in built) return built;
  const { request } = built;
  let signed: SignedExchangeRequest;
  try {
    signed = await client.signExchangeRequest(request);
  } catch (err) {
    return notSent(err);
  }
  if (operator.sendExchangeRequests === false) return outcomeOfUnsent(request, signed);
  try {
    return outcomeOfVenueResponse(request, signed, await client.sendExchangeRequest(signed));
  } catch (err) {
    return outcomeOfSendFailure(request, signed, err);
  }
}

/**
 * airlock_place_exchange_order. With `dryRun: true`, asks the sidecar's policy only
 * (evaluateExchangePolicy): a refusal is then a successful answer with allowed = false.
 */
export async function runPlaceExchangeOrder(client: AirlockClient, input: unknown, operator: OperatorSettings): Promise<ToolOutcome> {
  const built = placeOrderFromToolInput(input, operator);
  if ("ok" in built || !built.dryRun) return signAndSend(client, built, operator);
  try {
    const verdict = await client.evaluateExchangePolicy(built.request);
    const summary = verdict.allowed
      ? "The signer's trading policy would allow this order (dry run: nothing was signed or sent; the exchange itself may still refuse it)."
      : `The signer would refuse this order${verdict.ruleId ? ` (rule ${verdict.ruleId})` : ""}: ${verdict.reason ?? "denied"}. Nothing was signed or sent.`;
    return {
      ok: true,
      summary,
      data: {
        dryRun: true,
        allowed: verdict.allowed,
        ...(verdict.ruleId === undefined ? {} : { ruleId: verdict.ruleId }),
        ...(verdict.reason === undefined ? {} : { reason: verdict.reason }),
      },
    };
  } catch (err) {
    return notSent(err);
  }
}

/** airlock_cancel_exchange_order: one order (orderId or clientOrderId), or all of a symbol. */
export function runCancelExchangeOrder(client: AirlockClient, input: unknown, operator: OperatorSettings): Promise<ToolOutcome> {
  return signAndSend(client, cancelFromToolInput(input, operator), operator);
}

/** airlock_get_exchange_account: account, balances, positions or open orders. */
export function runGetExchangeAccount(client: AirlockClient, input: unknown, operator: OperatorSettings): Promise<ToolOutcome> {
  return signAndSend(client, accountReadFromToolInput(input, operator), operator);
}
