import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { SessionTransactionRequest } from "@airlock/core";
import { feltHex, sessionRequestHashes, starkKeyOf, verifyWithStarkKey } from "@airlock/core/starknet";
import { loadConfig } from "../../src/config/env-config.js";
import { createSignerProvider } from "../../src/custody/create-provider.js";
import { DfnsSessionSignerProvider } from "../../src/custody/dfns-provider.js";
import { FallbackSessionSignerProvider, type FallbackEvent } from "../../src/custody/fallback-provider.js";
import { LocalSessionSignerProvider } from "../../src/custody/local-provider.js";
import { ProviderPolicyError, type SessionSignInput } from "../../src/custody/provider-types.js";
import { closedPort, startFakeDfns, type FakeDfns } from "./fake-dfns.js";

const TOKEN = "dfns-test-token-0123456789";
const USER_ACTION = "dfns-test-user-action-signature";
const DFNS_KEY = 0x3c1e9550e66958296d11b60f8e8e7a7ad990d07fa65d5f7652c4a6c87d4e3ccn;
const LOCAL_KEY = 0x1b7ee2af2a6b0dd1d8d0b0a2e8cbd9e0f6be5b8b1a1e8a7a0f37d9f2f3a4c5dn;
const PIN = starkKeyOf(DFNS_KEY);

const request = SessionTransactionRequest.parse({
  accountAddress: "0x123",
  chainId: "0x534e5f5345504f4c4941",
  nonce: "0x7",
  validUntil: 1_900_000_000,
  calls: [{ contractAddress: "0x49d", entrypoint: "approve", calldata: ["0x1", "0x2", "0x0"] }],
});
const hashes = sessionRequestHashes(request);
const INPUT: SessionSignInput = { keyId: "default", clientId: "default", request, hashes };

let fake: FakeDfns;
beforeAll(async () => {
  fake = await startFakeDfns({ token: TOKEN, userAction: USER_ACTION, privateKey: DFNS_KEY, otherKey: LOCAL_KEY });
});
afterAll(() => fake.close());
beforeEach(() => {
  fake.mode = "ok";
  fake.received.length = 0;
});

function build(endpointUrl = fake.url) {
  const events: FallbackEvent[] = [];
  const dfns = new DfnsSessionSignerProvider({
    endpointUrl,
    authToken: TOKEN,
    userActionSignature: USER_ACTION,
    timeoutMs: 300,
    preflightTimeoutMs: 2000,
    pinnedPublicKeys: new Map([["default", PIN]]),
  });
  const local = new LocalSessionSignerProvider([{ keyId: "default", privateKey: LOCAL_KEY }]);
  return { provider: new FallbackSessionSignerProvider(dfns, local, (e) => events.push(e)), events };
}

describe("DFNS with a local fallback", () => {
  it("uses DFNS while it answers", async () => {
    const { provider, events } = build();
    const sig = await provider.sign(INPUT);
    expect(sig.provider).toBe("dfns");
    expect(sig.publicKey).toBe(PIN);
    expect(events).toEqual([]);
    expect(provider.kind).toBe("dfns");
    expect(provider.keyIds()).toEqual(["default"]);
    expect(provider.publicKey("default")).toBe(PIN);
  });

  it.each(["error500", "hang", "wrongMessageHash", "highS"] as const)("falls back to the local key when DFNS fails (%s)", async (mode) => {
    fake.mode = mode;
    const { provider, events } = build();
    const sig = await provider.sign(INPUT);
    expect(sig.provider).toBe("local");
    expect(sig.publicKey).toBe(starkKeyOf(LOCAL_KEY));
    expect(verifyWithStarkKey(hashes.messageHash, sig.publicKey, sig)).toBe(true);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ primaryProvider: "dfns", fallbackProvider: "local" });
    expect(events[0]?.error).toMatch(/^DFNS signer /);
    expect(events[0]?.error).not.toContain(TOKEN);
  });

  it("falls back when DFNS is unreachable", async () => {
    const { provider } = build(`http://127.0.0.1:${await closedPort()}/sign`);
    expect((await provider.sign(INPUT)).provider).toBe("local");
  });

  it.each(["policy400", "policy422"] as const)("does not fall back on a DFNS policy refusal (%s)", async (mode) => {
    fake.mode = mode;
    const { provider, events } = build();
    await expect(provider.sign(INPUT)).rejects.toBeInstanceOf(ProviderPolicyError);
    expect(events).toEqual([]);
  });

  it("still signs when the fallback listener throws", async () => {
    fake.mode = "error500";
    const dfns = new DfnsSessionSignerProvider({
      endpointUrl: fake.url,
      authToken: TOKEN,
      userActionSignature: USER_ACTION,
      timeoutMs: 2000,
      preflightTimeoutMs: 2000,
      pinnedPublicKeys: new Map([["default", PIN]]),
    });
    const local = new LocalSessionSignerProvider([{ keyId: "default", privateKey: LOCAL_KEY }]);
    const provider = new FallbackSessionSignerProvider(dfns, local, () => {
      throw new Error("listener broke");
    });
    expect((await provider.sign(INPUT)).provider).toBe("local");
  });

  it("stays ready with DFNS down and passes DFNS's preflight through", async () => {
    const up = build().provider;
    expect(await up.check()).toEqual({ ok: true });
    expect(await up.preflight()).toMatchObject({ ok: true, reachable: true, statusCode: 401 });
    const down = build(`http://127.0.0.1:${await closedPort()}/sign`).provider;
    expect(await down.check()).toEqual({ ok: true, error: "DFNS preflight request failed: ECONNREFUSED (local fallback active)" });
    expect(await down.preflight()).toMatchObject({ ok: false, reachable: false });
  });
});

