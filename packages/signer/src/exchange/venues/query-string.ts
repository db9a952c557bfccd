/**
 * Query strings the HMAC venues sign and receive. The string is built once, in the order given,
 * and the same bytes are signed and sent: venues verify the signature over the query as it
 * arrives, so nothing may re-encode or re-order it afterwards.
 */

/** An ordered list of query parameters (name, value). */
export type QueryParams = readonly (readonly [string, string])[];

/**
 * RFC 3986 percent-encoding of one component: unreserved characters (A-Z a-z 0-9 - . _ ~) stay,
 * everything else becomes %XX of its UTF-8 bytes (upper-case hex). encodeURIComponent leaves
 * !'()* alone, so those are escaped here too.
 */
export function percentEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** `name=value` pairs joined by `&`, in the order given, each side percent-encoded ("" when empty). */
export function queryString(params: QueryParams): string {
  return params.map(([name, value]) => `${percentEncode(name)}=${percentEncode(value)}`).join("&");
}

/** `path` followed by `?query` when there is a query. */
export function withQuery(path: string, query: string): string {
  return query === "" ? path : `${path}?${query}`;
}
