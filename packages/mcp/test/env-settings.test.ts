import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { clientFromSettings, ENV_VARS, loadMcpSettings, McpSettingsError, type McpSettings } from "@airlock/mcp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const SECRET = "Sup3r$ecret!-0123456789abcdef";
const HEX_SECRET = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
const URL = "http://127.0.0.1:8545";
const PUBKEY = "0x3a2b1c";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "airlock-mcp-settings-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Writes a file in the temp dir with the given mode and returns its path. */
function file(name: string, content: string | Buffer, mode = 0o600): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  chmodSync(path, mode);
  return path;
}

/** The McpSettingsError that loading `env` throws. */
function failure(env: Record<string, string | undefined>): McpSettingsError {
  try {
    loadMcpSettings(env);
  } catch (err) {
    expect(err).toBeInstanceOf(McpSettingsError);
    return err as McpSettingsError;
  }
  throw new Error("expected the settings to be refused");
}

const variablesOf = (err: McpSettingsError) => err.problems.map((p) => p.variable);

describe("loadMcpSettings: what a valid environment produces", () => {
  it("builds the client options and the operator settings (requester mcp) from the minimum", () => {
    const settings = loadMcpSettings({ AIRLOCK_URL: URL, AIRLOCK_HMAC_SECRET: SECRET, PATH: "/usr/bin", HOME: "/root" });
    expect(settings.client).toEqual({ baseUrl: URL, hmacSecret: SECRET });
    expect(settings.operator).toEqual({ requester: "mcp" });
    expect(settings.warnings).toEqual([]);
    const client = clientFromSettings(settings);
    expect(client.baseUrl).toBe(URL);
    return client.close();
  });

  it("maps every variable onto the client and the operator, and treats an empty variable as unset", () => {
    const settings = loadMcpSettings({
      AIRLOCK_URL: "http://localhost:9000/",
      AIRLOCK_CLIENT_ID: "agent-1",
      AIRLOCK_HMAC_SECRET: SECRET,
      AIRLOCK_KEY_ID: "default",
      AIRLOCK_ACCOUNT_ADDRESS: "0x4A11CE",
      AIRLOCK_CHAIN_ID: "0x534e5f5345504f4c4941",
      AIRLOCK_TIMEOUT_MS: "2500",
      AIRLOCK_EXPECTED_SESSION_PUBLIC_KEYS: JSON.stringify({ default: PUBKEY }),
      AIRLOCK_TLS_CA: "",
    });
    expect(settings.client).toEqual({
      baseUrl: "http://localhost:9000",
      clientId: "agent-1",
      hmacSecret: SECRET,
      keyId: "default",
      timeoutMs: 2500,
      expectedSessionPublicKeys: { default: PUBKEY },
    });
    expect(settings.operator).toEqual({ requester: "mcp", keyId: "default", accountAddress: "0x4A11CE", chainId: "0x534e5f5345504f4c4941" });
    expect(settings.warnings).toEqual([]);
  });
});

