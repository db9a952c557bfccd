#!/usr/bin/env node
import { parseArgs } from "node:util";
import { runAuditVerify } from "./cli/audit-verify.js";
import { runDev } from "./cli/dev.js";
import { runKeygen } from "./cli/keygen.js";
import { runKeystoreAddExchange } from "./cli/keystore-add-exchange.js";
import { runKmsSeal } from "./cli/kms-seal.js";
import { runKmsUnseal } from "./cli/kms-unseal.js";
import { runProvision } from "./cli/provision.js";
import { runProvisionKeygen } from "./cli/provision-keygen.js";
import { runServe } from "./cli/serve.js";
import { renderOpenApiYaml } from "./openapi-yaml.js";
import { VERSION } from "./version.js";

const PROVISION_USAGE = `airlock-signer provision: upload signing keys to a Nitro sidecar, sealed to its attested enclave key

  --url ORIGIN            the sidecar (https://host:port; http only on a loopback host)
  --trust-file FILE       JSON trust options, as the client's \`nitro\` option: allowedPcrs, rootFingerprintSha256,
                          expectedPolicyHash, registry, ...
  --admin-key-file FILE   the Ed25519 admin private key, PKCS#8 PEM (airlock-signer provision-keygen)
  --keys-file FILE        {"keys": [{"keyId", "privateKey"}], "clients": [{"clientId", "hmacSecret"}],
                           "exchangeAccounts": [{"account", "apiKey", ...}]}
  --ca FILE               CA bundle (PEM) for the sidecar's certificate
  --cert FILE --key FILE  client certificate and key (PEM) when the sidecar requires mTLS
  --json                  one JSON line on stdout

Exit codes: 0 installed; 1 sidecar unreachable or not speaking the contract; 2 usage or a local file;
3 signer not trusted (attestation: nothing uploaded; receipt: outcome unknown); 4 upload refused.
See docs/nitro.md, "Sealed key provisioning".
`;

const KMS_SEAL_USAGE = `airlock-signer kms-seal: seal a Nitro sidecar's keys with AWS KMS, signed by the admin key, for its restarts

  --keys-file FILE        the keys file of \`airlock-signer provision\` (keys, clients, exchangeAccounts)
  --admin-key-file FILE   the Ed25519 admin private key, PKCS#8 PEM (airlock-signer provision-keygen)
  --kms-key-id ARN        the KMS key (its ARN is what the enclave's AIRLOCK_KMS_KEY_ID names)
  --region R              the key's region, e.g. us-east-1
  --endpoint URL          KMS origin (default https://kms.<region>.amazonaws.com; http only to a loopback IP)
  --out FILE              where the signed blob goes (mode 0600; an existing file is never overwritten)
  --json                  one JSON line on stdout

AWS credentials: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN (the operator's role,
allowed kms:GenerateDataKey on the key); nothing else is read.
Exit codes: 0 written; 1 KMS unreachable, failing or answering nonsense; 2 usage or a local file
(nothing asked of KMS); 4 KMS refused. See docs/nitro.md, "Restarts with AWS KMS".
`;

