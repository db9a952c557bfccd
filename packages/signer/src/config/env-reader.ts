import type { Problems } from "./problems.js";

const TRUE_WORDS = new Set(["1", "true", "yes", "on"]);
const FALSE_WORDS = new Set(["0", "false", "no", "off", ""]);
/** Key and client ids: printable, log-safe, bounded (same rule as the wire's Identifier). */
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,63}$/;

/**
 * Typed, strict reads of environment variables. Each malformed value adds one problem and
 * yields the default so reading can go on and report every problem at once. Messages name the
 * variable and the rule, never the value.
 */
export class EnvReader {
  constructor(
    private readonly env: Readonly<Record<string, string | undefined>>,
    private readonly problems: Problems,
  ) {}

  /** The raw value; an empty string counts as unset (a blank line in a .env file). */
  optional(name: string): string | undefined {
    const value = this.env[name];
    return value === undefined || value === "" ? undefined : value;
  }

  /** Whether the variable is set to something non-blank. */
  has(name: string): boolean {
    return (this.env[name] ?? "").trim() !== "";
  }

  string(name: string, fallback: string): string {
    return this.optional(name) ?? fallback;
  }

  /** 1/true/yes/on or 0/false/no/off/empty (any case, surrounding spaces ignored); anything else is a problem. */
  bool(name: string, fallback: boolean): boolean {
    const raw = this.env[name];
    if (raw === undefined) return fallback;
    const word = raw.trim().toLowerCase();
    if (TRUE_WORDS.has(word)) return true;
    if (FALSE_WORDS.has(word)) return false;
    this.problems.add(`${name} must be one of 1/true/yes/on or 0/false/no/off`);
    return fallback;
  }

  /** A plain decimal integer in [min, max]: no sign, no spaces, no units, no exponent. */
  int(name: string, fallback: number, min: number, max: number): number {
    const raw = this.optional(name);
    if (raw === undefined) return fallback;
    if (/^[0-9]{1,15}$/.test(raw)) {
      const n = Number(raw);
      if (n >= min && n <= max) return n;
    }
    this.problems.add(`${name} must be an integer between ${min} and ${max}`);
    return fallback;
  }

  oneOf<T extends string>(name: string, values: readonly T[], fallback: T): T {
    const raw = this.optional(name);
    if (raw === undefined) return fallback;
    if ((values as readonly string[]).includes(raw)) return raw as T;
    this.problems.add(`${name} must be one of ${values.join(", ")}`);
    return fallback;
  }

  /** A key or client id matching ID_PATTERN. */
  id(name: string, fallback: string): string {
    const raw = this.optional(name);
    if (raw === undefined) return fallback;
    if (ID_PATTERN.test(raw)) return raw;
    this.problems.add(`${name} must be 1-64 characters of [A-Za-z0-9._:@-], starting with a letter or digit`);
    return fallback;
  }

  /** Printable ASCII without spaces (Redis prefixes, header values), 1..max characters. */
  token(name: string, fallback: string, max: number): string {
    const raw = this.optional(name);
    if (raw === undefined) return fallback;
    if (raw.length <= max && /^[\x21-\x7e]+$/.test(raw)) return raw;
    this.problems.add(`${name} must be 1-${max} printable ASCII characters without spaces`);
    return fallback;
  }
}
