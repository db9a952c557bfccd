import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { starkKeyOf } from "@airlock/core/starknet";
import { loadConfig } from "../../src/config/env-config.js";
import { EXAMPLE_HMAC_SECRET, EXAMPLE_SESSION_PUBLIC_KEY } from "../../src/config/example-values.js";

const example = Object.fromEntries(
  readFileSync(new URL("../../.env.example", import.meta.url), "utf8")
    .split("\n")
    .map((l) => /^([A-Z0-9_]+)=(.+)$/.exec(l.trim()))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => [m[1]!, m[2]!]),
);

describe("the public values of .env.example", () => {
  it("are the ones the sidecar recognises", () => {
    expect(example.KEYRING_HMAC_SECRET).toBe(EXAMPLE_HMAC_SECRET);
    expect(starkKeyOf(BigInt(example.SESSION_PRIVATE_KEY!))).toBe(EXAMPLE_SESSION_PUBLIC_KEY);
  });

  it("are refused in production, each named, even with every production requirement met", () => {
    let problems: readonly string[] = [];
    try {
      loadConfig({ ...example, NODE_ENV: "production", KEYRING_ALLOW_INSECURE_IN_PROCESS_KEYS_IN_PRODUCTION: "true" });
    } catch (err) {
      problems = (err as { problems: readonly string[] }).problems;
    }
    expect(problems).toContain("NODE_ENV=production refuses the example KEYRING_HMAC_SECRET from .env.example: it is public");
    expect(problems).toContain("NODE_ENV=production refuses the example SESSION_PRIVATE_KEY from .env.example: it is public");
  });
});
