import { createHash, createHmac, randomBytes } from "node:crypto";
import { request as httpRequest } from "node:http";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { canonicalString, computeRequestSignature, sha256Hex } from "@airlock/core";
import { FakeSidecar, TEST_SECRET } from "./fake-sidecar.js";
import { sampleRequest } from "./helpers.js";

// The fake must be as strict as the contract, or the client tests prove nothing.

let fake: FakeSidecar;
beforeEach(async () => {
  fake = await new FakeSidecar().start();
});
afterEach(async () => {
  await fake.close();
});

interface Signed {
  headers: Record<string, string>;
  body: string;
}

function sign(path: string, body: string, opts: { nonce?: string; ts?: number; secret?: string } = {}): Signed {
  const ts = String(opts.ts ?? Date.now());
  const nonce = opts.nonce ?? randomBytes(16).toString("hex");
  const bodyHash = createHash("sha256").update(body).digest("hex");
  const signature = createHmac("sha256", opts.secret ?? TEST_SECRET).update(`${ts}.${nonce}.POST.${path}.${bodyHash}`).digest("hex");
  return {
    body,
    headers: { "content-type": "application/json", "x-keyring-timestamp": ts, "x-keyring-nonce": nonce, "x-keyring-signature": signature },
  };
}

function post(path: string, signed: Signed): Promise<{ status: number; body: { code?: string } }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${fake.url}${path}`, { method: "POST", headers: signed.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString("utf8")) as { code?: string } }));
    });
    req.on("error", reject);
    req.end(signed.body);
  });
}

const PATH = "/v1/sign/session-transaction";
const body = () => JSON.stringify(sampleRequest());

describe("the fake sidecar enforces the wire contract", () => {
  it("its canonical string is the contract's (same MAC as core's helper)", () => {
    const s = sign(PATH, "{}", { nonce: "n1", ts: 1700000000000 });
    const canonical = canonicalString({ timestamp: "1700000000000", nonce: "n1", method: "post", path: PATH, bodySha256Hex: sha256Hex("{}") });
    expect(s.headers["x-keyring-signature"]).toBe(computeRequestSignature(TEST_SECRET, canonical));
  });

  it("accepts a correctly signed request and signs", async () => {
    const res = await post(PATH, sign(PATH, body()));
    expect(res.status).toBe(200);
  });

  it("refuses a replayed nonce, even with a fresh timestamp and a valid MAC", async () => {
    const b = body();
    expect((await post(PATH, sign(PATH, b, { nonce: "same-nonce" }))).status).toBe(200);
    const again = await post(PATH, sign(PATH, b, { nonce: "same-nonce", ts: Date.now() + 1 }));
    expect(again).toMatchObject({ status: 401, body: { code: "AUTH_REPLAYED_NONCE" } });
  });

  it("a bad MAC does not burn the nonce", async () => {
    const b = body();
    expect((await post(PATH, sign(PATH, b, { nonce: "n-2", secret: "wrong-secret-wrong-secret" }))).body.code).toBe("AUTH_INVALID_SIGNATURE");
    expect((await post(PATH, sign(PATH, b, { nonce: "n-2" }))).status).toBe(200);
  });

  it("refuses trailing junk, uppercase hex and a MAC over another body or path", async () => {
    const b = body();
    const junk = sign(PATH, b);
    junk.headers["x-keyring-signature"] += "zz";
    expect((await post(PATH, junk)).body.code).toBe("AUTH_INVALID_SIGNATURE");
    const upper = sign(PATH, b);
    upper.headers["x-keyring-signature"] = upper.headers["x-keyring-signature"]!.toUpperCase();
    expect((await post(PATH, upper)).body.code).toBe("AUTH_INVALID_SIGNATURE");
    const otherBody = sign(PATH, b);
    otherBody.body = b.replace('"0x7"', '"0x8"');
    expect((await post(PATH, otherBody)).body.code).toBe("AUTH_INVALID_SIGNATURE");
    expect((await post(`${PATH}?x=1`, sign(PATH, b))).body.code).toBe("AUTH_INVALID_SIGNATURE");
  });

  it("refuses timestamps outside the window and missing headers", async () => {
    expect((await post(PATH, sign(PATH, body(), { ts: Date.now() - 60_000 }))).body.code).toBe("AUTH_TIMESTAMP_OUT_OF_WINDOW");
    const missing = sign(PATH, body());
    delete missing.headers["x-keyring-nonce"];
    expect((await post(PATH, missing)).body.code).toBe("AUTH_MISSING_HEADERS");
  });

  it("validates the body after authentication", async () => {
    expect((await post(PATH, sign(PATH, "{not json"))).body.code).toBe("MALFORMED_JSON");
    expect((await post(PATH, sign(PATH, JSON.stringify({ ...sampleRequest(), extra: 1 })))).body.code).toBe("INVALID_PAYLOAD");
  });
});
