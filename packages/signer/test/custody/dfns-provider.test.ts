import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { inspect } from "node:util";
import { ec } from "starknet";
import { SessionTransactionRequest } from "@airlock/core";
import { sessionRequestHashes, starkKeyOf, verifyWithStarkKey } from "@airlock/core/starknet";
import { DfnsSessionSignerProvider, type DfnsProviderOptions } from "../../src/custody/dfns-provider.js";
import { UnknownKeyIdError } from "../../src/custody/provider-errors.js";
import { ProviderPolicyError, SignerUnavailableError, type SessionSignInput } from "../../src/custody/provider-types.js";
import { closedPort, startFakeDfns, type FakeDfns, type FakeMode } from "./fake-dfns.js";

const TOKEN = "dfns-test-token-0123456789";
const USER_ACTION = "dfns-test-user-action-signature";
const DFNS_KEY = 0x3c1e9550e66958296d11b60f8e8e7a7ad990d07fa65d5f7652c4a6c87d4e3ccn;
const OTHER_KEY = 0x1b7ee2af2a6b0dd1d8d0b0a2e8cbd9e0f6be5b8b1a1e8a7a0f37d9f2f3a4c5dn;
const PIN = starkKeyOf(DFNS_KEY);

const request = SessionTransactionRequest.parse({
  accountAddress: "0x123",
  chainId: "0x534e5f5345504f4c4941",
  nonce: "0x1",
  validUntil: 1_900_000_000,
  calls: [{ contractAddress: "0x49d", entrypoint: "transfer", calldata: ["0x1", "0x2", "0x0"] }],
  context: { tool: "swap", reason: "test" },
});
const hashes = sessionRequestHashes(request);
const INPUT: SessionSignInput = { keyId: "default", clientId: "agent-1", request, hashes };

let fake: FakeDfns;
beforeAll(async () => {
  fake = await startFakeDfns({ token: TOKEN, userAction: USER_ACTION, privateKey: DFNS_KEY, otherKey: OTHER_KEY });
});
afterAll(() => fake.close());
beforeEach(() => {
  fake.mode = "ok";
  fake.received.length = 0;
});

function provider(overrides: Partial<DfnsProviderOptions> = {}): DfnsSessionSignerProvider {
  return new DfnsSessionSignerProvider({
    endpointUrl: fake.url,
    authToken: TOKEN,
    userActionSignature: USER_ACTION,
    timeoutMs: 5000,
    preflightTimeoutMs: 5000,
    pinnedPublicKeys: new Map([["default", PIN]]),
    ...overrides,
  });
}

async function failure(mode: FakeMode, p = provider()): Promise<Error> {
  fake.mode = mode;
  const err = await p.sign(INPUT).then(
    () => new Error("expected sign() to fail"),
    (e: unknown) => e as Error,
  );
  expect(err.message).not.toContain(TOKEN);
  expect(err.message).not.toContain(USER_ACTION);
  return err;
}

