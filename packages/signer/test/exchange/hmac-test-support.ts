import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Venue } from "@airlock/core";
import { request } from "undici";
import { expect } from "vitest";
import type { SignedVenueRequest, VenueAccountSettings } from "../../src/exchange/venue-types.js";
import type { FakeApiKey } from "./fakes/hmac-fake-support.js";

/**
 * Test support for the HMAC venues: the shared known-answer vectors, throwaway credentials,
 * sending a signed request verbatim with undici, and the leak assertion.
 */

/** One `hmac` entry of ../shared/conformance/exchange-vectors.json (fields vary by venue). */
export interface HmacVector {
  readonly id: string;
  readonly venue: string;
  readonly secret: string;
  readonly passphrase?: string;
  readonly api_key?: string;
  readonly timestamp_ms?: number;
  readonly timestamp?: string;
  readonly recv_window?: string;
  readonly method?: "GET" | "POST" | "DELETE";
  readonly path?: string;
  readonly query?: string;
  readonly body?: string;
  readonly prehash?: string;
  readonly expected: Readonly<Record<string, string>>;
}

const VECTORS_PATH = fileURLToPath(new URL("../../../../../shared/conformance/exchange-vectors.json", import.meta.url));

/** The shared `hmac` vectors, or undefined (with a loud warning) when ../shared is absent. */
export function loadHmacVectors(): HmacVector[] | undefined {
  if (!existsSync(VECTORS_PATH)) {
    console.warn(`SKIPPING shared HMAC known-answer vectors: ${VECTORS_PATH} is absent`);
    return undefined;
  }
  return (JSON.parse(readFileSync(VECTORS_PATH, "utf8")) as { hmac: HmacVector[] }).hmac;
}

/** Fresh throwaway credentials (random per run; never real). */
export function throwawayKey(label: string, extra: Partial<FakeApiKey> = {}): FakeApiKey & { passphrase: string } {
  return {
    apiKey: `test-${label}-key-${randomBytes(6).toString("hex")}`,
    apiSecret: `test-${label}-secret-${randomBytes(16).toString("hex")}`,
    passphrase: `test ${label} pass ${randomBytes(6).toString("hex")}`,
    ...extra,
  };
}

/** Signer credentials of a fake's key (with or without its passphrase). */
export function credentialsOf(key: FakeApiKey, withPassphrase: boolean): { apiKey: string; apiSecret: string; passphrase?: string } {
  return withPassphrase && key.passphrase !== undefined ? { apiKey: key.apiKey, apiSecret: key.apiSecret, passphrase: key.passphrase } : { apiKey: key.apiKey, apiSecret: key.apiSecret };
}

export function settingsFor(venue: Venue, baseUrl: string, extra: Partial<VenueAccountSettings> = {}): VenueAccountSettings {
  return { account: `${venue}-test`, venue, environment: "testnet", baseUrl, ...extra };
}

export interface VenueAnswer {
  readonly status: number;
  readonly json: unknown;
}

/** Sends exactly the signed method, URL, headers and body; returns the status and parsed JSON. */
export async function send(signed: SignedVenueRequest): Promise<VenueAnswer> {
  const res = await request(signed.url, {
    method: signed.method,
    headers: { ...signed.headers },
    ...(signed.body === undefined ? {} : { body: signed.body }),
  });
  const text = await res.body.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.statusCode, json };
}

/** Every place a signed request could carry a secret: URL, header names and values, body. */
export function outputText(signed: SignedVenueRequest): string {
  return [signed.url, ...Object.entries(signed.headers).flat(), signed.body ?? ""].join("\n");
}

/** Asserts none of `secrets` (nor their URL-encoded spelling) appears in the signed request. */
export function expectNoSecrets(signed: SignedVenueRequest, secrets: readonly string[]): void {
  const text = outputText(signed);
  for (const secret of secrets) {
    expect(secret.length).toBeGreaterThan(0);
    expect(text.includes(secret)).toBe(false);
    expect(text.includes(encodeURIComponent(secret))).toBe(false);
  }
}

/** A signed request with one header value replaced (header names compared case-insensitively). */
export function withHeader(signed: SignedVenueRequest, name: string, value: string): SignedVenueRequest {
  const headers: Record<string, string> = {};
  let found = false;
  for (const [k, v] of Object.entries(signed.headers)) {
    if (k.toLowerCase() === name.toLowerCase()) {
      headers[k] = value;
      found = true;
    } else {
      headers[k] = v;
    }
  }
  if (!found) throw new Error(`no header ${name} to tamper with`);
  return { ...signed, headers };
}

/** Flips one character of a string (at the first match of `from`, replaced by `to`). */
export function tamper(text: string, from: string, to: string): string {
  const at = text.indexOf(from);
  if (at === -1) throw new Error(`nothing to tamper: ${from} not found`);
  return `${text.slice(0, at)}${to}${text.slice(at + from.length)}`;
}