const KMS_UNSEAL_USAGE = `airlock-signer kms-unseal: have a freshly started Nitro sidecar restore its keys from a KMS-sealed blob

  --url ORIGIN            the sidecar (https://host:port; http only on a loopback host)
  --blob FILE             the signed blob \`airlock-signer kms-seal\` wrote
  --trust-file FILE       JSON trust options, as the client's \`nitro\` option: attest the sidecar first
                          (nothing is sent unless it verifies) and verify the answer's receipt
  --ca FILE               CA bundle (PEM) for the sidecar's certificate
  --cert FILE --key FILE  client certificate and key (PEM) when the sidecar requires mTLS
  --json                  one JSON line on stdout

AWS credentials: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN (the instance role's;
the KMS key policy releases the data key only to an enclave with the pinned PCR0); never printed.
Exit codes: 0 installed; 1 sidecar unreachable or not speaking the contract; 2 usage or a local file;
3 signer not trusted (attestation: nothing sent; receipt: outcome unknown); 4 refused; 5 refused for now
(KMS or attestation unavailable, throttled): retry. See docs/nitro.md, "Restarts with AWS KMS".
`;

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
  airlock-signer provision --url ORIGIN --trust-file FILE --admin-key-file FILE --keys-file FILE
                 [--ca FILE] [--cert FILE --key FILE] [--json]
                                            attest a Nitro sidecar, then upload its keys sealed to the attested
                                            enclave key, signed by the admin key (exit 3: not trusted, nothing sent)
  airlock-signer provision-keygen --out FILE [--json]
                                            create the provisioning admin key pair (prints AIRLOCK_ADMIN_PUBLIC_KEY)
  airlock-signer kms-seal --keys-file FILE --admin-key-file FILE --kms-key-id ARN --region R
                 [--endpoint URL] --out FILE [--json]
                                            seal the keys with AWS KMS for enclave restarts, signed by the admin key
  airlock-signer kms-unseal --url ORIGIN --blob FILE [--trust-file FILE] [--ca FILE] [--cert FILE --key FILE] [--json]
                                            have a started Nitro sidecar restore its keys from the sealed blob
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
    case "provision": {
      const { values } = parseArgs({
        args: rest,
        options: {
          url: { type: "string" },
          "trust-file": { type: "string" },
          "admin-key-file": { type: "string" },
          "keys-file": { type: "string" },
          ca: { type: "string" },
          cert: { type: "string" },
          key: { type: "string" },
          json: { type: "boolean" },
          help: { type: "boolean" },
        },
        strict: true,
      });
      if (values.help === true) {
        process.stdout.write(PROVISION_USAGE);
        return 0;
      }
      return runProvision({
        url: values.url,
        trustFile: values["trust-file"],
        adminKeyFile: values["admin-key-file"],
        keysFile: values["keys-file"],
        caFile: values.ca,
        certFile: values.cert,
        keyFile: values.key,
        json: values.json === true,
      });
    }
    case "kms-seal": {
      const { values } = parseArgs({
        args: rest,
        options: {
          "keys-file": { type: "string" },
          "admin-key-file": { type: "string" },
          "kms-key-id": { type: "string" },
          region: { type: "string" },
          endpoint: { type: "string" },
          out: { type: "string" },
          json: { type: "boolean" },
          help: { type: "boolean" },
        },
        strict: true,
      });
      if (values.help === true) {
        process.stdout.write(KMS_SEAL_USAGE);
        return 0;
      }
      return runKmsSeal({
        keysFile: values["keys-file"],
        adminKeyFile: values["admin-key-file"],
        kmsKeyId: values["kms-key-id"],
        region: values.region,
        endpoint: values.endpoint,
        out: values.out,
        json: values.json === true,
      });
    }
    case "kms-unseal": {
      const { values } = parseArgs({
        args: rest,
        options: {
          url: { type: "string" },
          blob: { type: "string" },
          "trust-file": { type: "string" },
          ca: { type: "string" },
          cert: { type: "string" },
          key: { type: "string" },
          json: { type: "boolean" },
          help: { type: "boolean" },
        },
        strict: true,
      });
      if (values.help === true) {
        process.stdout.write(KMS_UNSEAL_USAGE);
        return 0;
      }
      return runKmsUnseal({
        url: values.url,
        blobFile: values.blob,
        trustFile: values["trust-file"],
        caFile: values.ca,
        certFile: values.cert,
        keyFile: values.key,
        json: values.json === true,
      });
    }
    case "provision-keygen": {
      const { values } = parseArgs({ args: rest, options: { out: { type: "string" }, json: { type: "boolean" } }, strict: true });
      return runProvisionKeygen({ out: values.out, json: values.json === true });
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
