import type { z } from "zod";

/** Shortest registered secret we redact: shorter strings would mangle ordinary words. */
const MIN_REDACTED_LENGTH = 6;

/**
 * Collects configuration problems, one line each, plus every secret value seen while reading
 * the configuration. Lines are written never to quote a value; as a second line of defence,
 * lines() replaces any registered secret that still appears with "[redacted]".
 */
export class Problems {
  readonly #lines: string[] = [];
  readonly #secrets = new Set<string>();

  add(line: string): void {
    this.#lines.push(line);
  }

  /** Registers a secret value (HMAC secret, key, token, passphrase) for redaction. */
  secret(value: string | undefined): void {
    if (value !== undefined && value.length >= MIN_REDACTED_LENGTH) this.#secrets.add(value);
  }

  get count(): number {
    return this.#lines.length;
  }

  lines(): string[] {
    const secrets = [...this.#secrets].sort((a, b) => b.length - a.length);
    return this.#lines.map((line) => secrets.reduce((text, s) => text.split(s).join("[redacted]"), line));
  }
}

const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,63}$/;
const SAFE_FIELD = /^[A-Za-z_][A-Za-z0-9_]{0,39}$/;

/** `where` plus a zod path, quoting only segments that look like identifiers. */
function pathText(where: string, path: readonly PropertyKey[]): string {
  let text = where;
  for (const seg of path) {
    if (typeof seg === "number") text += `[${seg}]`;
    else if (typeof seg === "string" && SAFE_ID.test(seg)) text += `.${seg}`;
    else text += ".<key>";
  }
  return text;
}

/**
 * Turns zod issues into problem lines. zod's messages describe expectations, not input; the
 * exceptions (unrecognized key names) are quoted only when they look like field names.
 */
export function addZodProblems(problems: Problems, where: string, error: z.ZodError): void {
  for (const issue of error.issues) {
    const at = pathText(where, issue.path);
    if (issue.code === "unrecognized_keys") {
      const named = issue.keys.filter((k) => SAFE_FIELD.test(k)).map((k) => `"${k}"`);
      const hidden = issue.keys.length - named.length;
      if (hidden > 0) named.push(`${hidden} more whose name is not shown`);
      problems.add(`${at}: unknown field${issue.keys.length === 1 ? "" : "s"} ${named.join(", ")}`);
    } else if (issue.code === "invalid_key") {
      problems.add(`${at}: invalid key (${issue.issues[0]?.message ?? "not accepted"})`);
    } else {
      problems.add(`${at}: ${issue.message}`);
    }
  }
}
