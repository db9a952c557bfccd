import { SessionTransactionToolInput, type OperatorSettings } from "@airlock/core/agent-tools";
import type { IAgentRuntime, Memory } from "@elizaos/core";
import { extractWithModel, isPlainObject } from "./extract-with-model.js";
import { MessageGrounding } from "./grounding.js";
import { sessionTransactionPrompt } from "./templates.js";

/** Fields the user may have to supply; named in `data.missing` when absent. */
export type MissingField = "calls" | "accountAddress" | "chainId";

export type SessionInput =
  | { kind: "ready"; input: SessionTransactionToolInput; source: "content" | "model" }
  | { kind: "missing"; missing: MissingField[]; source: "content" | "model" }
  | { kind: "invalid"; summary: string; source: "content" | "model" }
  | { kind: "unreadable"; reason: "model_failed" | "not_json"; summary: string };

const MODEL_FIELDS = ["calls", "accountAddress", "chainId", "validForSeconds", "nonce", "reason"] as const;

/**
 * The parameters of a signing or policy-check request, from the message:
 * 1. `message.content.airlock`: an object in the shape of SessionTransactionToolInput
 *    ({ calls, accountAddress?, chainId?, validForSeconds?, nonce?, reason? }), used as given;
 * 2. else `message.content.calls`: an array of { contractAddress, entrypoint, calldata? },
 *    shorthand for `{ calls }`;
 * 3. else the message text, read by the runtime's small model with sessionTransactionTemplate.
 * Structured content comes from code and is used as is; model output is kept only where the
 * message states it (see MessageGrounding). Whatever is missing is reported, never guessed.
 */
export async function resolveSessionInput(runtime: IAgentRuntime, message: Memory, operator: OperatorSettings): Promise<SessionInput> {
  const content = (message.content ?? {}) as Record<string, unknown>;
  if (content["airlock"] !== undefined || content["calls"] !== undefined) {
    const given = content["airlock"] !== undefined ? content["airlock"] : { calls: content["calls"] };
    if (!isPlainObject(given)) return { kind: "invalid", source: "content", summary: "message.content.airlock must be an object. Nothing was signed." };
    return check(given, operator, "content");
  }

  const text = typeof content["text"] === "string" ? content["text"] : "";
  if (text.trim() === "") return { kind: "missing", missing: missingOf({}, operator), source: "model" };
  const extraction = await extractWithModel(runtime, sessionTransactionPrompt(text, operator));
  if (!extraction.ok) {
    return {
      kind: "unreadable",
      reason: extraction.reason,
      summary: "I could not read the transaction details from your message, so nothing was signed. Please state the calls to make (contract address, function and arguments).",
    };
  }
  return check(groundedModelInput(extraction.value, text), operator, "model");
}

/** Keeps the known fields of a model answer; null and "" mean "not stated"; ungrounded values go. */
function groundedModelInput(answer: Record<string, unknown>, text: string): Record<string, unknown> {
  const grounding = new MessageGrounding(text);
  const out: Record<string, unknown> = {};
  for (const field of MODEL_FIELDS) {
    const value = answer[field];
    if (value !== undefined && value !== null && value !== "") out[field] = value;
  }
  if (typeof out["accountAddress"] === "string" && !grounding.hasFelt(out["accountAddress"])) delete out["accountAddress"];
  if (typeof out["chainId"] === "string" && !grounding.hasFelt(out["chainId"])) delete out["chainId"];
  if (typeof out["nonce"] === "string" && !grounding.hasLiteral(out["nonce"])) delete out["nonce"];
  return out;
}

function missingOf(candidate: Record<string, unknown>, operator: OperatorSettings): MissingField[] {
  const missing: MissingField[] = [];
  const calls = candidate["calls"];
  if (!Array.isArray(calls) || calls.length === 0) missing.push("calls");
  if (candidate["accountAddress"] === undefined && operator.accountAddress === undefined) missing.push("accountAddress");
  if (candidate["chainId"] === undefined && operator.chainId === undefined) missing.push("chainId");
  return missing;
}

function check(candidate: Record<string, unknown>, operator: OperatorSettings, source: "content" | "model"): SessionInput {
  const missing = missingOf(candidate, operator);
  if (missing.length > 0) return { kind: "missing", missing, source };
  const parsed = SessionTransactionToolInput.safeParse(candidate);
  if (parsed.success) return { kind: "ready", input: parsed.data, source };
  const issues = parsed.error.issues.slice(0, 5).map((i) => `${i.path.join(".") || "input"}: ${i.message}`);
  return { kind: "invalid", source, summary: `The transaction details are malformed (${issues.join("; ")}). Nothing was signed.` };
}
