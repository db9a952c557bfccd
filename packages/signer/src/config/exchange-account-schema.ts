import { z } from "zod";
import { Identifier, Venue, VenueSymbol } from "@airlock/core";
import { LIVE_ONLY_ORIGINS, VENUES, defaultBaseUrl } from "../exchange/venue-catalog.js";

/**
 * One exchange account, as written in KEYRING_EXCHANGE_ACCOUNTS_JSON and in the keystore's
 * `exchangeCredentials` (the same closed shape in both places):
 *
 * ```json
 * { "account": "binance-main", "venue": "binance", "environment": "testnet",
 *   "apiKey": "…", "apiSecret": "…", "clients": ["agent-1"] }
 * ```
 *
 * Credentials by venue family: HMAC venues (binance, binance_futures, bybit, okx, kucoin,
 * kucoin_futures) need apiKey and apiSecret, plus passphrase on okx and kucoin*; EIP-712 venues
 * (hyperliquid, asterdex) need privateKey (secp256k1, 64 hex digits) and take accountAddress
 * when the key is an API (agent) wallet's. A field of the other
 * family is refused, as are venue-specific fields on other venues (demo: okx; vaultAddress and
 * assets: hyperliquid). Messages describe rules, never values.
 *
 * With sealed provisioning (Nitro backend) an account is declared without its credentials,
 * `"credentials": "provisioned"` (ProvisionedAccountDeclaration); the credential fields arrive
 * sealed (ProvisionedAccountCredentials) and the merged entry is checked with these same rules.
 */

/** Most accounts one source (environment or keystore) may define. */
export const MAX_EXCHANGE_ACCOUNTS = 64;

/** secp256k1 group order: an EVM private key is in [1, n). */
const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]"]);
const MAX_URL_CHARS = 2048;

/** Header-safe token: the API key is sent as a header value. */
const HeaderToken = (max: number) => z.string().min(1).max(max).regex(/^[\x21-\x7e]+$/, "expected printable ASCII without spaces");
/** A passphrase: printable ASCII, inner spaces allowed (OKX sends it as a header value, so no edge spaces). */
const Passphrase = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/, "expected printable ASCII without leading or trailing spaces");
const EvmPrivateKey = z
  .string()
  .regex(/^(0x)?[0-9a-fA-F]{64}$/, "expected 64 hex digits, 0x-prefixed or not")
  .refine((k) => {
    const v = BigInt(k.startsWith("0x") ? k : `0x${k}`);
    return v > 0n && v < SECP256K1_N;
  }, "not a valid secp256k1 private key (zero or not below the curve order)");
/** A 0x-prefixed 20-byte EVM address. */
export const EvmAddress = z.string().regex(/^0x[0-9a-fA-F]{40}$/, "expected a 0x-prefixed 40-hex-digit address");

/**
 * The reason `text` is not an acceptable baseUrl, or undefined when it is: an origin only (no
 * path, query, fragment or credentials), https, or http on a loopback host (local fakes in tests).
 */
