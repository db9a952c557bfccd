import {
  LEAK_BIT,
  LEAK_PATTERN_IDS,
  TEXT_PATTERN_LITERALS,
  TEXT_PATTERNS,
  isSecretKeyName,
  looksLikeKeyMaterial,
  type LeakPatternId,
} from "./leak-patterns.js";
import { secretNeedles } from "./secret-spellings.js";

/**
 * Leak scanner: finds key material in a decoded JSON value (a request body after JSON.parse, a
 * response before it is sent). Scanning decoded strings rather than raw bytes is what catches
 * `"privateKey":"0x…"` written inside a JSON string, whose quotes are escaped in the raw body
 * (SISNA misses it).
 *
 * Every object key and every string is tested against SISNA's patterns and against the
 * configured secrets in all their spellings (see secret-spellings.ts); a secret-named key
 * (privateKey, hmac_secret, ...) holding a number also counts as json.private_key. Work is
 * bounded: past maxDepth, maxNodes or maxChars the scanner stops and reports scan.too_deep or
 * scan.too_large, so an oversized value is reported, never silently passed.
 *
 * The result holds pattern ids only, never the text that matched.
 */

export interface LeakScannerOptions {
  /** Values that must never cross the boundary: private keys, HMAC secrets. */
  readonly secrets: readonly string[];
  /** Deepest object/array nesting looked into (default 32; the top-level value is depth 0). */
  readonly maxDepth?: number;
  /** Most values and keys visited per scan (default 262144, one per byte of the largest body). */
  readonly maxNodes?: number;
  /** Most string characters (keys and values) tested per scan (default 1 Mi). */
  readonly maxChars?: number;
}

export interface LeakScanner {
  /** Ids of the patterns found in `value`: deduplicated, in LEAK_PATTERN_IDS order; [] when clean. */
  scanValue(value: unknown): LeakPatternId[];
  /** How many configured secrets are too short to search for (so startup can warn about them). */
  readonly ignoredSecrets: number;
  /**
   * Adds secrets learned after startup (keys installed by sealed provisioning): later scans
   * search for them too. Returns how many of them are too short to search for.
   */
  addSecrets(secrets: readonly string[]): number;
}

const DEFAULT_MAX_DEPTH = 32;
const DEFAULT_MAX_NODES = 262_144;
const DEFAULT_MAX_CHARS = 1_048_576;
/** Key-material checks of a secret-named key's value only look at strings this short. */
const MAX_KEY_MATERIAL_CHARS = 1024;

