import { describe, expect, it } from "vitest";
import {
  ACCOUNT,
  ALICE,
  DEX,
  DEX_HEX,
  denial,
  evaluate,
  hex,
  hex64,
  limit,
  makePolicy,
  makeRequest,
  sel,
  SISNA_DENIED,
  TOKEN,
  TOKEN_HEX,
  transfer,
  withClient,
} from "./fixtures.js";

const SELF_CALL = "self-call is denied for session signing";

describe("call.self_call", () => {
  it.each(["0x1234abcd", "0x1234ABCD", "0x00001234abcd", hex64(ACCOUNT)])(
    "denies a call to the account spelled %s",
    (contractAddress) => {
      const request = makeRequest({ calls: [{ contractAddress }] });
      expect(evaluate({ request })).toEqual(denial("call.self_call", SELF_CALL, 0));
    },
  );

  it("compares the account's felt value too (the account spelled with leading zeros)", () => {
    const request = makeRequest({ accountAddress: "0x0000001234ABCD", calls: [{ contractAddress: "0x1234abcd" }] });
    expect(evaluate({ request })).toEqual(denial("call.self_call", SELF_CALL, 0));
  });

  it("allows a call to any other contract", () => {
    expect(evaluate({ request: makeRequest({ calls: [{ contractAddress: "0x1234abce" }] }) }).allowed).toBe(true);
  });
});

describe("call.denied_selector (SISNA's denylist)", () => {
  it.each(SISNA_DENIED)("denies %s by name", (entrypoint) => {
    const request = makeRequest({ calls: [{ entrypoint }] });
    expect(evaluate({ request })).toEqual(denial("call.denied_selector", `denied selector: ${entrypoint}`, 0));
  });

  // A 0x entrypoint is a raw selector, and it is the selector the hash signs: every spelling of
  // a denied name's selector is denied too (SISNA's policy/signature mismatch, closed).
  const spellings: [label: string, spell: (s: bigint) => string][] = [
    ["lowercase hex", (s) => hex(s)],
    ["zero-padded hex", (s) => hex64(s)],
    ["uppercase hex", (s) => `0x${s.toString(16).toUpperCase()}`],
    ["one leading zero", (s) => `0x0${s.toString(16)}`],
  ];
  describe.each(spellings)("as %s", (_label, spell) => {
    it.each(["upgrade", "set_public_key", "__execute__"])("denies the selector of %s", (name) => {
      const entrypoint = spell(sel(name));
      const request = makeRequest({ calls: [{ entrypoint }] });
      expect(evaluate({ request })).toEqual(denial("call.denied_selector", `denied selector: ${entrypoint}`, 0));
    });
  });

  it("does not deny a name that merely resembles a denied one", () => {
    for (const entrypoint of ["upgrade_", "Upgrade", "set_public_keys", "_execute_"]) {
      expect(evaluate({ request: makeRequest({ calls: [{ entrypoint }] }) }).allowed).toBe(true);
    }
  });

  it("adds a client's extra denied selectors for that client only", () => {
    const policy = withClient({ deniedSelectors: new Set([sel("swap")]) });
    expect(evaluate({ policy })).toEqual(denial("call.denied_selector", "denied selector: swap", 0));
    expect(evaluate({ policy, request: makeRequest({ calls: [{ entrypoint: hex64(sel("swap")) }] }) })).toMatchObject({
      ruleId: "call.denied_selector",
    });
    expect(evaluate({ policy, clientId: "other" }).allowed).toBe(true);
  });

  it("denies nothing when the denylists are empty", () => {
    const policy = makePolicy({ deniedSelectors: new Set() });
    expect(evaluate({ policy, request: makeRequest({ calls: [{ entrypoint: "upgrade" }] }) }).allowed).toBe(true);
  });
});

