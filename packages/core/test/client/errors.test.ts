import { describe, expect, it } from "vitest";
import {
  AIRLOCK_ERROR_BRAND,
  AirlockError,
  BadRequestError,
  ConfigError,
  InvalidResponseError,
  PolicyDeniedError,
  RateLimitedError,
  isAirlockError,
} from "@airlock/core";
import { errorFromResponse, retryAfterHeaderMs } from "../../src/client/response-errors.js";

const noRedact = (t: string) => t;

describe("AirlockError brand", () => {
  it("recognises its own errors and subclasses", () => {
    const errors = [
      new AirlockError("NETWORK", "x"),
      new PolicyDeniedError("denied selector: upgrade", "selector.denied"),
      new RateLimitedError(10),
      new BadRequestError("bad"),
      new InvalidResponseError("schema", "bad"),
      new ConfigError("bad", "baseUrl"),
    ];
    for (const e of errors) {
      expect(isAirlockError(e)).toBe(true);
      expect(AirlockError.is(e)).toBe(true);
      expect(e).toBeInstanceOf(AirlockError);
      expect(e).toBeInstanceOf(Error);
    }
    expect(isAirlockError(new RateLimitedError(1), "RATE_LIMITED")).toBe(true);
    expect(isAirlockError(new RateLimitedError(1), "AUTH")).toBe(false);
  });

  it("recognises an error from a second copy of the package, where instanceof fails", () => {
    // What a duplicated @airlock/core produces: another class, the same global brand.
    class OtherCopyError extends Error {
      readonly code = "REPLAY";
    }
    Object.defineProperty(OtherCopyError.prototype, Symbol.for("airlock.error"), { value: true });
    const foreign = new OtherCopyError("replayed nonce");
    expect(foreign instanceof AirlockError).toBe(false);
    expect(isAirlockError(foreign)).toBe(true);
    expect(AirlockError.is(foreign, "REPLAY")).toBe(true);
    expect(AIRLOCK_ERROR_BRAND).toBe(Symbol.for("airlock.error"));
  });

  it("refuses look-alikes: no brand, a wrong brand value, an unknown code, non-objects", () => {
    expect(isAirlockError(Object.assign(new Error("x"), { code: "AUTH" }))).toBe(false);
    expect(isAirlockError({ [Symbol.for("airlock.error")]: "yes", code: "AUTH" })).toBe(false);
    expect(isAirlockError({ [Symbol.for("airlock.error")]: true, code: "NOPE" })).toBe(false);
    expect(isAirlockError(null)).toBe(false);
    expect(isAirlockError("AUTH")).toBe(false);
  });

  it("has stable names, structured fields, a real cause and a cause-free JSON form", () => {
    const cause = new Error("socket hang up");
    const e = new PolicyDeniedError("chainId 0x1 is not allowed", "chain.allowlist", { status: 422, requestId: "r-1", serverCode: "POLICY_DENIED", cause });
    expect(e.name).toBe("PolicyDeniedError");
    expect(e.cause).toBe(cause);
    expect(e.message).toBe("denied by policy rule chain.allowlist: chainId 0x1 is not allowed");
    expect(JSON.parse(JSON.stringify(e))).toEqual({
      name: "PolicyDeniedError",
      code: "POLICY_DENIED",
      message: e.message,
      serverCode: "POLICY_DENIED",
      status: 422,
      requestId: "r-1",
      reason: "chainId 0x1 is not allowed",
      ruleId: "chain.allowlist",
    });
    expect(Object.keys(new AirlockError("NETWORK", "x"))).toEqual(["code"]);
  });
});

describe("errorFromResponse", () => {
  const json = (body: unknown) => JSON.stringify(body);

  it("maps a documented body and keeps its requestId", () => {
    const e = errorFromResponse({ status: 401, headers: {}, body: json({ error: "replayed nonce", code: "AUTH_REPLAYED_NONCE", requestId: "abc" }) }, noRedact);
    expect(e).toMatchObject({ code: "REPLAY", serverCode: "AUTH_REPLAYED_NONCE", status: 401, requestId: "abc" });
  });

  it("429: body retryAfterMs wins over the header; HTTP-date headers work", () => {
    const body = json({ error: "rate limit exceeded", code: "RATE_LIMITED", requestId: "r", retryAfterMs: 250 });
    expect(errorFromResponse({ status: 429, headers: { "retry-after": "9" }, body }, noRedact)).toMatchObject({ retryAfterMs: 250 });
    const now = Date.parse("2030-01-01T00:00:00Z");
    expect(retryAfterHeaderMs({ "retry-after": "Tue, 01 Jan 2030 00:00:05 GMT" }, now)).toBe(5000);
    expect(retryAfterHeaderMs({ "retry-after": "soon" }, now)).toBeUndefined();
    expect(retryAfterHeaderMs({}, now)).toBeUndefined();
  });

  it("an empty or non-JSON error body is INVALID_RESPONSE, except a 503", () => {
    expect(errorFromResponse({ status: 500, headers: {}, body: "" }, noRedact)).toMatchObject({ code: "INVALID_RESPONSE", reason: "malformed_error_body" });
    expect(errorFromResponse({ status: 401, headers: {}, body: "nope" }, noRedact)).toMatchObject({ code: "INVALID_RESPONSE" });
    expect(errorFromResponse({ status: 503, headers: {}, body: "<html>" }, noRedact)).toMatchObject({ code: "UNAVAILABLE", status: 503 });
  });

  it("a documented body with an unknown code is not trusted as documented, but as SISNA's {error}", () => {
    const e = errorFromResponse({ status: 401, headers: { "x-request-id": "hdr" }, body: json({ error: "invalid nonce", code: "FUTURE_CODE", requestId: "x" }) }, noRedact);
    expect(e).toMatchObject({ code: "AUTH", requestId: "hdr" });
  });

  it("the sidecar's text is redacted, made one line and bounded", () => {
    const secret = "super-secret-value-123456";
    const e = errorFromResponse(
      { status: 500, headers: {}, body: json({ error: `boom ${secret}\n\u0007${"y".repeat(2000)}`.slice(0, 1000) }) },
      (t) => t.split(secret).join("[redacted]"),
    );
    expect(e.message).not.toContain(secret);
    expect(e.message).toContain("[redacted]");
    expect(e.message).not.toMatch(/[\n\u0007]/);
    expect(e.message.length).toBeLessThan(400);
  });
});
