import { HexFelt, Identifier, isAirlockError, resolveVenueOrigins, Venue } from "@airlock/core";
import { z } from "zod";

/** The environment variables airlock-mcp reads. Every other AIRLOCK_* variable is refused. */
export const ENV_VARS = Object.freeze({
  url: "AIRLOCK_URL",
  clientId: "AIRLOCK_CLIENT_ID",
  hmacSecret: "AIRLOCK_HMAC_SECRET",
  hmacSecretFile: "AIRLOCK_HMAC_SECRET_FILE",
  keyId: "AIRLOCK_KEY_ID",
  accountAddress: "AIRLOCK_ACCOUNT_ADDRESS",
  chainId: "AIRLOCK_CHAIN_ID",
  timeoutMs: "AIRLOCK_TIMEOUT_MS",
  tlsCa: "AIRLOCK_TLS_CA",
  tlsCert: "AIRLOCK_TLS_CERT",
  tlsKey: "AIRLOCK_TLS_KEY",
  tlsPins: "AIRLOCK_TLS_PINNED_SPKI_SHA256",
  expectedSessionPublicKeys: "AIRLOCK_EXPECTED_SESSION_PUBLIC_KEYS",
  exchangeAccount: "AIRLOCK_EXCHANGE_ACCOUNT",
  exchangeVenue: "AIRLOCK_EXCHANGE_VENUE",
  venueOrigins: "AIRLOCK_VENUE_ORIGINS",
  // The Nitro trust settings (NITRO_SETTINGS of @airlock/core/agent-tools, shared with the ElizaOS plugin).
  nitroExpectedPcr0: "AIRLOCK_NITRO_EXPECTED_PCR0",
  nitroExpectedPcr1: "AIRLOCK_NITRO_EXPECTED_PCR1",
  nitroExpectedPcr2: "AIRLOCK_NITRO_EXPECTED_PCR2",
  nitroExpectedPcr8: "AIRLOCK_NITRO_EXPECTED_PCR8",
  nitroRootSha256: "AIRLOCK_NITRO_ROOT_SHA256",
  nitroMaxAgeMs: "AIRLOCK_NITRO_MAX_AGE_MS",
  nitroPolicyHash: "AIRLOCK_NITRO_POLICY_HASH",
  registryRpcUrl: "AIRLOCK_REGISTRY_RPC_URL",
  registryAddress: "AIRLOCK_REGISTRY_ADDRESS",
  registryOwner: "AIRLOCK_REGISTRY_OWNER",
  registryChainId: "AIRLOCK_REGISTRY_CHAIN_ID",
});

// Every message below is fixed text: zod's own messages are never shown, and no message ever
// quotes the value (it may be a secret pasted into the wrong variable).

const MAX_PATH = 4096;
const MIN_SECRET = 16;
const MAX_SECRET = 4096;
const CLIENT_ID = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$/;
const SPKI_PIN = /^[A-Za-z0-9+/]{43}=$/;
const MAX_PINS = 32;
const MAX_EXPECTED_KEYS = 1024;
const LOOPBACK_HOSTS = new Set(["localhost", "[::1]"]);

/** Why an HMAC secret is unusable, or undefined when it is fine. */
export function secretProblem(secret: string): string | undefined {
  if (secret.length < MIN_SECRET || secret.length > MAX_SECRET) return `must be ${MIN_SECRET} to ${MAX_SECRET} characters`;
  // A line break or stray space would make every request fail authentication, far from its cause.
  if (/[\u0000-\u001f\u007f]/.test(secret)) return "contains a line break or another control character";
  if (secret.trim() !== secret) return "has leading or trailing whitespace";
  return undefined;
}

/** Why a base URL is not a bare http(s) origin (the rules of AirlockClient), or undefined. */
function originProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return "is not a valid URL";
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return "must use http or https";
  if (url.username !== "" || url.password !== "") return "must not contain credentials";
  if (url.search !== "" || url.hash !== "" || value.includes("?") || value.includes("#")) return "must not have a query or fragment";
  if (url.pathname !== "/") return "must be an origin without a path, e.g. http://127.0.0.1:8545";
  if (url.hostname === "") return "must name a host";
  return undefined;
}

/** Whether the origin's host is this machine (plain http is acceptable only there). */
export function isLoopbackHost(url: URL): boolean {
  return LOOPBACK_HOSTS.has(url.hostname) || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(url.hostname);
}

const custom = (ctx: z.RefinementCtx, message: string) => ctx.addIssue({ code: "custom", message });

const text = z.string();
const path = text.max(MAX_PATH, `must be a file path of at most ${MAX_PATH} characters`);
const hexFelt = (message: string) => text.refine((v) => HexFelt.safeParse(v).success && BigInt(v) !== 0n, message);

