import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { EXCHANGE_RULE_IDS } from "../../src/policy/index.js";
import { VENUES } from "../../src/exchange/venue-catalog.js";
import { EXCHANGE_OPERATION_TYPES } from "../../src/config/exchange-policy-schema.js";
import { ExchangeAccountStatus, ExchangeOperation } from "@airlock/core";

const doc = readFileSync(new URL("../../../../docs/exchange.md", import.meta.url), "utf8");

describe("docs/exchange.md", () => {
  it("documents every exchange rule id, in registry order", () => {
    const documented = [...doc.matchAll(/^\| `(exchange\.[a-z_]+)` \|/gm)].map((m) => m[1]);
    expect(documented).toEqual([...EXCHANGE_RULE_IDS]);
  });

  it("documents every default origin of the venue catalog", () => {
    for (const [venue, facts] of Object.entries(VENUES)) {
      for (const url of Object.values(facts.urls)) expect(doc, `${venue} ${url}`).toContain(url);
    }
  });

  it("says that withdrawals, transfers and sub-account moves cannot be signed", () => {
    expect(doc).toContain("**Withdrawals, transfers and sub-account moves cannot be signed.**");
  });
});

describe("operation lists", () => {
  it("the policy schema, the status schema and the wire contract name the same operations", () => {
    const wire = ExchangeOperation.options.flatMap((o) => {
      const type = o.shape.type;
      return "options" in type ? [...(type.options as readonly string[])] : [type.value as string];
    });
    expect([...EXCHANGE_OPERATION_TYPES].sort()).toEqual([...wire].sort());
    expect([...ExchangeAccountStatus.shape.operations.element.options].sort()).toEqual([...wire].sort());
  });
});
