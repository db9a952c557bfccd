import { describe, expect, it } from "vitest";
import { AirlockClient, ConfigError, type AirlockClientOptions } from "@airlock/core";

const SECRET = "option-test-secret-9f8e7d6c5b4a";
const base: AirlockClientOptions = { baseUrl: "http://127.0.0.1:8545", hmacSecret: SECRET };

function configErrorOf(options: unknown): ConfigError {
  try {
    new AirlockClient(options as AirlockClientOptions);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    const e = err as ConfigError;
    expect(e.code).toBe("CONFIG");
    expect(e.message).not.toContain(SECRET);
    return e;
  }
  throw new Error("expected the constructor to throw");
}

describe("option validation", () => {
  it("accepts minimal and full valid options", async () => {
    const clients = [
      new AirlockClient(base),
      new AirlockClient({
        baseUrl: "https://signer.internal:8545/",
        clientId: "mcp-ops",
        hmacSecret: SECRET,
        keyId: "ops",
        timeoutMs: 5000,
        retry: { attempts: 5, baseDelayMs: 50, maxDelayMs: 1000 },
        tls: { ca: "-----BEGIN CERTIFICATE-----\n", pinnedPublicKeySha256: [Buffer.alloc(32, 1).toString("base64")], rejectUnauthorized: true },
        expectedSessionPublicKeys: { ops: "0x1ef15c18599971b7beced415a40f0c7deacfd9b0d1819e03d723d8bc943cfca" },
        connections: 4,
      }),
    ];
    expect(clients[1]!.baseUrl).toBe("https://signer.internal:8545");
    expect(clients[1]!.keyId).toBe("ops");
    expect(clients[1]!.sessionPublicKey()).toBe("0x1ef15c18599971b7beced415a40f0c7deacfd9b0d1819e03d723d8bc943cfca");
    for (const c of clients) await c.close();
  });

  const invalid: [string, unknown, string | undefined][] = [
    ["not an object", "http://x", undefined],
    ["missing secret", { baseUrl: base.baseUrl }, "hmacSecret"],
    ["short secret", { ...base, hmacSecret: "short" }, "hmacSecret"],
    ["non-string secret", { ...base, hmacSecret: 1234567890123456789 }, "hmacSecret"],
    ["missing baseUrl", { hmacSecret: SECRET }, "baseUrl"],
    ["unparseable baseUrl", { ...base, baseUrl: "not a url" }, "baseUrl"],
    ["ftp baseUrl", { ...base, baseUrl: "ftp://127.0.0.1" }, "baseUrl"],
    ["credentials in baseUrl", { ...base, baseUrl: "http://user:pw@127.0.0.1:8545" }, "baseUrl"],
    ["path in baseUrl", { ...base, baseUrl: "http://127.0.0.1:8545/v1" }, "baseUrl"],
    ["query in baseUrl", { ...base, baseUrl: "http://127.0.0.1:8545/?a=1" }, "baseUrl"],
    ["fragment in baseUrl", { ...base, baseUrl: "http://127.0.0.1:8545#x" }, "baseUrl"],
    ["bad clientId", { ...base, clientId: "has space" }, "clientId"],
    ["bad keyId", { ...base, keyId: "" }, "keyId"],
    ["zero timeout", { ...base, timeoutMs: 0 }, "timeoutMs"],
    ["fractional timeout", { ...base, timeoutMs: 1.5 }, "timeoutMs"],
    ["string timeout", { ...base, timeoutMs: "1000" }, "timeoutMs"],
    ["zero attempts", { ...base, retry: { attempts: 0 } }, "retry.attempts"],
    ["too many attempts", { ...base, retry: { attempts: 100 } }, "retry.attempts"],
    ["max < base delay", { ...base, retry: { baseDelayMs: 500, maxDelayMs: 100 } }, "retry.maxDelayMs"],
    ["unknown retry key", { ...base, retry: { tries: 3 } }, "retry.tries"],
    ["zero connections", { ...base, connections: 0 }, "connections"],
    ["unknown option", { ...base, hmacsecret: SECRET }, "hmacsecret"],
    ["tls on http", { ...base, tls: {} }, "tls"],
    ["rejectUnauthorized false", { ...base, baseUrl: "https://a.b", tls: { rejectUnauthorized: false } }, "tls.rejectUnauthorized"],
    ["cert without key", { ...base, baseUrl: "https://a.b", tls: { cert: "pem" } }, "tls.cert"],
    ["empty pin list", { ...base, baseUrl: "https://a.b", tls: { pinnedPublicKeySha256: [] } }, "tls.pinnedPublicKeySha256"],
    ["malformed pin", { ...base, baseUrl: "https://a.b", tls: { pinnedPublicKeySha256: ["abc"] } }, "tls.pinnedPublicKeySha256"],
    ["hex pin", { ...base, baseUrl: "https://a.b", tls: { pinnedPublicKeySha256: ["ab".repeat(32)] } }, "tls.pinnedPublicKeySha256"],
    ["unknown tls key", { ...base, baseUrl: "https://a.b", tls: { insecure: true } }, "tls.insecure"],
    ["session key not hex", { ...base, expectedSessionPublicKeys: { default: "123" } }, "expectedSessionPublicKeys"],
    ["session key zero", { ...base, expectedSessionPublicKeys: { default: "0x0" } }, "expectedSessionPublicKeys"],
    ["session key above prime", { ...base, expectedSessionPublicKeys: { default: `0x${"f".repeat(64)}` } }, "expectedSessionPublicKeys"],
    ["bad session key id", { ...base, expectedSessionPublicKeys: { "bad id": "0x1" } }, "expectedSessionPublicKeys"],
    ["array of session keys", { ...base, expectedSessionPublicKeys: ["0x1"] }, "expectedSessionPublicKeys"],
  ];
  for (const [name, options, option] of invalid) {
    it(`refuses ${name}`, () => {
      const e = configErrorOf(options);
      expect(e.option).toBe(option);
      if (option !== undefined) expect(e.message).toContain(option.split(".")[0]);
    });
  }

  it("never echoes a URL that carries credentials", () => {
    const e = configErrorOf({ ...base, baseUrl: `http://admin:${SECRET}@127.0.0.1` });
    expect(e.message).not.toContain("admin");
  });

  it("does not echo an unknown key that does not look like a name", () => {
    const e = configErrorOf({ ...base, [`${SECRET}!`]: 1 });
    expect(e.message).not.toContain(SECRET);
    expect(e.option).toBeUndefined();
  });
});
