// The KMS client on its own: endpoint rules, the wire it speaks (checked by the fake, whose
// own strictness is tested here too), error mapping, bounded and strictly parsed answers, and
// credentials that never leak.
import { createHash, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { inspect } from "node:util";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KmsClient, KmsError, type KmsClientOptions } from "../../src/enclave/kms/index.js";
import { sanitizeErrorType } from "../../src/enclave/kms/kms-errors.js";
import { signRequest } from "../../src/enclave/kms/sigv4.js";
import { startFakeKms, type FakeKms } from "../../../../test/support/fake-kms.js";

const CREDS = {
  accessKeyId: "AKIAFAKEKMSTEST00003",
  secretAccessKey: `fake/${randomBytes(24).toString("base64")}`,
  sessionToken: `FwoG${randomBytes(48).toString("base64")}`,
};
const PCR0 = createHash("sha384").update("unused here").digest("hex");

let fake: FakeKms;
let opts: KmsClientOptions;
beforeAll(async () => {
  // The attestation part of the fake is exercised in kms-unseal.test.ts; here a dummy pin.
  fake = await startFakeKms({ ...CREDS, policy: { imageSha384: PCR0 }, rootFingerprintSha256: "00".repeat(32) });
  opts = { endpoint: fake.url, region: "us-east-1", credentials: CREDS };
});
afterAll(async () => {
  await fake.close();
});

async function kmsFailure(p: Promise<unknown>): Promise<KmsError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(KmsError);
    const shown = `${(err as Error).message} ${inspect(err)} ${JSON.stringify(err)}`;
    expect(shown).not.toContain(CREDS.secretAccessKey);
    expect(shown).not.toContain(CREDS.sessionToken);
    return err as KmsError;
  }
  throw new Error("expected a KmsError");
}

async function withClient<T>(o: KmsClientOptions, fn: (c: KmsClient) => Promise<T>): Promise<T> {
  const c = new KmsClient(o);
  try {
    return await fn(c);
  } finally {
    await c.close();
  }
}

/** A one-off HTTP server answering every request with `handler`. */
async function hostile(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => handler(req, res));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

describe("KmsClient: configuration", () => {
  it.each([
    ["plain http to a routable address", "http://10.0.0.1"],
    ["plain http to a name (DNS may not be loopback)", "http://localhost:4566"],
    ["a path", "https://kms.us-east-1.amazonaws.com/x"],
    ["a query", "https://kms.us-east-1.amazonaws.com/?a=1"],
    ["credentials in the URL", "https://user:pw@kms.us-east-1.amazonaws.com"],
    ["another scheme", "ftp://127.0.0.1"],
    ["no URL at all", "kms.us-east-1.amazonaws.com"],
  ])("refuses an endpoint with %s", (_what, endpoint) => {
    expect(() => new KmsClient({ ...opts, endpoint })).toThrow(TypeError);
  });

  it("accepts https anywhere and http on IPv4/IPv6 loopback", async () => {
    for (const endpoint of ["https://kms.us-east-1.amazonaws.com", "http://127.0.0.1:1", "http://[::1]:1", "http://127.8.9.10"]) {
      await new KmsClient({ ...opts, endpoint }).close();
    }
  });

  it("refuses bad regions, timeouts, limits, dial addresses and credentials", () => {
    expect(() => new KmsClient({ ...opts, region: "us_east_1" })).toThrow(TypeError);
    expect(() => new KmsClient({ ...opts, timeoutMs: 0 })).toThrow(TypeError);
    expect(() => new KmsClient({ ...opts, maxResponseBytes: 10 })).toThrow(TypeError);
    expect(() => new KmsClient({ ...opts, connectAddress: { host: "10.0.0.1", port: 8000 } })).toThrow(TypeError);
    expect(() => new KmsClient({ ...opts, connectAddress: { host: "127.0.0.1", port: 0 } })).toThrow(TypeError);
    expect(() => new KmsClient({ ...opts, credentials: { accessKeyId: "AKIA", secretAccessKey: "with space" } })).toThrow(TypeError);
  });

  it("never shows its credentials", async () => {
    await withClient(opts, async (c) => {
      const shown = `${inspect(c, { depth: 10, showHidden: true })} ${JSON.stringify(c)} ${String(c)}`;
      expect(shown).not.toContain(CREDS.secretAccessKey);
      expect(shown).not.toContain(CREDS.sessionToken);
      expect(JSON.parse(JSON.stringify(c))).toEqual({ endpoint: fake.url, region: "us-east-1" });
    });
  });
});

