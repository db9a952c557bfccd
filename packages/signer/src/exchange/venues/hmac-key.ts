import { inspect } from "node:util";
import { VenueConfigError } from "./eip712-errors.js";
import { hmacSha256 } from "./hmac-sign.js";

/**
 * The credentials of one HMAC venue account. The secret and passphrase live in private fields:
 * absent from JSON.stringify and util.inspect; no error built here repeats a value. The secret
 * never leaves this object: callers get signatures over the prehash they give.
 */

/** API credentials as configured (the passphrase is OKX's and KuCoin's). */
export interface HmacCredentials {
  readonly apiKey: string;
  readonly apiSecret: string;
  readonly passphrase?: string;
}

/** Header-safe: venues receive the key (and OKX the passphrase) as header values. */
const API_KEY = /^[\x21-\x7e]{1,256}$/;
const API_SECRET = /^[\x21-\x7e]{1,1024}$/;
const PASSPHRASE = /^[\x21-\x7e](?:[\x20-\x7e]{0,126}[\x21-\x7e])?$/;

function field(value: unknown, pattern: RegExp, name: string, rule: string): string {
  if (typeof value !== "string" || !pattern.test(value)) throw new VenueConfigError(`${name} must be ${rule}`);
  return value;
}

export class HmacKey {
  readonly #apiKey: string;
  readonly #apiSecret: string;
  readonly #passphrase: string | undefined;

  /** `passphrase`: whether the venue needs one (required then, refused otherwise). */
  constructor(credentials: HmacCredentials, passphrase: boolean) {
    const c = credentials as Partial<Record<keyof HmacCredentials, unknown>> | null;
    if (c === null || typeof c !== "object") throw new VenueConfigError("credentials must be an object");
    this.#apiKey = field(c.apiKey, API_KEY, "apiKey", "1-256 printable ASCII characters without spaces");
    this.#apiSecret = field(c.apiSecret, API_SECRET, "apiSecret", "1-1024 printable ASCII characters without spaces");
    if (passphrase) {
      this.#passphrase = field(c.passphrase, PASSPHRASE, "passphrase", "1-128 printable ASCII characters without leading or trailing spaces");
    } else {
      if (c.passphrase !== undefined) throw new VenueConfigError("this venue takes no passphrase");
      this.#passphrase = undefined;
    }
  }

  /** The API key: public by design (every request carries it in the venue's key header). */
  get apiKey(): string {
    return this.#apiKey;
  }

  /** HMAC-SHA256 of `message` with the API secret. */
  sign(message: string, encoding: "hex" | "base64"): string {
    return hmacSha256(this.#apiSecret, message, encoding);
  }

  /** HMAC-SHA256 of the passphrase with the API secret (KuCoin key version 2). */
  signedPassphrase(): string {
    return hmacSha256(this.#apiSecret, this.#requirePassphrase(), "base64");
  }

  /** The raw passphrase, for a venue that takes it as a header value (OKX) and nothing else. */
  rawPassphrase(): string {
    return this.#requirePassphrase();
  }

  /** Values the leak scanner must never let through: the secret, and the passphrase unless it is sent raw. */
  secrets(passphraseIsSent: boolean): readonly string[] {
    return this.#passphrase === undefined || passphraseIsSent ? [this.#apiSecret] : [this.#apiSecret, this.#passphrase];
  }

  #requirePassphrase(): string {
    if (this.#passphrase === undefined) throw new VenueConfigError("this account has no passphrase");
    return this.#passphrase;
  }

  toJSON(): Record<string, string> {
    return { apiKey: "[redacted]", apiSecret: "[redacted]" };
  }

  [inspect.custom](): string {
    return "HmacKey { apiKey: [redacted], apiSecret: [redacted] }";
  }
}
