import { describe, expect, it } from "vitest";
import { describePolicy } from "../../src/policy/describe-policy.js";
import { ACCOUNT, ALICE, BOB, DEX, limit, MAINNET, makePolicy, OTHER_TOKEN, SEPOLIA, sel, SISNA_DENIED, TOKEN, TOKEN_HEX, withClient } from "./fixtures.js";

describe("describePolicy", () => {
  it("summarises the defaults for a client without a section", () => {
    expect(describePolicy(makePolicy(), "agent")).toEqual({
      clientId: "agent",
      clientPolicy: false,
      maxValidityWindowSec: 86_400,
      chainIds: "any",
      deniedSelectors: SISNA_DENIED.length,
      allowedKeyIds: "any",
      allowedAccounts: "any",
      allowedContracts: "any",
      allowedSelectors: "any",
      spendingLimits: [],
    });
  });

  it("shows the effective values of a client section, as plain JSON", () => {
    const policy = withClient(
      {
        allowedKeyIds: new Set(["ops"]),
        allowedAccounts: new Set([ACCOUNT]),
        allowedContracts: new Set([DEX, TOKEN]),
        allowedSelectors: new Set([sel("swap"), sel("transfer"), sel("approve")]),
        deniedSelectors: new Set([sel("upgrade"), sel("withdraw_all")]),
        allowedChainIds: new Set([MAINNET, SEPOLIA]),
        maxValidityWindowSec: 600,
      },
      {
        allowedChainIds: new Set([SEPOLIA, 0x1n]),
        spendingLimits: [
          limit({ maxPerCall: 10n ** 18n, maxPerWindow: 5n * 10n ** 18n, allowedRecipients: new Set([ALICE, BOB]) }),
          limit({ keyId: "ops", token: OTHER_TOKEN, maxPerWindow: 7n, windowMs: 60_000 }),
          limit({ keyId: "default", maxPerCall: 1n }),
        ],
      },
    );
    const summary = describePolicy(policy, "agent");
    expect(JSON.parse(JSON.stringify(summary))).toEqual(summary);
    expect(summary).toEqual({
      clientId: "agent",
      clientPolicy: true,
      maxValidityWindowSec: 600,
      chainIds: ["0x534e5f5345504f4c4941"],
      deniedSelectors: SISNA_DENIED.length + 1,
      allowedKeyIds: 1,
      allowedAccounts: 1,
      allowedContracts: 2,
      allowedSelectors: 3,
      spendingLimits: [
        { keyId: "*", token: TOKEN_HEX, maxPerCall: "1000000000000000000", maxPerWindow: "5000000000000000000", windowMs: 86_400_000, allowedRecipients: 2 },
        { keyId: "ops", token: `0x${OTHER_TOKEN.toString(16)}`, maxPerWindow: "7", windowMs: 60_000, allowedRecipients: "any" },
      ],
    });
    // Another client sees the global values and every limit.
    const other = describePolicy(policy, "other");
    expect(other).toMatchObject({ clientPolicy: false, maxValidityWindowSec: 86_400, chainIds: ["0x1", "0x534e5f5345504f4c4941"] });
    expect(other.spendingLimits).toHaveLength(3);
  });

  it("takes the client's chain list alone when the global one is empty, sorted", () => {
    const policy = withClient({ allowedChainIds: new Set([SEPOLIA, MAINNET]) });
    expect(describePolicy(policy, "agent").chainIds).toEqual(["0x534e5f4d41494e", "0x534e5f5345504f4c4941"]);
    expect(describePolicy(withClient({ allowedChainIds: new Set() }), "agent").chainIds).toEqual([]);
  });
});
