import { precomputeSigningTables, signLowS, starkKeyOf, verifyWithStarkKey } from "@airlock/core/starknet";
import { describe, expect, it } from "vitest";

const KEY = 0x3c1e9550e66958296d11b60f8e8e7a7ad990d07fa65d5f7652c4a6c87d4e3ccn;
const HASHES = [1n, 0x1234n, 0x7ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffn, 0x2a5f0e1d3c4b6a79n << 180n];

describe("precomputeSigningTables", () => {
  it("changes no signature: RFC 6979 signatures are identical with the default and the larger table", () => {
    const before = HASHES.map((h) => signLowS(h, KEY));
    precomputeSigningTables();
    precomputeSigningTables(); // idempotent
    const after = HASHES.map((h) => signLowS(h, KEY));
    expect(after).toEqual(before);
    const starkKey = starkKeyOf(KEY);
    for (const [i, sig] of after.entries()) expect(verifyWithStarkKey(HASHES[i]!, starkKey, sig)).toBe(true);
  });
});
