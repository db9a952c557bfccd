import { ModelType, type IAgentRuntime } from "@elizaos/core";

/** Longest model answer parsed; a longer one is refused rather than read. */
const MAX_ANSWER_CHARS = 64 * 1024;

export type Extraction = { ok: true; value: Record<string, unknown> } | { ok: false; reason: "model_failed" | "not_json" };

/**
 * Runs the extraction prompt on the runtime's small model: OBJECT_SMALL when a model plugin
 * provides it (it answers with an object), else TEXT_SMALL (it answers with text, parsed here).
 * Never throws: a failing model is reported as such and nothing is guessed in its place.
 */
export async function extractWithModel(runtime: IAgentRuntime, prompt: string): Promise<Extraction> {
  let answer: unknown;
  try {
    answer =
      runtime.getModel(ModelType.OBJECT_SMALL) !== undefined
        ? await runtime.useModel(ModelType.OBJECT_SMALL, { prompt })
        : await runtime.useModel(ModelType.TEXT_SMALL, { prompt });
  } catch {
    return { ok: false, reason: "model_failed" };
  }
  const value = typeof answer === "string" ? jsonObjectIn(answer) : answer;
  return isPlainObject(value) ? { ok: true, value } : { ok: false, reason: "not_json" };
}

/**
 * The JSON object in a model's text answer: the whole text, or the span from its first "{" to
 * its last "}" (models wrap JSON in code fences or a sentence). Values are never rewritten.
 */
export function jsonObjectIn(text: string): unknown {
  if (text.length > MAX_ANSWER_CHARS) return undefined;
  const attempt = (s: string): unknown => {
    try {
      return JSON.parse(s) as unknown;
    } catch {
      return undefined;
    }
  };
  const whole = attempt(text.trim());
  if (whole !== undefined) return whole;
  const start = text.indexOf("{");
  const end = text.lastIndexOf("}");
  return start >= 0 && end > start ? attempt(text.slice(start, end + 1)) : undefined;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}
