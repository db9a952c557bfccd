import { SessionTransactionRequest } from "@airlock/core";
import {
  ANY_CALLER,
  feltHex,
  fullPublicKeyHex,
  selectorOf,
  sessionRequestHashes,
  signLowS,
  STARK_ORDER,
  starkKeyOf,
  verifyWithStarkKey,
} from "@airlock/core/starknet";
import { poseidonBackend } from "@airlock/poseidon";
import { randomBytes } from "node:crypto";
import { constants, ec, hash, outsideExecution, typedData, type Call } from "starknet";
import { describe, expect, it } from "vitest";
import { loadSessionVectors, type SessionVector } from "./conformance-vectors.js";

const shared = loadSessionVectors();

// Our own vectors (also derived independently with starknet.js below), so the suite proves
// something even without ../shared.
const OWN_KEY = 0x3c1e9550e66958296d11b60f8e8e7a7ad990d07fa65d5f7652c4a6c87d4e3ccn;

function requestOf(v: SessionVector): SessionTransactionRequest {
  const { expected: _e, id: _i, ...body } = v;
  return SessionTransactionRequest.parse(body);
}

/** Independent recomputation: starknet.js builds and hashes the SNIP-12 typed data itself. */
function starknetJsHashes(req: SessionTransactionRequest): { domainHash: string; messageHash: string } {
  const calls: Call[] = req.calls.map((c) => ({ contractAddress: c.contractAddress, entrypoint: c.entrypoint, calldata: c.calldata }));
  const td = outsideExecution.getTypedData(
    req.chainId,
    { caller: req.caller ?? constants.OutsideExecutionCallerAny, execute_after: req.executeAfter ?? 0, execute_before: req.validUntil },
    req.nonce,
    calls,
    "2" as never,
  );
  // starknet.js hashes every entrypoint as a name; for a raw 0x selector, put it in as is.
  const msg = td.message as { Calls: { Selector: string }[] };
  req.calls.forEach((c, i) => {
    if (c.entrypoint.startsWith("0x")) msg.Calls[i]!.Selector = c.entrypoint;
  });
  return {
    domainHash: typedData.getStructHash(td.types, "StarknetDomain", td.domain, td.domain.revision as never),
    messageHash: typedData.getMessageHash(td, req.accountAddress),
  };
}

function randomFelt(bytes: number): string {
  return `0x${randomBytes(bytes).toString("hex").replace(/^0+/, "") || "0"}`;
}

describe("session hashing", () => {
  it("runs on the WebAssembly Poseidon", () => {
    expect(poseidonBackend).toBe("wasm");
  });

  describe.skipIf(!shared)("../shared known-answer vectors", () => {
    for (const v of shared?.vectors ?? []) {
      it(`${v.id}: domain hash, message hash and signature`, () => {
        const req = requestOf(v);
        const { domainHash, messageHash } = sessionRequestHashes(req);
        expect(feltHex(domainHash)).toBe(v.expected.domainHash);
        expect(feltHex(messageHash)).toBe(v.expected.messageHash);
        const key = BigInt(shared!.privateKey);
        const sig = signLowS(messageHash, key);
        expect(feltHex(starkKeyOf(key))).toBe(shared!.sessionPublicKey);
        expect([feltHex(starkKeyOf(key)), feltHex(sig.r), feltHex(sig.s), feltHex(BigInt(v.validUntil))]).toEqual(v.expected.signature);
      });
    }
  });

  it("matches starknet.js on named entrypoints, optional fields and multicalls", () => {
    for (let i = 0; i < 25; i++) {
      const req = SessionTransactionRequest.parse({
        accountAddress: randomFelt(31),
        chainId: i % 2 ? "0x534e5f5345504f4c4941" : "0x534e5f4d41494e",
        nonce: randomFelt(8),
        validUntil: 1_700_000_000 + i,
        ...(i % 3 === 0 ? { caller: randomFelt(31) } : {}),
        ...(i % 4 === 0 ? { executeAfter: String(i * 1000) } : {}),
        calls: Array.from({ length: 1 + (i % 4) }, (_, j) => ({
          contractAddress: randomFelt(31),
          entrypoint: j % 2 ? "transfer" : i % 5 === 0 ? randomFelt(30) : "approve",
          calldata: Array.from({ length: (i + j) % 5 }, () => randomFelt(1 + ((i * j) % 31))),
        })),
      });
      const ours = sessionRequestHashes(req);
      const theirs = starknetJsHashes(req);
      expect(feltHex(ours.domainHash)).toBe(theirs.domainHash);
      expect(feltHex(ours.messageHash)).toBe(theirs.messageHash);
    }
  });

  it("signs a raw 0x selector as that selector, not as the keccak of its text (SISNA's gap)", () => {
    expect(selectorOf("0x2222222222222222")).toBe(0x2222222222222222n);
    expect(selectorOf("transfer")).toBe(BigInt(hash.getSelectorFromName("transfer")));
    const base = { accountAddress: "0x1", chainId: "0x534e5f5345504f4c4941", nonce: "0x1", validUntil: 1_800_000_000 };
    const raw = sessionRequestHashes(SessionTransactionRequest.parse({ ...base, calls: [{ contractAddress: "0x2", entrypoint: feltHex(selectorOf("transfer")), calldata: [] }] }));
    const named = sessionRequestHashes(SessionTransactionRequest.parse({ ...base, calls: [{ contractAddress: "0x2", entrypoint: "transfer", calldata: [] }] }));
    expect(raw.messageHash).toBe(named.messageHash);
  });

  it("treats an absent caller as ANY_CALLER and an absent executeAfter as 0", () => {
    const base = { accountAddress: "0x1", chainId: "0x1", nonce: "0x1", validUntil: 1_800_000_000, calls: [{ contractAddress: "0x2", entrypoint: "f", calldata: [] }] };
    expect(sessionRequestHashes(SessionTransactionRequest.parse(base))).toEqual(
      sessionRequestHashes(SessionTransactionRequest.parse({ ...base, caller: feltHex(ANY_CALLER), executeAfter: "0" })),
    );
  });
});

describe("Stark ECDSA", () => {
  it("produces low-S signatures that starknet.js verifies with the full public key", () => {
    const full = fullPublicKeyHex(OWN_KEY);
    for (let i = 0; i < 40; i++) {
      const h = BigInt(randomFelt(31));
      const sig = signLowS(h, OWN_KEY);
      expect(sig.s <= STARK_ORDER >> 1n).toBe(true);
      expect(ec.starkCurve.verify(new ec.starkCurve.Signature(sig.r, sig.s), feltHex(h), full)).toBe(true);
      expect(verifyWithStarkKey(h, starkKeyOf(OWN_KEY), sig)).toBe(true);
    }
  });

  it("refuses a high-S twin, a wrong hash and a wrong key", () => {
    const h = 0x1234n;
    const sig = signLowS(h, OWN_KEY);
    const pub = starkKeyOf(OWN_KEY);
    expect(verifyWithStarkKey(h, pub, { r: sig.r, s: STARK_ORDER - sig.s })).toBe(false);
    expect(verifyWithStarkKey(h + 1n, pub, sig)).toBe(false);
    expect(verifyWithStarkKey(h, starkKeyOf(OWN_KEY + 1n), sig)).toBe(false);
    expect(verifyWithStarkKey(h, pub, { r: 0n, s: sig.s })).toBe(false);
  });
});
