/**
 * Exact decimal arithmetic for trading limits: a value is an integer count of units of
 * 10^-scale, held as a bigint, so "0.1" × "3" is exactly "0.3" and a cap compares equal at its
 * boundary. Floats never take part: 0.1 + 0.2 > 0.3 in binary floating point, and a
 * notional cap must not be crossed by rounding.
 */

/** value = units / 10^scale, with units ≥ 0. */
export interface ExactDecimal {
  readonly units: bigint;
  readonly scale: number;
}

/** The plain decimals venues take: no sign, exponent or spaces; at most 20 integer and 18 fraction digits (DecimalString's grammar, zero allowed). */
const PLAIN_DECIMAL = /^(0|[1-9][0-9]{0,19})(?:\.([0-9]{1,18}))?$/;

/** Parses a plain non-negative decimal; undefined for anything else (never coerces). */
export function parseDecimal(text: string): ExactDecimal | undefined {
  const m = PLAIN_DECIMAL.exec(text);
  if (m === null) return undefined;
  const fraction = m[2] ?? "";
  return { units: BigInt(m[1]! + fraction), scale: fraction.length };
}

/** Parses a value the schema has already checked; throws RangeError when it is not a plain decimal. */
export function decimalOf(text: string): ExactDecimal {
  const d = parseDecimal(text);
  if (d === undefined) throw new RangeError("not a plain decimal");
  return d;
}

const POW10: bigint[] = [];
function pow10(n: number): bigint {
  let p = POW10[n];
  if (p === undefined) {
    p = 10n ** BigInt(n);
    POW10[n] = p;
  }
  return p;
}

/** -1, 0 or 1 as a is less than, equal to or greater than b (exact, whatever the scales). */
export function compareDecimal(a: ExactDecimal, b: ExactDecimal): -1 | 0 | 1 {
  const scale = Math.max(a.scale, b.scale);
  const x = a.units * pow10(scale - a.scale);
  const y = b.units * pow10(scale - b.scale);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** The exact product a × b. */
export function multiplyDecimal(a: ExactDecimal, b: ExactDecimal): ExactDecimal {
  return { units: a.units * b.units, scale: a.scale + b.scale };
}

/** The shortest plain spelling: no trailing fraction zeros, no trailing dot ("1.50" → "1.5", "2.0" → "2"). */
export function formatDecimal(d: ExactDecimal): string {
  if (d.scale === 0) return d.units.toString();
  const digits = d.units.toString().padStart(d.scale + 1, "0");
  const whole = digits.slice(0, digits.length - d.scale);
  const fraction = digits.slice(digits.length - d.scale).replace(/0+$/, "");
  return fraction === "" ? whole : `${whole}.${fraction}`;
}
