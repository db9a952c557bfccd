import type { SignedExchangeRequest, Venue } from "../wire/exchange-schemas.js";

/**
 * Checks that make a signed exchange request safe to send as it is, whoever built it: the URL's
 * origin is allowed for its venue, and the method, headers and body are plain HTTP that cannot
 * smuggle anything (no Host or framing headers, no control characters, no body on GET). They
 * apply to what the sidecar returned and again to whatever is handed to sendExchangeRequest.
 */

/** At most this many headers (venues need five or six). */
export const MAX_SIGNED_HEADERS = 32;

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}$/;
const HEADER_VALUE = /^[\x20-\x7e\t]*$/;
const RAW_PATH = /^\/[\x21-\x7e]*$/;

/** Headers the transport owns (routing, framing, connection) or that a venue request never needs. */
const FORBIDDEN_HEADERS: ReadonlySet<string> = new Set([
  "host",
  "content-length",
  "transfer-encoding",
  "connection",
  "keep-alive",
  "upgrade",
  "expect",
  "te",
  "trailer",
  "proxy-authorization",
  "proxy-connection",
  "cookie",
]);

export type SendabilityProblem = { reason: "origin_not_allowed" | "unsafe_request"; message: string };

/**
 * Why `signed` must not be sent, or undefined when it may. Messages name the rule broken and
 * at most the origin, never the path, query, headers or body (they carry the signature and the
 * API key header).
 */
export function sendabilityProblem(signed: SignedExchangeRequest, allowed: ReadonlyMap<Venue, ReadonlySet<string>>): SendabilityProblem | undefined {
  let url: URL;
  try {
    url = new URL(signed.url);
  } catch {
    return { reason: "unsafe_request", message: "the url is not a valid URL" };
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return { reason: "unsafe_request", message: "the url is not http(s)" };
  if (url.username !== "" || url.password !== "") return { reason: "unsafe_request", message: "the url carries credentials" };
  if (url.hash !== "" || signed.url.includes("#")) return { reason: "unsafe_request", message: "the url has a fragment" };
  if (allowed.get(signed.venue)?.has(url.origin) !== true) {
    return { reason: "origin_not_allowed", message: `${url.origin} is not an allowed origin for ${signed.venue} (see the venueOrigins client option)` };
  }
  // Sent as written (the signature covers the query as built), so the text itself must be the
  // origin followed by a plain path: no spelling the URL parser would read differently.
  if (!signed.url.startsWith(`${url.origin}/`) || !RAW_PATH.test(rawPathOf(signed.url, url.origin))) {
    return { reason: "unsafe_request", message: "the url is not an origin followed by a plain ASCII path" };
  }
  const names = Object.keys(signed.headers);
  if (names.length > MAX_SIGNED_HEADERS) return { reason: "unsafe_request", message: `more than ${MAX_SIGNED_HEADERS} headers` };
  const seen = new Set<string>();
  for (const name of names) {
    const lower = name.toLowerCase();
    if (!TOKEN.test(name)) return { reason: "unsafe_request", message: "a header name is not an HTTP token" };
    if (FORBIDDEN_HEADERS.has(lower)) return { reason: "unsafe_request", message: `the ${lower} header is not allowed` };
    if (seen.has(lower)) return { reason: "unsafe_request", message: `the ${lower} header appears twice` };
    seen.add(lower);
    if (!HEADER_VALUE.test(signed.headers[name] ?? "")) return { reason: "unsafe_request", message: `the ${lower} header has a control or non-ASCII character` };
  }
  if (signed.method === "GET" && signed.body !== undefined) return { reason: "unsafe_request", message: "a GET request has a body" };
  return undefined;
}

/** The path and query of `url` exactly as written, after its `origin` (checked by sendabilityProblem). */
export function rawPathOf(url: string, origin: string): string {
  return url.slice(origin.length);
}

/** True when the client's own secret shows up anywhere in the request (a sidecar that leaks). */
export function carriesSecret(signed: SignedExchangeRequest, secret: string): boolean {
  if (signed.url.includes(secret) || (signed.body?.includes(secret) ?? false)) return true;
  return Object.entries(signed.headers).some(([name, value]) => name.includes(secret) || value.includes(secret));
}