export function createLeakScanner(options: LeakScannerOptions): LeakScanner {
  const maxDepth = positiveInt(options.maxDepth, DEFAULT_MAX_DEPTH, "maxDepth");
  const maxNodes = positiveInt(options.maxNodes, DEFAULT_MAX_NODES, "maxNodes");
  const maxChars = positiveInt(options.maxChars, DEFAULT_MAX_CHARS, "maxChars");
  // Secrets learned later (addSecrets) rebuild these; a scan reads them once at its start.
  let secrets: readonly string[] = [...options.secrets];
  let { needles, ignored } = secretNeedles(secrets);
  let minNeedle = needles.reduce((m, n) => Math.min(m, n.length), Number.POSITIVE_INFINITY);
  const minLiteral = Math.min(...TEXT_PATTERN_LITERALS.map((l) => l.length));

  /** Mutable state of one scan. */
  interface Walk {
    found: number;
    nodes: number;
    chars: number;
    stopped: boolean;
  }

  function hasSecret(lower: string): boolean {
    // Plain substring search per needle. Its running time depends on partial matches only by
    // nanoseconds, and the caller learns nothing but the final yes/no.
    for (const needle of needles) if (lower.includes(needle)) return true;
    return false;
  }

  function testText(text: string, w: Walk): void {
    if (text.length < minLiteral && text.length < minNeedle) return;
    const lower = text.toLowerCase();
    if (text.length >= minNeedle && hasSecret(lower)) w.found |= LEAK_BIT["secret.configured"];
    if (!TEXT_PATTERN_LITERALS.some((l) => lower.includes(l))) return;
    // A JSON document nested inside a string inside a string keeps one level of backslashes
    // after decoding; test the unescaped form too so `{\"privateKey\":\"0x…\"}` is caught.
    const unescaped = text.includes("\\") ? text.replaceAll("\\", "") : undefined;
    for (const { id, re } of TEXT_PATTERNS) {
      if (re.test(text) || (unescaped !== undefined && re.test(unescaped))) w.found |= LEAK_BIT[id];
    }
  }

  /** Counts `s` against the character budget and tests what fits. */
  function scanString(s: string, w: Walk): void {
    const room = maxChars - w.chars;
    if (s.length > room) {
      w.found |= LEAK_BIT["scan.too_large"];
      w.stopped = true;
      // Test what fits: a warn-only deployment still learns about a leak at the start.
      if (room > 0) testText(s.slice(0, room), w);
      w.chars = maxChars;
      return;
    }
    w.chars += s.length;
    testText(s, w);
  }

  /** Integers: only the configured-secret check applies (a key written as a JSON number). */
  function scanInteger(n: number | bigint, w: Walk): void {
    if (typeof n === "number" && !Number.isSafeInteger(n)) {
      w.found |= LEAK_BIT["scan.unsafe_number"];
      return;
    }
    const big = BigInt(n);
    const abs = big < 0n ? -big : big;
    const dec = abs.toString(10);
    const hex = abs.toString(16);
    if (dec.length >= minNeedle && (hasSecret(dec) || hasSecret(hex))) w.found |= LEAK_BIT["secret.configured"];
  }

  function isKeyMaterial(value: unknown): boolean {
    if (typeof value === "string") return value.length <= MAX_KEY_MATERIAL_CHARS && looksLikeKeyMaterial(value);
    if (typeof value === "number") return Number.isInteger(value);
    return typeof value === "bigint";
  }

  function visit(value: unknown, depth: number, w: Walk): void {
    if (w.stopped) return;
    if (++w.nodes > maxNodes) {
      w.found |= LEAK_BIT["scan.too_large"];
      w.stopped = true;
      return;
    }
    switch (typeof value) {
      case "string":
        scanString(value, w);
        return;
      case "number":
        if (Number.isInteger(value)) scanInteger(value, w);
        return;
      case "bigint":
        scanInteger(value, w);
        return;
      case "object":
        break;
      default:
        return;
    }
    if (value === null) return;
    if (depth >= maxDepth) {
      w.found |= LEAK_BIT["scan.too_deep"];
      return;
    }
    if (Array.isArray(value)) {
      for (const item of value) {
        visit(item, depth + 1, w);
        if (w.stopped) return;
      }
      return;
    }
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      if (++w.nodes > maxNodes) {
        w.found |= LEAK_BIT["scan.too_large"];
        w.stopped = true;
        return;
      }
      scanString(key, w);
      const child = record[key];
      if (isSecretKeyName(key) && isKeyMaterial(child)) w.found |= LEAK_BIT["json.private_key"];
      visit(child, depth + 1, w);
      if (w.stopped) return;
    }
  }

  return {
    get ignoredSecrets(): number {
      return ignored;
    },
    addSecrets(added: readonly string[]): number {
      const before = ignored;
      secrets = [...secrets, ...added];
      ({ needles, ignored } = secretNeedles(secrets));
      minNeedle = needles.reduce((m, n) => Math.min(m, n.length), Number.POSITIVE_INFINITY);
      return ignored - before;
    },
    scanValue(value: unknown): LeakPatternId[] {
      const w: Walk = { found: 0, nodes: 0, chars: 0, stopped: false };
      visit(value, 0, w);
      if (w.found === 0) return [];
      return LEAK_PATTERN_IDS.filter((id) => (w.found & LEAK_BIT[id]) !== 0);
    },
  };
}

function positiveInt(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value <= 0) throw new RangeError(`leak scanner ${name} must be a positive integer`);
  return value;
}
