// SigV4 known-answer tests. Vectors from the AWS Signature Version 4 test suite
// (aws-sig-v4-test-suite, formerly https://docs.aws.amazon.com/general/latest/gr/signature-v4-test-suite.html),
// as kept in awslabs/aws-c-auth tests/aws-signing-test-suite/v4/<case>/ (post-vanilla,
// post-sts-header-before: header-signed-request.txt) and in the AWS SDK for JavaScript's
// @aws-sdk/signature-v4 suite.fixture.js (post-vanilla-query, post-x-www-form-urlencoded).
// Common context of the suite: AKIDEXAMPLE / wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY,
// us-east-1, service "service", 2015-08-30T12:36:00Z.
import { describe, expect, it } from "vitest";
import { amzDate, deriveSigningKey, signRequest, type AwsCredentials } from "../../src/enclave/kms/sigv4.js";

const SUITE: AwsCredentials = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" };
const DATE = new Date("2015-08-30T12:36:00Z");
const PARAMS = { credentials: SUITE, region: "us-east-1", service: "service", date: DATE };
const HOST = { host: "example.amazonaws.com" };
const EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
// post-sts-token/post-sts-header-before: the session token of the suite, signed.
const SUITE_TOKEN =
  "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==";

describe("SigV4: published aws-sig-v4-test-suite vectors", () => {
  it("post-vanilla", () => {
    const s = signRequest({ method: "POST", path: "/", headers: HOST, body: "" }, PARAMS);
    expect(s.canonicalRequest).toBe(`POST\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n${EMPTY_SHA256}`);
    expect(s.headers["authorization"]).toBe(
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b",
    );
    expect(s.headers["x-amz-date"]).toBe("20150830T123600Z");
  });

  it("post-vanilla-query (canonical query string, string to sign)", () => {
    const s = signRequest({ method: "POST", path: "/", query: [["Param1", "value1"]], headers: HOST, body: "" }, PARAMS);
    expect(s.canonicalRequest).toBe(`POST\n/\nParam1=value1\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n${EMPTY_SHA256}`);
    expect(s.stringToSign).toBe("AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n9d659678c1756bb3113e2ce898845a0a79dbbc57b740555917687f1b3340fbbd");
    expect(s.signature).toBe("28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11");
  });

  it("post-x-www-form-urlencoded (a signed body and content-type, as KMS requests have)", () => {
    const s = signRequest({ method: "POST", path: "/", headers: { "Content-Type": "application/x-www-form-urlencoded", ...HOST }, body: "Param1=value1" }, PARAMS);
    expect(s.canonicalRequest).toBe(
      "POST\n/\n\ncontent-type:application/x-www-form-urlencoded\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\ncontent-type;host;x-amz-date\n9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e",
    );
    expect(s.stringToSign).toBe("AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n42a5e5bb34198acb3e84da4f085bb7927f2bc277ca766e6d19c73c2154021281");
    expect(s.headers["authorization"]).toBe(
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a",
    );
  });

  it("post-sts-header-before (session token signed)", () => {
    const s = signRequest({ method: "POST", path: "/", headers: HOST, body: "" }, { ...PARAMS, credentials: { ...SUITE, sessionToken: SUITE_TOKEN } });
    expect(s.headers["x-amz-security-token"]).toBe(SUITE_TOKEN);
    expect(s.headers["authorization"]).toBe(
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date;x-amz-security-token, Signature=85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead",
    );
  });
});

