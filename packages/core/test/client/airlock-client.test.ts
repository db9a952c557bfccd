import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ec, outsideExecution, shortString, typedData } from "starknet";
import {
  AirlockError,
  BadRequestError,
  ERROR_CODES,
  PolicyDeniedError,
  RateLimitedError,
  isAirlockError,
  type AirlockClient,
  type AirlockErrorCode,
  type ErrorCode,
} from "@airlock/core";
import { fullPublicKeyHex, sessionRequestHashes } from "@airlock/core/starknet";
import { FakeSidecar, TEST_PRIVATE_KEY } from "./fake-sidecar.js";
import { clientFor, rejectionOf, sampleRequest } from "./helpers.js";

let fake: FakeSidecar;
let client: AirlockClient;

beforeEach(async () => {
  fake = await new FakeSidecar().start();
  client = clientFor(fake);
});

afterEach(async () => {
  await client.close();
  await fake.close();
});

describe("signSessionTransaction: happy path", () => {
  it("returns a verified signature that starknet.js accepts for the typed data it builds itself", async () => {
    const request = sampleRequest();
    const res = await client.signSessionTransaction(request);

    expect(res.signatureMode).toBe("v2_snip12");
    expect(res.signature).toHaveLength(4);
    expect(BigInt(res.sessionPublicKey)).toBe(fake.publicKey());
    expect(res.signature[0]).toBe(res.sessionPublicKey);
    expect(BigInt(res.signature[3])).toBe(BigInt(request.validUntil));

    // Independent hash: starknet.js outside-execution typed data for the same request.
    const td = outsideExecution.getTypedData(
      request.chainId,
      {
        caller: shortString.encodeShortString("ANY_CALLER"),
        execute_after: 0,
        execute_before: request.validUntil,
      },
      request.nonce,
      request.calls.map((c) => ({ contractAddress: c.contractAddress, entrypoint: c.entrypoint, calldata: c.calldata })),
      "2",
    );
    const starknetHash = typedData.getMessageHash(td, request.accountAddress);
    expect(BigInt(res.messageHash)).toBe(BigInt(starknetHash));

    const signature = new ec.starkCurve.Signature(BigInt(res.signature[1]), BigInt(res.signature[2]));
    expect(ec.starkCurve.verify(signature, starknetHash, fullPublicKeyHex(TEST_PRIVATE_KEY))).toBe(true);
    expect(typedData.verifyMessage(td, [res.signature[1], res.signature[2]], `0x${fullPublicKeyHex(TEST_PRIVATE_KEY)}`, request.accountAddress)).toBe(true);
  });

  it("sends one authenticated request with the exact parsed body, client id, key id and traceparent", async () => {
    await client.close();
    client = clientFor(fake, { keyId: "default" });
    const traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    const request = sampleRequest();
    await client.signSessionTransaction(request, { traceparent });

    expect(fake.requests).toHaveLength(1);
    const seen = fake.requests[0]!;
    expect(seen.auth).toBe("ok");
    expect(seen.clientId).toBe("default");
    expect(seen.traceparent).toBe(traceparent);
    expect(seen.nonce).toMatch(/^[0-9a-f]{32}$/);
    expect(seen.body).toEqual({ ...request, keyId: "default" });
  });

  it("remembers the session key of the first verified response", async () => {
    expect(client.sessionPublicKey()).toBeUndefined();
    const res = await client.signSessionTransaction(sampleRequest());
    expect(client.sessionPublicKey()).toBe(res.sessionPublicKey);
  });

  it("signs hex (raw selector) entrypoints as given", async () => {
    const request = sampleRequest({ calls: [{ contractAddress: "0x1111", entrypoint: "0x2222", calldata: [] }] });
    const res = await client.signSessionTransaction(request);
    expect(BigInt(res.messageHash)).toBe(sessionRequestHashes(request).messageHash);
  });
});

