import { describe, expect, it } from "vitest";
import { inspect } from "node:util";
import { ec } from "starknet";
import { SessionTransactionRequest } from "@airlock/core";
import { sessionRequestHashes, STARK_ORDER } from "@airlock/core/starknet";
import { LocalSessionSignerProvider } from "../../src/custody/local-provider.js";
import { UnknownKeyIdError } from "../../src/custody/provider-errors.js";
import type { SessionSignerProvider, SessionSignInput } from "../../src/custody/provider-types.js";

const KEY_1 = 0x3c1e9550e66958296d11b60f8e8e7a7ad990d07fa65d5f7652c4a6c87d4e3ccn;
const KEY_2 = 0x1b7ee2af2a6b0dd1d8d0b0a2e8cbd9e0f6be5b8b1a1e8a7a0f37d9f2f3a4c5dn;
const hex64 = (n: bigint) => n.toString(16).padStart(64, "0");

const provider = new LocalSessionSignerProvider([
  { keyId: "default", privateKey: KEY_1 },
  { keyId: "ops", privateKey: KEY_2 },
]);

const request = SessionTransactionRequest.parse({
  accountAddress: "0x123",
  chainId: "0x534e5f5345504f4c4941",
  nonce: "0x1",
  validUntil: 1_900_000_000,
  calls: [{ contractAddress: "0x49d", entrypoint: "transfer", calldata: ["0x1", "0x2", "0x0"] }],
});

function input(keyId: string, messageHash?: bigint): SessionSignInput {
  const hashes = sessionRequestHashes(request);
  return { keyId, clientId: "default", request, hashes: messageHash === undefined ? hashes : { ...hashes, messageHash } };
}

describe("LocalSessionSignerProvider", () => {
  it("signs the message hash so that starknet.js verifies it against the full public key", async () => {
    const sig = await provider.sign(input("default"));
    expect(sig.provider).toBe("local");
    expect(sig.publicKey).toBe(BigInt(ec.starkCurve.getStarkKey(hex64(KEY_1))));
    const fullPublicKey = ec.starkCurve.getPublicKey(hex64(KEY_1), false);
    const hash = hex64(input("default").hashes.messageHash);
    expect(ec.starkCurve.verify(new ec.starkCurve.Signature(sig.r, sig.s), hash, fullPublicKey)).toBe(true);
    const otherKey = ec.starkCurve.getPublicKey(hex64(KEY_2), false);
    expect(ec.starkCurve.verify(new ec.starkCurve.Signature(sig.r, sig.s), hash, otherKey)).toBe(false);
  });

  it("signs with the key the keyId names", async () => {
    const sig = await provider.sign(input("ops"));
    expect(sig.publicKey).toBe(BigInt(ec.starkCurve.getStarkKey(hex64(KEY_2))));
    expect(provider.publicKey("ops")).toBe(sig.publicKey);
  });

  it("always returns low-S signatures, including where the raw signature is high-S", async () => {
    const half = STARK_ORDER >> 1n;
    let highSeen = 0;
    for (let i = 1n; i <= 24n; i++) {
      const hash = (i * 0x9e3779b97f4a7c15f39cc0605cedc834n) % (1n << 250n);
      const raw = ec.starkCurve.sign(hex64(hash), hex64(KEY_1));
      const sig = await provider.sign(input("default", hash));
      expect(sig.s <= half).toBe(true);
      expect(sig.r).toBe(raw.r);
      if (raw.s > half) {
        highSeen++;
        expect(sig.s).toBe(STARK_ORDER - raw.s);
      } else {
        expect(sig.s).toBe(raw.s);
      }
      const full = ec.starkCurve.getPublicKey(hex64(KEY_1), false);
      expect(ec.starkCurve.verify(new ec.starkCurve.Signature(sig.r, sig.s), hex64(hash), full)).toBe(true);
    }
    expect(highSeen).toBeGreaterThan(0);
  });

  it("refuses an unknown keyId with a typed error carrying SISNA's message", async () => {
    const err = await provider.sign(input("ghost")).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnknownKeyIdError);
    expect((err as UnknownKeyIdError).code).toBe("UNKNOWN_KEY_ID");
    expect((err as Error).message).toBe("Unknown keyId: ghost");
    expect(provider.publicKey("ghost")).toBeUndefined();
  });

  it("lists its key ids and is always ready", async () => {
    expect(provider.keyIds()).toEqual(["default", "ops"]);
    expect(Object.isFrozen(provider.keyIds())).toBe(true);
    expect(await provider.check()).toEqual({ ok: true });
    expect((provider as SessionSignerProvider).preflight).toBeUndefined();
  });

  it("never shows its keys through JSON, inspect, enumeration or string conversion", () => {
    const views = [
      JSON.stringify(provider),
      JSON.stringify({ nested: { provider } }),
      inspect(provider, { depth: 10, showHidden: true }),
      inspect({ provider }, { depth: 10 }),
      String(provider),
      Object.keys(provider).join(","),
      Object.getOwnPropertyNames(provider).join(","),
    ];
    for (const view of views) {
      for (const key of [KEY_1, KEY_2]) {
        expect(view).not.toContain(key.toString(16));
        expect(view).not.toContain(key.toString());
      }
    }
    expect(JSON.parse(JSON.stringify(provider))).toEqual({ kind: "local", keyIds: ["default", "ops"] });
    expect(inspect(provider)).toContain("[redacted]");
  });

  it("refuses duplicate key ids", () => {
    expect(() => new LocalSessionSignerProvider([{ keyId: "a", privateKey: 1n }, { keyId: "a", privateKey: 2n }])).toThrow("duplicate keyId: a");
  });
});