export function baseUrlProblem(text: string): string | undefined {
  if (text.length > MAX_URL_CHARS || /[\s?#]/.test(text)) return "must be an origin such as https://api.example.com (no spaces, query or fragment)";
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return "is not a valid URL";
  }
  if (url.username !== "" || url.password !== "") return "must not carry credentials";
  if (url.pathname !== "/") return "must be an origin without a path";
  if (url.protocol === "https:") return undefined;
  if (url.protocol === "http:" && LOOPBACK_HOSTS.has(url.hostname)) return undefined;
  return "must use https (http only on a loopback host: 127.0.0.1, localhost, [::1])";
}

/** The origin form of an accepted baseUrl (no trailing slash). */
export function normalizeBaseUrl(text: string): string {
  return new URL(text).origin;
}

const BaseUrl = z.string().superRefine((v, ctx) => {
  const problem = baseUrlProblem(v);
  if (problem !== undefined) ctx.addIssue({ code: "custom", message: problem });
});

/** The shape of an entry before the cross-field rules. */
const EntryShape = z.strictObject({
  account: Identifier,
  venue: Venue,
  environment: z.enum(["testnet", "live"]),
  baseUrl: BaseUrl.optional(),
  apiKey: HeaderToken(256).optional(),
  apiSecret: HeaderToken(1024).optional(),
  passphrase: Passphrase.optional(),
  privateKey: EvmPrivateKey.optional(),
  /** EIP-712 venues: the master account an API (agent) wallet key trades for (public, not a secret). */
  accountAddress: EvmAddress.optional(),
  demo: z.boolean().optional(),
  vaultAddress: EvmAddress.optional(),
  assets: z
    .record(VenueSymbol, z.number().int().min(0).max(4_294_967_295))
    .refine((a) => Object.keys(a).length <= 4096, "at most 4096 assets")
    .optional(),
  clients: z
    .array(Identifier)
    .max(256)
    .refine((c) => new Set(c).size === c.length, "lists a client twice")
    .optional(),
  liveTradingEnabled: z.boolean().optional(),
});

type EntryShape = z.infer<typeof EntryShape>;

/** The credential fields of an entry: what sealed provisioning delivers instead of the configuration. */
export const CREDENTIAL_FIELDS = ["apiKey", "apiSecret", "passphrase", "privateKey", "accountAddress"] as const;

/** The rules on the credential fields, by venue family. */
function credentialRules(e: EntryShape, ctx: z.RefinementCtx): void {
  const issue = (path: string, message: string) => ctx.addIssue({ code: "custom", path: [path], message });
  const facts = VENUES[e.venue];
  if (facts.family === "hmac") {
    if (e.apiKey === undefined) issue("apiKey", `is required for ${e.venue}`);
    if (e.apiSecret === undefined) issue("apiSecret", `is required for ${e.venue}`);
    if (e.privateKey !== undefined) issue("privateKey", `is not used by ${e.venue} (an HMAC venue: apiKey and apiSecret)`);
    if (e.accountAddress !== undefined) issue("accountAddress", `is not used by ${e.venue} (an HMAC venue)`);
    if (facts.passphrase && e.passphrase === undefined) issue("passphrase", `is required for ${e.venue}`);
    if (!facts.passphrase && e.passphrase !== undefined) issue("passphrase", `is not used by ${e.venue}`);
  } else {
    if (e.privateKey === undefined) issue("privateKey", `is required for ${e.venue}`);
    for (const field of ["apiKey", "apiSecret", "passphrase"] as const) {
      if (e[field] !== undefined) issue(field, `is not used by ${e.venue} (an EIP-712 venue: privateKey)`);
    }
  }
}

/** The rules on everything but the credentials (also those of a provisioned account's declaration). */
function settingsRules(e: Omit<EntryShape, (typeof CREDENTIAL_FIELDS)[number]>, ctx: z.RefinementCtx): void {
  const issue = (path: string, message: string) => ctx.addIssue({ code: "custom", path: [path], message });
  if (e.demo !== undefined && e.venue !== "okx") issue("demo", "applies to okx only");
  if (e.venue === "okx" && e.demo !== undefined && e.demo !== (e.environment === "testnet")) {
    issue("demo", "must match the environment on okx: testnet trades in demo mode, live does not");
  }
  if (e.vaultAddress !== undefined && e.venue !== "hyperliquid") issue("vaultAddress", "applies to hyperliquid only");
  if (e.assets !== undefined && e.venue !== "hyperliquid") issue("assets", "applies to hyperliquid only");
  if (e.liveTradingEnabled !== undefined && e.environment !== "live") issue("liveTradingEnabled", "applies to live accounts only");
  if (e.baseUrl === undefined && defaultBaseUrl(e.venue, e.environment) === undefined) {
    issue("baseUrl", `is required: ${e.venue} has no public ${e.environment}`);
  }
  if (e.environment === "testnet" && e.baseUrl !== undefined && baseUrlProblem(e.baseUrl) === undefined) {
    if (LIVE_ONLY_ORIGINS.has(normalizeBaseUrl(e.baseUrl))) issue("baseUrl", "is a live trading origin, but the account is testnet");
  }
}

/** One exchange account entry (closed; cross-field rules as documented above). */
export const ExchangeAccountEntry = EntryShape.superRefine((e, ctx) => {
  credentialRules(e, ctx);
  settingsRules(e, ctx);
});
export type ExchangeAccountEntry = z.infer<typeof ExchangeAccountEntry>;

/**
 * An account whose credentials arrive by sealed provisioning (Nitro backend): the entry without
 * any credential field, marked `"credentials": "provisioned"`. Everything the policy hash covers
 * (venue, environment, origin, clients, live switch, vault) is fixed here, at boot; the
 * credentials are checked against the venue's rules when they are installed.
 */
export const ProvisionedAccountDeclaration = EntryShape.omit({ apiKey: true, apiSecret: true, passphrase: true, privateKey: true, accountAddress: true })
  .extend({ credentials: z.literal("provisioned") })
  .superRefine(settingsRules);
export type ProvisionedAccountDeclaration = z.infer<typeof ProvisionedAccountDeclaration>;

/** The credentials of one provisioned account, as they arrive sealed (venue rules apply when merged). */
export const ProvisionedAccountCredentials = EntryShape.pick({ apiKey: true, apiSecret: true, passphrase: true, privateKey: true, accountAddress: true }).extend({ account: Identifier });
export type ProvisionedAccountCredentials = z.infer<typeof ProvisionedAccountCredentials>;

/** The fields of an entry that hold secrets (the apiKey is sent to the venue, but is kept private too). */
export const EXCHANGE_SECRET_FIELDS = ["apiKey", "apiSecret", "passphrase", "privateKey"] as const;

/**
 * The values of an entry the leak scanner and the audit log must never let through. Not the
 * apiKey (every signed request carries it in a header) and not an OKX passphrase (OKX takes it
 * as a header value, so it is part of what the caller must send); KuCoin's passphrase is sent
 * signed, so it stays a scanner secret.
 */
export function scannerSecretsOf(entry: ExchangeAccountEntry): string[] {
  const out: string[] = [];
  if (entry.apiSecret !== undefined) out.push(entry.apiSecret);
  if (entry.passphrase !== undefined && entry.venue !== "okx") out.push(entry.passphrase);
  if (entry.privateKey !== undefined) out.push(entry.privateKey);
  return out;
}