describe("local validation", () => {
  it("refuses an invalid request with BAD_REQUEST before any network call", async () => {
    const bad = { ...sampleRequest(), validUntil: "tomorrow" } as unknown as ReturnType<typeof sampleRequest>;
    const err = await rejectionOf(client.signSessionTransaction(bad));
    expect(err).toBeInstanceOf(BadRequestError);
    expect((err as BadRequestError).code).toBe("BAD_REQUEST");
    expect((err as BadRequestError).issues?.[0]?.path).toBe("validUntil");
    expect(fake.requests).toHaveLength(0);
  });

  it("refuses unknown fields, non-objects and a bad traceparent locally", async () => {
    const extra = { ...sampleRequest(), privateKey: "0x1" } as unknown as ReturnType<typeof sampleRequest>;
    expect(await rejectionOf(client.signSessionTransaction(extra))).toMatchObject({ code: "BAD_REQUEST" });
    expect(await rejectionOf(client.signSessionTransaction(null as never))).toMatchObject({ code: "BAD_REQUEST" });
    expect(await rejectionOf(client.signSessionTransaction(sampleRequest(), { traceparent: "nope" }))).toMatchObject({ code: "BAD_REQUEST" });
    expect(fake.requests).toHaveLength(0);
  });
});

/**
 * The contract of the mapping, as a rule over every registered wire code (the registry may
 * grow): 401 → AUTH except a replayed nonce → REPLAY; 422 → POLICY_DENIED except a leak →
 * BAD_REQUEST; 400/413/415/431 → BAD_REQUEST; 429 → RATE_LIMITED; 503 → UNAVAILABLE; other 5xx →
 * SERVER; 403/404/405 → CONFIG.
 */
function expectedFor(wire: ErrorCode): AirlockErrorCode {
  const status: number = ERROR_CODES[wire].status;
  if (status === 401) return wire === "AUTH_REPLAYED_NONCE" ? "REPLAY" : "AUTH";
  if (status === 422) return wire === "LEAK_DETECTED" ? "BAD_REQUEST" : "POLICY_DENIED";
  if (status === 400 || status === 413 || status === 415 || status === 431) return "BAD_REQUEST";
  if (status === 429) return "RATE_LIMITED";
  if (status === 503) return "UNAVAILABLE";
  if (status >= 500) return "SERVER";
  if (status === 403 || status === 404 || status === 405) return "CONFIG";
  throw new Error(`no rule for ${wire} (HTTP ${status}): extend the client mapping`);
}

describe("error mapping from the sidecar", () => {
  for (const wire of Object.keys(ERROR_CODES) as ErrorCode[]) {
    const expected = expectedFor(wire);
    it(`${wire} (HTTP ${ERROR_CODES[wire].status}) → ${expected}`, async () => {
      // 503s are retried: every attempt gets the same answer.
      const attempts = ERROR_CODES[wire].status === 503 ? 3 : 1;
      for (let i = 0; i < attempts; i++) fake.queue({ kind: "error", code: wire });
      const err = await rejectionOf(client.signSessionTransaction(sampleRequest()));
      expect(isAirlockError(err)).toBe(true);
      const e = err as AirlockError;
      expect(e.code).toBe(expected);
      expect(e.serverCode).toBe(wire);
      expect(e.status).toBe(ERROR_CODES[wire].status);
      expect(e.requestId).toMatch(/^[0-9a-f-]{36}$/);
      expect(fake.requests).toHaveLength(attempts);
    });
  }

  it("a wrong secret, an unknown client and clock skew are refused by the fake's own checks", async () => {
    const wrongSecret = clientFor(fake, { hmacSecret: "another-secret-of-enough-length" });
    const unknownClient = clientFor(fake, { clientId: "nobody" });
    try {
      expect(await rejectionOf(wrongSecret.signSessionTransaction(sampleRequest()))).toMatchObject({ code: "AUTH", serverCode: "AUTH_INVALID_SIGNATURE" });
      expect(await rejectionOf(unknownClient.signSessionTransaction(sampleRequest()))).toMatchObject({ code: "AUTH", serverCode: "AUTH_UNKNOWN_CLIENT" });
      fake.clockOffsetMs = 60_000;
      expect(await rejectionOf(client.signSessionTransaction(sampleRequest()))).toMatchObject({ code: "AUTH", serverCode: "AUTH_TIMESTAMP_OUT_OF_WINDOW" });
    } finally {
      await wrongSecret.close();
      await unknownClient.close();
    }
  });

  it("POLICY_DENIED carries ruleId and reason", async () => {
    fake.queue({ kind: "error", code: "POLICY_DENIED", ruleId: "selector.denied", message: "denied selector: upgrade" });
    const err = await rejectionOf(client.signSessionTransaction(sampleRequest()));
    expect(err).toBeInstanceOf(PolicyDeniedError);
    expect(err).toMatchObject({ code: "POLICY_DENIED", ruleId: "selector.denied", reason: "denied selector: upgrade" });
  });

  it("LEAK_DETECTED is BAD_REQUEST with the pattern ids", async () => {
    fake.queue({ kind: "error", code: "LEAK_DETECTED", patterns: ["json.private_key"] });
    const err = await rejectionOf(client.signSessionTransaction(sampleRequest()));
    expect(err).toBeInstanceOf(BadRequestError);
    expect(err).toMatchObject({ code: "BAD_REQUEST", serverCode: "LEAK_DETECTED", patterns: ["json.private_key"] });
  });

  it("429 surfaces retryAfterMs from the body, without retrying", async () => {
    fake.queue({ kind: "error", code: "RATE_LIMITED", retryAfterMs: 1234 });
    const err = await rejectionOf(client.signSessionTransaction(sampleRequest()));
    expect(err).toBeInstanceOf(RateLimitedError);
    expect((err as RateLimitedError).retryAfterMs).toBe(1234);
    expect(fake.requests).toHaveLength(1);
  });

  it("429 falls back to the Retry-After header (seconds)", async () => {
    fake.queue({ kind: "error", code: "RATE_LIMITED", headers: { "retry-after": "7" } });
    const err = await rejectionOf(client.signSessionTransaction(sampleRequest()));
    expect((err as RateLimitedError).retryAfterMs).toBe(7000);
  });

  it("an error code that does not belong to the status is INVALID_RESPONSE", async () => {
    fake.queue({ kind: "raw", status: 401, body: JSON.stringify({ error: "x", code: "POLICY_DENIED", requestId: "r1" }) });
    expect(await rejectionOf(client.signSessionTransaction(sampleRequest()))).toMatchObject({ code: "INVALID_RESPONSE", reason: "malformed_error_body", status: 401 });
  });

  it("an HTML 500 is INVALID_RESPONSE", async () => {
    fake.queue({ kind: "html", status: 500 });
    expect(await rejectionOf(client.signSessionTransaction(sampleRequest()))).toMatchObject({ code: "INVALID_RESPONSE", status: 500 });
    expect(fake.requests).toHaveLength(1);
  });

  it("an unexpected status (e.g. 302, 418) is INVALID_RESPONSE", async () => {
    fake.queue({ kind: "raw", status: 302, body: "", headers: { location: "http://127.0.0.1:1/" } });
    expect(await rejectionOf(client.signSessionTransaction(sampleRequest()))).toMatchObject({ code: "INVALID_RESPONSE", reason: "unexpected_status" });
    fake.queue({ kind: "raw", status: 418, body: JSON.stringify({ error: "teapot" }) });
    expect(await rejectionOf(client.signSessionTransaction(sampleRequest()))).toMatchObject({ code: "INVALID_RESPONSE", reason: "unexpected_status" });
  });
});