describe("call.contract_not_allowed", () => {
  const policy = withClient({ allowedContracts: new Set([DEX, TOKEN]) });

  it.each([DEX_HEX, DEX_HEX.toUpperCase().replace("0X", "0x"), hex64(DEX), TOKEN_HEX])("allows %s", (contractAddress) => {
    expect(evaluate({ policy, request: makeRequest({ calls: [{ contractAddress }] }) }).allowed).toBe(true);
  });

  it("denies any other contract, repeating the address as sent", () => {
    const request = makeRequest({ calls: [{ contractAddress: DEX_HEX }, { contractAddress: "0x00ABC" }] });
    expect(evaluate({ policy, request })).toEqual(denial("call.contract_not_allowed", "contract 0x00ABC is not allowed", 1));
  });

  it("leaves other clients unrestricted", () => {
    const request = makeRequest({ calls: [{ contractAddress: "0xabc" }] });
    expect(evaluate({ policy, request, clientId: "other" }).allowed).toBe(true);
  });

  it("allows no contract at all when the list is empty", () => {
    expect(evaluate({ policy: withClient({ allowedContracts: new Set() }) })).toMatchObject({
      ruleId: "call.contract_not_allowed",
    });
  });
});

describe("call.entrypoint_not_allowed", () => {
  const policy = withClient({ allowedSelectors: new Set([sel("swap"), sel("transfer")]) });

  it.each(["swap", "transfer", hex(sel("transfer")), hex64(sel("swap"))])("allows %s", (entrypoint) => {
    expect(evaluate({ policy, request: makeRequest({ calls: [{ entrypoint }] }) }).allowed).toBe(true);
  });

  it.each(["approve", "0x1", hex(sel("approve"))])("denies %s", (entrypoint) => {
    expect(evaluate({ policy, request: makeRequest({ calls: [{ entrypoint }] }) })).toEqual(
      denial("call.entrypoint_not_allowed", `entrypoint ${entrypoint} is not allowed`, 0),
    );
  });

  it("never lets an allowlist override the denylist", () => {
    const open = withClient({ allowedSelectors: new Set([sel("upgrade")]) });
    expect(evaluate({ policy: open, request: makeRequest({ calls: [{ entrypoint: "upgrade" }] }) })).toMatchObject({
      ruleId: "call.denied_selector",
    });
  });
});

describe("order within a call and across calls", () => {
  it("self-call before denylist before contract before entrypoint", () => {
    const policy = withClient({ allowedContracts: new Set([DEX]), allowedSelectors: new Set([sel("swap")]) });
    const one = (contractAddress: string, entrypoint: string) =>
      evaluate({ policy, request: makeRequest({ calls: [{ contractAddress, entrypoint }] }) });
    expect(one("0x1234abcd", "upgrade")).toMatchObject({ ruleId: "call.self_call" });
    expect(one("0xabc", "upgrade")).toMatchObject({ ruleId: "call.denied_selector" });
    expect(one("0xabc", "approve")).toMatchObject({ ruleId: "call.contract_not_allowed" });
    expect(one(DEX_HEX, "approve")).toMatchObject({ ruleId: "call.entrypoint_not_allowed" });
    expect(one(DEX_HEX, "swap").allowed).toBe(true);
  });

  it("denies a request whose last call only is bad, as a whole, naming that call", () => {
    const policy = makePolicy({ spendingLimits: [limit({ maxPerWindow: 10_000n })] });
    const good = [transfer(ALICE, 5n), { entrypoint: "swap" }, transfer(ALICE, 7n), { entrypoint: "deposit" }];
    expect(evaluate({ policy, request: makeRequest({ calls: good }) })).toMatchObject({ allowed: true });
    const bad = [...good, { entrypoint: "set_agent_id" }];
    expect(evaluate({ policy, request: makeRequest({ calls: bad }) })).toEqual(
      denial("call.denied_selector", "denied selector: set_agent_id", 4),
    );
  });

  it("judges every call's rules before any spending rule", () => {
    const policy = makePolicy({ spendingLimits: [limit({ maxPerCall: 1n })] });
    const request = makeRequest({ calls: [transfer(ALICE, 2n), { entrypoint: "upgrade" }] });
    expect(evaluate({ policy, request })).toMatchObject({ ruleId: "call.denied_selector", callIndex: 1 });
  });
});
