/**
 * What the leak scanner looks for, and the ids it reports. The first six ids and their regular
 * expressions are SISNA's (`src/security/leakScanner.ts`), so operators' alert rules keep
 * working; the PEM one also covers `ENCRYPTED PRIVATE KEY`. The others are ours.
 */

/** Every id the scanner can report, in the order it reports them. */
export const LEAK_PATTERN_IDS = [
  "env.starknet_private_key",
  "env.session_private_key",
  "env.keyring_hmac_secret",
  "json.private_key",
  "kv.private_key",
  "pem.private_key",
  /** A configured key or HMAC secret, in one of its spellings. */
  "secret.configured",
  /** Nesting deeper than the scanner's bound: the rest was not looked at. */
  "scan.too_deep",
  /** More nodes or characters than the scanner's budget: the rest was not looked at. */
  "scan.too_large",
  /** An integer too large for a double: its digits (perhaps a key) are lost and cannot be checked. */
  "scan.unsafe_number",
] as const;

export type LeakPatternId = (typeof LEAK_PATTERN_IDS)[number];

/** Bit of each id in the scanner's result mask. */
export const LEAK_BIT: Readonly<Record<LeakPatternId, number>> = Object.freeze(
  Object.fromEntries(LEAK_PATTERN_IDS.map((id, i) => [id, 1 << i])) as Record<LeakPatternId, number>,
);

/**
 * SISNA's regular expressions. None has the g flag (no lastIndex state between calls) and none
 * can backtrack badly: each is a literal followed by bounded or single-class repetitions.
 */
export const TEXT_PATTERNS: readonly { readonly id: LeakPatternId; readonly re: RegExp }[] = [
  { id: "env.starknet_private_key", re: /\bSTARKNET_PRIVATE_KEY\b/i },
  { id: "env.session_private_key", re: /\bSESSION_PRIVATE_KEY\b/i },
  { id: "env.keyring_hmac_secret", re: /\bKEYRING_HMAC_SECRET\b/i },
  { id: "json.private_key", re: /"private(?:_|)key"\s*:\s*"0x[0-9a-fA-F]{1,64}"/i },
  { id: "kv.private_key", re: /\bprivate(?:_|)key\s*[:=]\s*["']?0x[0-9a-fA-F]{1,64}["']?/i },
  { id: "pem.private_key", re: /-----BEGIN(?: EC| RSA| ENCRYPTED)? PRIVATE KEY-----/i },
];

/**
 * Every text pattern contains one of these (lowercase) literals, so a string without any of
 * them skips the regular expressions: most traffic is felts and short names.
 */
export const TEXT_PATTERN_LITERALS: readonly string[] = ["private", "hmac_secret"];

/**
 * Object keys whose value is key material when it looks like a number: matched against the key
 * lowercased with everything but letters and digits removed (private_key, privateKey,
 * PRIVATE-KEY, clientSecret, hmac_secret, signingKey, ...).
 */
const SECRET_KEY_NAME_PARTS: readonly string[] = ["privatekey", "privkey", "secret", "signingkey"];

export function isSecretKeyName(key: string): boolean {
  if (key.length > 128) return false;
  const normalised = key.toLowerCase().replace(/[^a-z0-9]/g, "");
  return SECRET_KEY_NAME_PARTS.some((part) => normalised.includes(part));
}

/**
 * A string that could be key material under a secret-named key: `0x` + 1-64 hex digits
 * (SISNA's json.private_key value), or 16+ bare hex or decimal digits.
 */
export function looksLikeKeyMaterial(value: string): boolean {
  return /^0x[0-9a-f]{1,64}$/i.test(value) || /^[0-9a-f]{16,}$/i.test(value);
}