describe("SigV4: canonicalisation and input checks", () => {
  it("trims header values and collapses inner runs of spaces in the canonical form only", () => {
    const s = signRequest({ method: "POST", path: "/", headers: { ...HOST, "My-Header1": "  a   b  " }, body: "" }, PARAMS);
    expect(s.canonicalRequest).toContain("\nmy-header1:a b\n");
    expect(s.headers["my-header1"]).toBe("  a   b  ");
  });

  it("encodes query keys and values as RFC 3986 with upper-case hex, sorted", () => {
    const s = signRequest({ method: "GET", path: "/", query: [["b", "x y"], ["a", "é/~"]], headers: HOST, body: "" }, PARAMS);
    expect(s.canonicalRequest.split("\n")[2]).toBe("a=%C3%A9%2F~&b=x%20y");
  });

  it("derives the signing key as the HMAC chain (distinct per day, region and service)", () => {
    const a = deriveSigningKey(SUITE.secretAccessKey, "20150830", "us-east-1", "kms");
    expect(a).toHaveLength(32);
    expect(deriveSigningKey(SUITE.secretAccessKey, "20150831", "us-east-1", "kms").equals(a)).toBe(false);
    expect(deriveSigningKey(SUITE.secretAccessKey, "20150830", "eu-west-1", "kms").equals(a)).toBe(false);
    expect(deriveSigningKey(SUITE.secretAccessKey, "20150830", "us-east-1", "s3").equals(a)).toBe(false);
  });

  it("formats X-Amz-Date in UTC, dropping milliseconds", () => {
    expect(amzDate(new Date("2024-02-29T23:59:59.999Z"))).toBe("20240229T235959Z");
    expect(() => amzDate(new Date(Number.NaN))).toThrow(RangeError);
  });

  it.each([
    ["a CR/LF in a header value", { ...HOST, "x-a": "1\r\nx-b: 2" }],
    ["a caller-supplied authorization", { ...HOST, Authorization: "x" }],
    ["a caller-supplied x-amz-date", { ...HOST, "X-Amz-Date": "20150830T123600Z" }],
    ["duplicate names differing in case", { ...HOST, "x-a": "1", "X-A": "2" }],
    ["no host", { "x-a": "1" }],
    ["an invalid header name", { ...HOST, "x a": "1" }],
  ])("refuses %s", (_what, headers) => {
    expect(() => signRequest({ method: "POST", path: "/", headers, body: "" }, PARAMS)).toThrow(TypeError);
  });

  it("refuses bad paths, methods, scopes and credentials without echoing the secret", () => {
    const base = { method: "POST", path: "/", headers: HOST, body: "" };
    expect(() => signRequest({ ...base, path: "/a b" }, PARAMS)).toThrow(TypeError);
    expect(() => signRequest({ ...base, path: "relative" }, PARAMS)).toThrow(TypeError);
    expect(() => signRequest({ ...base, method: "post" }, PARAMS)).toThrow(TypeError);
    expect(() => signRequest(base, { ...PARAMS, region: "US-EAST-1" })).toThrow(TypeError);
    const badSecret = "has space inside the secret value";
    let message = "";
    try {
      signRequest(base, { ...PARAMS, credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: badSecret } });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/secretAccessKey/);
    expect(message).not.toContain(badSecret);
    expect(() => signRequest(base, { ...PARAMS, credentials: { ...SUITE, sessionToken: "" } })).toThrow(TypeError);
  });

  it("a change to any signed part changes the signature", () => {
    const base = signRequest({ method: "POST", path: "/", headers: { ...HOST, "x-amz-target": "TrentService.Decrypt" }, body: "{}" }, PARAMS).signature;
    const variants = [
      signRequest({ method: "POST", path: "/", headers: { ...HOST, "x-amz-target": "TrentService.Encrypt" }, body: "{}" }, PARAMS),
      signRequest({ method: "POST", path: "/", headers: { ...HOST, "x-amz-target": "TrentService.Decrypt" }, body: "{ }" }, PARAMS),
      signRequest({ method: "POST", path: "/", headers: { ...HOST, "x-amz-target": "TrentService.Decrypt" }, body: "{}" }, { ...PARAMS, date: new Date(DATE.getTime() + 1000) }),
      signRequest({ method: "POST", path: "/", headers: { ...HOST, "x-amz-target": "TrentService.Decrypt" }, body: "{}" }, { ...PARAMS, credentials: { ...SUITE, secretAccessKey: `${SUITE.secretAccessKey}x` } }),
    ];
    for (const v of variants) expect(v.signature).not.toBe(base);
  });
});