describe("loadMcpSettings: refusals", () => {
  it("names a missing AIRLOCK_URL", () => {
    const err = failure({ AIRLOCK_HMAC_SECRET: SECRET });
    expect(err.code).toBe("INVALID_SETTINGS");
    expect(variablesOf(err)).toEqual(["AIRLOCK_URL"]);
    expect(err.message).toContain("AIRLOCK_URL: is not set");
  });

  it("asks for a secret when neither variable is set, and for only one when both are", () => {
    expect(variablesOf(failure({ AIRLOCK_URL: URL }))).toEqual(["AIRLOCK_HMAC_SECRET_FILE"]);
    const both = failure({ AIRLOCK_URL: URL, AIRLOCK_HMAC_SECRET: SECRET, AIRLOCK_HMAC_SECRET_FILE: file("both", SECRET) });
    expect(both.problems).toEqual([{ variable: "AIRLOCK_HMAC_SECRET", message: "and AIRLOCK_HMAC_SECRET_FILE are both set; set only one" }]);
  });

  it("lists every problem at once, one line per problem, each under its variable", () => {
    const err = failure({
      AIRLOCK_URL: "ftp://signer",
      AIRLOCK_CLIENT_ID: "no spaces allowed",
      AIRLOCK_HMAC_SECRET: "short",
      AIRLOCK_KEY_ID: "-leading-dash",
      AIRLOCK_ACCOUNT_ADDRESS: "0x0",
      AIRLOCK_CHAIN_ID: "SN_SEPOLIA",
      AIRLOCK_TIMEOUT_MS: "0",
      AIRLOCK_TLS_PINNED_SPKI_SHA256: "not-a-pin",
      AIRLOCK_EXPECTED_SESSION_PUBLIC_KEYS: "[]",
    });
    expect(variablesOf(err).sort()).toEqual(
      [
        "AIRLOCK_ACCOUNT_ADDRESS",
        "AIRLOCK_CHAIN_ID",
        "AIRLOCK_CLIENT_ID",
        "AIRLOCK_EXPECTED_SESSION_PUBLIC_KEYS",
        "AIRLOCK_HMAC_SECRET",
        "AIRLOCK_KEY_ID",
        "AIRLOCK_TIMEOUT_MS",
        "AIRLOCK_TLS_PINNED_SPKI_SHA256",
        "AIRLOCK_URL",
      ].sort(),
    );
    expect(err.message.split("\n")).toHaveLength(1 + err.problems.length);
    for (const p of err.problems) expect(err.message).toContain(`  ${p.variable}: ${p.message}`);
  });

  it("accepts only a bare http(s) origin as AIRLOCK_URL", () => {
    for (const bad of ["not a url", "ws://127.0.0.1:1", "http://u:p@127.0.0.1:1", "http://127.0.0.1:1/v1", "http://127.0.0.1:1?x=1", "http://127.0.0.1:1/#f"]) {
      expect(variablesOf(failure({ AIRLOCK_URL: bad, AIRLOCK_HMAC_SECRET: SECRET }))).toEqual(["AIRLOCK_URL"]);
    }
    expect(loadMcpSettings({ AIRLOCK_URL: "https://signer.internal:8545", AIRLOCK_HMAC_SECRET: SECRET }).client.baseUrl).toBe("https://signer.internal:8545");
  });

  it("parses the timeout strictly, from 1 to 600000 ms", () => {
    for (const bad of ["0", "600001", "1e3", " 100", "100ms", "-5", "1.5", "0100"]) {
      expect(variablesOf(failure({ AIRLOCK_URL: URL, AIRLOCK_HMAC_SECRET: SECRET, AIRLOCK_TIMEOUT_MS: bad }))).toEqual(["AIRLOCK_TIMEOUT_MS"]);
    }
    expect(loadMcpSettings({ AIRLOCK_URL: URL, AIRLOCK_HMAC_SECRET: SECRET, AIRLOCK_TIMEOUT_MS: "600000" }).client.timeoutMs).toBe(600_000);
  });

  it("checks the pinned session public keys", () => {
    const base = { AIRLOCK_URL: URL, AIRLOCK_HMAC_SECRET: SECRET };
    for (const bad of ["{", "[]", "null", "{}", '{"default":"0x0"}', '{"default":12}', '{"bad id":"0x1"}', '{"__proto__":"0x1"}', '{"k":"0xzz"}']) {
      expect(variablesOf(failure({ ...base, AIRLOCK_EXPECTED_SESSION_PUBLIC_KEYS: bad }))).toContain("AIRLOCK_EXPECTED_SESSION_PUBLIC_KEYS");
    }
  });

  it("refuses an unknown AIRLOCK_ variable (a misspelt one would be silently ignored)", () => {
    const err = failure({ AIRLOCK_URL: URL, AIRLOCK_HMAC_SECRET: SECRET, AIRLOCK_TLS_PINNED_SPKI: "x", "AIRLOCK_lower-case": "y" });
    expect(variablesOf(err)).toEqual(["AIRLOCK_TLS_PINNED_SPKI", "AIRLOCK_*"]);
    expect(err.message).not.toContain("lower-case");
  });

  it("needs https for any TLS variable", () => {
    const err = failure({ AIRLOCK_URL: URL, AIRLOCK_HMAC_SECRET: SECRET, AIRLOCK_TLS_CA: file("ca.pem", "x"), AIRLOCK_TLS_PINNED_SPKI_SHA256: `${"A".repeat(43)}=` });
    expect(err.problems).toEqual([
      { variable: "AIRLOCK_TLS_CA", message: "needs an https AIRLOCK_URL" },
      { variable: "AIRLOCK_TLS_PINNED_SPKI_SHA256", message: "needs an https AIRLOCK_URL" },
    ]);
  });

  it("does not blame the TLS variables for a missing or invalid AIRLOCK_URL", () => {
    const ca = file("ca-no-url.pem", "not a certificate");
    expect(failure({ AIRLOCK_HMAC_SECRET: SECRET, AIRLOCK_TLS_CA: ca }).problems).toEqual([
      { variable: "AIRLOCK_URL", message: "is not set: give the signer's origin, e.g. http://127.0.0.1:8545" },
      { variable: "AIRLOCK_TLS_CA", message: "does not name a PEM certificate file" },
    ]);
  });

  it("warns about plain http to another host, not to this one", () => {
    expect(loadMcpSettings({ AIRLOCK_URL: "http://signer.internal:8545", AIRLOCK_HMAC_SECRET: SECRET }).warnings).toEqual([
      "AIRLOCK_URL: plain http to another host; use https (and AIRLOCK_TLS_CA) off this machine",
    ]);
    for (const local of ["http://127.0.0.1:1", "http://127.1.2.3:1", "http://localhost:1", "http://[::1]:1"]) {
      expect(loadMcpSettings({ AIRLOCK_URL: local, AIRLOCK_HMAC_SECRET: SECRET }).warnings).toEqual([]);
    }
  });
});

