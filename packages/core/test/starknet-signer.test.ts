import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Account, constants, ec, outsideExecution, RpcProvider, shortString, typedData, type TypedData } from "starknet";
import { AirlockClient, isAirlockError } from "@airlock/core";
import { feltHex, fullPublicKeyHex, starkKeyOf } from "@airlock/core/starknet";
import { AirlockStarknetSigner, toSessionRequest } from "@airlock/core/starknet-signer";
import { FakeSidecar, TEST_PRIVATE_KEY, TEST_SECRET } from "./client/fake-sidecar.js";
import { rejectionOf } from "./client/helpers.js";

const ACCOUNT = "0x4a1b2c3d4e5f60718293a4b5c6d7e8f90112233445566778899aabbccddeef";
const TOKEN = "0x49d36570d4e46f48e99674bd3fcc84644ddd6b96f7c741b1562b82f9e004dc7";
const FULL_KEY = `0x${fullPublicKeyHex(TEST_PRIVATE_KEY)}`;
/** starknet.js hashes a ContractAddress with BigInt(): ANY_CALLER must already be encoded. */
const ANY_CALLER = shortString.encodeShortString("ANY_CALLER");

let fake: FakeSidecar;
let client: AirlockClient;
let signer: AirlockStarknetSigner;

beforeEach(async () => {
  fake = await new FakeSidecar().start();
  client = new AirlockClient({ baseUrl: fake.url, hmacSecret: TEST_SECRET, keyId: "default", retry: { attempts: 1 } });
  signer = new AirlockStarknetSigner(client);
});

afterEach(async () => {
  await client.close();
  await fake.close();
});

const validUntil = () => Math.floor(Date.now() / 1000) + 3600;
const transfer = { contractAddress: TOKEN, entrypoint: "transfer", calldata: ["0x123", "1000", "0"] };

function v2TypedData(overrides: { caller?: string; executeAfter?: number | string; executeBefore?: number | string } = {}): TypedData {
  return outsideExecution.getTypedData(
    constants.StarknetChainId.SN_SEPOLIA,
    { caller: overrides.caller ?? ANY_CALLER, execute_after: overrides.executeAfter ?? 0, execute_before: overrides.executeBefore ?? validUntil() },
    "0x2a",
    [transfer],
    "2",
  );
}

describe("AirlockStarknetSigner with starknet.js 7.1.0", () => {
  it("Account.getOutsideTransaction yields a signature starknet.js verifies for the typed data it built", async () => {
    // The chain id is given, so the provider never needs the (absent) node.
    const provider = new RpcProvider({ nodeUrl: "http://127.0.0.1:9", chainId: constants.StarknetChainId.SN_SEPOLIA });
    const account = new Account(provider, ACCOUNT, signer);
    const options = { caller: "ANY_CALLER", execute_after: 1, execute_before: validUntil() };
    const tx = await account.getOutsideTransaction(options, [transfer], "2", "0x2a");

    const signature = tx.signature as string[];
    expect(signature).toHaveLength(4);
    expect(BigInt(signature[0]!)).toBe(starkKeyOf(TEST_PRIVATE_KEY));
    expect(BigInt(signature[3]!)).toBe(BigInt(options.execute_before));

    // Rebuild exactly what getOutsideTransaction signed, with starknet.js alone.
    const td = outsideExecution.getTypedData(constants.StarknetChainId.SN_SEPOLIA, { ...options, caller: tx.outsideExecution.caller }, "0x2a", [transfer], "2");
    const hash = typedData.getMessageHash(td, ACCOUNT);
    expect(typedData.verifyMessage(td, [signature[1]!, signature[2]!], FULL_KEY, ACCOUNT)).toBe(true);
    expect(ec.starkCurve.verify(new ec.starkCurve.Signature(BigInt(signature[1]!), BigInt(signature[2]!)), hash, FULL_KEY)).toBe(true);

    // The sidecar got the selector as a raw 0x entrypoint and the deadline as a JSON number.
    const sent = fake.requests[0]!.body as { calls: { entrypoint: string }[]; validUntil: unknown; keyId: string };
    expect(sent.calls[0]!.entrypoint).toMatch(/^0x[0-9a-f]+$/);
    expect(sent.validUntil).toBe(options.execute_before);
    expect(sent.keyId).toBe("default");
  });

  it("signMessage returns the 4-felt envelope for typed data built by outsideExecution.getTypedData", async () => {
    const td = v2TypedData({ caller: "0x1234", executeAfter: "5" });
    const sig = (await signer.signMessage(td, ACCOUNT)) as string[];
    expect(typedData.verifyMessage(td, [sig[1]!, sig[2]!], FULL_KEY, ACCOUNT)).toBe(true);
  });

  it("a Selector given as a function name is signed as starknet.js hashes it", async () => {
    const td = v2TypedData() as unknown as Record<string, any>;
    td.message.Calls[0].Selector = "transfer";
    const sig = (await signer.signMessage(td as TypedData, ACCOUNT)) as string[];
    expect(typedData.verifyMessage(td as TypedData, [sig[1]!, sig[2]!], FULL_KEY, ACCOUNT)).toBe(true);
    const sent = fake.requests[0]!.body as { calls: { entrypoint: string }[] };
    expect(sent.calls[0]!.entrypoint).toMatch(/^0x[0-9a-f]+$/);
  });

  it("getPubKey: unknown before a signature, the verified key after, the pin when configured", async () => {
    expect(await rejectionOf(signer.getPubKey())).toMatchObject({ code: "CONFIG" });
    await signer.signMessage(v2TypedData(), ACCOUNT);
    expect(await signer.getPubKey()).toBe(feltHex(starkKeyOf(TEST_PRIVATE_KEY)));

    const pinned = new AirlockClient({
      baseUrl: fake.url,
      hmacSecret: TEST_SECRET,
      keyId: "default",
      expectedSessionPublicKeys: { default: feltHex(starkKeyOf(TEST_PRIVATE_KEY)) },
    });
    try {
      expect(await new AirlockStarknetSigner(pinned).getPubKey()).toBe(feltHex(starkKeyOf(TEST_PRIVATE_KEY)));
    } finally {
      await pinned.close();
    }
  });

  it("transaction signing methods reject with a typed CONFIG error", async () => {
    for (const p of [
      signer.signTransaction([], {} as never),
      signer.signDeployAccountTransaction({} as never),
      signer.signDeclareTransaction({} as never),
    ]) {
      const err = await rejectionOf(p);
      expect(isAirlockError(err, "CONFIG")).toBe(true);
      expect((err as Error).message).toMatch(/outside executions/);
    }
    expect(fake.requests).toHaveLength(0);
  });

  it("a hostile sidecar's signature never reaches the caller", async () => {
    fake.queue({ kind: "sign-other-message" });
    expect(await rejectionOf(signer.signMessage(v2TypedData(), ACCOUNT))).toMatchObject({ code: "INVALID_RESPONSE" });
  });
});

