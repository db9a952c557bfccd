// The registry check against a hostile JSON-RPC node on 127.0.0.1: every misbehaviour fails
// closed with the right code, and nothing leaks the RPC URL's secrets.
import { inspect } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPcr0RegistryCheck, RegistryError, type RegistryErrorCode } from "@airlock/core/registry";
import { HOSTILE_CCIP_SENDER, HOSTILE_OWNER, startHostileNode, type HostileNode } from "./rpc-servers.js";

const PCR0 = `0x${"ab".repeat(48)}`;
const TIMEOUT_MS = 300;
let node: HostileNode;

beforeAll(async () => {
  node = await startHostileNode();
});
afterAll(async () => {
  await node.close();
});

const checkAt = (mode: string, extra: { chainId?: number } = {}) =>
  createPcr0RegistryCheck({
    rpcUrl: `${node.url}/${mode}`,
    address: HOSTILE_CCIP_SENDER,
    owner: HOSTILE_OWNER,
    timeoutMs: TIMEOUT_MS,
    cacheTtlMs: 0,
    ...extra,
  }).check(PCR0);

async function failure(p: Promise<unknown>): Promise<RegistryError> {
  const e = await p.then(
    () => expect.fail("the check passed"),
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(RegistryError);
  return e as RegistryError;
}

describe("hostile RPC node", () => {
  it("a well-formed 'active for the owner' answer passes (the harness itself is sound)", async () => {
    expect(await checkAt("active-owner")).toMatchObject({ active: true, owner: HOSTILE_OWNER, registry: HOSTILE_CCIP_SENDER });
  });

  const cases: [string, RegistryErrorCode][] = [
    // answers that say no
    ["inactive-owner", "NOT_ACTIVE"],
    ["active-other", "OWNER_MISMATCH"],
    // answers that are not a valid isPCR0Active result
    ["active-zero", "BAD_RESPONSE"],
    ["garbage", "BAD_RESPONSE"],
    ["not-utf8", "BAD_RESPONSE"],
    ["empty", "BAD_RESPONSE"],
    ["short", "BAD_RESPONSE"],
    ["long", "BAD_RESPONSE"],
    ["empty-result", "BAD_RESPONSE"],
    ["odd-hex", "BAD_RESPONSE"],
    ["non-hex", "BAD_RESPONSE"],
    ["number-result", "BAD_RESPONSE"],
    ["no-result", "BAD_RESPONSE"],
    ["wrong-id", "BAD_RESPONSE"],
    ["bool-two", "BAD_RESPONSE"],
    ["dirty-address", "BAD_RESPONSE"],
    ["revert", "BAD_RESPONSE"],
    ["gzip", "BAD_RESPONSE"],
    // no answer
    ["rpc-error", "RPC_UNAVAILABLE"],
    ["rate-limited", "RPC_UNAVAILABLE"],
    ["http-500", "RPC_UNAVAILABLE"],
    ["huge", "RPC_UNAVAILABLE"],
    ["redirect", "RPC_UNAVAILABLE"],
    ["hang", "RPC_UNAVAILABLE"],
    ["trickle", "RPC_UNAVAILABLE"],
    ["close", "RPC_UNAVAILABLE"],
    ["close-mid-body", "RPC_UNAVAILABLE"],
  ];

  it.each(cases)("%s → %s", async (mode, code) => {
    const sent = node.requests.length;
    const e = await failure(checkAt(mode));
    expect(e.code).toBe(code);
    // One request, no retry (a 429 included), no eth_chainId probe.
    expect(node.requests.slice(sent).map((r) => [r.path, r.method])).toEqual([[`/${mode}`, "eth_call"]]);
  });

  it("does not follow a redirect", async () => {
    const hits = node.targetHits.length;
    await failure(checkAt("redirect"));
    expect(node.targetHits.length).toBe(hits);
  });

  it("does not follow a CCIP-read OffchainLookup revert to the URL it names", async () => {
    const hits = node.targetHits.length;
    expect((await failure(checkAt("ccip"))).code).toBe("BAD_RESPONSE");
    expect(node.targetHits.length).toBe(hits);
  });

  it("refuses a node of another chain, or a malformed chain id, when chainId is pinned", async () => {
    expect((await failure(checkAt("chain-other", { chainId: 8453 }))).code).toBe("CONFIG");
    expect((await failure(checkAt("chain-bad", { chainId: 1 }))).code).toBe("BAD_RESPONSE");
    expect((await failure(checkAt("chain-error", { chainId: 1 }))).code).toBe("RPC_UNAVAILABLE");
    expect((await failure(checkAt("hang", { chainId: 1337 }))).code).toBe("RPC_UNAVAILABLE");
  });

  it("verifies the chain once, then only asks the registry", async () => {
    const c = createPcr0RegistryCheck({
      rpcUrl: `${node.url}/rpc-error`,
      address: HOSTILE_CCIP_SENDER,
      owner: HOSTILE_OWNER,
      chainId: 1337,
      timeoutMs: TIMEOUT_MS,
    });
    const sent = node.requests.length;
    for (let i = 0; i < 2; i++) expect((await failure(c.check(PCR0))).code).toBe("RPC_UNAVAILABLE");
    expect(node.requests.slice(sent).map((r) => r.method)).toEqual(["eth_chainId", "eth_call", "eth_call"]);
  });

  it("does not remember a failed chain verification", async () => {
    const c = createPcr0RegistryCheck({
      rpcUrl: `${node.url}/chain-other`,
      address: HOSTILE_CCIP_SENDER,
      owner: HOSTILE_OWNER,
      chainId: 1337,
      timeoutMs: TIMEOUT_MS,
    });
    const sent = node.requests.length;
    for (let i = 0; i < 2; i++) expect((await failure(c.check(PCR0))).code).toBe("CONFIG");
    expect(node.requests.slice(sent).map((r) => r.method)).toEqual(["eth_chainId", "eth_chainId"]);
  });

  it("refuses an unreachable node", async () => {
    const e = await failure(
      createPcr0RegistryCheck({ rpcUrl: "http://127.0.0.1:1/", address: HOSTILE_CCIP_SENDER, owner: HOSTILE_OWNER }).check(PCR0),
    );
    expect(e.code).toBe("RPC_UNAVAILABLE");
  });
});

describe("secrets of the RPC URL", () => {
  const SECRETS = ["alice", "pa55-w0rd", "PATHKEY123", "QUERYKEY456"];
  const urlFor = (mode: string) => `${node.url.replace("http://", "http://alice:pa55-w0rd@")}/${mode}/v3/PATHKEY123?apikey=QUERYKEY456`;

  it.each(["garbage", "rpc-error", "hang", "close", "http-500", "revert", "active-other", "inactive-owner", "huge"])(
    "never appear in the error of a failed check (%s)",
    async (mode) => {
      const sent = node.requests.length;
      const e = await failure(
        createPcr0RegistryCheck({ rpcUrl: urlFor(mode), address: HOSTILE_CCIP_SENDER, owner: HOSTILE_OWNER, timeoutMs: TIMEOUT_MS }).check(PCR0),
      );
      const rendered = [e.message, String(e), e.stack ?? "", JSON.stringify(e), inspect(e, { depth: 5 })].join("\n");
      for (const s of SECRETS) expect(rendered).not.toContain(s);
      expect("cause" in e).toBe(false);
      // The URL itself was used as given: path, query and basic credentials reached the node.
      const req = node.requests[sent]!;
      expect([req.path, req.search, req.authorization]).toEqual([
        `/${mode}/v3/PATHKEY123`,
        "?apikey=QUERYKEY456",
        `Basic ${Buffer.from("alice:pa55-w0rd").toString("base64")}`,
      ]);
    },
  );

  it("never appear in a configuration error", () => {
    const bad = "ftp://alice:pa55-w0rd@127.0.0.1/v3/PATHKEY123?apikey=QUERYKEY456";
    for (const rpcUrl of [bad, bad.replace("ftp", "http").replace("127.0.0.1", "rpc.example.com"), `${urlFor("x")}#frag`]) {
      let e: unknown;
      try {
        createPcr0RegistryCheck({ rpcUrl, address: HOSTILE_CCIP_SENDER, owner: HOSTILE_OWNER });
      } catch (err) {
        e = err;
      }
      expect(e).toBeInstanceOf(RegistryError);
      expect((e as RegistryError).code).toBe("CONFIG");
      for (const s of SECRETS) expect(inspect(e)).not.toContain(s);
    }
  });
});