describe("SISNA bodies without a code", () => {
  const cases: [number, string, AirlockErrorCode, ErrorCode | undefined][] = [
    [401, "replayed nonce", "REPLAY", "AUTH_REPLAYED_NONCE"],
    [401, "invalid signature", "AUTH", "AUTH_INVALID_SIGNATURE"],
    [401, "something new", "AUTH", undefined],
    [422, "denied selector: upgrade", "POLICY_DENIED", undefined],
    [422, "secret leak pattern detected in request payload", "BAD_REQUEST", "LEAK_DETECTED"],
    [400, "invalid payload", "BAD_REQUEST", "INVALID_PAYLOAD"],
    [500, "internal error", "SERVER", "INTERNAL_ERROR"],
  ];
  for (const [status, message, expected, serverCode] of cases) {
    it(`${status} "${message}" → ${expected}`, async () => {
      fake.queue({ kind: "legacy", status, error: message });
      const err = await rejectionOf(client.signSessionTransaction(sampleRequest()));
      expect(err).toMatchObject({ code: expected, status });
      expect((err as AirlockError).serverCode).toBe(serverCode);
      expect((err as AirlockError).requestId).toMatch(/^[0-9a-f-]{36}$/); // from x-request-id
    });
  }

  it("422 policy message becomes the reason", async () => {
    fake.queue({ kind: "legacy", status: 422, error: "self-call is denied for session signing" });
    const err = await rejectionOf(client.signSessionTransaction(sampleRequest()));
    expect(err).toBeInstanceOf(PolicyDeniedError);
    expect((err as PolicyDeniedError).reason).toBe("self-call is denied for session signing");
    expect((err as PolicyDeniedError).ruleId).toBeUndefined();
  });

  it("429 with SISNA's retryAfterMs body", async () => {
    fake.queue({ kind: "legacy", status: 429, error: "rate limit exceeded", retryAfterMs: 500 });
    expect(await rejectionOf(client.signSessionTransaction(sampleRequest()))).toMatchObject({ code: "RATE_LIMITED", retryAfterMs: 500 });
  });

  it("503 in HTML is still UNAVAILABLE (and retried)", async () => {
    fake.queue({ kind: "html", status: 503 }, { kind: "html", status: 503 }, { kind: "html", status: 503 });
    expect(await rejectionOf(client.signSessionTransaction(sampleRequest()))).toMatchObject({ code: "UNAVAILABLE", status: 503 });
    expect(fake.requests).toHaveLength(3);
  });
});

