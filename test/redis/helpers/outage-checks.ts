import { AirlockClient, type SessionTransactionRequest } from "@airlock/core";
import { expect } from "vitest";
import { eventually } from "./eventually.js";
import { CLIENT_ID, EVALUATE_PATH, HMAC_SECRET, HttpDriver, sessionBody, signRequest, SIGN_PATH, tally, type Answer } from "./signed-request.js";
import type { RunningSidecar } from "./sidecars.js";

type StoreCode = "REPLAY_STORE_UNAVAILABLE" | "RATE_LIMIT_UNAVAILABLE" | "SPEND_STORE_UNAVAILABLE";

/** One signing attempt with a fresh nonce (a plain call unless `amount` asks for a transfer). */
export function signOnce(http: HttpDriver, url: string, amount?: number): Promise<Answer> {
  const body = sessionBody(Date.now, amount === undefined ? { call: "plain" } : { amount });
  return http.send(url, signRequest(SIGN_PATH, body));
}

/**
 * While Redis is unusable: `count` concurrent signing requests (spread over the sidecars) and a
 * dry run on each all get 503 with `code`, none a signature; /ready is 503 with
 * checks.redis.ok=false and a working signer; /health stays 200.
 */
export async function expectFailClosed(http: HttpDriver, sidecars: RunningSidecar[], code: StoreCode, count = 10): Promise<void> {
  const before = sidecars.map((s) => s.audit.length);
  const answers = await Promise.all(Array.from({ length: count }, (_, i) => signOnce(http, sidecars[i % sidecars.length]!.url)));
  expect(tally(answers)).toEqual({ [`503 ${code}`]: count });
  for (const a of answers) expect(a.body.signature).toBeUndefined();
  for (const s of sidecars) {
    const dryRun = await http.send(s.url, signRequest(EVALUATE_PATH, sessionBody(Date.now, { call: "plain" })));
    expect(dryRun.status).toBe(503);
    expect(dryRun.body.code).toBe(code);

    const ready = await http.get(s.url, "/ready");
    expect(ready.status).toBe(503);
    expect(ready.body).toMatchObject({ ready: false, checks: { redis: { ok: false }, signer: { ok: true } } });
    const health = await http.get(s.url, "/health");
    expect(health.status).toBe(200);
    expect(health.body).toEqual({ ok: true });
  }
  // Every refusal was audited as an error, and nothing was signed meanwhile.
  sidecars.forEach((s, i) => {
    const records = s.audit.slice(before[i]);
    expect(records.length).toBeGreaterThan(0);
    for (const r of records) expect(r.outcome).toBe("error");
  });
}

/** Within 10 s every sidecar signs again (fresh nonces) and /ready answers 200. */
export async function expectRecovery(http: HttpDriver, sidecars: RunningSidecar[]): Promise<void> {
  await eventually("signing and /ready recover", async () => {
    const state = await Promise.all(
      sidecars.map(async (s) => {
        const sign = await signOnce(http, s.url);
        const ready = await http.get(s.url, "/ready");
        return { sign: sign.status, code: sign.body.code, ready: ready.status };
      }),
    );
    return { ok: state.every((x) => x.sign === 200 && x.ready === 200), state };
  });
  // Once recovered, it stays recovered (not one lucky answer), and what it signs verifies:
  // the client recomputes the hashes and checks the ECDSA signature before returning it.
  for (const s of sidecars) {
    for (let i = 0; i < 2; i++) expect((await signOnce(http, s.url)).status).toBe(200);
    const client = new AirlockClient({ baseUrl: s.url, clientId: CLIENT_ID, hmacSecret: HMAC_SECRET, keyId: "default", retry: { attempts: 1 } });
    try {
      const request = JSON.parse(sessionBody(Date.now, { call: "plain" })) as SessionTransactionRequest;
      const signed = await client.signSessionTransaction(request);
      expect(signed.signature).toHaveLength(4);
    } finally {
      await client.close();
    }
  }
}