describe("KmsClient against the fake KMS", () => {
  it("GenerateDataKey: a signed JSON 1.1 call, answered with the key ARN and a 32-byte key", async () => {
    const out = await withClient(opts, (c) => c.generateDataKey({ keyId: fake.aliasName, encryptionContext: { purpose: "test" } }));
    expect(out.keyId).toBe(fake.keyArn);
    expect(out.plaintext).toHaveLength(32);
    expect(out.ciphertextBlob.length).toBeGreaterThan(32);
    const call = fake.calls.at(-1);
    expect(call?.outcome).toBe("ok");
    expect(call?.headers["x-amz-target"]).toBe("TrentService.GenerateDataKey");
    expect(call?.headers["content-type"]).toBe("application/x-amz-json-1.1");
    expect(JSON.parse(call?.body ?? "")).toEqual({ KeyId: fake.aliasName, KeySpec: "AES_256", EncryptionContext: { purpose: "test" } });
    expect(call?.body).not.toContain(CREDS.secretAccessKey);
  });

  it("dials connectAddress while signing for (and sending Host of) the endpoint", async () => {
    const out = await withClient({ ...opts, endpoint: "http://127.0.0.2:9", connectAddress: { host: "127.0.0.1", port: fake.port } }, (c) =>
      c.generateDataKey({ keyId: fake.keyArn }),
    );
    expect(out.keyId).toBe(fake.keyArn);
    expect(fake.calls.at(-1)?.headers["host"]).toBe("127.0.0.2:9");
  });

  it("maps KMS error types", async () => {
    const notFound = await kmsFailure(withClient(opts, (c) => c.generateDataKey({ keyId: "alias/nope" })));
    expect([notFound.code, notFound.awsErrorType, notFound.httpStatus, notFound.retryable]).toEqual(["NOT_FOUND", "NotFoundException", 400, false]);
    const badBlob = await kmsFailure(withClient(opts, (c) => c.decryptForRecipient({ keyId: fake.keyArn, ciphertextBlob: randomBytes(80), attestationDocument: randomBytes(10) })));
    // The fake checks the Recipient before the blob (policy first); a junk document is refused.
    expect(badBlob.code).toBe("REQUEST_REJECTED");
    expect(badBlob.awsErrorType).toBe("ValidationException");
    const auth = await kmsFailure(withClient({ ...opts, credentials: { ...CREDS, secretAccessKey: "wrong-secret-value" } }, (c) => c.generateDataKey({ keyId: fake.keyArn })));
    expect([auth.code, auth.awsErrorType]).toEqual(["AUTH_FAILED", "InvalidSignatureException"]);
    expect(auth.message).not.toContain("wrong-secret-value");
  });

  it("refuses invalid requests before sending them", async () => {
    const before = fake.calls.length;
    await withClient(opts, async (c) => {
      await expect(c.generateDataKey({ keyId: "" })).rejects.toThrow(TypeError);
      await expect(c.generateDataKey({ keyId: "x".repeat(2049) })).rejects.toThrow(TypeError);
      await expect(c.decryptForRecipient({ keyId: "k", ciphertextBlob: new Uint8Array(0), attestationDocument: randomBytes(1) })).rejects.toThrow(TypeError);
      await expect(c.decryptForRecipient({ keyId: "k", ciphertextBlob: randomBytes(1), attestationDocument: new Uint8Array(0) })).rejects.toThrow(TypeError);
    });
    expect(fake.calls.length).toBe(before);
  });
});

describe("the fake KMS is strict about SigV4 (so the tests above can fail)", () => {
  const body = JSON.stringify({ KeyId: "alias/airlock-enclave-seal", KeySpec: "AES_256" });
  const base = () => ({ "content-type": "application/x-amz-json-1.1", host: new URL(fake.url).host, "x-amz-target": "TrentService.GenerateDataKey" });
  const send = async (headers: Record<string, string>, sent = body): Promise<string> => {
    const res = await request(`${fake.url}/`, { method: "POST", headers, body: sent });
    const json = (await res.body.json()) as { __type?: string };
    return res.statusCode === 200 ? "ok" : (json.__type ?? `HTTP ${res.statusCode}`);
  };
  const signed = (date = new Date(), credentials: typeof CREDS | Omit<typeof CREDS, "sessionToken"> = CREDS) =>
    signRequest({ method: "POST", path: "/", headers: base(), body }, { credentials, region: "us-east-1", service: "kms", date }).headers;

  it("accepts a correctly signed request", async () => {
    expect(await send({ ...signed() })).toBe("ok");
  });

  it("refuses every deviation", async () => {
    const h = signed();
    expect(await send(h, body.replace("AES_256", "AES_128"))).toBe("InvalidSignatureException");
    expect(await send({ ...h, "x-amz-target": "TrentService.Decrypt" })).toBe("InvalidSignatureException");
    const auth = h["authorization"] as string;
    const flipped = `${auth.slice(0, -1)}${auth.endsWith("0") ? "1" : "0"}`;
    expect(await send({ ...h, authorization: flipped })).toBe("InvalidSignatureException");
    const { authorization: _a, ...noAuth } = h;
    expect(await send(noAuth)).toBe("MissingAuthenticationTokenException");
    const { "x-amz-security-token": _t, ...noToken } = h;
    expect(await send(noToken)).toBe("UnrecognizedClientException");
    expect(await send({ ...signed(new Date(Date.now() - 6 * 60_000)) })).toBe("InvalidSignatureException");
    expect(await send({ ...signed(new Date(Date.now() + 6 * 60_000)) })).toBe("InvalidSignatureException");
    expect(await send({ ...h, authorization: (h["authorization"] as string).replace("/us-east-1/", "/eu-west-1/") })).toBe("InvalidSignatureException");
    expect(await send({ ...h, authorization: (h["authorization"] as string).replace("x-amz-security-token;", "") })).toBe("IncompleteSignatureException");
    expect(await send({ ...h, authorization: "AWS4-HMAC-SHA256 garbage" })).toBe("IncompleteSignatureException");
  });
});

