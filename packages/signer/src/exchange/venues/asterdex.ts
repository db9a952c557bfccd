import { inspect } from "node:util";
import type { ExchangeOperation } from "@airlock/core";
import type { SignedVenueRequest, VenueAccountSettings, VenueSigner } from "../venue-types.js";
import { asterRequest, paramString } from "./asterdex-params.js";
import { signAsterMessage } from "./asterdex-sign.js";
import { baseUrlOf, expectVenue, parseAddress, type Eip712Credentials } from "./eip712-settings.js";
import { EvmKey } from "./evm-key.js";
import { nextNonce } from "./monotonic-nonce.js";

/**
 * Asterdex venue signer (Pro API v3, futures, API-wallet authentication).
 *
 * Every request carries `nonce` (µs: nowMs * 1000, bumped per signer so two requests in one
 * millisecond differ), `signer` (the API wallet's address, lowercase hex) and, when the
 * credentials name the master account, `user`. The parameter string (sorted, URL-encoded) is
 * the signed `msg`; `signature` is appended as the last parameter: in the query string for GET
 * and DELETE, in an application/x-www-form-urlencoded body for POST. (Aster's document says
 * DELETE parameters go in the body; its own examples send them in the query, which Aster
 * accepts; the query is what proxies never drop from a DELETE.)
 *
 * Aster accepts a nonce within about ±10 s of its clock (its document also says 60 s in one
 * place) and never twice, so expiresAtMs is nowMs + 10 s.
 */
export const ASTER_NONCE_WINDOW_MS = 10_000;

export class AsterdexSigner implements VenueSigner {
  readonly settings: VenueAccountSettings;
  /** Checksummed address of the API wallet (status output; what the venue recovers). */
  readonly address: string;
  readonly #key: EvmKey;
  readonly #base: string;
  readonly #signer: string;
  readonly #user: string | undefined;
  readonly #environment: "live" | "testnet";
  readonly #nonceKey: string;

  constructor(settings: VenueAccountSettings, credentials: Eip712Credentials) {
    expectVenue(settings, "asterdex");
    this.#base = baseUrlOf(settings);
    this.#key = new EvmKey(credentials.privateKey);
    this.settings = settings;
    this.address = this.#key.address;
    this.#signer = this.address.toLowerCase();
    this.#user = credentials.accountAddress === undefined ? undefined : parseAddress(credentials.accountAddress, "accountAddress");
    this.#environment = settings.environment;
    this.#nonceKey = `asterdex:${this.#signer}`;
  }

  sign(op: ExchangeOperation, nowMs: number): SignedVenueRequest {
    const req = asterRequest(op);
    const nonce = nextNonce(this.#nonceKey, nowMs * 1000);
    const auth: [string, string][] = [
      ["nonce", String(nonce)],
      ["signer", this.#signer],
    ];
    if (this.#user !== undefined) auth.push(["user", this.#user]);
    const msg = paramString([...req.params, ...auth]);
    const signed = `${msg}&signature=${signAsterMessage(this.#key, msg, this.#environment)}`;
    const url = `${this.#base}${req.path}`;
    const expiresAtMs = nowMs + ASTER_NONCE_WINDOW_MS;
    if (req.method === "POST") {
      return { method: "POST", url, headers: { "content-type": "application/x-www-form-urlencoded" }, body: signed, expiresAtMs };
    }
    return { method: req.method, url: `${url}?${signed}`, headers: {}, expiresAtMs };
  }

  secrets(): readonly string[] {
    return [this.#key.secret()];
  }

  toJSON(): Record<string, string> {
    return { venue: "asterdex", account: this.settings.account, address: this.address };
  }

  [inspect.custom](): string {
    return `AsterdexSigner { account: '${this.settings.account}', address: '${this.address}', privateKey: [redacted] }`;
  }
}