describe("evaluatePolicy", () => {
  it("allowed, with hashes equal to the request's", async () => {
    const request = sampleRequest();
    const evaluation = await client.evaluatePolicy(request);
    expect(evaluation.allowed).toBe(true);
    expect(BigInt(evaluation.messageHash!)).toBe(sessionRequestHashes(request).messageHash);
    expect(fake.requests[0]).toMatchObject({ path: "/v1/policy/evaluate", auth: "ok" });
  });

  it("a denial is allowed:false, not an exception", async () => {
    fake.queue({ kind: "deny", ruleId: "chain.not_allowed", reason: "chainId 0x1 is not allowed" });
    const evaluation = await client.evaluatePolicy(sampleRequest());
    expect(evaluation).toMatchObject({ allowed: false, ruleId: "chain.not_allowed", reason: "chainId 0x1 is not allowed" });
  });

  it("a 422 POLICY_DENIED answer is also reported as allowed:false", async () => {
    fake.queue({ kind: "error", code: "POLICY_DENIED", ruleId: "key.not_allowed", message: "client x is not allowed to use keyId y" });
    const evaluation = await client.evaluatePolicy(sampleRequest());
    expect(evaluation).toMatchObject({ allowed: false, ruleId: "key.not_allowed" });
  });

  it("hashes that differ from the request's are INVALID_RESPONSE", async () => {
    fake.queue({ kind: "raw", status: 200, body: JSON.stringify({ requestId: "r", allowed: true, messageHash: "0x1" }) });
    expect(await rejectionOf(client.evaluatePolicy(sampleRequest()))).toMatchObject({ code: "INVALID_RESPONSE", reason: "message_hash_mismatch" });
  });

  it("other errors still throw", async () => {
    fake.queue({ kind: "error", code: "AUTH_INVALID_SIGNATURE" });
    expect(await rejectionOf(client.evaluatePolicy(sampleRequest()))).toMatchObject({ code: "AUTH" });
  });
});

describe("health and ready", () => {
  it("health", async () => {
    expect(await client.health()).toEqual({ ok: true });
  });

  it("ready, and not ready (503 with checks is an answer, not an error, and is not retried)", async () => {
    expect(await client.ready()).toMatchObject({ ready: true });
    fake.setReady(false);
    const before = fake.requests.length;
    expect(await client.ready()).toMatchObject({ ready: false, checks: { replay: { ok: false } } });
    expect(fake.requests.length - before).toBe(1);
  });

  it("a 200 that is not JSON is INVALID_RESPONSE", async () => {
    fake.queue({ kind: "raw", status: 200, contentType: "text/plain", body: "ok" });
    expect(await rejectionOf(client.health())).toMatchObject({ code: "INVALID_RESPONSE", reason: "unexpected_content_type" });
  });
});

describe("lifecycle", () => {
  it("close() makes later calls fail with CONFIG", async () => {
    await client.close();
    expect(await rejectionOf(client.health())).toMatchObject({ code: "CONFIG" });
    await client.close(); // idempotent
  });

  it("an aborted signal rejects with its reason and sends nothing", async () => {
    const controller = new AbortController();
    const reason = new Error("caller gave up");
    controller.abort(reason);
    expect(await rejectionOf(client.signSessionTransaction(sampleRequest(), { signal: controller.signal }))).toBe(reason);
    expect(fake.requests).toHaveLength(0);
  });

  it("aborting while waiting for the sidecar rejects with the signal's reason", async () => {
    fake.queue({ kind: "delay", ms: 10_000 });
    const controller = new AbortController();
    const pending = client.signSessionTransaction(sampleRequest(), { signal: controller.signal });
    // Abort once the fake has the request in hand (bounded poll).
    for (let i = 0; i < 200 && fake.requests.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
    const reason = new Error("stop");
    controller.abort(reason);
    expect(await rejectionOf(pending)).toBe(reason);
  });
});
