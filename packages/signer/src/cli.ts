#!/usr/bin/env node
import { parseArgs } from "node:util";
import { runAuditVerify } from "./cli/audit-verify.js";
import { runDev } from "./cli/dev.js";
import { runKeygen } from "./cli/keygen.js";
import { runKeystoreAddExchange } from "./cli/keystore-add-exchange.js";
import { runServe } from "./cli/serve.js";
import { renderOpenApiYaml } from "./openapi-yaml.js";
import { VERSION } from "./version.js";

const USAGE = `airlock-signer ${VERSION}: the Airlock signer sidecar

Usage:
  airlock-signer serve                      serve with the configuration in the environment (KEYRING_*, PORT, HOST, ...)
  airlock-signer dev [--port N] [--json]    development mode: 127.0.0.1, memory stores, a throwaway key and client secret
  airlock-signer keygen --keystore FILE --passphrase-file FILE [--key-id ID]
                                            create a Stark key in an encrypted keystore (created if missing)
  airlock-signer keystore add-exchange --keystore FILE --passphrase-file FILE --account ID
                 --venue V --environment testnet|live [--credentials-file FILE]
                                            add an exchange account to an encrypted keystore (created if missing);
                                            the credential JSON is read from the file or from stdin
  airlock-signer audit verify FILE          check the hash chain of an audit log; names the first broken record
  airlock-signer openapi                    print the OpenAPI document
  airlock-signer --version | --help
`;

async function main(argv: string[]): Promise<number> {
  const [verb, ...rest] = argv;
  switch (verb) {
    case "serve":
      parseArgs({ args: rest, options: {}, strict: true });
      return runServe(process.env);
    case "dev": {
      const { values } = parseArgs({ args: rest, options: { port: { type: "string" }, json: { type: "boolean" } }, strict: true });
      return runDev(process.env, { port: values.port, json: values.json === true });
    }
    case "keygen": {
      const { values } = parseArgs({
        args: rest,
        options: { keystore: { type: "string" }, "passphrase-file": { type: "string" }, "key-id": { type: "string" } },
        strict: true,
      });
      return runKeygen({ keystore: values.keystore, passphraseFile: values["passphrase-file"], keyId: values["key-id"] });
    }
    case "keystore": {
      const { values, positionals } = parseArgs({
        args: rest,
        options: {
          keystore: { type: "string" },
          "passphrase-file": { type: "string" },
          account: { type: "string" },
          venue: { type: "string" },
          environment: { type: "string" },
          "credentials-file": { type: "string" },
        },
        allowPositionals: true,
        strict: true,
      });
      if (positionals.length !== 1 || positionals[0] !== "add-exchange") break;
      return runKeystoreAddExchange({
        keystore: values.keystore,
        passphraseFile: values["passphrase-file"],
        account: values.account,
        venue: values.venue,
        environment: values.environment,
        credentialsFile: values["credentials-file"],
      });
    }
    case "audit": {
      const { positionals } = parseArgs({ args: rest, options: {}, allowPositionals: true, strict: true });
      if (positionals[0] !== "verify" || positionals.length !== 2) break;
      return runAuditVerify(positionals[1]!);
    }
    case "openapi":
      process.stdout.write(renderOpenApiYaml());
      return 0;
    case "--version":
      process.stdout.write(`${VERSION}\n`);
      return 0;
    case "--help":
    case "help":
    case undefined:
      process.stdout.write(USAGE);
      return verb === undefined ? 2 : 0;
  }
  process.stderr.write(`airlock-signer: unknown command\n\n${USAGE}`);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => {
    // serve and dev return 0 once listening; the open server keeps the process alive.
    process.exitCode = code;
  },
  (err: unknown) => {
    // Usage errors from parseArgs are safe to print; anything else is reported by name only.
    const msg = err instanceof Error && (err as { code?: string }).code?.startsWith("ERR_PARSE_ARGS") ? err.message : String((err as Error)?.name ?? err);
    process.stderr.write(`airlock-signer: ${msg}\n`);
    process.exitCode = 2;
  },
);