describe("createSignerProvider and loadConfig", () => {
  it("builds each kind", () => {
    const local = createSignerProvider({ kind: "local", keys: [{ keyId: "default", privateKey: LOCAL_KEY }] });
    expect(local).toBeInstanceOf(LocalSessionSignerProvider);
    const dfnsOptions = {
      endpointUrl: fake.url,
      authToken: TOKEN,
      userActionSignature: USER_ACTION,
      timeoutMs: 1000,
      preflightTimeoutMs: 1000,
      pinnedPublicKeys: new Map([["default", PIN]]),
    };
    expect(createSignerProvider({ kind: "dfns", dfns: dfnsOptions })).toBeInstanceOf(DfnsSessionSignerProvider);
    expect(createSignerProvider({ kind: "dfns", dfns: dfnsOptions, fallbackKeys: [{ keyId: "default", privateKey: LOCAL_KEY }] })).toBeInstanceOf(
      FallbackSessionSignerProvider,
    );
  });

  it("falls back end to end from the environment, reporting through the signer hooks", async () => {
    const events: FallbackEvent[] = [];
    const config = loadConfig(
      {
        KEYRING_HMAC_SECRET: "hmac-secret-value-for-tests-0123456789",
        KEYRING_SIGNER_PROVIDER: "dfns",
        KEYRING_SIGNER_FALLBACK_PROVIDER: "local",
        // The fallback must hold the very key DFNS is pinned to.
        SESSION_PRIVATE_KEY: feltHex(DFNS_KEY),
        KEYRING_DFNS_SIGNER_URL: fake.url,
        KEYRING_DFNS_AUTH_TOKEN: TOKEN,
        KEYRING_DFNS_USER_ACTION_SIGNATURE: USER_ACTION,
        KEYRING_DFNS_TIMEOUT_MS: "2000",
        KEYRING_DFNS_PINNED_PUBKEYS_JSON: JSON.stringify({ default: feltHex(PIN) }),
      },
      { signerHooks: { onFallback: (e) => events.push(e) } },
    );
    const provider = config.signer.provider;
    expect((await provider.sign(INPUT)).provider).toBe("dfns");
    expect(fake.received[0]?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    fake.mode = "error500";
    expect((await provider.sign(INPUT)).provider).toBe("local");
    expect(events.map((e) => e.error)).toEqual(["DFNS signer returned HTTP 500"]);
  });

  it("refuses a local fallback key that differs from the DFNS pin", () => {
    expect(() =>
      loadConfig({
        KEYRING_HMAC_SECRET: "hmac-secret-value-for-tests-0123456789",
        KEYRING_SIGNER_PROVIDER: "dfns",
        KEYRING_SIGNER_FALLBACK_PROVIDER: "local",
        SESSION_PRIVATE_KEY: feltHex(LOCAL_KEY),
        KEYRING_DFNS_SIGNER_URL: fake.url,
        KEYRING_DFNS_AUTH_TOKEN: TOKEN,
        KEYRING_DFNS_USER_ACTION_SIGNATURE: USER_ACTION,
        KEYRING_DFNS_PINNED_PUBKEYS_JSON: JSON.stringify({ default: feltHex(PIN) }),
      }),
    ).toThrow(/local fallback key default does not match/);
  });
});