describe("typed data the signer refuses (before any request)", () => {
  const mutations: [string, (td: Record<string, any>) => void][] = [
    ["another primaryType", (td) => (td.primaryType = "Mail")],
    ["SNIP-9 v1 domain version", (td) => (td.domain.version = "1")],
    ["another domain name", (td) => (td.domain.name = "Evil.execute")],
    ["another revision", (td) => (td.domain.revision = "0")],
    ["an extra domain field", (td) => (td.domain.salt = "0x1")],
    ["a changed type", (td) => (td.types.Call[1].type = "felt")],
    ["an extra type", (td) => (td.types.Extra = [])],
    ["an extra message field", (td) => (td.message.Extra = "0x1")],
    ["Execute Before beyond a safe integer", (td) => (td.message["Execute Before"] = "0x20000000000000")],
    ["Execute Before zero", (td) => (td.message["Execute Before"] = 0)],
    ["a negative nonce", (td) => (td.message.Nonce = -1)],
    ["a fractional calldata number", (td) => (td.message.Calls[0].Calldata[0] = 1.5)],
    ["a decimal selector (starknet.js would hash its text)", (td) => (td.message.Calls[0].Selector = "123")],
    ["no calls", (td) => (td.message.Calls = [])],
    ["an extra call field", (td) => (td.message.Calls[0].Extra = 1)],
  ];
  for (const [name, mutate] of mutations) {
    it(name, async () => {
      const td = structuredClone(v2TypedData()) as unknown as Record<string, any>;
      mutate(td);
      const err = await rejectionOf(signer.signMessage(td as TypedData, ACCOUNT));
      expect(isAirlockError(err, "BAD_REQUEST")).toBe(true);
      expect(fake.requests).toHaveLength(0);
    });
  }

  it("a non-hex account address", async () => {
    expect(await rejectionOf(signer.signMessage(v2TypedData(), "1234"))).toMatchObject({ code: "BAD_REQUEST" });
  });

  it("SNIP-12 typed data of another kind", async () => {
    const mail = {
      types: {
        StarknetDomain: [
          { name: "name", type: "shortstring" },
          { name: "version", type: "shortstring" },
          { name: "chainId", type: "shortstring" },
          { name: "revision", type: "shortstring" },
        ],
        Mail: [{ name: "contents", type: "felt" }],
      },
      primaryType: "Mail",
      domain: { name: "Dapp", version: "1", chainId: "SN_SEPOLIA", revision: "1" },
      message: { contents: "0x1" },
    } as unknown as TypedData;
    expect(await rejectionOf(signer.signMessage(mail, ACCOUNT))).toMatchObject({ code: "BAD_REQUEST" });
  });
});

describe("toSessionRequest", () => {
  it("maps SNIP-9 v2 fields onto the session request", () => {
    const before = validUntil();
    const req = toSessionRequest(v2TypedData({ caller: "0x1234", executeAfter: 7, executeBefore: before }), ACCOUNT, "ops");
    expect(req).toMatchObject({
      accountAddress: ACCOUNT,
      keyId: "ops",
      chainId: "0x534e5f5345504f4c4941",
      nonce: "0x2a",
      validUntil: before,
      caller: "0x1234",
      executeAfter: "0x7",
    });
    expect(req.calls[0]).toMatchObject({ contractAddress: TOKEN, calldata: ["0x123", "0x3e8", "0x0"] });
    expect(req.calls[0]!.entrypoint).toMatch(/^0x/);
  });

  it("accepts a short-string chain id (a shortstring field, as starknet.js hashes it) but not a short-string caller", async () => {
    const td = v2TypedData() as unknown as Record<string, any>;
    td.domain.chainId = "SN_SEPOLIA";
    const req = toSessionRequest(td, ACCOUNT, undefined);
    expect(req.chainId).toBe("0x534e5f5345504f4c4941");
    expect(req.caller).toBe("0x414e595f43414c4c4552");
    expect(req.keyId).toBeUndefined();
    const sig = (await signer.signMessage(td as TypedData, ACCOUNT)) as string[];
    expect(typedData.verifyMessage(td as TypedData, [sig[1]!, sig[2]!], FULL_KEY, ACCOUNT)).toBe(true);

    // starknet.js itself cannot hash a ContractAddress given as "ANY_CALLER".
    td.message.Caller = "ANY_CALLER";
    expect(() => toSessionRequest(td, ACCOUNT, undefined)).toThrow(/Caller/);
  });
});
