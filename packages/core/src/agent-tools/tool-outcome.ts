import { isAirlockError, type AirlockError, type UntrustedSignerError } from "../client/errors.js";
import { outcomeOfUntrustedSigner } from "./untrusted-signer-outcome.js";

/**
 * What a tool hands back to the agent: compact, JSON-serialisable, and readable by a model.
 * Refusals (policy, rate limit, bad input, an exchange's own refusal) are outcomes with
 * `ok: false`, never exceptions, so an agent loop keeps running and the model can adjust. No outcome ever holds a secret: it is
 * built only from the sidecar's public answers and the client's typed errors.
 */
export type ToolOutcome =
  | { ok: true; summary: string; data: Record<string, unknown> }
  | {
      ok: false;
      error:
        | "policy_denied"
        | "rate_limited"
        | "invalid_input"
        | "not_configured"
        | "unavailable"
        | "rejected"
        | "invalid_response"
        | "venue_error"
        | "untrusted_signer"
        | "error";
      summary: string;
      ruleId?: string;
      retryAfterMs?: number;
      requestId?: string;
      /** venue_error: the exchange's own code and message (bounded) and its HTTP status. */
      venueError?: { code: string; message: string; status: number };
      /** untrusted_signer: why the client refuses the signer (UntrustedSignerReason). */
      reason?: string;
      /** untrusted_signer: the failed check's code (attestation, registry or receipt verifier). */
      verifierCode?: string;
    };

export type ToolFailure = Extract<ToolOutcome, { ok: false }>;

/** A refusal the binding itself decided (bad or forbidden input), before any network call. */
export function invalidInput(summary: string): ToolFailure {
  return { ok: false, error: "invalid_input", summary };
}

const requestIdOf = (err: AirlockError) => (err.requestId === undefined ? {} : { requestId: err.requestId });

/** Maps a client error onto an outcome the model can act on; anything unknown stays generic. */
export function outcomeOfError(err: unknown): ToolFailure {
  if (!isAirlockError(err)) return { ok: false, error: "error", summary: "The signer call failed unexpectedly; nothing was signed." };
  const e = err as AirlockError & { ruleId?: string; reason?: string; retryAfterMs?: number; issues?: readonly { path: string; message: string }[] };
  switch (e.code) {
    case "POLICY_DENIED":
      return {
        ok: false,
        error: "policy_denied",
        summary: `Refused by the signing policy${e.ruleId ? ` (rule ${e.ruleId})` : ""}: ${e.reason ?? e.message}. Nothing was signed; do not retry the same request.`,
        ...(e.ruleId === undefined ? {} : { ruleId: e.ruleId }),
        ...requestIdOf(e),
      };
    case "RATE_LIMITED":
      return {
        ok: false,
        error: "rate_limited",
        summary: `The signer's rate limit was reached; nothing was signed.${e.retryAfterMs === undefined ? "" : ` Try again in ${Math.ceil(e.retryAfterMs / 1000)} s.`}`,
        ...(e.retryAfterMs === undefined ? {} : { retryAfterMs: e.retryAfterMs }),
        ...requestIdOf(e),
      };
    case "BAD_REQUEST": {
      const issues = (e.issues ?? []).slice(0, 5).map((i) => `${i.path || "input"}: ${i.message}`);
      return { ok: false, error: "invalid_input", summary: `The request is malformed${issues.length ? `: ${issues.join("; ")}` : `: ${e.message}`}. Nothing was signed.`, ...requestIdOf(e) };
    }
    case "UNAVAILABLE":
    case "NETWORK":
    case "TIMEOUT":
      return { ok: false, error: "unavailable", summary: "The signer is unavailable right now; nothing was signed. Try again later.", ...requestIdOf(e) };
    case "AUTH":
    case "REPLAY":
    case "CONFIG":
      return { ok: false, error: "rejected", summary: "The signer rejected this agent's credentials or configuration; ask the operator. Nothing was signed.", ...requestIdOf(e) };
    case "UNTRUSTED_SIGNER":
      return outcomeOfUntrustedSigner(e as UntrustedSignerError);
    case "INVALID_RESPONSE":
      return { ok: false, error: "invalid_response", summary: "The signer's answer did not verify and was discarded; nothing usable was signed. Tell the operator.", ...requestIdOf(e) };
    default:
      return { ok: false, error: "error", summary: "The signer call failed; nothing was signed.", ...requestIdOf(e) };
  }
}

/** The compact JSON text a tool returns to a model. */
export function toolOutputText(outcome: ToolOutcome): string {
  return JSON.stringify(outcome);
}
