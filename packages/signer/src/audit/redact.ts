/**
 * Turns a caller's `details` object into a small, plain-JSON, secret-free value for an audit
 * record. Fields named like secrets or bodies are dropped (their paths listed under
 * `_redacted`), strings the scrubber flags become "[redacted]", and everything is bounded:
 * the record stays small and within what pino serialises verbatim (depth 5, 100 entries).
 */

/** Parts of a normalised field name (lowercase, letters and digits only) that mark a secret. */
const SECRET_NAME_PARTS: readonly string[] = [
  "privatekey",
  "privkey",
  "secret",
  "passphrase",
  "password",
  "passwd",
  "authorization",
  "apikey",
  "accesstoken",
  "refreshtoken",
  "bearer",
  "cookie",
  "mnemonic",
  "seedphrase",
  "signingkey",
];

/** Normalised names of fields that would carry a request or response body. */
const BODY_NAMES: ReadonlySet<string> = new Set(["body", "rawbody", "requestbody", "responsebody", "payload", "rawpayload"]);

/** True for a field the audit log never records: secret-like (privateKey, hmacSecret, ...) or a body. */
export function isForbiddenFieldName(name: string): boolean {
  const n = name.toLowerCase().replace(/[^a-z0-9]/g, "");
  return BODY_NAMES.has(n) || SECRET_NAME_PARTS.some((part) => n.includes(part));
}

export const DETAIL_LIMITS = Object.freeze({
  /** Nesting: details itself is level 1. */
  depth: 4,
  keysPerObject: 32,
  itemsPerArray: 32,
  stringChars: 1024,
  /** Values and keys visited in one details object. */
  totalNodes: 512,
  /** String characters kept in one details object (keeps every line far below the verifier's bound). */
  totalChars: 16_384,
});

/** Caller keys: printable and short; a leading "_" is reserved for the log's own markers. */
const DETAIL_KEY = /^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,63}$/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** Returns true when a string must not be written (it holds key material or a configured secret). */
export type Scrubber = (text: string) => boolean;

/**
 * A string as the log writes it: lone surrogates replaced by U+FFFD (they would not survive the
 * UTF-8 file and the record would no longer verify), at most `max` characters.
 */
export function wellFormed(text: string, max: number): string {
  const cut = text.length > max ? `${text.slice(0, max)}…` : text;
  return cut.replace(LONE_SURROGATE, "\uFFFD");
}

export function sanitizeDetails(details: Readonly<Record<string, unknown>>, scrub: Scrubber): { [key: string]: JsonValue } {
  const redacted: string[] = [];
  const state = { nodes: 0, chars: 0, truncated: false };

  function str(text: string): string | undefined {
    if (scrub(text)) return "[redacted]";
    const room = Math.min(DETAIL_LIMITS.stringChars, DETAIL_LIMITS.totalChars - state.chars);
    if (room <= 0) {
      state.truncated = true;
      return undefined;
    }
    const out = wellFormed(text, room);
    state.chars += out.length;
    return out;
  }

  function value(v: unknown, path: string, depth: number): JsonValue | undefined {
    if (++state.nodes > DETAIL_LIMITS.totalNodes) {
      state.truncated = true;
      return undefined;
    }
    switch (typeof v) {
      case "string":
        return str(v);
      case "number":
        return Number.isFinite(v) ? v : null;
      case "boolean":
        return v;
      case "bigint":
        // Felts and amounts: hex, as the wire writes them.
        return str(`${v < 0n ? "-" : ""}0x${(v < 0n ? -v : v).toString(16)}`);
      case "object":
        break;
      default:
        return undefined;
    }
    if (v === null) return null;
    if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v.toISOString();
    if (v instanceof Error) {
      const code = (v as { code?: unknown }).code;
      return object({ name: v.name, message: v.message, ...(typeof code === "string" ? { code } : {}) }, path, depth);
    }
    if (Array.isArray(v)) {
      if (depth >= DETAIL_LIMITS.depth) return marker();
      const out: JsonValue[] = [];
      for (const [i, item] of v.entries()) {
        if (i >= DETAIL_LIMITS.itemsPerArray) {
          state.truncated = true;
          break;
        }
        const x = value(item, `${path}[${i}]`, depth + 1);
        if (x !== undefined) out.push(x);
      }
      return out;
    }
    const proto: unknown = Object.getPrototypeOf(v);
    if (proto !== Object.prototype && proto !== null) {
      // Buffers, Maps, class instances: their text form could carry anything; not recorded.
      redacted.push(path);
      return undefined;
    }
    return object(v as Record<string, unknown>, path, depth);
  }

  function object(o: Readonly<Record<string, unknown>>, path: string, depth: number): JsonValue {
    if (depth >= DETAIL_LIMITS.depth) return marker();
    const out: { [key: string]: JsonValue } = {};
    let kept = 0;
    for (const key of Object.keys(o)) {
      if (++state.nodes > DETAIL_LIMITS.totalNodes) {
        state.truncated = true;
        break;
      }
      const keyPath = path === "" ? key : `${path}.${key}`;
      if (!DETAIL_KEY.test(key) || scrub(key)) {
        redacted.push(path === "" ? "(invalid key)" : `${path}.(invalid key)`);
        continue;
      }
      if (isForbiddenFieldName(key)) {
        redacted.push(keyPath);
        continue;
      }
      if (kept >= DETAIL_LIMITS.keysPerObject) {
        state.truncated = true;
        break;
      }
      const x = value(o[key], keyPath, depth + 1);
      if (x !== undefined) {
        out[key] = x;
        kept += 1;
      }
    }
    return out;
  }

  function marker(): JsonValue {
    state.truncated = true;
    return "[too deep]";
  }

  const out = object(details, "", 0) as { [key: string]: JsonValue };
  if (redacted.length > 0) out["_redacted"] = [...new Set(redacted)].slice(0, DETAIL_LIMITS.itemsPerArray).map((p) => wellFormed(p, 256));
  if (state.truncated) out["_truncated"] = true;
  return out;
}