describe("KmsClient refuses what a hostile endpoint answers", () => {
  const answer =
    (status: number, body: string | Buffer, headers: Record<string, string> = { "content-type": "application/x-amz-json-1.1" }) =>
    (_req: IncomingMessage, res: ServerResponse) => {
      res.writeHead(status, headers);
      res.end(body);
    };
  const gdk = { KeyId: "arn:k", CiphertextBlob: randomBytes(64).toString("base64"), Plaintext: randomBytes(32).toString("base64") };

  it.each([
    ["a body over the limit (declared)", answer(200, Buffer.alloc(70_000, 0x20)), "RESPONSE_INVALID"],
    [
      "a body over the limit (chunked, no length)",
      (_req: IncomingMessage, res: ServerResponse) => {
        res.writeHead(200, { "content-type": "application/x-amz-json-1.1" });
        for (let i = 0; i < 20; i++) res.write(Buffer.alloc(8192, 0x20));
        res.end();
      },
      "RESPONSE_INVALID",
    ],
    ["non-JSON", answer(200, "<html>"), "RESPONSE_INVALID"],
    ["a JSON array", answer(200, "[]"), "RESPONSE_INVALID"],
    ["the wrong content-type", answer(200, JSON.stringify(gdk), { "content-type": "text/html" }), "RESPONSE_INVALID"],
    ["a 15-byte Plaintext", answer(200, JSON.stringify({ ...gdk, Plaintext: randomBytes(15).toString("base64") })), "RESPONSE_INVALID"],
    ["non-canonical base64", answer(200, JSON.stringify({ ...gdk, CiphertextBlob: `${gdk.CiphertextBlob.slice(0, -4)}AAB=` })), "RESPONSE_INVALID"],
    ["a numeric KeyId", answer(200, JSON.stringify({ ...gdk, KeyId: 7 })), "RESPONSE_INVALID"],
    ["an unasked-for CiphertextForRecipient", answer(200, JSON.stringify({ ...gdk, CiphertextForRecipient: "AAAA" })), "RESPONSE_INVALID"],
    ["a namespaced error type", answer(400, JSON.stringify({ __type: "com.amazon.coral.service#AccessDeniedException:http://internal/" })), "ACCESS_DENIED"],
    ["an error type header", answer(400, "", { "x-amzn-errortype": "ThrottlingException:http://x" }), "THROTTLED"],
    ["a 503 without body", answer(503, ""), "SERVICE_ERROR"],
    ["a redirect", answer(307, "", { location: "http://10.0.0.1/" }), "REQUEST_REJECTED"],
    ["an error type that is not a name", answer(400, JSON.stringify({ __type: "<script>" })), "REQUEST_REJECTED"],
  ])("%s", async (_what, handler, code) => {
    const server = await hostile(handler);
    try {
      const e = await kmsFailure(withClient({ ...opts, endpoint: server.url }, (c) => c.generateDataKey({ keyId: "k" })));
      expect(e.code).toBe(code);
      expect(e.message).not.toContain("<script>");
    } finally {
      await server.close();
    }
  });

  it("an answer with a valid 32-byte key but an empty CiphertextBlob returns nothing", async () => {
    const server = await hostile(answer(200, JSON.stringify({ ...gdk, CiphertextBlob: "" })));
    try {
      expect((await kmsFailure(withClient({ ...opts, endpoint: server.url }, (c) => c.generateDataKey({ keyId: "k" })))).code).toBe("RESPONSE_INVALID");
    } finally {
      await server.close();
    }
  });
});

describe("sanitizeErrorType", () => {
  it.each([
    ["AccessDeniedException", "AccessDeniedException"],
    ["com.amazonaws.kms#NotFoundException", "NotFoundException"],
    ["InvalidSignatureException:http://internal.amazon.com/coral/", "InvalidSignatureException"],
    ["aws.protocoltests#FooError:http://x", "FooError"],
    ["", undefined],
    ["bad name!", undefined],
    [42, undefined],
  ])("%s → %s", (raw, expected) => {
    expect(sanitizeErrorType(raw)).toBe(expected);
  });
});