describe("DFNS signing, happy path", () => {
  it("sends SISNA's request and returns the verified signature", async () => {
    const sig = await provider().sign(INPUT);
    expect(sig.provider).toBe("dfns");
    expect(sig.publicKey).toBe(PIN);
    expect(verifyWithStarkKey(hashes.messageHash, PIN, sig)).toBe(true);
    const full = ec.starkCurve.getPublicKey(DFNS_KEY.toString(16).padStart(64, "0"), false);
    expect(ec.starkCurve.verify(new ec.starkCurve.Signature(sig.r, sig.s), hashes.messageHash.toString(16), full)).toBe(true);

    expect(fake.received).toHaveLength(1);
    const got = fake.received[0];
    expect(got?.method).toBe("POST");
    expect(got?.headers["content-type"]).toBe("application/json");
    expect(got?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(got?.headers["x-dfns-useraction"]).toBe(USER_ACTION);
    expect(got?.body).toEqual({ clientId: "agent-1", request, kind: "Snip12", signatureMode: "v2_snip12" });
  });

  it("refuses a keyId without a pin before calling DFNS", async () => {
    const err = await provider().sign({ ...INPUT, keyId: "ops" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnknownKeyIdError);
    expect(fake.received).toHaveLength(0);
  });

  it("exposes pins as key ids and public keys, and no credentials", () => {
    const p = provider();
    expect(p.kind).toBe("dfns");
    expect(p.keyIds()).toEqual(["default"]);
    expect(p.publicKey("default")).toBe(PIN);
    expect(p.publicKey("ops")).toBeUndefined();
    for (const view of [JSON.stringify(p), inspect(p, { depth: 5, showHidden: true }), Object.keys(p).join()]) {
      expect(view).not.toContain(TOKEN);
      expect(view).not.toContain(USER_ACTION);
    }
    expect(p.endpointUrl).toBe(fake.url.replace("?tenant=t1", ""));
  });
});

describe("DFNS refusals become policy errors", () => {
  it.each([
    ["policy400", "dfns policy: amount above approval threshold"],
    ["policy422", "dfns policy: destination not allowlisted"],
    ["policy422NoMessage", "DFNS signer returned HTTP 422"],
  ] as const)("maps %s to ProviderPolicyError with DFNS's message", async (mode, message) => {
    const err = await failure(mode);
    expect(err).toBeInstanceOf(ProviderPolicyError);
    expect(err.message).toBe(message);
  });

  it("bounds and sanitises DFNS's message", async () => {
    const err = await failure("policy422Ugly");
    expect(err).toBeInstanceOf(ProviderPolicyError);
    expect(err.message).not.toMatch(/[\u0000-\u001f]/);
    expect(err.message.startsWith("line one line two")).toBe(true);
    expect([...err.message].length).toBeLessThanOrEqual(257);
  });
});

describe("everything else fails closed as SignerUnavailableError", () => {
  it.each([
    ["error500", "DFNS signer returned HTTP 500"],
    ["badRequestNonJson", "DFNS signer returned HTTP 400"],
    ["nonJson", "DFNS signer returned non-JSON response"],
    ["oversized", "DFNS signer response exceeds 65536 bytes"],
    ["oversizedChunked", "DFNS signer response exceeds 65536 bytes"],
    ["redirect", "DFNS signer request failed"],
    ["wrongDomainHash", "DFNS signer returned mismatched domainHash"],
    ["wrongMessageHash", "DFNS signer returned mismatched messageHash"],
    ["wrongPin", "DFNS signer returned a session pubkey that differs from the pin"],
    ["wrongSignatureKey", "DFNS signer returned mismatched session pubkey"],
    ["wrongValidUntil", "DFNS signer returned mismatched valid_until"],
    ["badEcdsa", "DFNS signer returned unverifiable signature"],
    ["highS", "DFNS signer returned unverifiable signature"],
    ["wrongMode", "DFNS signer returned unsupported signature mode"],
    ["wrongKind", "DFNS signer returned unsupported signature mode"],
    ["threeElements", "DFNS signer returned invalid signature shape"],
    ["decimalFelt", "DFNS signer returned invalid signature shape"],
  ] as const)("%s", async (mode, message) => {
    const err = await failure(mode);
    expect(err).toBeInstanceOf(SignerUnavailableError);
    expect(err.message.startsWith(message)).toBe(true);
  });

  it("gives up after the timeout", async () => {
    const err = await failure("hang", provider({ timeoutMs: 300 }));
    expect(err).toBeInstanceOf(SignerUnavailableError);
    expect(err.message).toBe("DFNS signer request timed out");
  });

  it("reports a refused connection", async () => {
    const port = await closedPort();
    const err = await failure("ok", provider({ endpointUrl: `http://127.0.0.1:${port}/sign` }));
    expect(err).toBeInstanceOf(SignerUnavailableError);
    expect(err.message).toBe("DFNS signer request failed: ECONNREFUSED");
  });

  it("rejects a signature that is valid but not low-S, which SISNA would accept (stricter)", async () => {
    fake.mode = "highS";
    const err = await provider().sign(INPUT).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SignerUnavailableError);
  });
});

describe("preflight and readiness", () => {
  it("counts any HTTP answer as reachable (401 here) and sends the auth headers", async () => {
    const result = await provider().preflight();
    expect(result).toEqual({ ok: true, reachable: true, endpointUrl: fake.url.replace("?tenant=t1", ""), statusCode: 401 });
    expect(fake.received[0]?.method).toBe("OPTIONS");
    expect(fake.received[0]?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(fake.received[0]?.headers["x-dfns-useraction"]).toBe(USER_ACTION);
    expect(await provider().check()).toEqual({ ok: true });
  });

  it("is not ok when the connection is refused", async () => {
    const port = await closedPort();
    const p = provider({ endpointUrl: `http://127.0.0.1:${port}/sign` });
    expect(await p.preflight()).toEqual({
      ok: false,
      reachable: false,
      endpointUrl: `http://127.0.0.1:${port}/sign`,
      error: "DFNS preflight request failed: ECONNREFUSED",
    });
    expect(await p.check()).toEqual({ ok: false, error: "DFNS preflight request failed: ECONNREFUSED" });
  });
});
