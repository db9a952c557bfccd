/**
 * The throwaway values that ship in `.env.example`. They are public, so a sidecar that runs
 * with them protects nothing: startup warns in development and refuses in production.
 */
export const EXAMPLE_HMAC_SECRET = "dev-only-hmac-secret-CHANGE-ME-0123456789";
/** Stark key of the example SESSION_PRIVATE_KEY (the private key itself is only in the example file). */
export const EXAMPLE_SESSION_PUBLIC_KEY = 0x77a3b314db07c45076d11f62b6f9e748a39790441823307743cf00d6597ea43n;

/** Names of the example values a configuration uses ([] when none). */
export function exampleValuesIn(hmacSecrets: Iterable<string>, publicKeys: Iterable<bigint>): string[] {
  const found: string[] = [];
  for (const s of hmacSecrets) if (s === EXAMPLE_HMAC_SECRET) found.push("the example KEYRING_HMAC_SECRET");
  for (const k of publicKeys) if (k === EXAMPLE_SESSION_PUBLIC_KEY) found.push("the example SESSION_PRIVATE_KEY");
  return [...new Set(found)];
}