/** One zod schema per variable; each yields the value airlock-mcp uses. */
export const ENV_FIELDS = {
  AIRLOCK_URL: text.max(2048, "is longer than 2048 characters").transform((value, ctx) => {
    const problem = originProblem(value);
    if (problem !== undefined) {
      custom(ctx, problem);
      return z.NEVER;
    }
    return new URL(value);
  }),
  AIRLOCK_CLIENT_ID: text.regex(CLIENT_ID, "must be 1-128 of [A-Za-z0-9._:@-], starting with a letter or digit"),
  AIRLOCK_HMAC_SECRET: text.superRefine((v, ctx) => {
    const problem = secretProblem(v);
    if (problem !== undefined) custom(ctx, problem);
  }),
  AIRLOCK_HMAC_SECRET_FILE: path,
  AIRLOCK_KEY_ID: text.refine((v) => Identifier.safeParse(v).success, "must be 1-64 of [A-Za-z0-9._:@-], starting with a letter or digit"),
  AIRLOCK_ACCOUNT_ADDRESS: hexFelt("must be a non-zero 0x-hex Starknet address below the field prime"),
  AIRLOCK_CHAIN_ID: hexFelt("must be a 0x-hex chain id, e.g. 0x534e5f5345504f4c4941 (SN_SEPOLIA) or 0x534e5f4d41494e (SN_MAIN)"),
  AIRLOCK_TIMEOUT_MS: text
    .regex(/^[1-9][0-9]{0,5}$/, "must be a whole number of milliseconds from 1 to 600000")
    .transform(Number)
    .refine((n) => n <= 600_000, "must be a whole number of milliseconds from 1 to 600000"),
  AIRLOCK_TLS_CA: path,
  AIRLOCK_TLS_CERT: path,
  AIRLOCK_TLS_KEY: path,
  AIRLOCK_TLS_PINNED_SPKI_SHA256: text.transform((value, ctx) => {
    const pins = value.split(",").map((p) => p.trim());
    if (pins.length > MAX_PINS) custom(ctx, `must list at most ${MAX_PINS} pins`);
    pins.forEach((pin, i) => {
      if (!SPKI_PIN.test(pin)) custom(ctx, `entry ${i + 1} is not a base64 SHA-256 (44 characters) of a SubjectPublicKeyInfo`);
    });
    return pins;
  }),
  AIRLOCK_EXPECTED_SESSION_PUBLIC_KEYS: text.max(131_072, "is longer than 131072 characters").transform((value, ctx) => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch {
      // JSON.parse's message quotes the input: it is not repeated.
      custom(ctx, "is not valid JSON");
      return z.NEVER;
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      custom(ctx, 'must be a JSON object of key id to 0x-hex session public key, e.g. {"default":"0x1234..."}');
      return z.NEVER;
    }
    const entries = Object.entries(parsed);
    if (entries.length === 0 || entries.length > MAX_EXPECTED_KEYS) custom(ctx, `must pin 1 to ${MAX_EXPECTED_KEYS} keys`);
    // Entries are named by position: even a key id is not repeated (it could be a pasted secret).
    entries.forEach(([keyId, key], i) => {
      if (!Identifier.safeParse(keyId).success) custom(ctx, `entry ${i + 1} has a key id that is not 1-64 of [A-Za-z0-9._:@-]`);
      else if (typeof key !== "string" || !HexFelt.safeParse(key).success || BigInt(key) === 0n) {
        custom(ctx, `entry ${i + 1} must map its key id to a non-zero 0x-hex Stark public key below the field prime`);
      }
    });
    return Object.fromEntries(entries) as Record<string, string>;
  }),
  AIRLOCK_EXCHANGE_ACCOUNT: text.refine((v) => Identifier.safeParse(v).success, "must be 1-64 of [A-Za-z0-9._:@-], starting with a letter or digit"),
  AIRLOCK_EXCHANGE_VENUE: text.refine((v) => Venue.safeParse(v).success, `must be one of ${Venue.options.join(", ")}`).transform((v) => v as Venue),
  AIRLOCK_VENUE_ORIGINS: text.max(65_536, "is longer than 65536 characters").transform((value, ctx) => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch {
      custom(ctx, "is not valid JSON");
      return z.NEVER;
    }
    // The client's own check, run now so the problem is reported with the others at start.
    try {
      resolveVenueOrigins(parsed);
    } catch (err) {
      // ConfigError messages are fixed text and option names ("venueOrigins.okx[0] must use https ..."), never values.
      const message = isAirlockError(err, "CONFIG") ? err.message.replace(/^venueOrigins\.?/, "").trim() : "is not a valid venue origins object";
      custom(ctx, message.startsWith("must") || message.startsWith("has") ? message : `entry ${message}`);
      return z.NEVER;
    }
    return parsed as Partial<Record<Venue, string[]>>;
  }),
  // Read as text here; nitroTrustFromSettings parses them and applies the client's own rules.
  AIRLOCK_NITRO_EXPECTED_PCR0: text,
  AIRLOCK_NITRO_EXPECTED_PCR1: text,
  AIRLOCK_NITRO_EXPECTED_PCR2: text,
  AIRLOCK_NITRO_EXPECTED_PCR8: text,
  AIRLOCK_NITRO_ROOT_SHA256: text,
  AIRLOCK_NITRO_MAX_AGE_MS: text,
  AIRLOCK_NITRO_POLICY_HASH: text,
  AIRLOCK_REGISTRY_RPC_URL: text,
  AIRLOCK_REGISTRY_ADDRESS: text,
  AIRLOCK_REGISTRY_OWNER: text,
  AIRLOCK_REGISTRY_CHAIN_ID: text,
} as const satisfies Record<(typeof ENV_VARS)[keyof typeof ENV_VARS], z.ZodType<unknown, string>>;

export type EnvVariable = keyof typeof ENV_FIELDS;
export type EnvValue<V extends EnvVariable> = z.output<(typeof ENV_FIELDS)[V]>;
