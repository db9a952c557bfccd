/**
 * Canonical JSON of the audit chain: the one byte sequence a record hashes to, whatever the
 * key order or whitespace of the line it was read from.
 *
 * - objects: keys sorted by UTF-16 code units (JavaScript's default sort, as in RFC 8785),
 *   written `{"k":v,...}` with no whitespace, recursively;
 * - arrays: elements in order, `[a,b]`;
 * - strings, finite numbers, booleans, null: as JSON.stringify writes them (shortest
 *   round-trip number form, -0 as 0, lone surrogates escaped as \uXXXX).
 *
 * For the values audit records hold this is RFC 8785 (JCS). Anything JSON cannot hold exactly
 * (undefined, bigint, NaN, Infinity, functions, symbols) is refused rather than dropped, so two
 * different records can never share a serialisation.
 */
export function canonicalJson(value: unknown): string {
  switch (typeof value) {
    case "string":
    case "boolean":
      return JSON.stringify(value);
    case "number":
      if (!Number.isFinite(value)) throw new TypeError("canonical JSON cannot hold a non-finite number");
      return JSON.stringify(value);
    case "object": {
      if (value === null) return "null";
      if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record).sort();
      return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(record[k])}`).join(",")}}`;
    }
    default:
      throw new TypeError(`canonical JSON cannot hold a value of type ${typeof value}`);
  }
}
