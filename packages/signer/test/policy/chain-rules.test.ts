import { describe, expect, it } from "vitest";
import { denial, evaluate, MAINNET, makePolicy, makeRequest, SEPOLIA, withClient } from "./fixtures.js";

describe("chain.not_allowed", () => {
  it("allows any chain when neither the global nor the client list is set", () => {
    expect(evaluate({ request: makeRequest({ chainId: "0x1" }) }).allowed).toBe(true);
  });

  const SEPOLIA_SPELLINGS = [
    "0x534e5f5345504f4c4941",
    "0x534E5F5345504F4C4941",
    "0x0000000000534e5f5345504f4c4941",
    SEPOLIA.toString(10),
    `00${SEPOLIA.toString(10)}`,
  ];
  it.each(SEPOLIA_SPELLINGS)("matches the allowlist with chainId %s (felt-normalised)", (chainId) => {
    const policy = makePolicy({ allowedChainIds: new Set([SEPOLIA]) });
    expect(evaluate({ policy, request: makeRequest({ chainId }) }).allowed).toBe(true);
  });

  it.each(["0x534E5F4D41494E", MAINNET.toString(10), "0x00534e5f4d41494e"])(
    "denies chainId %s with SISNA's text, repeating it as sent",
    (chainId) => {
      const policy = makePolicy({ allowedChainIds: new Set([SEPOLIA]) });
      expect(evaluate({ policy, request: makeRequest({ chainId }) })).toEqual(
        denial("chain.not_allowed", `chainId ${chainId} is not allowed`),
      );
    },
  );

  const S = (...c: bigint[]) => new Set(c);
  const cases: [global: Set<bigint>, client: Set<bigint> | undefined, chain: bigint, allowed: boolean][] = [
    [S(SEPOLIA, MAINNET), S(SEPOLIA), SEPOLIA, true],
    [S(SEPOLIA, MAINNET), S(SEPOLIA), MAINNET, false],
    [S(), S(MAINNET), MAINNET, true],
    [S(), S(MAINNET), SEPOLIA, false],
    [S(SEPOLIA), S(MAINNET), SEPOLIA, false],
    [S(SEPOLIA), S(MAINNET), MAINNET, false],
    [S(SEPOLIA), undefined, SEPOLIA, true],
    [S(), S(), SEPOLIA, false],
  ];
  it.each(cases)("global %o ∩ client %o, chain %s → allowed %s", (global, client, chain, allowed) => {
    const policy = withClient(client === undefined ? {} : { allowedChainIds: client }, { allowedChainIds: global });
    const chainId = `0x${chain.toString(16)}`;
    const decision = evaluate({ policy, request: makeRequest({ chainId }) });
    if (allowed) expect(decision.allowed).toBe(true);
    else expect(decision).toEqual(denial("chain.not_allowed", `chainId ${chainId} is not allowed`));
  });
});
