import { randomBytes } from "node:crypto";
import type { AirlockClient } from "../client/airlock-client.js";
import { normalizeFelt } from "../starknet/felt.js";
import type { Venue } from "../wire/exchange-schemas.js";
import type { SessionTransactionRequest } from "../wire/session-schemas.js";
import { invalidInput, outcomeOfError, type ToolFailure, type ToolOutcome } from "./tool-outcome.js";
import { SessionTransactionToolInput, TOOL_NAMES } from "./tool-specs.js";

/**
 * What the operator fixed for an agent. Operator settings always win over what the model
 * supplies: the model never chooses the key, and cannot move the account, chain, exchange
 * account or venue the operator pinned.
 */
export interface OperatorSettings {
  readonly keyId?: string | undefined;
  readonly accountAddress?: string | undefined;
  readonly chainId?: string | undefined;
  /** Validity when the model gives none (default 300 s). */
  readonly defaultValidForSeconds?: number | undefined;
  /** Who asks (the agent's name), recorded in the signer's audit context. */
  readonly requester?: string | undefined;
  /** Exchange account the agent trades on; when set, the model cannot name another one. */
  readonly exchangeAccount?: string | undefined;
  /** Venue of that account; when set, the model cannot name another one. */
  readonly venue?: Venue | undefined;
  /**
   * Whether the exchange tools send signed requests to the venue (default true). When false,
   * they return the signed request for the application to send, and nothing reaches the venue.
   */
  readonly sendExchangeRequests?: boolean | undefined;
}

const DEFAULT_VALID_FOR_SECONDS = 300;

function pick(field: string, operator: string | undefined, model: string | undefined): string | ToolFailure {
  if (operator !== undefined) {
    if (model !== undefined && normalizeFelt(model) !== normalizeFelt(operator)) {
      return invalidInput(`${field} is fixed by the operator to ${operator}; this agent cannot use another one.`);
    }
    return operator;
  }
  return model ?? invalidInput(`${field} is required (no default is configured).`);
}

/**
 * Turns the model's tool input into the exact request the client sends: operator settings
 * applied, a fresh random SNIP-9 nonce when the model gave none, validUntil from now.
 */
export function sessionRequestFromToolInput(
  input: unknown,
  operator: OperatorSettings,
  toolName: string,
  nowMs: number = Date.now(),
): SessionTransactionRequest | ToolFailure {
  const parsed = SessionTransactionToolInput.safeParse(input);
  if (!parsed.success) {
    const issues = parsed.error.issues.slice(0, 5).map((i) => `${i.path.join(".") || "input"}: ${i.message}`);
    return invalidInput(`The tool input is malformed: ${issues.join("; ")}. Nothing was signed.`);
  }
  const args = parsed.data;
  const accountAddress = pick("accountAddress", operator.accountAddress, args.accountAddress);
  if (typeof accountAddress !== "string") return accountAddress;
  const chainId = pick("chainId", operator.chainId, args.chainId);
  if (typeof chainId !== "string") return chainId;
  const validFor = args.validForSeconds ?? operator.defaultValidForSeconds ?? DEFAULT_VALID_FOR_SECONDS;
  const context = {
    tool: toolName.slice(0, 64),
    ...(operator.requester === undefined ? {} : { requester: operator.requester.slice(0, 128) }),
    ...(args.reason === undefined ? {} : { reason: args.reason }),
  };
  return {
    accountAddress,
    chainId,
    nonce: args.nonce ?? `0x${randomBytes(16).toString("hex")}`,
    validUntil: Math.floor(nowMs / 1000) + validFor,
    calls: args.calls.map((c) => ({ contractAddress: c.contractAddress, entrypoint: c.entrypoint, calldata: c.calldata ?? [] })),
    ...(operator.keyId === undefined ? {} : { keyId: operator.keyId }),
    context,
  };
}

const isFailure = (v: SessionTransactionRequest | ToolFailure): v is ToolFailure => "ok" in v;

/** airlock_sign_starknet_session_transaction */
export async function runSignSessionTransaction(client: AirlockClient, input: unknown, operator: OperatorSettings): Promise<ToolOutcome> {
  const request = sessionRequestFromToolInput(input, operator, TOOL_NAMES.signSessionTransaction);
  if (isFailure(request)) return request;
  try {
    const signed = await client.signSessionTransaction(request);
    return {
      ok: true,
      summary: `Signed ${request.calls.length} call(s) for account ${request.accountAddress} on chain ${request.chainId}, valid until ${new Date(request.validUntil * 1000).toISOString()}. The signature was verified.`,
      data: {
        requestId: signed.requestId,
        accountAddress: request.accountAddress,
        chainId: request.chainId,
        nonce: request.nonce,
        validUntil: request.validUntil,
        messageHash: signed.messageHash,
        sessionPublicKey: signed.sessionPublicKey,
        signature: signed.signature,
      },
    };
  } catch (err) {
    return outcomeOfError(err);
  }
}

/** airlock_check_signing_policy: a refusal is a successful answer with allowed = false. */
export async function runCheckSigningPolicy(client: AirlockClient, input: unknown, operator: OperatorSettings): Promise<ToolOutcome> {
  const request = sessionRequestFromToolInput(input, operator, TOOL_NAMES.checkSigningPolicy);
  if (isFailure(request)) return request;
  try {
    const verdict = await client.evaluatePolicy(request);
    const summary = verdict.allowed
      ? "The signer would sign this request."
      : `The signer would refuse this request${verdict.ruleId ? ` (rule ${verdict.ruleId})` : ""}: ${verdict.reason ?? "denied"}.`;
    return {
      ok: true,
      summary,
      data: {
        allowed: verdict.allowed,
        ...(verdict.ruleId === undefined ? {} : { ruleId: verdict.ruleId }),
        ...(verdict.reason === undefined ? {} : { reason: verdict.reason }),
        ...(verdict.messageHash === undefined ? {} : { messageHash: verdict.messageHash }),
      },
    };
  } catch (err) {
    return outcomeOfError(err);
  }
}

/** airlock_signer_status */
export async function runSignerStatus(client: AirlockClient): Promise<ToolOutcome> {
  try {
    const { requestId: _drop, ...status } = await client.status();
    const keys = status.keys.map((k) => `${k.keyId}=${k.sessionPublicKey}`).join(", ") || "none";
    const chains = status.policy.chainIds === "any" ? "any chain" : status.policy.chainIds.join(", ");
    const accounts = status.exchangeAccounts ?? [];
    const exchange = accounts.length === 0 ? "" : ` Exchange accounts: ${accounts.map((a) => `${a.account} (${a.venue}, ${a.environment})`).join(", ")}.`;
    return {
      ok: true,
      summary: `Signer reachable (${status.signerProvider} keys, version ${status.version}). Keys this agent may use: ${keys}. Chains: ${chains}. Spending limits: ${status.policy.spendingLimits.length}.${exchange}`,
      data: status,
    };
  } catch (err) {
    return outcomeOfError(err);
  }
}