describe("loadMcpSettings: the secret file", () => {
  const base = { AIRLOCK_URL: URL };

  it("reads the secret from AIRLOCK_HMAC_SECRET_FILE, without the file's final line break", () => {
    for (const [name, content] of [["lf", `${SECRET}\n`], ["crlf", `${SECRET}\r\n`], ["bare", SECRET]] as const) {
      const settings = loadMcpSettings({ ...base, AIRLOCK_HMAC_SECRET_FILE: file(`secret-${name}`, content) });
      expect(settings.client.hmacSecret).toBe(SECRET);
      expect(settings.warnings).toEqual([]);
    }
  });

  it("warns when the secret file is readable by other users", () => {
    const settings = loadMcpSettings({ ...base, AIRLOCK_HMAC_SECRET_FILE: file("secret-shared", SECRET, 0o644) });
    expect(settings.warnings).toEqual(["AIRLOCK_HMAC_SECRET_FILE: the file is accessible to other users; restrict it (chmod 600)"]);
  });

  it("refuses a missing, non-regular, oversized, non-UTF-8 or malformed secret file, naming the variable only", () => {
    mkdirSync(join(dir, "a-directory"), { recursive: true });
    const cases: Array<[string, string]> = [
      [join(dir, "does-not-exist"), "cannot be opened (ENOENT)"],
      [join(dir, "a-directory"), "does not name a regular file"],
      [file("secret-big", "a".repeat(8193)), "names a file larger than 8192 bytes"],
      [file("secret-latin1", Buffer.from([0x61, 0xff, 0x62])), "names a file that is not UTF-8 text"],
      [file("secret-short", "too-short\n"), "the secret in the file must be 16 to 4096 characters"],
      [file("secret-two-lines", `${SECRET}\n\n`), "the secret in the file contains a line break or another control character"],
      [file("secret-spaces", ` ${SECRET}`), "the secret in the file has leading or trailing whitespace"],
    ];
    for (const [path, message] of cases) {
      const err = failure({ ...base, AIRLOCK_HMAC_SECRET_FILE: path });
      expect(err.problems).toEqual([{ variable: "AIRLOCK_HMAC_SECRET_FILE", message }]);
      expect(err.message).not.toContain(dir);
    }
  });
});

