/**
 * The substrings that reveal a configured secret, computed once at startup.
 *
 * Every needle is lowercase and is searched for in the lowercased text, so case never matters.
 * For a number (a Stark private key in hex or decimal) the needles are its minimal hex digits
 * and its decimal digits: any spelling of the same number, with or without `0x`, upper- or
 * lowercase, padded with leading zeros or not, contains one of them. An opaque secret (an HMAC
 * key such as `s3cr3t-...`) has one needle: itself. Only the secret's own value is spelled;
 * nothing derived from it (its public key, hashes) is, because those are public.
 */

/**
 * Secrets with fewer significant characters than this are ignored: a short value (a 10-digit
 * number, `changeme`) would match ordinary felts and text by chance and block normal traffic.
 * "Significant" means digits after `0x` and leading zeros for numbers, characters otherwise.
 * With 16, the shortest needle is 13 characters (the hex of a 16-digit decimal), which a
 * random 64-digit felt contains with probability about 52 / 16^13 ≈ 1e-14.
 */
export const MIN_SIGNIFICANT_SECRET_CHARS = 16;

/** Secrets longer than this are not keys or HMAC secrets we configure; ignored rather than searched. */
const MAX_SECRET_CHARS = 4096;

export interface SecretNeedles {
  /** Lowercase substrings; none contains another (a longer one would be redundant). */
  readonly needles: readonly string[];
  /** How many configured secrets were too short (or too long) to search for. */
  readonly ignored: number;
}

export function secretNeedles(secrets: readonly string[]): SecretNeedles {
  const found = new Set<string>();
  let ignored = 0;
  for (const secret of secrets) {
    const spellings = spellingsOf(secret);
    if (spellings === undefined) ignored += 1;
    else for (const s of spellings) found.add(s);
  }
  return { needles: pruneRedundant([...found]), ignored };
}

/** The needles of one secret, or undefined when it is too short to search for safely. */
function spellingsOf(secret: string): string[] | undefined {
  if (typeof secret !== "string" || secret.length > MAX_SECRET_CHARS) return undefined;
  const values: bigint[] = [];
  let significant: number;
  if (/^0x[0-9a-f]+$/i.test(secret)) {
    significant = stripZeros(secret.slice(2)).length;
    values.push(BigInt(secret));
  } else if (/^[0-9]+$/.test(secret)) {
    // All digits: a decimal number, or hex digits that happen to contain no letter. Both readings.
    significant = stripZeros(secret).length;
    values.push(BigInt(secret), BigInt(`0x${secret}`));
  } else if (/^[0-9a-f]+$/i.test(secret)) {
    significant = stripZeros(secret).length;
    values.push(BigInt(`0x${secret}`));
  } else {
    significant = secret.length;
  }
  if (significant < MIN_SIGNIFICANT_SECRET_CHARS) return undefined;
  if (values.length === 0) return [secret.toLowerCase()];
  return values.flatMap((v) => [v.toString(16), v.toString(10)]);
}

function stripZeros(digits: string): string {
  return digits.replace(/^0+/, "");
}

/** Drops every needle that contains a shorter one: whatever contains it contains the shorter one too. */
function pruneRedundant(needles: string[]): string[] {
  const sorted = [...needles].sort((a, b) => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0));
  const kept: string[] = [];
  for (const n of sorted) if (!kept.some((k) => n.includes(k))) kept.push(n);
  return kept;
}
