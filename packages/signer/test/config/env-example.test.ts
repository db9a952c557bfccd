import { describe, expect, it } from "vitest";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseEnv } from "node:util";
import { loadConfig } from "../../src/config/env-config.js";

const EXAMPLE = fileURLToPath(new URL("../../.env.example", import.meta.url));
const POLICY = fileURLToPath(new URL("../../examples/policy.example.yaml", import.meta.url));
/** The example exactly as `node --env-file` reads it. */
const env = parseEnv(readFileSync(EXAMPLE, "utf8"));

describe(".env.example", () => {
  it("starts as shipped (SISNA's does not: its HMAC secret is under 16 characters)", () => {
    const config = loadConfig(env);
    expect(config.production).toBe(false);
    expect(config.signer.provider.kind).toBe("local");
    expect(config.signer.provider.keyIds()).toEqual(["default"]);
    expect(config.leakScanner.enabled).toBe(true);
    expect(config.stores.rateLimit.enabled).toBe(true);
  });

  it("starts with the example policy file", () => {
    const config = loadConfig({ ...env, KEYRING_POLICY_FILE: POLICY });
    expect(config.policy.clients.has("default")).toBe(true);
  });

  it("names every variable loadConfig reads", () => {
    const dir = fileURLToPath(new URL("../../src/config/", import.meta.url));
    const source = readdirSync(dir)
      .filter((f) => f.endsWith(".ts"))
      .map((f) => readFileSync(join(dir, f), "utf8"))
      .join("\n");
    const read = new Set([...source.matchAll(/"((?:KEYRING|SESSION)_[A-Z_]+|PORT|HOST|LOG_LEVEL|NODE_ENV)"/g)].map((m) => m[1]));
    const missing = [...read].filter((name) => name !== undefined && !(name in env));
    expect(missing).toEqual([]);
    expect(read.size).toBeGreaterThan(40);
  });
});
