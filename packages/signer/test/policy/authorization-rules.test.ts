import { describe, expect, it } from "vitest";
import { ACCOUNT, denial, evaluate, makeAuthClient, makeRequest, withClient } from "./fixtures.js";

describe("key.unknown", () => {
  it("denies a key the provider does not hold, with SISNA's text", () => {
    expect(evaluate({ keyId: "ghost" })).toEqual(denial("key.unknown", "Unknown keyId: ghost"));
  });

  it("is checked before the client's key allowlist", () => {
    const authClient = makeAuthClient({ allowedKeyIds: new Set(["default"]) });
    expect(evaluate({ keyId: "ghost", authClient })).toMatchObject({ ruleId: "key.unknown" });
  });

  it("allows a known key", () => {
    expect(evaluate({ keyId: "ops" })).toEqual({ allowed: true, charges: [] });
  });
});

describe("key.not_allowed: the environment's and the policy file's lists both apply", () => {
  const S = (...ids: string[]) => new Set(ids);
  const cases: [env: Set<string> | undefined, file: Set<string> | undefined, keyId: string, allowed: boolean][] = [
    [undefined, undefined, "ops", true],
    [S("ops"), undefined, "ops", true],
    [S("ops"), undefined, "default", false],
    [undefined, S("ops"), "ops", true],
    [undefined, S("ops"), "treasury", false],
    [S("ops", "default"), S("ops", "treasury"), "ops", true],
    [S("ops", "default"), S("ops", "treasury"), "default", false],
    [S("ops", "default"), S("ops", "treasury"), "treasury", false],
    [S(), undefined, "default", false],
    [undefined, S(), "default", false],
  ];
  it.each(cases)("env %o, policy file %o, key %s → allowed %s", (env, file, keyId, allowed) => {
    const authClient = makeAuthClient(env === undefined ? {} : { allowedKeyIds: env });
    const policy = withClient(file === undefined ? {} : { allowedKeyIds: file });
    const decision = evaluate({ keyId, authClient, policy });
    if (allowed) expect(decision.allowed).toBe(true);
    else expect(decision).toEqual(denial("key.not_allowed", `client agent is not allowed to use keyId ${keyId}`));
  });

  it("applies a policy-file section only to the client it names", () => {
    const policy = withClient({ allowedKeyIds: new Set(["ops"]) }, {}, "other");
    expect(evaluate({ keyId: "default", policy }).allowed).toBe(true);
    expect(evaluate({ keyId: "default", policy, clientId: "other" })).toEqual(
      denial("key.not_allowed", "client other is not allowed to use keyId default"),
    );
  });
});

describe("account.not_allowed", () => {
  const ALLOWED = new Set([ACCOUNT]);

  it.each(["0x1234abcd", "0x1234ABCD", "0x000000001234abcd", `0x${"0".repeat(56)}1234AbCd`])(
    "matches the allowed account spelled %s (felt-normalised)",
    (accountAddress) => {
      const request = makeRequest({ accountAddress });
      expect(evaluate({ request, authClient: makeAuthClient({ allowedAccounts: ALLOWED }) }).allowed).toBe(true);
      expect(evaluate({ request, policy: withClient({ allowedAccounts: ALLOWED }) }).allowed).toBe(true);
    },
  );

  it("denies another account with SISNA's text, repeating the address as sent", () => {
    const request = makeRequest({ accountAddress: "0x0000BEEF" });
    const expected = denial("account.not_allowed", "client agent is not allowed to sign for account 0x0000BEEF");
    expect(evaluate({ request, authClient: makeAuthClient({ allowedAccounts: ALLOWED }) })).toEqual(expected);
    expect(evaluate({ request, policy: withClient({ allowedAccounts: ALLOWED }) })).toEqual(expected);
  });

  const cases: [env: bigint[] | undefined, file: bigint[] | undefined, allowed: boolean][] = [
    [undefined, undefined, true],
    [[ACCOUNT, 0xbeefn], [ACCOUNT], true],
    [[0xbeefn], [ACCOUNT], false],
    [[ACCOUNT], [0xbeefn], false],
    [[], undefined, false],
    [undefined, [], false],
  ];
  it.each(cases)("env %o, policy file %o → allowed %s", (env, file, allowed) => {
    const authClient = makeAuthClient(env === undefined ? {} : { allowedAccounts: new Set(env) });
    const policy = withClient(file === undefined ? {} : { allowedAccounts: new Set(file) });
    expect(evaluate({ authClient, policy }).allowed).toBe(allowed);
  });

  it("comes after the key checks", () => {
    const authClient = makeAuthClient({ allowedKeyIds: new Set(["ops"]), allowedAccounts: new Set([0xbeefn]) });
    expect(evaluate({ keyId: "default", authClient })).toMatchObject({ ruleId: "key.not_allowed" });
    expect(evaluate({ keyId: "ops", authClient })).toMatchObject({ ruleId: "account.not_allowed" });
  });
});
