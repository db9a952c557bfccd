import { HttpError } from "./http-error.js";

/**
 * JSON.parse, then a refusal of any object that repeats a key. JSON.parse keeps the last of
 * two equal keys, so a shadowed first value would escape the leak scanner and every other
 * check that reads the parsed value; strict parsing rejects the ambiguity instead. Keys are
 * compared decoded ("a" and "\u0061" are the same key). One linear pass over text that
 * JSON.parse has already accepted, so the scan can rely on it being well formed.
 */
export function parseStrictJson(text: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new HttpError("MALFORMED_JSON");
  }
  if (hasDuplicateKey(text)) throw new HttpError("MALFORMED_JSON", "duplicate key in a JSON object");
  return value;
}

function hasDuplicateKey(text: string): boolean {
  // One entry per open container: a key set for objects, null for arrays.
  const stack: (Set<string> | null)[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x7b /* { */) stack.push(new Set());
    else if (c === 0x5b /* [ */) stack.push(null);
    else if (c === 0x7d /* } */ || c === 0x5d /* ] */) stack.pop();
    else if (c === 0x22 /* " */) {
      const start = i;
      for (i++; text.charCodeAt(i) !== 0x22; i++) if (text.charCodeAt(i) === 0x5c /* \ */) i++;
      const keys = stack[stack.length - 1];
      if (!keys) continue;
      let j = i + 1;
      while (j < text.length && (text[j] === " " || text[j] === "\t" || text[j] === "\n" || text[j] === "\r")) j++;
      if (text[j] !== ":") continue; // a string value, not a key
      const raw = text.slice(start, i + 1);
      const key = raw.includes("\\") ? (JSON.parse(raw) as string) : raw.slice(1, -1);
      if (keys.has(key)) return true;
      keys.add(key);
    }
  }
  return false;
}
