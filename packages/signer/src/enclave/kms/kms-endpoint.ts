// Where KMS is and which key: the endpoint rules the KMS client enforces (an origin, https, or
// plain http to a loopback IP for tests), the default regional endpoint, and key ARNs. Shared by
// the client, the sidecar's configuration and the operator's CLI, so all three agree.
import { isIP } from "node:net";

/** A parsed KMS key ARN (arn:<partition>:kms:<region>:<account>:key/<key id>). */
export interface KmsKeyArn {
  readonly arn: string;
  readonly partition: string;
  readonly region: string;
  readonly account: string;
  readonly keyId: string;
}

// Key ids: a UUID, or a multi-Region key "mrk-" + 32 hex. Aliases are not keys: whoever controls
// the account can point an alias elsewhere, and the sealed blob records the key ARN anyway.
const KEY_ARN = /^arn:(aws(?:-[a-z]+)*):kms:([a-z]{2}(?:-[a-z]+)+-[0-9]{1,2}):([0-9]{12}):key\/((?:mrk-[0-9a-f]{32})|(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}))$/;
/** An AWS region name such as us-east-1, eu-central-2, us-gov-west-1. */
export const AWS_REGION = /^[a-z]{2}(?:-[a-z]+)+-[0-9]{1,2}$/;

/** Parses a KMS key ARN; undefined for anything else (key ids without ARN, aliases). */
export function parseKmsKeyArn(text: string): KmsKeyArn | undefined {
  const m = KEY_ARN.exec(text);
  if (m === null) return undefined;
  return { arn: text, partition: m[1]!, region: m[2]!, account: m[3]!, keyId: m[4]! };
}

/** KMS's regional endpoint: https://kms.<region>.amazonaws.com (.amazonaws.com.cn in the aws-cn partition). */
export function defaultKmsEndpoint(region: string, partition = "aws"): string {
  return `https://kms.${region}.${partition === "aws-cn" ? "amazonaws.com.cn" : "amazonaws.com"}`;
}

/** A loopback IP address (127.0.0.0/8 or ::1, bracketed or not). Names such as "localhost" are not. */
export function isLoopbackIp(host: string): boolean {
  const h = host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
  if (isIP(h) === 4) return h.startsWith("127.");
  if (isIP(h) === 6) return h === "::1";
  return false;
}

/**
 * Validates a KMS endpoint: an origin only (no credentials, path, query or fragment), https, or
 * plain http to a loopback IP. Throws TypeError with a fixed message (it never quotes the URL).
 */
export function checkKmsEndpoint(endpoint: string): URL {
  const fail = (msg: string): never => {
    throw new TypeError(`KMS client: ${msg}`);
  };
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return fail("endpoint is not a URL");
  }
  if (url.username !== "" || url.password !== "") fail("endpoint must not carry credentials");
  if ((url.pathname !== "/" && url.pathname !== "") || url.search !== "" || url.hash !== "") fail("endpoint must be an origin (no path, query or fragment)");
  if (url.protocol === "http:" && !isLoopbackIp(url.hostname)) fail("plain http is allowed only to a loopback address; use https");
  if (url.protocol !== "https:" && url.protocol !== "http:") fail("endpoint must be https");
  return url;
}