describe("no secret, value or path in an error", () => {
  it("never repeats what a variable holds, whichever variable the secret was pasted into", () => {
    const secretPath = join(dir, SECRET.replace(/[$!]/g, "_"));
    const attempts: Array<Record<string, string>> = [
      { AIRLOCK_URL: SECRET, AIRLOCK_HMAC_SECRET: SECRET },
      { AIRLOCK_URL: `http://agent:${encodeURIComponent(SECRET)}@127.0.0.1:1`, AIRLOCK_HMAC_SECRET: `${SECRET}\n` },
      { AIRLOCK_URL: `http://127.0.0.1:1/${SECRET}`, AIRLOCK_HMAC_SECRET: ` ${SECRET}` },
      { AIRLOCK_URL: URL, AIRLOCK_HMAC_SECRET: `${SECRET}`.repeat(200) },
      { AIRLOCK_URL: URL, AIRLOCK_HMAC_SECRET: SECRET.slice(0, 12), AIRLOCK_CLIENT_ID: SECRET, AIRLOCK_KEY_ID: SECRET },
      { AIRLOCK_URL: URL, AIRLOCK_HMAC_SECRET_FILE: secretPath, AIRLOCK_ACCOUNT_ADDRESS: SECRET, AIRLOCK_CHAIN_ID: SECRET },
      { AIRLOCK_URL: URL, AIRLOCK_HMAC_SECRET: SECRET, AIRLOCK_TIMEOUT_MS: SECRET, AIRLOCK_TLS_PINNED_SPKI_SHA256: `${SECRET},${SECRET}` },
      { AIRLOCK_URL: "https://x:1", AIRLOCK_HMAC_SECRET: SECRET, AIRLOCK_TLS_CA: secretPath, AIRLOCK_TLS_CERT: secretPath, AIRLOCK_TLS_KEY: secretPath },
      { AIRLOCK_URL: URL, AIRLOCK_HMAC_SECRET: SECRET, AIRLOCK_EXPECTED_SESSION_PUBLIC_KEYS: `{"k": ${SECRET}}` },
      { AIRLOCK_URL: URL, AIRLOCK_HMAC_SECRET: SECRET, AIRLOCK_EXPECTED_SESSION_PUBLIC_KEYS: JSON.stringify({ [SECRET]: "0x1", k: SECRET }) },
      { AIRLOCK_URL: URL, AIRLOCK_HMAC_SECRET_FILE: file("short-secret", SECRET.slice(0, 14)) },
      // A hex secret is a valid key id: pasted as one, it must not be echoed either.
      { AIRLOCK_URL: URL, AIRLOCK_HMAC_SECRET: SECRET, AIRLOCK_EXPECTED_SESSION_PUBLIC_KEYS: JSON.stringify({ [HEX_SECRET]: "0x0" }) },
      { AIRLOCK_URL: URL, AIRLOCK_HMAC_SECRET: SECRET, AIRLOCK_EXPECTED_SESSION_PUBLIC_KEYS: JSON.stringify({ k: HEX_SECRET.repeat(2) }) },
      { AIRLOCK_URL: URL, AIRLOCK_HMAC_SECRET: HEX_SECRET, AIRLOCK_KEY_ID: `${HEX_SECRET}!`, AIRLOCK_CLIENT_ID: `${HEX_SECRET}!` },
    ];
    const fragments = [HEX_SECRET.slice(0, 40), SECRET, SECRET.slice(0, 12), SECRET.slice(8), SECRET.slice(0, 14), encodeURIComponent(SECRET), "0123456789abcdef", "Sup3r"];
    for (const env of attempts) {
      const err = failure(env);
      expect(err.problems.length).toBeGreaterThan(0);
      expect(err.cause).toBeUndefined();
      const shown = [err.message, String(err), JSON.stringify(err), JSON.stringify(err.problems), err.stack ?? ""].join("\n");
      for (const fragment of fragments) expect(shown).not.toContain(fragment);
    }
  });

  it("reports a client option refused by AirlockClient under its variable", () => {
    const refused = (client: McpSettings["client"]) => {
      try {
        clientFromSettings({ client, operator: {}, warnings: [] });
      } catch (err) {
        expect(err).toBeInstanceOf(McpSettingsError);
        return (err as McpSettingsError).problems;
      }
      throw new Error("expected a refusal");
    };
    const short = refused({ baseUrl: URL, hmacSecret: "short" });
    expect(short).toEqual([{ variable: `${ENV_VARS.hmacSecret} / ${ENV_VARS.hmacSecretFile}`, message: expect.stringContaining("hmacSecret must be") }]);
    expect(JSON.stringify(short)).not.toContain('"short"');
    expect(refused({ baseUrl: `${URL}/path`, hmacSecret: SECRET })[0]?.variable).toBe("AIRLOCK_URL");
    expect(refused({ baseUrl: URL, hmacSecret: SECRET, timeoutMs: 0 })[0]?.variable).toBe("AIRLOCK_TIMEOUT_MS");
  });
});
