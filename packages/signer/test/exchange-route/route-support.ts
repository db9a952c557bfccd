import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { authHeaders, bodyBytes, rawRequest, signedRequest, type AuthKnobs, type Reply, type TestClient, type TestSidecar } from "../../../../test/support/sidecar-harness.js";

/** The wire paths (written out, so a rename in core shows here). */
export const EXCHANGE_PATH = "/v1/sign/exchange-request";
export const EVALUATE_PATH = "/v1/policy/evaluate";
export const STATUS_PATH = "/v1/status";

/** Writes a policy file into a fresh temporary directory; returns its path. */
export function policyFile(yaml: string): string {
  const dir = mkdtempSync(join(tmpdir(), "airlock-exchange-policy-"));
  const path = join(dir, "policy.yaml");
  writeFileSync(path, yaml);
  return path;
}

/** Every answer the tests received, to check for secrets at the end. */
export const replies: string[] = [];

/** Sends an exchange request (or any body) to `path` with valid HMAC headers. */
export async function exchange(sc: TestSidecar, client: TestClient, body: unknown, path = EXCHANGE_PATH, auth?: AuthKnobs): Promise<Reply> {
  const reply = await signedRequest(sc, { client, path, body, ...(auth ? { auth } : {}) });
  replies.push(reply.text);
  return reply;
}

/** Sends the exact same bytes twice with the same nonce (a replay). */
export async function replayTwice(sc: TestSidecar, client: TestClient, body: unknown): Promise<[Reply, Reply]> {
  const bytes = bodyBytes(body);
  const nonce = randomUUID();
  const send = () =>
    rawRequest(sc, {
      method: "POST",
      path: EXCHANGE_PATH,
      headers: { "content-type": "application/json", ...authHeaders(client, { method: "POST", path: EXCHANGE_PATH, body: bytes }, sc.now(), { nonce }) },
      body: bytes,
    });
  const first = await send();
  const second = await send();
  replies.push(first.text, second.text);
  return [first, second];
}

/** Sends a signed venue request (the sidecar's answer) to where it says, exactly as given. */
export async function sendToVenue(signed: Record<string, unknown>): Promise<{ status: number; json: unknown }> {
  const res = await fetch(signed["url"] as string, {
    method: signed["method"] as string,
    headers: signed["headers"] as Record<string, string>,
    ...(signed["body"] === undefined ? {} : { body: signed["body"] as string }),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, json };
}
