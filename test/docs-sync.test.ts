import { ERROR_CODES } from "@airlock/core";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { renderOpenApiYaml } from "../packages/signer/src/openapi-yaml.js";

const docs = (name: string) => readFileSync(new URL(`../docs/${name}`, import.meta.url), "utf8");

describe("documentation generated from or checked against the code", () => {
  it("docs/openapi.yaml is what the zod schemas generate (run `npm run openapi` after changing them)", () => {
    expect(docs("openapi.yaml")).toBe(renderOpenApiYaml());
  });

  it("docs/errors.md lists exactly the registered error codes, with their status and message", () => {
    const rows = [...docs("errors.md").matchAll(/^\| `([A-Z_]+)` \| (\d{3}) \| ([^|]+) \|/gm)].map((m) => [m[1], Number(m[2]), m[3]!.trim()]);
    const registry = Object.entries(ERROR_CODES).map(([code, { status, message }]) => [code, status, message]);
    expect(rows).toEqual(registry);
  });
});

describe("docs/policy.md", () => {
  it("documents every rule id of the policy registry", async () => {
    const { POLICY_RULE_IDS } = await import("../packages/signer/src/policy/index.js");
    const documented = new Set([...docs("policy.md").matchAll(/^\| `([a-z_.]+)` \|/gm)].map((m) => m[1]));
    for (const id of POLICY_RULE_IDS) expect(documented.has(id), id).toBe(true);
  });
});
