import { describe, expect, it } from "vitest";
import { canonicalJson } from "../../src/audit/canonical-json.js";
import { parseTraceparent } from "../../src/audit/traceparent.js";
import { isForbiddenFieldName } from "../../src/audit/redact.js";

describe("canonicalJson", () => {
  it("sorts keys recursively and writes no whitespace", () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: true, y: null }], c: "x" } })).toBe('{"a":{"c":"x","d":[3,{"y":null,"z":true}]},"b":1}');
  });

  it("gives one serialisation whatever the key order of the input", () => {
    const a = JSON.parse('{"seq":1,"event":"e","details":{"x":1,"y":[1,2]}}') as unknown;
    const b = JSON.parse('{ "details": { "y": [1, 2], "x": 1 }, "event": "e", "seq": 1 }') as unknown;
    expect(canonicalJson(a)).toBe(canonicalJson(b));
  });

  it("orders keys by UTF-16 code units and escapes like JSON.stringify", () => {
    expect(canonicalJson({ é: 1, Z: 2, a: 3, _: 4, "\u{1F600}": 5 })).toBe('{"Z":2,"_":4,"a":3,"é":1,"\u{1F600}":5}');
    expect(canonicalJson("a\"\n\u0001\uD800")).toBe('"a\\"\\n\\u0001\\ud800"');
    expect(canonicalJson(-0)).toBe("0");
    expect(canonicalJson(1e21)).toBe("1e+21");
  });

  it("refuses what JSON cannot hold exactly", () => {
    for (const v of [undefined, 1n, Number.NaN, Number.POSITIVE_INFINITY, () => 1, Symbol("s")]) {
      expect(() => canonicalJson({ v })).toThrow(TypeError);
    }
  });
});

describe("parseTraceparent", () => {
  it("reads a valid version-00 header", () => {
    expect(parseTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")).toEqual({
      traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
      spanId: "00f067aa0ba902b7",
      flags: "01",
    });
  });

  it("accepts a future version with extra fields", () => {
    expect(parseTraceparent("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra")).toMatchObject({ spanId: "00f067aa0ba902b7" });
  });

  it.each([
    undefined,
    "",
    "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
    "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
    "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
    "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
    "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
    "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",
    "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
  ])("refuses %j", (header) => {
    expect(parseTraceparent(header)).toBeUndefined();
  });
});

describe("isForbiddenFieldName", () => {
  it.each(["privateKey", "private_key", "PRIVATE-KEY", "hmacSecret", "clientSecret", "secret", "passphrase", "password", "Authorization", "x-api-key", "accessToken", "cookie", "mnemonic", "body", "rawBody", "request_body", "payload"])(
    "%s is forbidden",
    (name) => expect(isForbiddenFieldName(name)).toBe(true),
  );

  it.each(["requestId", "clientId", "keyId", "messageHash", "publicKey", "tokenAddress", "calls", "reason", "signatureKind", "bodySha256"])("%s is allowed", (name) =>
    expect(isForbiddenFieldName(name)).toBe(false),
  );
});
