// The measured, non-secret configuration of the enclave: a directory baked into the image at
// /etc/airlock (Dockerfile stage `enclave-config`), so it is part of PCR0 and a client that
// pins PCR0 pins it too. It holds `enclave.env` and the files that file names (the policy file,
// the provisioning admin's public key), nothing else. Secrets never go there: anyone with the
// EIF (published so others can check PCR0) could read them. HMAC client secrets, signing keys
// and exchange credentials arrive sealed after boot (`airlock-signer provision --help`).
//
// enclave.env, strictly: UTF-8, at most 64 KiB; one `NAME=value` per line (no spaces around
// `=`, no quotes, no `export`, no escapes: the value is the rest of the line, taken literally);
// blank lines and lines starting with `#` are skipped. Only the names in ENCLAVE_SETTINGS are
// accepted; a name that looks like a secret (SECRET, PRIVATE_KEY, TOKEN, PASSPHRASE, PASSWORD)
// or is one of the sidecar's secret-bearing variables is refused with its own message. File
// settings name a file of the same directory, as a bare name (`policy.yaml`) or as its path in
// the image (`/etc/airlock/policy.yaml`). JSON declarations (clients, exchange accounts) are
// accepted only without any field named like a secret. Problems name the line and the
// variable, never a value.
//
// Build time (the image build fails on any problem):  node enclave-config.mjs check <dir>
import { existsSync, lstatSync, readFileSync, readdirSync, realpathSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** Where the image holds the configuration. */
export const ENCLAVE_CONFIG_DIR = "/etc/airlock";
export const ENCLAVE_ENV_FILE = "enclave.env";
export const MAX_ENCLAVE_ENV_BYTES = 64 * 1024;
/** Largest other file in the directory (a policy file is far smaller). */
export const MAX_CONFIG_FILE_BYTES = 1024 * 1024;
const MAX_SETTINGS = 64;
const MAX_DIR_ENTRIES = 16;
const MAX_DECLARATIONS = 256;
/** A value containing this is an unfilled placeholder of the example (config.example/). */
export const PLACEHOLDER_MARK = "REPLACE-ME";

/**
 * The settings enclave.env may hold, by kind: "text" (passed as is), "file" (a file of the
 * configuration directory, passed as its absolute path), "declarations" (a JSON array of
 * objects without any secret-named field) and "url" (passed as is, refused when it carries
 * credentials; the sidecar checks the rest at boot). None of them is a secret. Deliberately absent: what
 * the image fixes (NODE_ENV, AIRLOCK_BACKEND, the attestation source, HOST, PORT, the memory
 * stores, LOG_LEVEL), transport settings (a TLS key is a secret) and the audit file (the audit
 * log leaves on its vsock channel).
 */
export const ENCLAVE_SETTINGS = Object.freeze({
  // Policy: the file, and the env policy it refines.
  KEYRING_POLICY_FILE: "file",
  KEYRING_MAX_VALIDITY_WINDOW_SEC: "text",
  KEYRING_ALLOWED_CHAIN_IDS: "text",
  // Clients: ids and allowlists; their HMAC secrets arrive sealed.
  KEYRING_DEFAULT_AUTH_CLIENT_ID: "text",
  KEYRING_AUTH_CLIENTS_JSON: "declarations",
  KEYRING_MAX_SKEW_MS: "text",
  KEYRING_NONCE_TTL_MS: "text",
  // Keys and exchange accounts: ids and declarations; the secrets arrive sealed.
  KEYRING_DEFAULT_KEY_ID: "text",
  AIRLOCK_PROVISIONED_KEY_IDS: "text",
  KEYRING_EXCHANGE_ACCOUNTS_JSON: "declarations",
  // The provisioning admin's Ed25519 public key (one of the two).
  AIRLOCK_ADMIN_PUBLIC_KEY: "text",
  AIRLOCK_ADMIN_PUBLIC_KEY_FILE: "file",
  // Limits and switches.
  KEYRING_RATE_LIMIT_WINDOW_MS: "text",
  KEYRING_RATE_LIMIT_MAX_REQUESTS: "text",
  KEYRING_LEAK_SCANNER_ENABLED: "text",
  KEYRING_LEAK_SCANNER_ACTION: "text",
  KEYRING_METRICS_ENABLED: "text",
  // Restarts with AWS KMS: the key a sealed blob may name, where KMS is, and the enclave's way
  // out to it (the KMS forwarder the supervisor starts). None is a secret: the AWS credentials
  // arrive with each kms-unseal request.
  AIRLOCK_KMS_KEY_ID: "text",
  AIRLOCK_KMS_REGION: "text",
  AIRLOCK_KMS_ENDPOINT: "url",
  AIRLOCK_KMS_CONNECT_PORT: "text",
  AIRLOCK_KMS_VSOCK_PORT: "text",
});

/** Names that look like secrets: refused whatever the allowlist says. */
export const SECRET_NAME = /SECRET|PRIVATE_KEY|TOKEN|PASSPHRASE|PASSWORD/;

/**
 * The sidecar's secret-bearing variables (packages/signer/src/config/secret-files.ts and
 * .env.example) whose names the pattern above does not catch, and their `_FILE` variants.
 */
export const SECRET_VARIABLES = Object.freeze([
  "KEYRING_AUTH_CLIENTS_JSON_FILE",
  "KEYRING_SIGNING_KEYS_JSON",
  "KEYRING_SIGNING_KEYS_JSON_FILE",
  "KEYRING_EXCHANGE_ACCOUNTS_JSON_FILE",
  "KEYRING_DFNS_USER_ACTION_SIGNATURE",
  "KEYRING_DFNS_USER_ACTION_SIGNATURE_FILE",
  "KEYRING_KEYSTORE_PATH",
  "KEYRING_TLS_KEY_PATH",
]);

/** Field names that hold secrets in a JSON declaration (hmacSecret, apiKey, apiSecret, passphrase, privateKey…). */
const SECRET_FIELD = /secret|private|passphrase|password|token|api_?key|signature|mnemonic|seed/i;
const NAME_LINE = /^([A-Z][A-Z0-9_]{0,63})=(.*)$/;
const FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
// Control characters (tab, CR, DEL included) have no place in a one-line value.
const CONTROL = /[\u0000-\u001f\u007f]/;
const PEM_PRIVATE = /PRIVATE KEY/;
// A URL's authority with userinfo (`scheme://user:password@host`): credentials.
const URL_USERINFO = /^[^:/?#]*:\/\/[^/?#]*@/;

// The allowlist must never let a secret-looking name through, whatever is added to it later.
for (const name of Object.keys(ENCLAVE_SETTINGS)) {
  if (SECRET_NAME.test(name) || SECRET_VARIABLES.includes(name)) throw new Error(`enclave-config: ${name} is both allowed and secret`);
}

/** Everything wrong with an enclave configuration; `problems` never quote a value. */
export class EnclaveConfigError extends Error {
  /** @param {string[]} problems */
  constructor(problems) {
    super(problems.join("; "));
    this.name = "EnclaveConfigError";
    this.code = "ENCLAVE_CONFIG";
    this.problems = problems;
  }
}

/** Whether `name` is refused as a secret. */
export function isSecretName(name) {
  return SECRET_NAME.test(name) || SECRET_VARIABLES.includes(name);
}

/**
 * The first secret-named field of a list of declarations, as `NAME[i].field`. Only the entries'
 * own fields are looked at: the sidecar's schemas for both lists are closed and every secret
 * field in them is a field of the entry (nested values are ids, addresses and asset symbols).
 * @param {string} name @param {Record<string, unknown>[]} entries @returns {string | undefined}
 */
function secretFieldIn(name, entries) {
  for (let i = 0; i < entries.length; i++) {
    for (const key of Object.keys(entries[i])) {
      // The key is echoed only when it is a plain identifier.
      if (SECRET_FIELD.test(key)) return `${name}[${i}].${/^[A-Za-z0-9_]{1,64}$/.test(key) ? key : "(a field)"}`;
    }
  }
  return undefined;
}

/**
 * Checks one value for its kind; returns a problem or undefined.
 * @param {string} name @param {string} value @param {number} line
 */
function valueProblem(name, value, line) {
  const at = `enclave.env line ${line}: ${name}`;
  if (value === "") return `${at} is empty (leave the line out to leave it unset)`;
  if (CONTROL.test(value)) return `${at} contains a control character`;
  if (value.trim() !== value) return `${at} starts or ends with whitespace`;
  if (value.startsWith('"') || value.startsWith("'")) return `${at} is quoted: values are taken literally, without quotes`;
  if (value.includes(PLACEHOLDER_MARK)) return `${at} is still the example's placeholder (${PLACEHOLDER_MARK}): fill it in`;
  if (PEM_PRIVATE.test(value)) return `${at} contains a private key: secrets never go into the image`;
  const kind = ENCLAVE_SETTINGS[name];
  if (kind === "file") {
    const name = fileNameOf(value);
    if (!FILE_NAME.test(name) || name === ENCLAVE_ENV_FILE) return `${at} must name a file of the configuration directory (policy.yaml or ${ENCLAVE_CONFIG_DIR}/policy.yaml)`;
  } else if (kind === "url") {
    // Only what the image must never hold; https with NODE_ENV=production and the URL's shape
    // are the sidecar's own checks at boot (it refuses to start otherwise).
    if (URL_USERINFO.test(value)) return `${at} carries credentials (user:password@): secrets never go into the image`;
  } else if (kind === "declarations") {
    let parsed;
    try {
      parsed = JSON.parse(value);
    } catch {
      return `${at} is not JSON`;
    }
    if (!Array.isArray(parsed) || parsed.length === 0 || parsed.length > MAX_DECLARATIONS || !parsed.every((e) => typeof e === "object" && e !== null && !Array.isArray(e))) {
      return `${at} must be a JSON array of 1 to ${MAX_DECLARATIONS} objects`;
    }
    const secret = secretFieldIn(name, parsed);
    if (secret !== undefined) return `${at} declares a secret field (${secret}): secrets arrive sealed after boot, never in the image`;
  }
  return undefined;
}

/** The file name a file setting names: itself, or what follows the image's configuration directory. */
function fileNameOf(value) {
  const prefix = `${ENCLAVE_CONFIG_DIR}/`;
  return value.startsWith(prefix) ? value.slice(prefix.length) : value;
}

/**
 * Parses the text of enclave.env. Returns the settings in file order; throws EnclaveConfigError
 * with every problem at once.
 * @param {string} text @returns {Readonly<Record<string, string>>}
 */
export function parseEnclaveEnv(text) {
  const problems = [];
  if (Buffer.byteLength(text, "utf8") > MAX_ENCLAVE_ENV_BYTES) throw new EnclaveConfigError([`enclave.env is larger than ${MAX_ENCLAVE_ENV_BYTES} bytes`]);
  if (text.includes("\r")) throw new EnclaveConfigError(["enclave.env has CR characters: use Unix line ends"]);
  /** @type {Record<string, string>} */
  const settings = Object.create(null);
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  lines.forEach((raw, i) => {
    const line = i + 1;
    if (raw === "" || raw.startsWith("#")) return;
    const m = NAME_LINE.exec(raw);
    if (!m) {
      problems.push(`enclave.env line ${line} is not NAME=value (upper-case name, no spaces, no export)`);
      return;
    }
    const [, name, value] = /** @type {[string, string, string]} */ (m);
    if (isSecretName(name)) {
      problems.push(`enclave.env line ${line}: ${name} is a secret: secrets never go into the image (anyone with the EIF can read it); they arrive sealed after boot (airlock-signer provision --help)`);
      return;
    }
    if (!Object.hasOwn(ENCLAVE_SETTINGS, name)) {
      problems.push(`enclave.env line ${line}: ${name} is not a setting of the enclave configuration (allowed: ${Object.keys(ENCLAVE_SETTINGS).join(", ")})`);
      return;
    }
    if (Object.hasOwn(settings, name)) {
      problems.push(`enclave.env line ${line}: ${name} is set twice`);
      return;
    }
    const problem = valueProblem(name, value, line);
    if (problem !== undefined) problems.push(problem);
    else settings[name] = value;
  });
  if (Object.keys(settings).length > MAX_SETTINGS) problems.push(`enclave.env sets more than ${MAX_SETTINGS} variables`);
  if (problems.length > 0) throw new EnclaveConfigError(problems);
  return Object.freeze({ ...settings });
}

/**
 * Reads a configuration directory: enclave.env and the files it names, each a regular file (no
 * link), and nothing else in the directory. Returns the sidecar's variables (file settings as
 * absolute paths) and the file names. Throws EnclaveConfigError.
 * @param {string} dir absolute path
 * @returns {{ readonly vars: Readonly<Record<string, string>>, readonly files: readonly string[] }}
 */
export function readEnclaveConfig(dir) {
  const regular = (path, max, label) => {
    let st;
    try {
      st = lstatSync(path);
    } catch (err) {
      throw new EnclaveConfigError([`${label} could not be read (${err?.code ?? "error"})`]);
    }
    if (!st.isFile()) throw new EnclaveConfigError([`${label} must be a regular file (not a link or a directory)`]);
    if (st.size > max) throw new EnclaveConfigError([`${label} is larger than ${max} bytes`]);
  };
  let dirStat;
  try {
    dirStat = lstatSync(dir);
  } catch (err) {
    throw new EnclaveConfigError([`the configuration directory could not be read (${err?.code ?? "error"})`]);
  }
  if (!dirStat.isDirectory()) throw new EnclaveConfigError(["the configuration directory must be a directory (not a link)"]);
  const envPath = join(dir, ENCLAVE_ENV_FILE);
  if (!existsSync(envPath)) {
    throw new EnclaveConfigError(["the configuration directory has no enclave.env (the image build takes the directory as --build-context enclave-config=<dir>: build-eif.sh --config <dir>)"]);
  }
  regular(envPath, MAX_ENCLAVE_ENV_BYTES, ENCLAVE_ENV_FILE);
  let text;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(readFileSync(envPath));
  } catch {
    throw new EnclaveConfigError(["enclave.env is not UTF-8"]);
  }
  const settings = parseEnclaveEnv(text);

  const problems = [];
  const vars = {};
  const files = [ENCLAVE_ENV_FILE];
  for (const [name, setting] of Object.entries(settings)) {
    if (ENCLAVE_SETTINGS[name] !== "file") {
      vars[name] = setting;
      continue;
    }
    const value = fileNameOf(setting);
    try {
      regular(join(dir, value), MAX_CONFIG_FILE_BYTES, `${name} (${value})`);
      // A private key in a named file is refused like one in a value.
      if (PEM_PRIVATE.test(readFileSync(join(dir, value), "latin1"))) problems.push(`${name} (${value}) contains a private key: secrets never go into the image`);
    } catch (err) {
      if (!(err instanceof EnclaveConfigError)) throw err;
      problems.push(...err.problems);
    }
    vars[name] = join(dir, value);
    if (!files.includes(value)) files.push(value);
  }
  // Anything else in the directory would be measured and published with the EIF without the
  // sidecar ever reading it: most likely a file that should not be there at all.
  const entries = readdirSync(dir);
  if (entries.length > MAX_DIR_ENTRIES) problems.push(`the configuration directory holds more than ${MAX_DIR_ENTRIES} entries`);
  for (const entry of entries.slice(0, MAX_DIR_ENTRIES)) {
    if (!files.includes(entry)) {
      const shown = FILE_NAME.test(entry) ? entry : "an entry with an unusual name";
      problems.push(`the configuration directory holds ${shown}, which enclave.env does not name: only enclave.env and the files it names belong there`);
    }
  }
  if (problems.length > 0) throw new EnclaveConfigError(problems);
  return Object.freeze({ vars: Object.freeze(vars), files: Object.freeze(files) });
}

/** `node enclave-config.mjs check <dir>`: exit 0 and one JSON line when the directory is fit for the image. */
function main(argv) {
  if (argv.length !== 2 || argv[0] !== "check") {
    process.stderr.write("usage: node enclave-config.mjs check <configuration directory>\n");
    return 2;
  }
  try {
    const { vars, files } = readEnclaveConfig(resolve(argv[1]));
    process.stdout.write(`${JSON.stringify({ event: "enclave_config.ok", variables: Object.keys(vars), files })}\n`);
    return 0;
  } catch (err) {
    if (!(err instanceof EnclaveConfigError)) throw err;
    for (const p of err.problems) process.stderr.write(`enclave-config: ${p}\n`);
    process.stderr.write("enclave-config: the enclave configuration is refused (docs/nitro.md, \"The measured configuration\")\n");
    return 1;
  }
}

function isMain() {
  if (process.argv[1] === undefined) return false;
  try {
    return realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isMain()) process.exitCode = main(process.argv.slice(2));
