import type { z } from "zod";
import type { EnvReader } from "./env-reader.js";
import { addZodProblems, type Problems } from "./problems.js";

/** Longest JSON we accept in one variable. */
const MAX_JSON_CHARS = 256 * 1024;

/**
 * Parses a JSON-valued variable. Returns undefined when it is unset (or blank) and when it is
 * malformed (a problem is added). The parser's own message is dropped: it quotes the input,
 * which may hold secrets.
 */
export function readJsonEnv(env: EnvReader, problems: Problems, name: string): unknown {
  const raw = env.optional(name);
  if (raw === undefined || raw.trim() === "") return undefined;
  if (raw.length > MAX_JSON_CHARS) {
    problems.add(`${name} is longer than ${MAX_JSON_CHARS} characters`);
    return undefined;
  }
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    problems.add(`${name} is not valid JSON`);
    return undefined;
  }
}

/**
 * Registers, for redaction, every string found under a property named `field` anywhere in
 * `value`, whether or not the value is otherwise valid.
 */
export function registerSecretsAt(problems: Problems, value: unknown, field: string, depth = 0): void {
  if (depth > 8 || value === null || typeof value !== "object") return;
  for (const [k, v] of Object.entries(value)) {
    if (k === field && typeof v === "string") problems.secret(v);
    else registerSecretsAt(problems, v, field, depth + 1);
  }
}

/**
 * Validates a JSON array entry by entry, so one bad entry does not hide the problems of the
 * others. Returns the valid entries with their index, or undefined when `value` is not an
 * array of min..max entries.
 */
export function parseEntries<T>(
  problems: Problems,
  name: string,
  value: unknown,
  entry: z.ZodType<T>,
  min: number,
  max: number,
): { index: number; value: T }[] | undefined {
  if (!Array.isArray(value)) {
    problems.add(`${name} must be a JSON array`);
    return undefined;
  }
  if (value.length < min || value.length > max) {
    problems.add(`${name} must hold ${min}-${max} entries`);
    return undefined;
  }
  const valid: { index: number; value: T }[] = [];
  value.forEach((item: unknown, index) => {
    const parsed = entry.safeParse(item);
    if (parsed.success) valid.push({ index, value: parsed.data });
    else addZodProblems(problems, `${name}[${index}]`, parsed.error);
  });
  return valid;
}
