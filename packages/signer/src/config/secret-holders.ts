import { inspect } from "node:util";
import type { AuthClient } from "./config-types.js";

/**
 * Keeps secrets out of accidental output: printing or serialising the configuration (a debug
 * log of `config`, a crash dump) must not reveal HMAC secrets or keys. The values stay
 * readable by the code that uses them.
 */

/** An AuthClient whose hmacSecret is non-enumerable: absent from JSON.stringify and util.inspect. */
export function authClient(fields: AuthClient): AuthClient {
  const { hmacSecret, ...visible } = fields;
  return Object.defineProperty({ ...visible }, "hmacSecret", { value: hmacSecret, enumerable: false }) as AuthClient;
}

/** A read-only list of secrets that serialises and prints as a count only. */
export function secretList(values: readonly string[]): readonly string[] {
  const list = [...values];
  const described = `[${list.length} secrets redacted]`;
  Object.defineProperty(list, "toJSON", { value: () => described, enumerable: false });
  Object.defineProperty(list, inspect.custom, { value: () => described, enumerable: false });
  return Object.freeze(list);
}
