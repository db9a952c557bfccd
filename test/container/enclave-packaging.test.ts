import { AirlockClient } from "@airlock/core";
import { verifyAttestationDocument } from "@airlock/core/attestation";
import { parseAdminPublicKey } from "@airlock/core/provisioning";
import { ReceiptSchema, receiptKeyFromSpki, receiptSigningBytes, type Receipt } from "@airlock/core/receipts";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { X509Certificate, generateKeyPairSync, randomBytes, verify as cryptoVerify } from "node:crypto";
import {
  appendFileSync,
  chmodSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { connect, createServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyAuditChain } from "../../packages/signer/src/audit/audit-chain.js";
import { loadConfig } from "../../packages/signer/src/config/env-config.js";
import { ProvisionedAccountDeclaration } from "../../packages/signer/src/config/exchange-account-schema.js";
import { parsePolicyFile } from "../../packages/signer/src/config/policy-file.js";
import { Problems } from "../../packages/signer/src/config/problems.js";
import { SECRET_FILE_VARIABLES } from "../../packages/signer/src/config/secret-files.js";
import {
  ENCLAVE_SETTINGS,
  EnclaveConfigError,
  PLACEHOLDER_MARK,
  SECRET_NAME,
  isSecretName,
  parseEnclaveEnv,
  readEnclaveConfig,
} from "../../packages/signer/enclave/enclave-config.mjs";
import {
  DEFAULT_KMS_VSOCK_PORT,
  DEFAULT_LOOPBACK_UP_CMD,
  defaultAuditChannel,
  defaultKmsForwarder,
  flagsSayUp,
  parseArgv,
  readKmsForwarder,
  readSupervisorConfig,
  sidecarEnvironment,
} from "../../packages/signer/enclave/entrypoint.mjs";
import { feltHex, starkKeyOf } from "@airlock/core/starknet";
import { parse as parseYaml } from "yaml";
import { runCli, type RunResult } from "../support/cli-process.js";
import { startFakeKms, type FakeKms } from "../support/fake-kms.js";
import { findSecret, newClient, newKey, sidecarEnv } from "../support/sidecar-harness.js";
import {
  DOCKERIGNORE,
  PLAIN_SECRET_VARIABLES,
  REPO,
  copyParts,
  dockerignoreMatcher,
  envPairs,
  execForm,
  parseDockerfile,
  workspaces,
  type Instruction,
} from "./container-files.js";

/**
 * The Nitro Enclave packaging in packages/signer/enclave: the image's Dockerfile (read
 * statically: there is no Docker engine here), the build-time tree normaliser, the measured
 * configuration (enclave-config.mjs and config.example/), the host-side scripts (syntax,
 * argument checks, and the exact commands they would run, with docker, nitro-cli and socat
 * replaced by recording stubs) and the parent's vsock-proxy unit and allowlist, and the
 * supervisor entrypoint run as a real process: the socat vsock bridge, audit channel and KMS
 * forwarder replaced by loopback TCP stand-ins (test/support), or by the real socat with VSOCK
 * swapped for TCP, the audit log received into a file by the test (or by
 * host-audit-receiver.sh), the sidecar in its keyring configuration and in the nitro backend
 * with the NSM emulator, there unsealing its keys from a fake KMS through the KMS forwarder.
 */

const ENCLAVE = join(REPO, "packages/signer/enclave");
const DOCKERFILE_TEXT = readFileSync(join(ENCLAVE, "Dockerfile"), "utf8");
const ENTRYPOINT = join(ENCLAVE, "entrypoint.mjs");
const NORMALIZE = join(ENCLAVE, "normalize-tree.mjs");
const FORWARDER = join(REPO, "test/support/tcp-forwarder.mjs");
const SCRIPTS = ["build-eif.sh", "host-bridge.sh", "host-audit-receiver.sh", "run-enclave.sh"] as const;
const KMS_VARIABLES = ["AIRLOCK_KMS_KEY_ID", "AIRLOCK_KMS_REGION", "AIRLOCK_KMS_ENDPOINT", "AIRLOCK_KMS_CONNECT_PORT", "AIRLOCK_KMS_VSOCK_PORT"] as const;
const NSM_ADDON = join(ENCLAVE, "nsm-addon");
const EXAMPLE_CONFIG = join(ENCLAVE, "config.example");
const hasSocat = spawnSync("socat", ["-V"]).status === 0;
if (!hasSocat) console.warn("\n*** WARNING: socat is not installed: the audit channel is not run with the real socat (apt-get install socat) ***\n");

const { preamble, stages } = parseDockerfile(DOCKERFILE_TEXT);
const stage = (name: string) => stages.find((s) => s.name === name)!;
const final = stages.at(-1)!;
const of = (list: readonly Instruction[], keyword: string) => list.filter((i) => i.keyword === keyword);
const finalEnv = Object.assign({}, ...of(final.instructions, "ENV").map((i) => envPairs(i.args))) as Record<string, string>;
const ignored = dockerignoreMatcher(readFileSync(DOCKERIGNORE, "utf8"));

const tempDirs: string[] = [];
const tmp = (name: string) => {
  const dir = mkdtempSync(join(tmpdir(), `airlock-enclave-${name}-`));
  tempDirs.push(dir);
  return dir;
};
/** normalize-tree leaves read-only directories: make them writable again to delete them. */
function makeWritable(path: string): void {
  const st = lstatSync(path);
  if (!st.isDirectory()) return;
  chmodSync(path, 0o755);
  for (const name of readdirSync(path)) makeWritable(join(path, name));
}
afterAll(() => {
  for (const dir of tempDirs) {
    makeWritable(dir);
    rmSync(dir, { recursive: true, force: true });
  }
});

// --- the measured configuration: helpers ---------------------------------------------------

/** A throwaway provisioning admin public key (base64 SPKI DER); its private key is dropped. */
const ADMIN_PUBLIC_KEY = generateKeyPairSync("ed25519").publicKey.export({ type: "spki", format: "der" }).toString("base64");

/** A configuration directory: enclave.env with these lines, plus these files. */
function configDir(envLines: readonly string[], files: Readonly<Record<string, string>> = {}): string {
  const dir = tmp("config");
  writeFileSync(join(dir, "enclave.env"), `${envLines.join("\n")}\n`);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

/** A copy of config.example/ with its placeholder filled in. */
function filledExample(): string {
  const dir = tmp("example");
  cpSync(EXAMPLE_CONFIG, dir, { recursive: true });
  const env = join(dir, "enclave.env");
  writeFileSync(env, readFileSync(env, "utf8").replaceAll(/REPLACE-ME[^\n]*/g, ADMIN_PUBLIC_KEY));
  return dir;
}

/** The problems parseEnclaveEnv reports for a text (none: []). */
function problemsOf(text: string): string[] {
  try {
    parseEnclaveEnv(text);
    return [];
  } catch (err) {
    expect(err).toBeInstanceOf(EnclaveConfigError);
    expect((err as EnclaveConfigError).code).toBe("ENCLAVE_CONFIG");
    return (err as EnclaveConfigError).problems;
  }
}

const SECRET_VALUE = `s3cr3t-${randomBytes(16).toString("hex")}`;

describe("packages/signer/enclave/Dockerfile", () => {
  it("has an empty enclave-config stage, then build, prod-deps, app and a final enclave stage from one base pinned to a Node major and an Alpine release", () => {
    expect(stages.map((s) => s.name)).toEqual(["enclave-config", "build", "prod-deps", "app", "enclave"]);
    // The configuration comes only from the named build context that replaces this stage.
    expect(stage("enclave-config")).toEqual({ from: "scratch", name: "enclave-config", instructions: [] });
    expect(new Set(stages.slice(1).map((s) => s.from))).toEqual(new Set(["${NODE_IMAGE}"]));
    expect(DOCKERFILE_TEXT).toContain("--build-context enclave-config=<your configuration directory>");
    const args = Object.assign({}, ...of(preamble, "ARG").map((a) => envPairs(a.args))) as Record<string, string>;
    expect(args.NODE_IMAGE).toMatch(/^node:\d+-alpine3\.\d+(@sha256:[0-9a-f]{64})?$/);
    expect(args.SOCAT_PACKAGE).toBe("socat");
    // The comment tells operators to pin the digest, because PCR0 covers every byte.
    expect(DOCKERFILE_TEXT).toMatch(/pin it by digest for a reproducible PCR0/);
  });

  it("builds the signer as packages/signer/Dockerfile does: npm ci from the lockfile without scripts, Poseidon, tsc -b", () => {
    const runs = (name: string) => of(stage(name).instructions, "RUN").map((r) => r.args);
    expect(runs("build")).toContain("npm ci --ignore-scripts --no-audit --no-fund");
    expect(runs("build")).toContain("npm run build -w @airlock/poseidon && npx tsc -b packages/core packages/signer");
    expect(runs("prod-deps")).toEqual(["npm ci --omit=dev --workspace @airlock/signer --ignore-scripts --no-audit --no-fund"]);
    for (const run of stages.flatMap((s) => of(s.instructions, "RUN"))) {
      expect(run.args, `line ${run.line}`).not.toMatch(/\bnpm\s+(install|i|add|update)\b/);
      expect(run.args, `line ${run.line}`).not.toMatch(/(^|&&|;|\|)\s*(yarn|pnpm|curl|wget)\b/);
      for (const ci of run.args.match(/\bnpm ci\b[^&;]*/g) ?? []) expect(ci).toContain("--ignore-scripts");
    }
  });

  it("gives npm ci every workspace manifest the lockfile names, before the sources", () => {
    const manifests = workspaces().map((w) => `${w}/package.json`);
    for (const name of ["build", "prod-deps"]) {
      const list = stage(name).instructions;
      const ciAt = list.findIndex((i) => i.keyword === "RUN" && i.args.startsWith("npm ci"));
      const copiedBefore = of(list.slice(0, ciAt), "COPY").flatMap((c) => copyParts(c.args).sources);
      expect(copiedBefore, name).toEqual(expect.arrayContaining(["package.json", "package-lock.json", ...manifests]));
    }
  });

  it("builds the NSM addon with npm's node-gyp from nsm-addon in the build stage, offline, and ships only nsm.node", () => {
    const build = stage("build").instructions;
    const apk = of(build, "RUN").find((r) => r.args.startsWith("apk add"))!;
    for (const tool of ["python3", "make", "g++"]) expect(apk.args.split(/\s+/)).toContain(tool);
    const gypAt = build.findIndex((i) => i.keyword === "RUN" && /node-gyp/.test(i.args));
    expect(gypAt).toBeGreaterThan(-1);
    const gyp = build[gypAt]!.args;
    expect(gyp).toMatch(/node-gyp\.js rebuild\b/);
    expect(gyp).toContain("--directory=packages/signer/enclave/nsm-addon");
    // --nodedir: the image's own headers, so node-gyp downloads nothing.
    expect(gyp).toContain("--nodedir=/usr/local");
    const addonCopy = build.findIndex((i) => i.keyword === "COPY" && copyParts(i.args).sources.includes("packages/signer/enclave/nsm-addon"));
    expect(addonCopy).toBeGreaterThan(-1);
    expect(addonCopy).toBeLessThan(gypAt);
    const shipped = of(stage("app").instructions, "COPY").map((c) => copyParts(c.args));
    expect(shipped).toContainEqual({
      flags: { from: "build" },
      sources: ["/src/packages/signer/enclave/nsm-addon/build/Release/nsm.node"],
      dest: "/out/app/packages/signer/enclave/nsm-addon/build/Release/nsm.node",
    });
    // No compiler reaches the final image.
    expect(of(final.instructions, "RUN").map((r) => r.args).join(" ")).not.toMatch(/\b(g\+\+|gcc|make|python3)\b/);
  });

  it("app stage: only compiled output, the wasm, manifests, production node_modules, the addon, the supervisor and the configuration, checked, then normalised", () => {
    const app = stage("app").instructions;
    const supervisorFiles = ["entrypoint.mjs", "enclave-config.mjs"].map((f) => `packages/signer/enclave/${f}`);
    for (const { flags, sources, dest } of of(app, "COPY").map((c) => copyParts(c.args))) {
      if (flags.from === undefined) {
        expect([...supervisorFiles, "packages/signer/enclave/normalize-tree.mjs"]).toContain(sources[0]);
        continue;
      }
      if (flags.from === "enclave-config") {
        expect({ sources, dest }).toEqual({ sources: ["."], dest: "/out/etc/airlock/" });
        continue;
      }
      expect(["build", "prod-deps"]).toContain(flags.from);
      for (const source of sources) expect(source).toMatch(/(\/dist|\/build\/poseidon\.wasm|\/package\.json|\/node_modules|\/build\/Release\/nsm\.node)$/);
      expect(dest.startsWith("/out/app/")).toBe(true);
    }
    expect(of(app, "ARG").map((a) => a.args)).toEqual(["SOURCE_DATE_EPOCH=0"]);
    // The configuration is checked (no secret, no placeholder, no stray file) before it is
    // normalised with the app: both trees get the same owners, modes and times.
    expect(of(app, "RUN").map((r) => r.args)).toEqual([
      "node /out/app/packages/signer/enclave/enclave-config.mjs check /out/etc/airlock",
      'SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH}" node /tmp/normalize-tree.mjs /out/app /out/etc/airlock',
    ]);
    const at = (pred: (i: Instruction) => boolean) => app.findIndex(pred);
    const configCopy = at((i) => i.keyword === "COPY" && copyParts(i.args).flags.from === "enclave-config");
    const checkerCopy = at((i) => i.keyword === "COPY" && copyParts(i.args).sources[0] === "packages/signer/enclave/enclave-config.mjs");
    const check = at((i) => i.keyword === "RUN" && i.args.includes("enclave-config.mjs check"));
    expect(Math.max(configCopy, checkerCopy)).toBeLessThan(check);
    for (const file of supervisorFiles) {
      const copy = of(app, "COPY").map((c) => copyParts(c.args)).find((c) => c.sources[0] === file)!;
      expect(copy.dest).toBe(`/out/app/${file}`);
    }
  });

  it("final stage: ENTRYPOINT is entrypoint.mjs as the whole command, with no CMD (nitro-cli would run a CMD alone), no debug", () => {
    expect(of(final.instructions, "ENTRYPOINT").map((i) => execForm(i.args))).toEqual([["node", "/app/packages/signer/enclave/entrypoint.mjs"]]);
    expect(of(final.instructions, "CMD")).toEqual([]);
    // The image ships what the app stage assembled, and nothing else: the app and the checked configuration.
    expect(of(final.instructions, "COPY").map((c) => copyParts(c.args))).toEqual([
      { flags: { from: "app" }, sources: ["/out/app"], dest: "/app" },
      { flags: { from: "app" }, sources: ["/out/etc/airlock"], dest: "/etc/airlock" },
    ]);
    // Nothing in an instruction (comments aside) turns on a debug mode or an inspector.
    for (const ins of stages.flatMap((s) => s.instructions)) expect(ins.args, `line ${ins.line}`).not.toMatch(/debug|--inspect/i);
    expect(finalEnv).not.toHaveProperty("NODE_OPTIONS");
  });

  it("final stage environment: nitro backend on the NSM, production, memory stores, 127.0.0.1 only, no secret", () => {
    expect(finalEnv).toEqual({
      NODE_ENV: "production",
      AIRLOCK_BACKEND: "nitro",
      AIRLOCK_ATTESTATION_SOURCE: "nsm",
      HOST: "127.0.0.1",
      PORT: "8545",
      AIRLOCK_VSOCK_PORT: "5000",
      AIRLOCK_AUDIT_VSOCK_PORT: "5001",
      KEYRING_REPLAY_STORE: "memory",
      KEYRING_RATE_LIMIT_ENABLED: "true",
      KEYRING_RATE_LIMIT_BACKEND: "memory",
      LOG_LEVEL: "info",
    });
    // enclave.env settings are the operator's: the image's ENV must not take them (the
    // supervisor refuses a variable set in both places; the KMS settings among them), nor an
    // audit file (the log leaves on vsock).
    for (const name of [...Object.keys(ENCLAVE_SETTINGS), "KEYRING_AUDIT_LOG_FILE"]) expect(finalEnv).not.toHaveProperty(name);
    for (const name of KMS_VARIABLES) expect(ENCLAVE_SETTINGS).toHaveProperty(name);
    // No Redis from inside the enclave (the host could reset nonces and budgets), no test seam.
    for (const ins of stages.flatMap((s) => [...of(s.instructions, "ENV"), ...of(s.instructions, "ARG")])) {
      expect(ins.args, `line ${ins.line}`).not.toMatch(/REDIS|AIRLOCK_VSOCK_BRIDGE_CMD|AIRLOCK_AUDIT_CHANNEL_CMD|AIRLOCK_KMS_FORWARDER_CMD|AIRLOCK_LOOPBACK_UP_CMD|AIRLOCK_ENCLAVE_CONFIG_DIR|EMULATOR/);
      for (const name of PLAIN_SECRET_VARIABLES) expect(ins.args, `line ${ins.line}`).not.toContain(name);
      expect(ins.args, `line ${ins.line}`).not.toMatch(/SECRET|PASSPHRASE|PRIVATE_KEY|TOKEN/i);
    }
  });

  it("final stage installs socat alone, refuses one without VSOCK, adds no shell tool and removes every installer", () => {
    const run = of(final.instructions, "RUN").map((r) => r.args).join(" && ");
    const installs = [...run.matchAll(/apk add ([^&]*)/g)].map((m) => m[1]!.trim());
    expect(installs).toEqual(['--no-cache "${SOCAT_PACKAGE}"']);
    expect(run).toContain('socat -V | grep -q "define WITH_VSOCK 1"');
    expect(run).not.toMatch(/\b(bash|curl|wget|busybox-extras|openssh|strace|gdb)\b/);
    for (const gone of ["/usr/local/lib/node_modules", "/usr/local/bin/npm", "/usr/local/bin/npx", "/usr/local/bin/corepack", "/opt/yarn*", "/sbin/apk", "/etc/apk"]) {
      expect(run).toMatch(new RegExp(`rm -rf [^&]*${gone.replace(/[.*]/g, (c) => `\\${c}`)}(\\s|$)`));
    }
    // No USER/HEALTHCHECK/EXPOSE: nitro-cli's init ignores them; the enclave has one command.
    for (const keyword of ["USER", "HEALTHCHECK", "EXPOSE", "ADD"]) expect(of(final.instructions, keyword)).toEqual([]);
  });

  it("copies from the build context only files that exist and that .dockerignore lets through", () => {
    const contextCopies = stages.flatMap((s) => of(s.instructions, "COPY")).filter((c) => copyParts(c.args).flags.from === undefined);
    expect(contextCopies.length).toBeGreaterThan(0);
    for (const copy of contextCopies) {
      for (const source of copyParts(copy.args).sources) {
        expect(ignored(source), `${source} is excluded by .dockerignore (line ${copy.line})`).toBe(false);
        if (source === "packages/signer/enclave/nsm-addon" && !existsSync(NSM_ADDON)) {
          console.warn("\n*** WARNING: packages/signer/enclave/nsm-addon does not exist yet: the image cannot build until it does ***\n");
          continue;
        }
        expect(existsSync(join(REPO, source)), `${source} (line ${copy.line})`).toBe(true);
      }
    }
  });

  it.skipIf(!existsSync(join(NSM_ADDON, "binding.gyp")))("nsm-addon/binding.gyp declares the target the Dockerfile ships (nsm → nsm.node)", () => {
    // binding.gyp is a Python literal; its target names are plain quoted strings.
    const gyp = readFileSync(join(NSM_ADDON, "binding.gyp"), "utf8");
    const targets = [...gyp.matchAll(/["']target_name["']\s*:\s*["']([^"']+)["']/g)].map((m) => m[1]);
    expect(targets).toContain("nsm");
  });
});

describe("normalize-tree.mjs (build time: owners, modes and times fixed so PCR0 does not depend on the build)", () => {
  const run = (args: string[], env: Record<string, string>) =>
    spawnSync(process.execPath, [NORMALIZE, ...args], { env: { PATH: process.env.PATH ?? "", ...env }, encoding: "utf8", timeout: 30_000 });

  it("sets every entry's times, links included and never followed, and read-only modes", () => {
    const root = tmp("tree");
    const outside = tmp("outside");
    const tree = join(root, "app");
    mkdirSync(join(tree, "lib/deep"), { recursive: true });
    writeFileSync(join(tree, "lib/deep/data.json"), "{}", { mode: 0o664 });
    writeFileSync(join(tree, "lib/tool"), "#!/bin/sh\n", { mode: 0o775 });
    writeFileSync(join(outside, "target"), "x");
    utimesSync(join(outside, "target"), 1_000, 1_000);
    symlinkSync(join(outside, "target"), join(tree, "lib/link-out"));
    symlinkSync("../missing-workspace", join(tree, "lib/dangling"));

    const r = run([tree], { SOURCE_DATE_EPOCH: "1700000000" });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ event: "tree.normalized", entries: 7, sourceDateEpoch: 1700000000 });

    const walk = (p: string): string[] => [p, ...(lstatSync(p).isDirectory() ? readdirSync(p).flatMap((n) => walk(join(p, n))) : [])];
    for (const p of walk(tree)) expect(lstatSync(p).mtimeMs, p).toBe(1_700_000_000_000);
    expect(lstatSync(join(tree, "lib/deep/data.json")).mode & 0o7777).toBe(0o444);
    expect(lstatSync(join(tree, "lib/tool")).mode & 0o7777).toBe(0o555);
    expect(lstatSync(join(tree, "lib/deep")).mode & 0o7777).toBe(0o555);
    // The link's target outside the tree is untouched, and a dangling link creates nothing.
    expect(statSync(join(outside, "target")).mtimeMs).toBe(1_000_000);
    expect(existsSync(join(tree, "missing-workspace"))).toBe(false);
  });

  it.each([
    [{}, "SOURCE_DATE_EPOCH must be set"],
    [{ SOURCE_DATE_EPOCH: "-1" }, "SOURCE_DATE_EPOCH must be set"],
    [{ SOURCE_DATE_EPOCH: "1e9" }, "SOURCE_DATE_EPOCH must be set"],
  ])("refuses %j without touching anything", (env, message) => {
    const dir = tmp("refuse");
    writeFileSync(join(dir, "f"), "x");
    utimesSync(join(dir, "f"), 5_000, 5_000);
    const r = run([dir], env);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(message);
    expect(statSync(join(dir, "f")).mtimeMs).toBe(5_000_000);
  });

  it("refuses to run without a directory", () => {
    const r = run([], { SOURCE_DATE_EPOCH: "0" });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("give at least one directory");
  });
});

/** A systemd unit's directives: name → values in order (comments and sections skipped). */
function unitDirectives(unit: string): Map<string, string[]> {
  const directives = new Map<string, string[]>();
  for (const line of unit.split("\n")) {
    const m = /^([A-Za-z]+)=(.*)$/.exec(line);
    if (m) directives.set(m[1]!, [...(directives.get(m[1]!) ?? []), m[2]!]);
  }
  return directives;
}

/** A folder of recording stubs standing in for docker, nitro-cli and socat. */
function stubBin(measurements?: string): { bin: string; log: string; calls: () => string[] } {
  const dir = tmp("stubs");
  const bin = join(dir, "bin");
  mkdirSync(bin);
  const log = join(dir, "calls.log");
  const record = (name: string, extra = "") =>
    writeFileSync(join(bin, name), `#!/bin/sh\nprintf '%s\\n' "${name} $*" >> "${log}"\n${extra}exit 0\n`, { mode: 0o755 });
  record("docker");
  record("socat", `[ "$1" = "-V" ] && echo '  #define WITH_VSOCK 1' && exit 0\n`);
  if (measurements !== undefined) writeFileSync(join(dir, "measurements.json"), measurements);
  record("nitro-cli", measurements === undefined ? "" : `cat "${join(dir, "measurements.json")}"\n`);
  return { bin, log, calls: () => (existsSync(log) ? readFileSync(log, "utf8").trim().split("\n") : []) };
}

function runScript(script: (typeof SCRIPTS)[number], args: string[], bin: string, env: Record<string, string> = {}) {
  return spawnSync("bash", [join(ENCLAVE, script), ...args], {
    // The stubs first; /usr/bin and /bin for jq, git, grep and the shell's own tools.
    env: { PATH: `${bin}:/usr/local/bin:/usr/bin:/bin`, HOME: tmp("home"), ...env },
    encoding: "utf8",
    timeout: 30_000,
    cwd: tmp("cwd"),
  });
}

// Measurements as nitro-cli prints them (aws-nitro-enclaves-cli docs/image_signing.md).
const PCR0 = "55c0acc442fd815e161f100c45810298f5c37ce9f61b675e4f8ba82e32b9bab3b674a6ef557eaa7db7577221683bbe9f";
const PCR1 = "aca6e62ffbf5f7deccac452d7f8cee1b94048faf62afc16c8ab68c9fed8c38010c73a669f9a36e596032f0b973d21895";
const PCR2 = "41e46bdda449ee3fd792772e5b766cb090d2a4a1b0e5a0c5e52c84d426c76cfd298ea725500a107e71399697df2ae2eb";
const PCR8 = "70da58334a884328944cd806127c7784677ab60a154249fd21546a217299ccfa1ebfe4fa96a163bf41d3bcfaebe68f6f";
const measured = (pcrs: Record<string, string>) => JSON.stringify({ Measurements: { HashAlgorithm: "Sha384 { ... }", ...pcrs } }, null, "\t");
const hasJq = spawnSync("jq", ["--version"]).status === 0;
if (!hasJq) console.warn("\n*** WARNING: jq is not installed: build-eif.sh's measurement output is not checked (apt-get install jq) ***\n");

describe("host-side scripts", () => {
  // A configuration build-eif.sh accepts, and ones it must refuse.
  const goodConfig = filledExample();
  const secretConfig = configDir([`KEYRING_HMAC_SECRET=${SECRET_VALUE}`]);
  const noEnvConfig = tmp("no-env");

  it.each(SCRIPTS)("%s passes bash -n, is executable and runs with set -euo pipefail", (script) => {
    const path = join(ENCLAVE, script);
    const r = spawnSync("bash", ["-n", path], { encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(statSync(path).mode & 0o111).not.toBe(0);
    const text = readFileSync(path, "utf8");
    expect(text.startsWith("#!/usr/bin/env bash\n")).toBe(true);
    expect(text).toMatch(/^set -euo pipefail$/m);
  });

  const hasShellcheck = spawnSync("shellcheck", ["--version"]).status === 0;
  if (!hasShellcheck) console.warn("\n*** WARNING: shellcheck is not installed: the enclave scripts are not linted (apt-get install shellcheck) ***\n");
  it.skipIf(!hasShellcheck)("the scripts pass shellcheck", () => {
    const r = spawnSync("shellcheck", SCRIPTS.map((s) => join(ENCLAVE, s)), { encoding: "utf8", timeout: 60_000 });
    expect(r.stdout + r.stderr).toBe("");
    expect(r.status).toBe(0);
  });

  it.each<[(typeof SCRIPTS)[number], string[], string]>([
    ["host-bridge.sh", [], "--cid is required"],
    ["host-bridge.sh", ["--cid"], "--cid needs a value"],
    ["host-bridge.sh", ["--cid", "3"], "--cid must be a decimal integer from 4 to 4294967294"],
    ["host-bridge.sh", ["--cid", "16x"], "--cid must be a decimal integer"],
    ["host-bridge.sh", ["--cid", "16", "--listen-port", "0"], "--listen-port must be a decimal integer from 1 to 65535"],
    ["host-bridge.sh", ["--cid", "16", "--listen-port", "70000"], "--listen-port must be a decimal integer from 1 to 65535"],
    ["host-bridge.sh", ["--cid", "16", "--bind", "0.0.0.0"], "unknown argument: --bind"],
    ["run-enclave.sh", [], "--eif is required"],
    ["run-enclave.sh", ["--eif", "x.eif"], "--cid is required"],
    ["run-enclave.sh", ["--eif", "no-such.eif", "--cid", "16"], "--eif: no such file: no-such.eif"],
    ["run-enclave.sh", ["--eif", "x.eif", "--cid", "16", "--debug-mode"], "--debug-mode is refused: a debug-mode enclave reports all-zero PCR0..2"],
    ["run-enclave.sh", ["--debug-mode"], "--debug-mode is refused"],
    ["run-enclave.sh", ["--attach-console"], "--attach-console is refused"],
    ["host-audit-receiver.sh", [], "--dir is required"],
    ["host-audit-receiver.sh", ["--dir"], "--dir needs a value"],
    ["host-audit-receiver.sh", ["--dir", "audit"], "--dir must be an absolute path"],
    ["host-audit-receiver.sh", ["--dir", "/tmp/a:b"], "--dir must be an absolute path of letters, digits"],
    ["host-audit-receiver.sh", ["--dir", "/tmp/a,creat"], "--dir must be an absolute path"],
    ["host-audit-receiver.sh", ["--dir", "/nonexistent-airlock-audit-dir"], "--dir: no such directory: /nonexistent-airlock-audit-dir"],
    ["host-audit-receiver.sh", ["--dir", "/tmp", "--vsock-port", "0"], "--vsock-port must be a decimal integer from 1 to 4294967294"],
    ["host-audit-receiver.sh", ["--dir", "/tmp", "--vsock-port", "4294967295"], "--vsock-port must be a decimal integer from 1 to 4294967294"],
    ["host-audit-receiver.sh", ["--dir", "/tmp", "--fork"], "unknown argument: --fork"],
    ["build-eif.sh", [], "--config is required: the directory with enclave.env"],
    ["build-eif.sh", ["--config", "/nonexistent-airlock-config"], "--config: not a directory: /nonexistent-airlock-config"],
    ["build-eif.sh", ["--config", noEnvConfig], `--config: no enclave.env in ${noEnvConfig}`],
    ["build-eif.sh", ["--config", secretConfig], "KEYRING_HMAC_SECRET is a secret: secrets never go into the image"],
    ["build-eif.sh", ["--config", goodConfig, "--signing-certificate", "cert.pem"], "--signing-certificate and --private-key go together"],
    ["build-eif.sh", ["--config", goodConfig, "--private-key", "key.pem"], "--signing-certificate and --private-key go together"],
    ["build-eif.sh", ["--config", goodConfig, "--output", "image.bin"], "--output must name a .eif file"],
    ["build-eif.sh", ["--config", goodConfig, "--tag", "Bad Tag"], "--tag is not a docker image reference"],
    ["build-eif.sh", ["--config", goodConfig, "--debug-mode"], "unknown argument: --debug-mode"],
  ])("%s %j fails with a clear message before calling docker, nitro-cli or socat", (script, args, message) => {
    const stubs = stubBin(measured({ PCR0, PCR1, PCR2 }));
    const r = runScript(script, args, stubs.bin, { SOURCE_DATE_EPOCH: "0" });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stderr).not.toContain(SECRET_VALUE);
    expect(r.stdout).toBe("");
    expect(stubs.calls()).toEqual([]);
  });

  it("run-enclave.sh checks the numbers, then runs exactly nitro-cli run-enclave with a fixed CID and no debug mode", () => {
    const stubs = stubBin();
    const eif = join(tmp("eif"), "airlock-signer.eif");
    writeFileSync(eif, "EIF");
    for (const [args, message] of [
      [["--cid", "2"], "--cid must be a decimal integer from 4"],
      [["--cid", "16", "--memory", "32"], "--memory must be a decimal integer from 64"],
      [["--cid", "16", "--cpu-count", "0"], "--cpu-count must be a decimal integer from 1"],
      [["--cid", "16", "--name", "bad name"], "--name must be 1 to 64 letters"],
    ] as const) {
      const r = runScript("run-enclave.sh", ["--eif", eif, ...args], stubs.bin);
      expect(r.status, args.join(" ")).toBe(2);
      expect(r.stderr).toContain(message);
    }
    expect(stubs.calls()).toEqual([]);
    const ok = runScript("run-enclave.sh", ["--eif", eif, "--cid", "16", "--memory", "4096"], stubs.bin);
    expect(ok.stderr).toBe("");
    expect(ok.status).toBe(0);
    expect(stubs.calls()).toEqual([`nitro-cli run-enclave --eif-path ${eif} --enclave-cid 16 --cpu-count 2 --memory 4096 --enclave-name airlock-signer`]);
  });

  it("host-bridge.sh relays 127.0.0.1 only, to the enclave's vsock port, with bounded concurrency", () => {
    const stubs = stubBin();
    const r = runScript("host-bridge.sh", ["--cid", "16", "--vsock-port", "5000", "--listen-port", "8545"], stubs.bin);
    expect(r.status).toBe(0);
    expect(stubs.calls()).toEqual(["socat -V", "socat TCP-LISTEN:8545,bind=127.0.0.1,fork,reuseaddr,max-children=64 VSOCK-CONNECT:16:5000"]);
  });

  it("host-bridge.sh refuses a socat without VSOCK support", () => {
    const stubs = stubBin();
    writeFileSync(join(stubs.bin, "socat"), `#!/bin/sh\nprintf '%s\\n' "socat $*" >> "${stubs.log}"\n[ "$1" = "-V" ] && echo '  #undef WITH_VSOCK'\nexit 0\n`, { mode: 0o755 });
    const r = runScript("host-bridge.sh", ["--cid", "16"], stubs.bin);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("this socat has no VSOCK support");
    expect(stubs.calls()).toEqual(["socat -V"]);
  });

  it("host-audit-receiver.sh stores each connection in a new file, one at a time, and stops when socat fails before storing one", () => {
    const stubs = stubBin();
    const dir = tmp("audit-files");
    const counter = join(tmp("counter"), "n");
    // A stand-in socat: the 1st connection ends normally, the 2nd with a read error (an enclave
    // that stopped), the 3rd attempt fails before anything is stored (status 4).
    writeFileSync(
      join(stubs.bin, "socat"),
      [
        "#!/bin/sh",
        `printf '%s\\n' "socat $*" >> "${stubs.log}"`,
        `[ "$1" = "-V" ] && echo '  #define WITH_VSOCK 1' && exit 0`,
        `n=$(cat "${counter}" 2>/dev/null || echo 0); n=$((n + 1)); echo "$n" > "${counter}"`,
        `[ "$n" -ge 3 ] && exit 4`,
        `f="\${3#OPEN:}"; f="\${f%%,*}"; printf '{"seq":0}\\n' > "$f"`,
        `[ "$n" -eq 2 ] && exit 1`,
        "exit 0",
        "",
      ].join("\n"),
      { mode: 0o755 },
    );
    const r = runScript("host-audit-receiver.sh", ["--dir", dir, "--vsock-port", "5001"], stubs.bin);
    expect(r.status).toBe(4);
    const calls = stubs.calls();
    expect(calls[0]).toBe("socat -V");
    expect(calls).toHaveLength(4);
    const files = calls.slice(1).map((call, i) => {
      const m = /^socat -u VSOCK-LISTEN:5001,reuseaddr OPEN:(\/\S+\/audit-\d{8}T\d{6}Z-\d+-(\d+)\.jsonl),creat,excl,wronly,append,perm=0600$/.exec(call);
      expect(m, call).not.toBeNull();
      expect(m![1]!.startsWith(`${dir}/`)).toBe(true);
      expect(Number(m![2])).toBe(i + 1);
      return m![1]!;
    });
    expect(new Set(files).size).toBe(3);
    expect(readdirSync(dir).sort()).toEqual(files.slice(0, 2).map((f) => f.slice(dir.length + 1)).sort());
    expect(r.stderr).toContain(`connection ended (socat status 0): ${files[0]}`);
    expect(r.stderr).toContain(`connection ended (socat status 1): ${files[1]}`);
    expect(r.stderr).toContain("socat exited with status 4 before a connection was stored");
  });

  it("the receiver's systemd unit: unprivileged, vsock only, a private state directory, restarted", () => {
    const directives = unitDirectives(readFileSync(join(ENCLAVE, "airlock-audit-receiver.service"), "utf8"));
    expect(directives.get("ExecStart")).toEqual(["/usr/local/lib/airlock/host-audit-receiver.sh --dir /var/lib/airlock-audit --vsock-port ${AIRLOCK_AUDIT_VSOCK_PORT}"]);
    for (const [key, value] of [
      ["Environment", "AIRLOCK_AUDIT_VSOCK_PORT=5001"],
      ["DynamicUser", "yes"],
      ["StateDirectory", "airlock-audit"],
      ["StateDirectoryMode", "0700"],
      ["UMask", "0077"],
      ["NoNewPrivileges", "yes"],
      ["CapabilityBoundingSet", ""],
      ["ProtectSystem", "strict"],
      ["RestrictAddressFamilies", "AF_VSOCK AF_UNIX"],
      ["IPAddressDeny", "any"],
      ["Restart", "always"],
    ]) {
      expect(directives.get(key!), key).toEqual([value]);
    }
  });

  describe.skipIf(!hasJq)("build-eif.sh with docker and nitro-cli stubbed", () => {
    it("builds reproducibly (SOURCE_DATE_EPOCH, rewrite-timestamp) with the configuration as a named context, and prints the PCRs as JSON for the allowlist and the registry", () => {
      const stubs = stubBin(measured({ PCR0, PCR1, PCR2 }));
      const out = join(tmp("out"), "airlock-signer.eif");
      const r = runScript("build-eif.sh", ["--config", goodConfig, "--output", out], stubs.bin, { SOURCE_DATE_EPOCH: "1700000000" });
      expect(r.status, r.stderr).toBe(0);
      const expected = {
        eif: out,
        image: "airlock-signer-enclave:local",
        config: goodConfig,
        sourceDateEpoch: 1700000000,
        signed: false,
        pcrs: { "0": PCR0, "1": PCR1, "2": PCR2 },
        allowedPcrs: { "0": [PCR0], "1": [PCR1], "2": [PCR2] },
      };
      expect(JSON.parse(r.stdout)).toEqual(expected);
      expect(JSON.parse(readFileSync(`${out}.pcrs.json`, "utf8"))).toEqual(expected);
      expect(stubs.calls()).toEqual([
        "docker buildx version",
        `docker buildx build --file ${ENCLAVE}/Dockerfile --build-context enclave-config=${goodConfig} --build-arg SOURCE_DATE_EPOCH=1700000000 --output type=docker,rewrite-timestamp=true --tag airlock-signer-enclave:local ${REPO.replace(/\/$/, "")}`,
        `nitro-cli build-enclave --docker-uri airlock-signer-enclave:local --output-file ${out}`,
      ]);
    });

    it("signs with a certificate and key, passes pinned inputs through, and then requires PCR8", () => {
      const dir = tmp("signing");
      const [cert, key] = [join(dir, "cert.pem"), join(dir, "key.pem")];
      writeFileSync(cert, "test certificate");
      writeFileSync(key, "test key");
      const digest = `node:22-alpine3.23@sha256:${"ab".repeat(32)}`;
      const args = ["--config", goodConfig, "--output", join(dir, "s.eif"), "--signing-certificate", cert, "--private-key", key, "--node-image", digest, "--socat-package", "socat=1.8.0.3-r1"];
      const signed = stubBin(measured({ PCR0, PCR1, PCR2, PCR8 }));
      const r = runScript("build-eif.sh", args, signed.bin, { SOURCE_DATE_EPOCH: "0" });
      expect(r.status, r.stderr).toBe(0);
      const result = JSON.parse(r.stdout) as { signed: boolean; pcrs: Record<string, string>; allowedPcrs: Record<string, string[]> };
      expect(result.signed).toBe(true);
      expect(result.pcrs["8"]).toBe(PCR8);
      expect(result.allowedPcrs["8"]).toEqual([PCR8]);
      const calls = signed.calls();
      expect(calls[1]).toContain(`--build-arg NODE_IMAGE=${digest} --build-arg SOCAT_PACKAGE=socat=1.8.0.3-r1`);
      expect(calls[2]).toBe(`nitro-cli build-enclave --docker-uri airlock-signer-enclave:local --output-file ${join(dir, "s.eif")} --signing-certificate ${cert} --private-key ${key}`);
      // The key's content never reaches the output.
      expect(r.stdout + r.stderr).not.toContain("test key");

      const unsignedOutput = stubBin(measured({ PCR0, PCR1, PCR2 }));
      const missing = runScript("build-eif.sh", args, unsignedOutput.bin, { SOURCE_DATE_EPOCH: "0" });
      expect(missing.status).toBe(2);
      expect(missing.stderr).toContain("nitro-cli printed no PCR8");
    });

    it.each([
      [measured({ PCR0: PCR0.toUpperCase(), PCR1, PCR2 }), "PCR0 is not 48 bytes of lowercase hex"],
      [measured({ PCR0: PCR0.slice(2), PCR1, PCR2 }), "PCR0 is not 48 bytes of lowercase hex"],
      [measured({ PCR0, PCR2 }), "nitro-cli printed no PCR1"],
      [measured({ PCR0, PCR1, PCR2, PCR8 }), "PCR8 measured for an unsigned EIF"],
      [JSON.stringify({ Measurements: { HashAlgorithm: "Sha256", PCR0, PCR1, PCR2 } }), "unexpected HashAlgorithm"],
      ["not json", "could not read the measurements"],
    ])("refuses measurements it cannot vouch for (%#)", (output, message) => {
      const stubs = stubBin(output);
      const out = join(tmp("bad"), "x.eif");
      const r = runScript("build-eif.sh", ["--config", goodConfig, "--output", out], stubs.bin, { SOURCE_DATE_EPOCH: "0" });
      expect(r.status).toBe(2);
      expect(r.stderr).toContain(message);
      expect(r.stdout).toBe("");
      expect(existsSync(`${out}.pcrs.json`)).toBe(false);
    });
  });

  it("build-eif.sh refuses a SOURCE_DATE_EPOCH that is not seconds", () => {
    const stubs = stubBin(measured({ PCR0, PCR1, PCR2 }));
    const r = runScript("build-eif.sh", ["--config", goodConfig], stubs.bin, { SOURCE_DATE_EPOCH: "yesterday" });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("SOURCE_DATE_EPOCH must be seconds since the epoch");
    expect(stubs.calls()).toEqual([]);
  });

  it("the parent's vsock-proxy for KMS: AWS's invocation, on the enclave's default vsock port, to one region's KMS endpoint, with an allowlist naming only that endpoint", () => {
    const unit = readFileSync(join(ENCLAVE, "airlock-kms-proxy.service"), "utf8");
    const directives = unitDirectives(unit);
    const region = "us-east-1";
    expect(directives.get("Environment")).toEqual([`AIRLOCK_KMS_REGION=${region}`]);
    // `vsock-proxy <local vsock port> <remote address> <remote port> --config <allowlist>`, as
    // aws-nitro-enclaves-cli's nitro-enclaves-vsock-proxy.service runs it (region fixed here).
    const config = "/etc/nitro_enclaves/airlock-kms-proxy.yaml";
    expect(directives.get("ExecStart")).toEqual([`/usr/bin/vsock-proxy ${DEFAULT_KMS_VSOCK_PORT} kms.\${AIRLOCK_KMS_REGION}.amazonaws.com 443 --config ${config}`]);
    for (const [key, value] of [
      ["DynamicUser", "yes"],
      ["NoNewPrivileges", "yes"],
      ["CapabilityBoundingSet", ""],
      ["RestrictAddressFamilies", "AF_INET AF_INET6 AF_VSOCK AF_UNIX AF_NETLINK"],
      ["Restart", "always"],
    ]) {
      expect(directives.get(key!), key).toEqual([value]);
    }
    // The allowlist names exactly the endpoint the unit proxies to, and the unit's header installs it where --config reads it.
    const allowlist = parseYaml(readFileSync(join(ENCLAVE, "vsock-proxy-kms.yaml"), "utf8")) as unknown;
    expect(allowlist).toEqual({ allowlist: [{ address: `kms.${region}.amazonaws.com`, port: 443 }] });
    expect(unit).toContain(`sudo install -m 0644 packages/signer/enclave/vsock-proxy-kms.yaml ${config}`);
  });

  it("the systemd unit runs host-bridge.sh with the enclave CID, unprivileged, on loopback and vsock only", () => {
    const directives = unitDirectives(readFileSync(join(ENCLAVE, "airlock-host-bridge.service"), "utf8"));
    expect(directives.get("ExecStart")).toEqual(["/usr/local/lib/airlock/host-bridge.sh --cid ${AIRLOCK_ENCLAVE_CID} --vsock-port ${AIRLOCK_ENCLAVE_VSOCK_PORT} --listen-port ${AIRLOCK_HOST_PORT}"]);
    for (const [key, value] of [
      ["DynamicUser", "yes"],
      ["NoNewPrivileges", "yes"],
      ["CapabilityBoundingSet", ""],
      ["RestrictAddressFamilies", "AF_INET AF_VSOCK AF_UNIX"],
      ["IPAddressDeny", "any"],
      ["IPAddressAllow", "localhost"],
      ["Restart", "always"],
    ]) {
      expect(directives.get(key!), key).toEqual([value]);
    }
  });
});

describe("entrypoint.mjs configuration", () => {
  it("defaults to socat from the image's vsock port to the sidecar's port on 127.0.0.1", () => {
    const config = readSupervisorConfig(finalEnv);
    expect(config.bridge).toEqual(["socat", "VSOCK-LISTEN:5000,fork,reuseaddr", "TCP:127.0.0.1:8545"]);
    expect(config.loopbackUp).toEqual(["/sbin/ip", "link", "set", "dev", "lo", "up"]);
    expect(DEFAULT_LOOPBACK_UP_CMD).toEqual(config.loopbackUp);
    expect(readSupervisorConfig({ PORT: "9000", AIRLOCK_VSOCK_PORT: "7000" }).bridge).toEqual(["socat", "VSOCK-LISTEN:7000,fork,reuseaddr", "TCP:127.0.0.1:9000"]);
    expect(readSupervisorConfig({}).port).toBe(8545);
  });

  it("defaults to socat from its stdin to the parent instance (CID 3) on the audit port, noticing at once when the receiver goes away", () => {
    const config = readSupervisorConfig(finalEnv);
    // Not `socat -u`: unidirectional socat never reads the connection, so a receiver that closed
    // it goes unnoticed until a later write fails (that record lost). Read side: the connection,
    // its data thrown away, its EOF ending socat.
    expect(config.audit).toEqual(["socat", "STDIN!!OPEN:/dev/null,wronly", "VSOCK-CONNECT:3:5001"]);
    expect(defaultAuditChannel(7001)).toEqual(["socat", "STDIN!!OPEN:/dev/null,wronly", "VSOCK-CONNECT:3:7001"]);
    expect(readSupervisorConfig({ AIRLOCK_AUDIT_VSOCK_PORT: "6000" }).audit).toEqual(defaultAuditChannel(6000));
    // Production: the measured configuration is read from /etc/airlock and must be there.
    expect(config).toMatchObject({ configDir: "/etc/airlock", configRequired: true, auditVsockPort: 5001 });
    expect(readSupervisorConfig({})).toMatchObject({ configDir: "/etc/airlock", configRequired: false });
    expect(readSupervisorConfig({ AIRLOCK_ENCLAVE_CONFIG_DIR: "/srv/x" })).toMatchObject({ configDir: "/srv/x", configRequired: true });
  });

  it("gives the sidecar the environment minus the supervisor's variables, plus enclave.env's, on 127.0.0.1:PORT; a variable set twice is refused", () => {
    const env = {
      PATH: "/bin",
      NODE_ENV: "test",
      PORT: "9000",
      HOST: "127.0.0.1",
      AIRLOCK_VSOCK_PORT: "5000",
      AIRLOCK_AUDIT_VSOCK_PORT: "5001",
      AIRLOCK_VSOCK_BRIDGE_CMD: "[]",
      AIRLOCK_AUDIT_CHANNEL_CMD: "[]",
      AIRLOCK_KMS_FORWARDER_CMD: "[]",
      AIRLOCK_LOOPBACK_UP_CMD: "[]",
      AIRLOCK_ENCLAVE_CONFIG_DIR: "/x",
      KEYRING_MAX_SKEW_MS: "1000",
    };
    // The KMS forwarder's vsock port is the supervisor's; its connect port the sidecar's too.
    const measured = { KEYRING_POLICY_FILE: "/etc/airlock/policy.yaml", AIRLOCK_KMS_CONNECT_PORT: "8443", AIRLOCK_KMS_VSOCK_PORT: "8000" };
    expect(sidecarEnvironment(env, measured, 9000)).toEqual({
      PATH: "/bin",
      NODE_ENV: "test",
      PORT: "9000",
      HOST: "127.0.0.1",
      KEYRING_MAX_SKEW_MS: "1000",
      KEYRING_POLICY_FILE: "/etc/airlock/policy.yaml",
      AIRLOCK_KMS_CONNECT_PORT: "8443",
    });
    expect(() => sidecarEnvironment(env, { KEYRING_MAX_SKEW_MS: "2000" }, 9000)).toThrow("KEYRING_MAX_SKEW_MS is set both in the environment and in enclave.env");
  });

  it.each([
    [{ PORT: "0" }, "PORT must be a port number from 1 to 65535"],
    [{ PORT: " 8545" }, "PORT must be a port number"],
    [{ PORT: "65536" }, "PORT must be a port number"],
    [{ PORT: "+80" }, "PORT must be a port number"],
    [{ HOST: "0.0.0.0" }, "HOST must be 127.0.0.1"],
    [{ HOST: "localhost" }, "HOST must be 127.0.0.1"],
    [{ AIRLOCK_VSOCK_PORT: "4294967295" }, "AIRLOCK_VSOCK_PORT must be a vsock port number"],
    [{ AIRLOCK_VSOCK_PORT: "0x10" }, "AIRLOCK_VSOCK_PORT must be a vsock port number"],
    [{ AIRLOCK_AUDIT_VSOCK_PORT: "0" }, "AIRLOCK_AUDIT_VSOCK_PORT must be a vsock port number"],
    [{ AIRLOCK_AUDIT_CHANNEL_CMD: "socat - x" }, "AIRLOCK_AUDIT_CHANNEL_CMD must be a JSON array"],
    [{ AIRLOCK_ENCLAVE_CONFIG_DIR: "config" }, "AIRLOCK_ENCLAVE_CONFIG_DIR must be an absolute path"],
    [{ KEYRING_AUDIT_LOG_FILE: "/tmp/audit.jsonl" }, "KEYRING_AUDIT_LOG_FILE must be unset: the audit log is the sidecar's stdout"],
    [{ NODE_ENV: "production", AIRLOCK_AUDIT_CHANNEL_CMD: '["node","x"]' }, "AIRLOCK_AUDIT_CHANNEL_CMD is refused with NODE_ENV=production"],
    [{ NODE_ENV: "production", AIRLOCK_ENCLAVE_CONFIG_DIR: "/tmp/x" }, "AIRLOCK_ENCLAVE_CONFIG_DIR is refused with NODE_ENV=production"],
    [{ AIRLOCK_VSOCK_BRIDGE_CMD: "socat a b" }, "AIRLOCK_VSOCK_BRIDGE_CMD must be a JSON array"],
    [{ AIRLOCK_VSOCK_BRIDGE_CMD: "[]" }, "AIRLOCK_VSOCK_BRIDGE_CMD must be a JSON array"],
    [{ AIRLOCK_VSOCK_BRIDGE_CMD: '["socat", 1]' }, "AIRLOCK_VSOCK_BRIDGE_CMD must be a JSON array"],
    [{ AIRLOCK_LOOPBACK_UP_CMD: '[""]' }, "AIRLOCK_LOOPBACK_UP_CMD must be a JSON array"],
    [{ NODE_ENV: "production", AIRLOCK_VSOCK_BRIDGE_CMD: '["node","x"]' }, "AIRLOCK_VSOCK_BRIDGE_CMD is refused with NODE_ENV=production"],
    [{ NODE_ENV: "production", AIRLOCK_LOOPBACK_UP_CMD: '["true"]' }, "AIRLOCK_LOOPBACK_UP_CMD is refused with NODE_ENV=production"],
    [{ AIRLOCK_KMS_FORWARDER_CMD: "socat a b" }, "AIRLOCK_KMS_FORWARDER_CMD must be a JSON array"],
    [{ NODE_ENV: "production", AIRLOCK_KMS_FORWARDER_CMD: '["node","x"]' }, "AIRLOCK_KMS_FORWARDER_CMD is refused with NODE_ENV=production"],
  ])("refuses %j", (env, message) => {
    expect(() => readSupervisorConfig(env)).toThrow(message);
    try {
      readSupervisorConfig(env);
    } catch (err) {
      expect((err as { code?: string }).code).toBe("CONFIG");
    }
  });

  it("lists every problem at once", () => {
    expect(() => readSupervisorConfig({ PORT: "0", HOST: "::", AIRLOCK_VSOCK_PORT: "x" })).toThrow(/PORT.*; HOST.*; AIRLOCK_VSOCK_PORT/);
  });

  it("starts the KMS forwarder only with AIRLOCK_KMS_CONNECT_PORT: socat from that port on 127.0.0.1 to the parent's vsock-proxy (CID 3, port 8000)", () => {
    const config = readSupervisorConfig(finalEnv);
    expect(config.kmsForwarderCmd).toBeUndefined();
    expect(readKmsForwarder(config, finalEnv)).toBeUndefined();
    // The port vsock-proxy listens on in AWS's documented setup: `vsock-proxy 8000 kms.<region>.amazonaws.com 443`.
    expect(DEFAULT_KMS_VSOCK_PORT).toBe(8000);
    const kms = readKmsForwarder(config, { ...finalEnv, AIRLOCK_KMS_KEY_ID: "arn", AIRLOCK_KMS_CONNECT_PORT: "8443" });
    expect(kms).toEqual({ argv: ["socat", "TCP-LISTEN:8443,bind=127.0.0.1,fork,reuseaddr", "VSOCK-CONNECT:3:8000"], connectPort: 8443, vsockPort: 8000 });
    expect(Object.isFrozen(kms) && Object.isFrozen(kms!.argv)).toBe(true);
    expect(defaultKmsForwarder(9443, 7000)).toEqual(["socat", "TCP-LISTEN:9443,bind=127.0.0.1,fork,reuseaddr", "VSOCK-CONNECT:3:7000"]);
    expect(readKmsForwarder(config, { AIRLOCK_KMS_CONNECT_PORT: "9443", AIRLOCK_KMS_VSOCK_PORT: "7000" })?.argv).toEqual(defaultKmsForwarder(9443, 7000));
    // The test seam replaces the command only; the ports stay those of the settings.
    const seam = readSupervisorConfig({ AIRLOCK_KMS_FORWARDER_CMD: '["node","forwarder.mjs"]' });
    expect(readKmsForwarder(seam, { AIRLOCK_KMS_CONNECT_PORT: "9443", AIRLOCK_KMS_FORWARDER_CMD: "x" })).toEqual({ argv: ["node", "forwarder.mjs"], connectPort: 9443, vsockPort: 8000 });
  });

  it.each<[Record<string, string>, string]>([
    [{ AIRLOCK_KMS_CONNECT_PORT: "0" }, "AIRLOCK_KMS_CONNECT_PORT must be a port number from 1 to 65535"],
    [{ AIRLOCK_KMS_CONNECT_PORT: "65536" }, "AIRLOCK_KMS_CONNECT_PORT must be a port number"],
    [{ AIRLOCK_KMS_CONNECT_PORT: "8443 " }, "AIRLOCK_KMS_CONNECT_PORT must be a port number"],
    [{ AIRLOCK_KMS_CONNECT_PORT: "8545" }, "AIRLOCK_KMS_CONNECT_PORT must differ from PORT"],
    [{ AIRLOCK_KMS_CONNECT_PORT: "8443", AIRLOCK_KMS_VSOCK_PORT: "0" }, "AIRLOCK_KMS_VSOCK_PORT must be a vsock port number from 1 to 4294967294"],
    [{ AIRLOCK_KMS_CONNECT_PORT: "8443", AIRLOCK_KMS_VSOCK_PORT: "4294967295" }, "AIRLOCK_KMS_VSOCK_PORT must be a vsock port number"],
    [{ AIRLOCK_KMS_VSOCK_PORT: "8000" }, "AIRLOCK_KMS_VSOCK_PORT needs AIRLOCK_KMS_CONNECT_PORT"],
    [{ AIRLOCK_KMS_FORWARDER_CMD: '["node","x"]' }, "AIRLOCK_KMS_FORWARDER_CMD needs AIRLOCK_KMS_CONNECT_PORT"],
    // In an enclave KMS has no other way in: a key without the forwarder could never be unsealed.
    [{ NODE_ENV: "production", AIRLOCK_KMS_KEY_ID: "arn" }, "AIRLOCK_KMS_KEY_ID needs AIRLOCK_KMS_CONNECT_PORT with NODE_ENV=production"],
  ])("refuses the KMS forwarder settings %j", (settings, message) => {
    const config = readSupervisorConfig({});
    expect(() => readKmsForwarder(config, settings)).toThrow(message);
    try {
      readKmsForwarder(config, settings);
    } catch (err) {
      expect((err as { code?: string }).code).toBe("CONFIG");
    }
  });

  it("parses argv strictly and reads sysfs interface flags", () => {
    expect(parseArgv('["a","b c"]')).toEqual(["a", "b c"]);
    expect(parseArgv(JSON.stringify(Array.from({ length: 33 }, () => "x")))).toBeUndefined();
    expect(parseArgv('["a\\u0000b"]')).toBeUndefined();
    expect(parseArgv('{"0":"a"}')).toBeUndefined();
    expect(flagsSayUp("0x9\n")).toBe(true);
    expect(flagsSayUp("0x1008")).toBe(false);
    expect(flagsSayUp("up")).toBeUndefined();
  });
});

// --- the measured configuration -------------------------------------------------------------

describe("enclave-config.mjs: the measured, non-secret configuration", () => {
  it("parses NAME=value lines literally, skipping comments and blank lines, in file order", () => {
    const text = [
      "# comment",
      "",
      `AIRLOCK_ADMIN_PUBLIC_KEY=${ADMIN_PUBLIC_KEY}`,
      "KEYRING_POLICY_FILE=policy.yaml",
      'KEYRING_AUTH_CLIENTS_JSON=[{"clientId":"agent-1","allowedKeyIds":["default"]}]',
      'KEYRING_EXCHANGE_ACCOUNTS_JSON=[{"account":"a","venue":"binance","environment":"testnet","credentials":"provisioned","assets":{"TOKEN":8,"SEED":2}}]',
      "KEYRING_ALLOWED_CHAIN_IDS=0x534e5f5345504f4c4941,0x534e5f4d41494e",
      "KEYRING_LEAK_SCANNER_ACTION=block # not a comment: the value is the rest of the line",
    ].join("\n");
    const parsed = parseEnclaveEnv(text);
    expect(Object.keys(parsed)).toEqual([
      "AIRLOCK_ADMIN_PUBLIC_KEY",
      "KEYRING_POLICY_FILE",
      "KEYRING_AUTH_CLIENTS_JSON",
      "KEYRING_EXCHANGE_ACCOUNTS_JSON",
      "KEYRING_ALLOWED_CHAIN_IDS",
      "KEYRING_LEAK_SCANNER_ACTION",
    ]);
    expect(parsed.AIRLOCK_ADMIN_PUBLIC_KEY).toBe(ADMIN_PUBLIC_KEY);
    expect(parsed.KEYRING_LEAK_SCANNER_ACTION).toBe("block # not a comment: the value is the rest of the line");
    expect(Object.isFrozen(parsed)).toBe(true);
    // No final newline is fine too.
    expect(parseEnclaveEnv("KEYRING_DEFAULT_KEY_ID=default")).toEqual({ KEYRING_DEFAULT_KEY_ID: "default" });
  });

  it.each([
    // Secrets, by name: the sidecar's secret variables, their _FILE variants, and anything named like one.
    [`KEYRING_HMAC_SECRET=${SECRET_VALUE}`, "line 1: KEYRING_HMAC_SECRET is a secret: secrets never go into the image"],
    [`KEYRING_HMAC_SECRET_FILE=${SECRET_VALUE}`, "KEYRING_HMAC_SECRET_FILE is a secret"],
    [`SESSION_PRIVATE_KEY=${SECRET_VALUE}`, "SESSION_PRIVATE_KEY is a secret"],
    [`KEYRING_SIGNING_KEYS_JSON=${SECRET_VALUE}`, "KEYRING_SIGNING_KEYS_JSON is a secret"],
    [`KEYRING_DFNS_AUTH_TOKEN=${SECRET_VALUE}`, "KEYRING_DFNS_AUTH_TOKEN is a secret"],
    [`KEYRING_DFNS_USER_ACTION_SIGNATURE=${SECRET_VALUE}`, "KEYRING_DFNS_USER_ACTION_SIGNATURE is a secret"],
    [`KEYRING_KEYSTORE_PASSPHRASE_FILE=${SECRET_VALUE}`, "KEYRING_KEYSTORE_PASSPHRASE_FILE is a secret"],
    [`KEYRING_KEYSTORE_PATH=${SECRET_VALUE}`, "KEYRING_KEYSTORE_PATH is a secret"],
    [`KEYRING_TLS_KEY_PATH=${SECRET_VALUE}`, "KEYRING_TLS_KEY_PATH is a secret"],
    [`VENUE_API_TOKEN=${SECRET_VALUE}`, "VENUE_API_TOKEN is a secret"],
    [`DB_PASSWORD=${SECRET_VALUE}`, "DB_PASSWORD is a secret"],
    // Not settings of this file: what the image fixes, or what has no place in an enclave.
    ["NODE_ENV=development", "NODE_ENV is not a setting of the enclave configuration"],
    ["AIRLOCK_BACKEND=keyring", "AIRLOCK_BACKEND is not a setting"],
    ["AIRLOCK_ATTESTATION_SOURCE=emulator", "AIRLOCK_ATTESTATION_SOURCE is not a setting"],
    ['AIRLOCK_EMULATOR_PCRS_JSON={"0":"00"}', "AIRLOCK_EMULATOR_PCRS_JSON is not a setting"],
    ["HOST=0.0.0.0", "HOST is not a setting"],
    ["KEYRING_REDIS_URL=redis://10.0.0.1:6379", "KEYRING_REDIS_URL is not a setting"],
    ["KEYRING_REPLAY_STORE=redis", "KEYRING_REPLAY_STORE is not a setting"],
    ["KEYRING_AUDIT_LOG_FILE=/tmp/a.jsonl", "KEYRING_AUDIT_LOG_FILE is not a setting"],
    ["KEYRING_TRANSPORT=http", "KEYRING_TRANSPORT is not a setting"],
    ["AIRLOCK_AUDIT_CHANNEL_CMD=[\"x\"]", "AIRLOCK_AUDIT_CHANNEL_CMD is not a setting"],
    // Syntax: one literal NAME=value per line.
    ["export KEYRING_DEFAULT_KEY_ID=default", "line 1 is not NAME=value"],
    [" KEYRING_DEFAULT_KEY_ID=default", "line 1 is not NAME=value"],
    ["KEYRING_DEFAULT_KEY_ID = default", "line 1 is not NAME=value"],
    ["keyring_default_key_id=default", "line 1 is not NAME=value"],
    ["KEYRING_DEFAULT_KEY_ID", "line 1 is not NAME=value"],
    ['KEYRING_DEFAULT_KEY_ID="default"', "KEYRING_DEFAULT_KEY_ID is quoted"],
    ["KEYRING_DEFAULT_KEY_ID='default'", "KEYRING_DEFAULT_KEY_ID is quoted"],
    ["KEYRING_DEFAULT_KEY_ID=", "KEYRING_DEFAULT_KEY_ID is empty"],
    ["KEYRING_DEFAULT_KEY_ID=default ", "KEYRING_DEFAULT_KEY_ID starts or ends with whitespace"],
    ["KEYRING_DEFAULT_KEY_ID=a\tb", "KEYRING_DEFAULT_KEY_ID contains a control character"],
    ["KEYRING_DEFAULT_KEY_ID=a\nKEYRING_DEFAULT_KEY_ID=b", "line 2: KEYRING_DEFAULT_KEY_ID is set twice"],
    ["KEYRING_DEFAULT_KEY_ID=a\r\n", "enclave.env has CR characters"],
    // Placeholders and key material in any value.
    [`AIRLOCK_ADMIN_PUBLIC_KEY=${PLACEHOLDER_MARK}-with-your-key`, "AIRLOCK_ADMIN_PUBLIC_KEY is still the example's placeholder"],
    ["AIRLOCK_ADMIN_PUBLIC_KEY=-----BEGIN PRIVATE KEY-----MC4CAQAw", "AIRLOCK_ADMIN_PUBLIC_KEY contains a private key"],
    // File settings are names in the directory.
    ["KEYRING_POLICY_FILE=/etc/passwd", "KEYRING_POLICY_FILE must name a file of the configuration directory (policy.yaml or /etc/airlock/policy.yaml)"],
    ["KEYRING_POLICY_FILE=../policy.yaml", "KEYRING_POLICY_FILE must name a file of the configuration directory"],
    ["KEYRING_POLICY_FILE=/etc/airlock/../policy.yaml", "KEYRING_POLICY_FILE must name a file of the configuration directory"],
    ["KEYRING_POLICY_FILE=sub/policy.yaml", "KEYRING_POLICY_FILE must name a file of the configuration directory"],
    ["KEYRING_POLICY_FILE=/etc/airlock/sub/policy.yaml", "KEYRING_POLICY_FILE must name a file of the configuration directory"],
    ["KEYRING_POLICY_FILE=enclave.env", "KEYRING_POLICY_FILE must name a file of the configuration directory"],
    // Declarations: JSON arrays of objects without a secret field.
    [`KEYRING_AUTH_CLIENTS_JSON=[{"clientId":"a","hmacSecret":"${SECRET_VALUE}"}]`, "KEYRING_AUTH_CLIENTS_JSON declares a secret field (KEYRING_AUTH_CLIENTS_JSON[0].hmacSecret)"],
    [`KEYRING_EXCHANGE_ACCOUNTS_JSON=[{"account":"a"},{"account":"b","apiSecret":"${SECRET_VALUE}"}]`, "(KEYRING_EXCHANGE_ACCOUNTS_JSON[1].apiSecret)"],
    [`KEYRING_EXCHANGE_ACCOUNTS_JSON=[{"account":"a","apiKey":"${SECRET_VALUE}"}]`, "(KEYRING_EXCHANGE_ACCOUNTS_JSON[0].apiKey)"],
    [`KEYRING_EXCHANGE_ACCOUNTS_JSON=[{"account":"a","passphrase":"${SECRET_VALUE}"}]`, "(KEYRING_EXCHANGE_ACCOUNTS_JSON[0].passphrase)"],
    [`KEYRING_EXCHANGE_ACCOUNTS_JSON=[{"account":"a","privateKey":"${SECRET_VALUE}"}]`, "(KEYRING_EXCHANGE_ACCOUNTS_JSON[0].privateKey)"],
    ["KEYRING_AUTH_CLIENTS_JSON=[{\"clientId\":\"a\"}", "KEYRING_AUTH_CLIENTS_JSON is not JSON"],
    ['KEYRING_AUTH_CLIENTS_JSON={"clientId":"a"}', "KEYRING_AUTH_CLIENTS_JSON must be a JSON array of 1 to 256 objects"],
    ["KEYRING_AUTH_CLIENTS_JSON=[]", "KEYRING_AUTH_CLIENTS_JSON must be a JSON array"],
    ['KEYRING_AUTH_CLIENTS_JSON=["a"]', "KEYRING_AUTH_CLIENTS_JSON must be a JSON array"],
  ])("refuses %j, naming the line and the variable, never the value", (text, message) => {
    const problems = problemsOf(text);
    expect(problems.join("\n")).toContain(message);
    expect(problems.join("\n")).not.toContain(SECRET_VALUE);
  });

  it("accepts the AIRLOCK_KMS_* settings (none is a secret) and refuses a KMS endpoint that carries credentials", () => {
    const lines = [
      "AIRLOCK_KMS_KEY_ID=arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
      "AIRLOCK_KMS_REGION=us-east-1",
      "AIRLOCK_KMS_ENDPOINT=https://kms-fips.us-east-1.amazonaws.com",
      "AIRLOCK_KMS_CONNECT_PORT=8443",
      "AIRLOCK_KMS_VSOCK_PORT=8000",
    ];
    expect(parseEnclaveEnv(lines.join("\n"))).toEqual(Object.fromEntries(lines.map((l) => l.split(/=(.*)/s).slice(0, 2))));
    for (const name of KMS_VARIABLES) expect(isSecretName(name), name).toBe(false);
    for (const endpoint of [`https://AKIAEXAMPLE:${SECRET_VALUE}@kms.us-east-1.amazonaws.com`, `https://${SECRET_VALUE}@kms.us-east-1.amazonaws.com`]) {
      const problems = problemsOf(`AIRLOCK_KMS_ENDPOINT=${endpoint}`).join("\n");
      expect(problems).toContain("enclave.env line 1: AIRLOCK_KMS_ENDPOINT carries credentials (user:password@): secrets never go into the image");
      expect(problems).not.toContain(SECRET_VALUE);
    }
    // The supervisor's test seam is not a setting of the measured configuration.
    expect(problemsOf('AIRLOCK_KMS_FORWARDER_CMD=["node","x"]').join("\n")).toContain("AIRLOCK_KMS_FORWARDER_CMD is not a setting");
  });

  it("refuses a file larger than 64 KiB before reading its lines", () => {
    expect(problemsOf(`KEYRING_DEFAULT_KEY_ID=${"x".repeat(64 * 1024)}`)).toEqual(["enclave.env is larger than 65536 bytes"]);
  });

  it("reports every problem at once", () => {
    const problems = problemsOf(["NODE_ENV=x", "# fine", `KEYRING_HMAC_SECRET=${SECRET_VALUE}`, "KEYRING_DEFAULT_KEY_ID="].join("\n"));
    expect(problems).toHaveLength(3);
    expect(problems.map((p) => /line (\d+)/.exec(p)?.[1])).toEqual(["1", "3", "4"]);
  });

  it("refuses every secret-bearing variable of the sidecar, and lets none through the allowlist", () => {
    // secret-files.ts's *_FILE variables and the plain variables they stand for; the admin public
    // key is public, and the two JSON lists are accepted as declarations only (tested above).
    const declarations = Object.entries(ENCLAVE_SETTINGS).filter(([, kind]) => kind === "declarations").map(([name]) => name);
    expect(declarations.sort()).toEqual(["KEYRING_AUTH_CLIENTS_JSON", "KEYRING_EXCHANGE_ACCOUNTS_JSON"]);
    const secretBearing = [...Object.keys(SECRET_FILE_VARIABLES), ...Object.values(SECRET_FILE_VARIABLES), ...PLAIN_SECRET_VARIABLES];
    for (const name of new Set(secretBearing)) {
      if (name.startsWith("AIRLOCK_ADMIN_PUBLIC_KEY") || declarations.includes(name)) continue;
      expect(isSecretName(name), name).toBe(true);
    }
    for (const name of Object.keys(ENCLAVE_SETTINGS)) expect(SECRET_NAME.test(name), name).toBe(false);
    // .env.example marks its secrets "CHANGE ME": each is refused.
    const example = readFileSync(join(REPO, "packages/signer/.env.example"), "utf8").split("\n");
    const marked = example.flatMap((line, i) => (/CHANGE ME/.test(example[i - 1] ?? "") && /^[A-Z_]+=/.test(line) ? [line.split("=")[0]!] : []));
    expect(marked).toEqual(expect.arrayContaining(["KEYRING_HMAC_SECRET", "SESSION_PRIVATE_KEY"]));
    for (const name of marked) expect(isSecretName(name), name).toBe(true);
  });

  it("reads a directory: enclave.env and the files it names (bare, or by their /etc/airlock path), file settings as absolute paths", () => {
    const dir = configDir(["KEYRING_POLICY_FILE=policy.yaml", "AIRLOCK_ADMIN_PUBLIC_KEY_FILE=/etc/airlock/admin.b64", "KEYRING_DEFAULT_KEY_ID=default"], {
      "policy.yaml": "version: 1\n",
      "admin.b64": ADMIN_PUBLIC_KEY,
    });
    expect(readEnclaveConfig(dir)).toEqual({
      vars: { KEYRING_POLICY_FILE: join(dir, "policy.yaml"), AIRLOCK_ADMIN_PUBLIC_KEY_FILE: join(dir, "admin.b64"), KEYRING_DEFAULT_KEY_ID: "default" },
      files: ["enclave.env", "policy.yaml", "admin.b64"],
    });
  });

  it.each<[string, () => string, string]>([
    ["no enclave.env", () => tmp("empty"), "has no enclave.env (the image build takes the directory as --build-context enclave-config=<dir>"],
    ["a missing named file", () => configDir(["KEYRING_POLICY_FILE=policy.yaml"]), "KEYRING_POLICY_FILE (policy.yaml) could not be read (ENOENT)"],
    ["a stray file", () => configDir(["KEYRING_DEFAULT_KEY_ID=default"], { "keys.json": "{}" }), "holds keys.json, which enclave.env does not name"],
    ["a subdirectory", () => {
      const dir = configDir(["KEYRING_DEFAULT_KEY_ID=default"]);
      mkdirSync(join(dir, "secrets"));
      return dir;
    }, "holds secrets, which enclave.env does not name"],
    ["enclave.env as a link", () => {
      const dir = tmp("linked");
      const target = join(configDir(["KEYRING_DEFAULT_KEY_ID=default"]), "enclave.env");
      symlinkSync(target, join(dir, "enclave.env"));
      return dir;
    }, "enclave.env must be a regular file (not a link or a directory)"],
    ["a named file as a link", () => {
      const dir = configDir(["KEYRING_POLICY_FILE=policy.yaml"]);
      symlinkSync("/etc/hostname", join(dir, "policy.yaml"));
      return dir;
    }, "KEYRING_POLICY_FILE (policy.yaml) must be a regular file"],
    ["a private key in a named file", () => configDir(["KEYRING_POLICY_FILE=policy.yaml"], { "policy.yaml": "version: 1\n# -----BEGIN EC PRIVATE KEY-----\n" }), "KEYRING_POLICY_FILE (policy.yaml) contains a private key"],
    ["a secret in enclave.env", () => configDir([`KEYRING_HMAC_SECRET=${SECRET_VALUE}`]), "KEYRING_HMAC_SECRET is a secret"],
    ["an enclave.env that is not UTF-8", () => {
      const dir = tmp("latin1");
      writeFileSync(join(dir, "enclave.env"), Buffer.from([0x4b, 0x3d, 0xff, 0x0a]));
      return dir;
    }, "enclave.env is not UTF-8"],
  ])("refuses a directory with %s", (_what, make, message) => {
    const dir = make();
    let problems: string[] = [];
    try {
      readEnclaveConfig(dir);
    } catch (err) {
      expect(err).toBeInstanceOf(EnclaveConfigError);
      problems = (err as EnclaveConfigError).problems;
    }
    expect(problems.join("\n")).toContain(message);
    expect(problems.join("\n")).not.toContain(SECRET_VALUE);
  });

  const check = (dir: string) => spawnSync(process.execPath, [join(ENCLAVE, "enclave-config.mjs"), "check", dir], { encoding: "utf8", timeout: 30_000 });

  it("config.example/ is refused only for its placeholder, and filled in it passes the build-time check", () => {
    let problems: string[] = [];
    try {
      readEnclaveConfig(EXAMPLE_CONFIG);
    } catch (err) {
      problems = (err as EnclaveConfigError).problems;
    }
    expect(problems).toEqual(["enclave.env line 15: AIRLOCK_ADMIN_PUBLIC_KEY is still the example's placeholder (REPLACE-ME): fill it in"]);
    const refused = check(EXAMPLE_CONFIG);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain("enclave-config: the enclave configuration is refused");

    const dir = filledExample();
    const ok = check(dir);
    expect(ok.stderr).toBe("");
    expect(ok.status).toBe(0);
    expect(JSON.parse(ok.stdout)).toEqual({
      event: "enclave_config.ok",
      variables: [
        "AIRLOCK_ADMIN_PUBLIC_KEY",
        "AIRLOCK_PROVISIONED_KEY_IDS",
        "KEYRING_DEFAULT_KEY_ID",
        "KEYRING_DEFAULT_AUTH_CLIENT_ID",
        "KEYRING_AUTH_CLIENTS_JSON",
        "KEYRING_ALLOWED_CHAIN_IDS",
        "KEYRING_MAX_VALIDITY_WINDOW_SEC",
        "KEYRING_POLICY_FILE",
        "KEYRING_EXCHANGE_ACCOUNTS_JSON",
        "KEYRING_RATE_LIMIT_WINDOW_MS",
        "KEYRING_RATE_LIMIT_MAX_REQUESTS",
      ],
      files: ["enclave.env", "policy.yaml"],
    });
    expect(check(tmp("usage")).status).toBe(1);
    expect(spawnSync(process.execPath, [join(ENCLAVE, "enclave-config.mjs")], { encoding: "utf8" }).status).toBe(2);
  });

  it("config.example/'s KMS lines, uncommented: the build-time check passes, the image's production sidecar takes them, the supervisor starts the forwarder", () => {
    const dir = filledExample();
    const envFile = join(dir, "enclave.env");
    const text = readFileSync(envFile, "utf8");
    const commented = text.split("\n").filter((l) => /^#AIRLOCK_KMS_[A-Z_]+=/.test(l));
    expect(commented.map((l) => l.slice(1).split("=")[0]).sort()).toEqual([...KMS_VARIABLES].sort());
    writeFileSync(envFile, text.replaceAll(/^#(AIRLOCK_KMS_[A-Z_]+=)/gm, "$1"));
    const ok = check(dir);
    expect(ok.stderr).toBe("");
    expect(JSON.parse(ok.stdout).variables).toEqual(expect.arrayContaining([...KMS_VARIABLES]));

    // The image's environment plus this configuration, as the supervisor hands it to the sidecar.
    const { vars } = readEnclaveConfig(dir);
    const supervisor = readSupervisorConfig(finalEnv);
    const forSidecar = sidecarEnvironment(finalEnv, vars, supervisor.port!);
    expect(forSidecar).not.toHaveProperty("AIRLOCK_KMS_VSOCK_PORT");
    const config = loadConfig(forSidecar);
    expect(config.production).toBe(true);
    expect(config.provisioning?.kms).toEqual({
      keyArn: vars.AIRLOCK_KMS_KEY_ID,
      region: "us-east-1",
      endpoint: "https://kms-fips.us-east-1.amazonaws.com",
      connectPort: 8443,
    });
    expect(readKmsForwarder(supervisor, { ...finalEnv, ...vars })?.argv).toEqual(["socat", "TCP-LISTEN:8443,bind=127.0.0.1,fork,reuseaddr", "VSOCK-CONNECT:3:8000"]);
    // https only in production: the sidecar's rule (the checker does not repeat it), so an image
    // with a plain-http endpoint builds but its sidecar refuses to start.
    expect(() => loadConfig({ ...forSidecar, AIRLOCK_KMS_ENDPOINT: "http://127.0.0.1:4566" })).toThrow("AIRLOCK_KMS_ENDPOINT must be https with NODE_ENV=production");
  });

  it("config.example/ holds what the sidecar accepts: a valid policy file, an admin key slot, exchange declarations", () => {
    const { vars } = readEnclaveConfig(filledExample());
    const problems = new Problems();
    const policyPath = vars.KEYRING_POLICY_FILE!;
    expect(parsePolicyFile(policyPath, readFileSync(policyPath, "utf8"), problems)).toBeDefined();
    expect(problems.lines()).toEqual([]);
    expect(parseAdminPublicKey(vars.AIRLOCK_ADMIN_PUBLIC_KEY!).asymmetricKeyType).toBe("ed25519");
    for (const entry of JSON.parse(vars.KEYRING_EXCHANGE_ACCOUNTS_JSON!) as unknown[]) {
      expect(ProvisionedAccountDeclaration.safeParse(entry).success).toBe(true);
    }
    // Nothing in it that the secret checks would have to catch: the example teaches the right form.
    for (const [name, value] of Object.entries(vars)) if (name !== "AIRLOCK_ADMIN_PUBLIC_KEY") expect(value, name).not.toMatch(/secret|private|BEGIN/i);
  });
});

// --- the entrypoint as a process --------------------------------------------------------------

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === "object" && addr ? resolvePort(addr.port) : reject(new Error("no port"))));
    });
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Resolves true when something accepts a connection on 127.0.0.1:port, false when refused (bounded). */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolveAccepts) => {
    const socket = connect({ host: "127.0.0.1", port });
    const timer = setTimeout(() => (socket.destroy(), resolveAccepts(false)), 5_000);
    socket.once("connect", () => (clearTimeout(timer), socket.destroy(), resolveAccepts(true)));
    socket.once("error", () => (clearTimeout(timer), resolveAccepts(false)));
  });
}

/** Resolves with the promise's value, or rejects after timeoutMs (a bound, not a timing assertion). */
async function within<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing after ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The host side of the audit channel in tests: one connection at a time, appended to a file. */
interface AuditReceiver {
  readonly port: number;
  readonly file: string;
  /** Resolves once a sender's connection has closed. */
  readonly ended: Promise<void>;
  /** Drops the connection from the receiving side: the host going away. */
  hangUp(): void;
}

const receivers: { close(): void }[] = [];
afterAll(() => {
  for (const r of receivers) r.close();
});

async function startAuditReceiver(): Promise<AuditReceiver> {
  const file = join(tmp("audit"), "audit.jsonl");
  writeFileSync(file, "");
  const sockets = new Set<Socket>();
  let markEnded!: () => void;
  const ended = new Promise<void>((r) => (markEnded = r));
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on("data", (chunk: Buffer) => appendFileSync(file, chunk));
    socket.on("error", () => socket.destroy());
    socket.once("close", () => {
      sockets.delete(socket);
      markEnded();
    });
  });
  server.maxConnections = 1;
  await new Promise<void>((resolveListen, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolveListen());
  });
  const hangUp = () => {
    for (const socket of sockets) socket.destroy();
  };
  receivers.push({ close: () => (hangUp(), server.close()) });
  return { port: (server.address() as { port: number }).port, file, ended, hangUp };
}

/** The records of an audit file, after checking that its chain holds. */
function auditRecords(text: string): Record<string, unknown>[] {
  const chain = verifyAuditChain(text);
  expect(chain, text.slice(-2000)).toMatchObject({ ok: true });
  return text
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Whether something listens on 127.0.0.1:port, read from /proc (no connection is made). */
function listening(port: number): boolean {
  const hex = `0100007F:${port.toString(16).toUpperCase().padStart(4, "0")}`;
  return readFileSync("/proc/net/tcp", "utf8")
    .split("\n")
    .some((line) => {
      const cols = line.trim().split(/\s+/);
      return cols[1] === hex && cols[3] === "0A";
    });
}

/** Polls cond every 50 ms, at most `tries` times; throws naming `what` when it never holds. */
async function until(cond: () => boolean, what: string, tries = 400): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what}: not after ${tries} checks`);
}

/** Waits (bounded) for a listener on 127.0.0.1:port without connecting to it. */
const untilListening = (port: number) => until(() => listening(port), `a listener on 127.0.0.1:${port}`);

interface Supervised {
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first line of the stream that satisfies pred (bounded). */
  line(stream: "stdout" | "stderr", pred: (line: string) => boolean, timeoutMs?: number): Promise<string>;
}

function startSupervisor(env: Record<string, string>): Supervised {
  const child = spawn(process.execPath, [ENTRYPOINT], { env, stdio: ["ignore", "pipe", "pipe"], cwd: tmp("cwd") });
  const out = { stdout: "", stderr: "" };
  const waiters: { stream: "stdout" | "stderr"; pred: (l: string) => boolean; resolve: (l: string) => void }[] = [];
  const feed = (stream: "stdout" | "stderr") => (d: Buffer) => {
    out[stream] += d;
    for (const w of [...waiters]) {
      const found = out[w.stream].split("\n").find(w.pred);
      if (found !== undefined) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(found);
      }
    }
  };
  child.stdout!.on("data", feed("stdout"));
  child.stderr!.on("data", feed("stderr"));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.once("exit", (code, signal) => r({ code, signal })));
  return {
    child,
    exited,
    stdout: () => out.stdout,
    stderr: () => out.stderr,
    line(stream, pred, timeoutMs = 30_000) {
      const existing = out[stream].split("\n").find(pred);
      if (existing !== undefined) return Promise.resolve(existing);
      return new Promise((resolveLine, reject) => {
        const timer = setTimeout(() => reject(new Error(`no matching ${stream} line in ${timeoutMs} ms; stderr: ${out.stderr.slice(-3000)}`)), timeoutMs);
        waiters.push({ stream, pred, resolve: (l) => (clearTimeout(timer), resolveLine(l)) });
        void exited.then(() => {
          clearTimeout(timer);
          setImmediate(() => reject(new Error(`supervisor exited; stderr: ${out.stderr.slice(-3000)}`)));
        });
      });
    },
  };
}

/** Waits (bounded) for the supervisor to exit; SIGKILLs it when it does not. */
async function exitOf(s: Supervised, timeoutMs = 20_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => (s.child.kill("SIGKILL"), reject(new Error(`supervisor still running after ${timeoutMs} ms`))), timeoutMs);
  });
  try {
    return await Promise.race([s.exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const event = (name: string) => (line: string) => line.includes(`"event":"${name}"`);
const childPid = async (s: Supervised, name: string) =>
  (JSON.parse(await s.line("stderr", (l) => l.includes('"event":"enclave.child_started"') && l.includes(`"child":"${name}"`))) as { pid: number }).pid;

const STRK = "0x04718f5a0fc34cc1af16a1cdee98ffb20c31f5cd61d6ab07201858f4287c938d";
const RECIPIENT = "0x06f1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f";
const SN_SEPOLIA = "0x534e5f5345504f4c4941";
const lo = (() => {
  try {
    return readFileSync("/sys/class/net/lo/flags", "utf8");
  } catch {
    return undefined;
  }
})();

describe("entrypoint.mjs as a process: bridge, audit channel and sidecar, all or none", () => {
  const client = newClient("agent");
  const key = newKey("default");
  const marker = join(tmp("marker"), "loopback-command-ran");
  const supervisors: Supervised[] = [];
  // Children by pid: a failing test that leaves the supervisor killed must not leave them running.
  const childPids = new Set<number>();
  afterAll(() => {
    for (const s of supervisors) {
      if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill("SIGKILL");
      // Every child it reported, also in a test that failed before noting them.
      for (const m of s.stderr().matchAll(/"event":"enclave\.child_started","child":"[a-z-]+","pid":(\d+)/g)) childPids.add(Number(m[1]));
    }
    for (const pid of childPids) if (isAlive(pid)) process.kill(pid, "SIGKILL");
  });

  /**
   * The image's environment, then the keyring development configuration (the test host has no
   * NSM): NODE_ENV=test, in-process key, memory stores, a fixed free port, the loopback TCP
   * forwarder as the bridge, its --stdin-to mode as the audit channel to a receiver in this
   * process, and a loopback command that only leaves a marker.
   */
  async function keyringEnv(extra: Record<string, string | undefined> = {}): Promise<{ env: Record<string, string>; port: number; audit: AuditReceiver }> {
    const port = await freePort();
    const audit = await startAuditReceiver();
    const merged: Record<string, string | undefined> = {
      ...finalEnv,
      ...sidecarEnv({ clients: [client], keys: [key] }),
      NODE_ENV: "test",
      AIRLOCK_BACKEND: "keyring",
      // Receipts are opt-in beside the agent; the audit checks below read them.
      AIRLOCK_RECEIPTS: "on",
      AIRLOCK_ATTESTATION_SOURCE: undefined,
      HOST: "127.0.0.1",
      PORT: String(port),
      PATH: process.env.PATH ?? "",
      HOME: tmp("home"),
      TMPDIR: tmp("tmpdir"),
      AIRLOCK_VSOCK_BRIDGE_CMD: JSON.stringify([process.execPath, FORWARDER, "--to", String(port), "--listen-port", "0"]),
      AIRLOCK_AUDIT_CHANNEL_CMD: JSON.stringify([process.execPath, FORWARDER, "--stdin-to", String(audit.port)]),
      AIRLOCK_LOOPBACK_UP_CMD: JSON.stringify([process.execPath, "-e", `require("node:fs").writeFileSync(${JSON.stringify(marker)}, "ran")`]),
      ...extra,
    };
    return { env: Object.fromEntries(Object.entries(merged).filter((e): e is [string, string] => e[1] !== undefined)), port, audit };
  }

  /**
   * Starts the supervisor and waits for the bridge, the audit channel, the sidecar and its
   * server.started. With a KMS forwarder stand-in on kmsConnectPort, the bridge's port is the
   * other stand-in's.
   */
  async function startAll(extra: Record<string, string | undefined> = {}, opts: { kmsConnectPort?: number } = {}) {
    const { env, port, audit } = await keyringEnv(extra);
    const s = startSupervisor(env);
    supervisors.push(s);
    const bridgePid = await childPid(s, "bridge");
    const auditPid = await childPid(s, "audit");
    const sidecarPid = await childPid(s, "sidecar");
    childPids.add(bridgePid).add(auditPid).add(sidecarPid);
    const bridgeListening = (l: string) => event("forwarder.listening")(l) && (opts.kmsConnectPort === undefined || !l.includes(`"port":${opts.kmsConnectPort}}`));
    const bridgePort = (JSON.parse(await s.line("stdout", bridgeListening)) as { port: number }).port;
    await s.line("stderr", event("server.started"));
    return { s, port, audit, bridgePid, auditPid, sidecarPid, bridgePort };
  }

  const session = (entrypointName: string) => ({
    accountAddress: "0x4a1",
    chainId: SN_SEPOLIA,
    nonce: `0x${randomBytes(4).toString("hex")}`,
    validUntil: Math.floor(Date.now() / 1000) + 300,
    calls: [{ contractAddress: STRK, entrypoint: entrypointName, calldata: [RECIPIENT, "1000", "0"] }],
  });

  const airlockAt = (bridgePort: number) => new AirlockClient({ baseUrl: `http://127.0.0.1:${bridgePort}`, clientId: client.id, hmacSecret: client.secret, retry: { attempts: 1 } });

  /** Signs one transfer through the bridge; returns the signature. */
  async function signThrough(bridgePort: number, entrypointName = "transfer"): Promise<readonly string[]> {
    const airlock = airlockAt(bridgePort);
    try {
      return (await airlock.signSessionTransaction(session(entrypointName))).signature;
    } finally {
      await airlock.close();
    }
  }

  /** The audit file's decision record of a signature, after checking the chain; with its receipt checked against the record. */
  function signedRecord(text: string): { record: Record<string, unknown>; receipt: Receipt } {
    const records = auditRecords(text);
    const record = records.find((r) => r.event === "sign.session_transaction.success");
    expect(record, text).toBeDefined();
    const receipt = ReceiptSchema.parse(record!.receipt);
    expect(receipt).toMatchObject({ requestId: record!.requestId, route: "sign.session_transaction", clientId: client.id, keyId: key.keyId, status: 200 });
    expect(BigInt(receipt.signedHash!)).toBe(BigInt(record!.messageHash as string));
    return { record: record!, receipt };
  }

  it("serves through the bridge (health and a signature), sends the audit chain out of the enclave, then stops all three and exits 0 on SIGTERM", async () => {
    const { s, port, audit, bridgePid, auditPid, sidecarPid, bridgePort } = await startAll();
    const started = JSON.parse(await s.line("stderr", event("server.started"))) as { url: string; backend: string };
    expect(started.url).toBe(`http://127.0.0.1:${port}`);
    expect(started.backend).toBe("keyring");
    // lo is up on this host, so the loopback command is skipped; were it down, it would run.
    if (lo !== undefined && (Number.parseInt(lo, 16) & 1) === 1) expect(existsSync(marker)).toBe(false);
    else expect(readFileSync(marker, "utf8")).toBe("ran");

    const health = await fetch(`http://127.0.0.1:${bridgePort}/health`, { signal: AbortSignal.timeout(5_000) });
    expect(health.status).toBe(200);
    expect(await signThrough(bridgePort)).toHaveLength(4);

    s.child.kill("SIGTERM");
    expect(await exitOf(s)).toEqual({ code: 0, signal: null });
    for (const pid of [bridgePid, auditPid, sidecarPid]) expect(isAlive(pid)).toBe(false);
    expect(await accepts(port)).toBe(false);
    expect(await accepts(bridgePort)).toBe(false);
    expect(s.stderr()).toContain('"event":"enclave.stopping"');

    // The audit channel ended after the sidecar's last record: the whole chain arrived.
    await within(audit.ended, 10_000, "audit connection end");
    const text = readFileSync(audit.file, "utf8");
    signedRecord(text);
    // Records go to the channel only; the operational log (stderr) and the console (stdout) have none.
    expect(s.stdout() + s.stderr()).not.toContain('"prev":');
    for (const secret of [client.secret, key.privateKeyHex]) expect(s.stdout() + s.stderr() + text).not.toContain(secret);
  });

  it("exits non-zero as soon as the audit channel dies, and takes the bridge and the sidecar down with it", async () => {
    const { s, port, bridgePid, auditPid, sidecarPid, bridgePort } = await startAll();
    process.kill(auditPid, "SIGKILL");
    const { code } = await exitOf(s);
    expect(code).toBe(137);
    expect(isAlive(bridgePid)).toBe(false);
    expect(isAlive(sidecarPid)).toBe(false);
    expect(await accepts(port)).toBe(false);
    expect(await accepts(bridgePort)).toBe(false);
    expect(JSON.parse(await s.line("stderr", event("enclave.child_exited")))).toMatchObject({ level: "error", child: "audit", exitCode: 137 });
  });

  it("exits non-zero when the receiver on the host goes away, without waiting for another decision", async () => {
    const { s, audit, sidecarPid } = await startAll();
    await s.line("stderr", event("forwarder.audit_connected"));
    audit.hangUp();
    const { code } = await exitOf(s);
    expect(code).toBe(1);
    expect(isAlive(sidecarPid)).toBe(false);
    expect(JSON.parse(await s.line("stderr", event("enclave.child_exited")))).toMatchObject({ child: "audit", exitCode: 1 });
  });

  it("exits non-zero as soon as the bridge dies, and takes the sidecar (and then the audit channel) down with it", async () => {
    const { s, port, bridgePid, auditPid, sidecarPid } = await startAll();
    process.kill(bridgePid, "SIGKILL");
    const { code } = await exitOf(s);
    expect(code).toBe(137);
    expect(isAlive(sidecarPid)).toBe(false);
    expect(isAlive(auditPid)).toBe(false);
    expect(await accepts(port)).toBe(false);
    expect(JSON.parse(await s.line("stderr", event("enclave.child_exited")))).toMatchObject({ level: "error", child: "bridge", exitCode: 137 });
  });

  it("exits non-zero as soon as the sidecar dies, and takes the bridge and the audit channel down with it", async () => {
    const { s, bridgePid, auditPid, sidecarPid, bridgePort } = await startAll();
    process.kill(sidecarPid, "SIGKILL");
    const { code } = await exitOf(s);
    expect(code).toBe(137);
    expect(isAlive(bridgePid)).toBe(false);
    expect(isAlive(auditPid)).toBe(false);
    expect(await accepts(bridgePort)).toBe(false);
    expect(JSON.parse(await s.line("stderr", event("enclave.child_exited")))).toMatchObject({ child: "sidecar", exitCode: 137 });
  });

  it("forwards SIGINT too, and exits with the sidecar's code for it", async () => {
    const { s, bridgePid, auditPid, sidecarPid } = await startAll();
    s.child.kill("SIGINT");
    expect(await exitOf(s)).toEqual({ code: 130, signal: null });
    for (const pid of [bridgePid, auditPid, sidecarPid]) expect(isAlive(pid)).toBe(false);
  });

  it("exits non-zero when the bridge cannot start, without leaving a sidecar behind", async () => {
    const { env, port } = await keyringEnv({ AIRLOCK_VSOCK_BRIDGE_CMD: JSON.stringify([join(tmp("nobin"), "socat"), "x", "y"]) });
    const s = startSupervisor(env);
    supervisors.push(s);
    const { code } = await exitOf(s);
    expect(code).toBe(1);
    expect(JSON.parse(await s.line("stderr", event("enclave.child_error")))).toMatchObject({ child: "bridge", error: "ENOENT" });
    const sidecar = /"event":"enclave.child_started","child":"sidecar","pid":(\d+)/.exec(s.stderr());
    if (sidecar) expect(isAlive(Number(sidecar[1]))).toBe(false);
    expect(await accepts(port)).toBe(false);
  });

  it("exits non-zero when the audit channel cannot start, and never starts the sidecar", async () => {
    const { env, port } = await keyringEnv({ AIRLOCK_AUDIT_CHANNEL_CMD: JSON.stringify([join(tmp("nobin"), "socat"), "x", "y"]) });
    const s = startSupervisor(env);
    supervisors.push(s);
    const { code } = await exitOf(s);
    expect(code).toBe(1);
    expect(JSON.parse(await s.line("stderr", event("enclave.child_error")))).toMatchObject({ child: "audit", error: "ENOENT" });
    expect(s.stderr()).not.toContain('"child":"sidecar"');
    expect(await accepts(port)).toBe(false);
  });

  it("exits non-zero when the audit receiver is not there at boot", async () => {
    const { env } = await keyringEnv({ AIRLOCK_AUDIT_CHANNEL_CMD: JSON.stringify([process.execPath, FORWARDER, "--stdin-to", String(await freePort())]) });
    const s = startSupervisor(env);
    supervisors.push(s);
    const { code } = await exitOf(s);
    expect(code).toBe(1);
    expect(JSON.parse(await s.line("stderr", event("enclave.child_exited")))).toMatchObject({ child: "audit", exitCode: 1 });
  });

  it("exits non-zero when the sidecar refuses its configuration, and stops the bridge", async () => {
    const { env } = await keyringEnv({ KEYRING_MAX_SKEW_MS: "soon" });
    const s = startSupervisor(env);
    supervisors.push(s);
    const bridgePid = await childPid(s, "bridge").catch(() => undefined);
    if (bridgePid !== undefined) childPids.add(bridgePid);
    const { code } = await exitOf(s);
    expect(code).toBe(1);
    expect(s.stderr()).toContain("KEYRING_MAX_SKEW_MS");
    if (bridgePid !== undefined) expect(isAlive(bridgePid)).toBe(false);
  });

  it("refuses a bad configuration before starting anything", async () => {
    const { env } = await keyringEnv({ HOST: "0.0.0.0", PORT: "0", KEYRING_AUDIT_LOG_FILE: join(tmp("auditfile"), "a.jsonl") });
    const s = startSupervisor(env);
    supervisors.push(s);
    expect(await exitOf(s)).toEqual({ code: 1, signal: null });
    expect(s.stderr()).toContain("airlock-enclave: config: PORT must be a port number from 1 to 65535");
    expect(s.stderr()).toContain("airlock-enclave: config: HOST must be 127.0.0.1");
    expect(s.stderr()).toContain("airlock-enclave: config: KEYRING_AUDIT_LOG_FILE must be unset");
    expect(s.stderr()).not.toContain("enclave.child_started");
    expect(existsSync(marker)).toBe(false);
  });

  it("passes the measured configuration to the sidecar: its policy file decides", async () => {
    const dir = configDir(["KEYRING_POLICY_FILE=policy.yaml", "KEYRING_MAX_VALIDITY_WINDOW_SEC=600"], {
      "policy.yaml": "version: 1\nclients:\n  agent:\n    allowedEntrypoints: [transfer]\n",
    });
    const { s, bridgePort } = await startAll({ AIRLOCK_ENCLAVE_CONFIG_DIR: dir });
    expect(JSON.parse(await s.line("stderr", event("enclave.config")))).toMatchObject({
      variables: ["KEYRING_POLICY_FILE", "KEYRING_MAX_VALIDITY_WINDOW_SEC"],
      files: ["enclave.env", "policy.yaml"],
    });
    expect(await signThrough(bridgePort, "transfer")).toHaveLength(4);
    await expect(signThrough(bridgePort, "approve")).rejects.toMatchObject({ code: "POLICY_DENIED" });
    s.child.kill("SIGTERM");
    expect(await exitOf(s)).toEqual({ code: 0, signal: null });
  });

  it.each<[string, () => string, string]>([
    ["a secret in enclave.env", () => configDir([`KEYRING_HMAC_SECRET=${SECRET_VALUE}`]), "airlock-enclave: enclave-config: enclave.env line 1: KEYRING_HMAC_SECRET is a secret"],
    ["a variable set in both places", () => configDir(["KEYRING_DEFAULT_KEY_ID=default"]), "airlock-enclave: config: KEYRING_DEFAULT_KEY_ID is set both in the environment and in enclave.env"],
    ["a missing configuration directory", () => join(tmp("gone"), "config"), "airlock-enclave: enclave-config: the configuration directory could not be read (ENOENT)"],
    ["a KMS vsock port without the KMS forwarder's port", () => configDir(["AIRLOCK_KMS_VSOCK_PORT=8000"]), "airlock-enclave: config: AIRLOCK_KMS_VSOCK_PORT needs AIRLOCK_KMS_CONNECT_PORT"],
  ])("refuses %s before starting anything", async (_what, makeDir, message) => {
    const { env } = await keyringEnv({ AIRLOCK_ENCLAVE_CONFIG_DIR: makeDir() });
    const s = startSupervisor(env);
    supervisors.push(s);
    expect(await exitOf(s)).toEqual({ code: 1, signal: null });
    expect(s.stderr()).toContain(message);
    expect(s.stderr()).not.toContain(SECRET_VALUE);
    expect(s.stderr()).not.toContain("enclave.child_started");
  });

  it("the sidecar alone refuses every decision once its stdout (the audit channel) is gone: EPIPE, then AUDIT_UNAVAILABLE", async () => {
    // The arrangement the supervisor makes, without the supervisor (which would stop the sidecar):
    // a reader owns the other end of the sidecar's stdout, then dies.
    const port = await freePort();
    const reader = spawn(process.execPath, ["-e", "process.stdin.resume()"], { stdio: ["pipe", "ignore", "ignore"] });
    const env = { ...sidecarEnv({ clients: [client], keys: [key] }), PORT: String(port), PATH: process.env.PATH ?? "", HOME: tmp("home") };
    const sidecar = spawn(process.execPath, [join(REPO, "packages/signer/dist/cli.js"), "serve"], { stdio: ["ignore", reader.stdin!, "pipe"], env });
    reader.stdin!.destroy();
    childPids.add(reader.pid!).add(sidecar.pid!);
    let stderr = "";
    sidecar.stderr!.on("data", (d: Buffer) => (stderr += d));
    try {
      await until(() => stderr.includes('"event":"server.started"'), "sidecar start");
      const readerGone = new Promise((r) => reader.once("exit", r));
      reader.kill("SIGKILL");
      await within(readerGone, 10_000, "reader exit");
      for (let i = 0; i < 2; i++) await expect(signThrough(port)).rejects.toMatchObject({ code: "UNAVAILABLE", serverCode: "AUDIT_UNAVAILABLE", status: 503 });
      expect(stderr).toContain('"event":"audit.write_failed"');
    } finally {
      sidecar.kill("SIGKILL");
    }
  });

  // The real socat on both sides, with VSOCK swapped for loopback TCP (there is no vsock
  // loopback here): the enclave's exact audit argv, and host-audit-receiver.sh as shipped.
  // The real socat with VSOCK swapped for loopback TCP (there is no vsock loopback here), first
  // in a PATH or named by a test seam.
  const realSocat = hasSocat ? spawnSync("sh", ["-c", "command -v socat"], { encoding: "utf8" }).stdout.trim() : "";
  const wrapperBin = tmp("socat-vsock-as-tcp");
  writeFileSync(
    join(wrapperBin, "socat"),
    [
      "#!/bin/sh",
      "# socat with VSOCK-LISTEN:<port> -> TCP-LISTEN:<port> on 127.0.0.1 and VSOCK-CONNECT:<cid>:<port> -> TCP:127.0.0.1:<port>",
      "n=$#",
      'for a in "$@"; do',
      '  case "$a" in',
      '    VSOCK-LISTEN:*) a="TCP-LISTEN:${a#VSOCK-LISTEN:},bind=127.0.0.1" ;;',
      '    VSOCK-CONNECT:*) rest="${a#VSOCK-CONNECT:}"; a="TCP:127.0.0.1:${rest#*:}" ;;',
      "  esac",
      '  set -- "$@" "$a"',
      "done",
      'shift "$n"',
      `exec ${realSocat} "$@"`,
      "",
    ].join("\n"),
    { mode: 0o755 },
  );

  describe.skipIf(!hasSocat)("with the real socat: the production audit argv and host-audit-receiver.sh", () => {
    const receiverGroups: number[] = [];
    afterAll(() => {
      for (const pgid of receiverGroups) {
        try {
          process.kill(-pgid, "SIGKILL");
        } catch {
          // already gone
        }
      }
    });

    /** host-audit-receiver.sh in its own process group, on a free port; resolves once socat listens. */
    async function startReceiverScript() {
      const port = await freePort();
      const dir = tmp("host-audit");
      const child = spawn("bash", [join(ENCLAVE, "host-audit-receiver.sh"), "--dir", dir, "--vsock-port", String(port)], {
        env: { PATH: `${wrapperBin}:/usr/local/bin:/usr/bin:/bin`, HOME: tmp("home") },
        stdio: ["ignore", "ignore", "pipe"],
        detached: true,
      });
      receiverGroups.push(child.pid!);
      let stderr = "";
      child.stderr!.on("data", (d: Buffer) => (stderr += d));
      await untilListening(port);
      return { port, dir, child, stderr: () => stderr };
    }

    it("delivers the whole chain to a new file on the host, and the production argv notices the receiver's end at once", async () => {
      const receiver = await startReceiverScript();
      const auditCmd = JSON.stringify([join(wrapperBin, "socat"), ...defaultAuditChannel(receiver.port).slice(1)]);
      const { s, bridgePort } = await startAll({ AIRLOCK_AUDIT_CHANNEL_CMD: auditCmd });
      expect(await signThrough(bridgePort)).toHaveLength(4);
      s.child.kill("SIGTERM");
      expect(await exitOf(s)).toEqual({ code: 0, signal: null });
      await until(() => receiver.stderr().includes("connection ended"), "receiver: connection ended");
      const files = readdirSync(receiver.dir);
      expect(files).toHaveLength(1);
      expect(files[0]).toMatch(/^audit-\d{8}T\d{6}Z-\d+-1\.jsonl$/);
      expect(statSync(join(receiver.dir, files[0]!)).mode & 0o777).toBe(0o600);
      signedRecord(readFileSync(join(receiver.dir, files[0]!), "utf8"));
      expect(receiver.stderr()).toContain("connection ended (socat status 0)");

      // The receiver is listening again for the next enclave run; now the host stops it while
      // an enclave runs: the enclave stops without waiting for its next decision.
      await untilListening(receiver.port);
      const second = await startAll({ AIRLOCK_AUDIT_CHANNEL_CMD: auditCmd });
      process.kill(-receiver.child.pid!, "SIGTERM");
      expect((await exitOf(second.s)).code).toBe(1);
      expect(JSON.parse(await second.s.line("stderr", event("enclave.child_exited")))).toMatchObject({ child: "audit" });
      expect(isAlive(second.sidecarPid)).toBe(false);
    });
  });

  // The nitro backend with the NSM emulator, once the build has it (the lead is wiring it).
  const nitroReady = (() => {
    if (!existsSync(join(REPO, "packages/signer/dist/attestation/nsm-emulator.js"))) return false;
    try {
      const env = { ...sidecarEnv({ clients: [client], keys: [key] }), AIRLOCK_BACKEND: "nitro", AIRLOCK_ATTESTATION_SOURCE: "emulator" };
      return loadConfig(env).backend.kind === "nitro";
    } catch {
      return false;
    }
  })();
  if (!nitroReady) console.warn("\n*** WARNING: the nitro backend with the NSM emulator is not built or not accepted yet: its entrypoint test is SKIPPED ***\n");

  it.skipIf(!nitroReady)("runs the nitro backend with the NSM emulator behind the bridge: a fresh attestation, and audit records whose receipts the attested key signed", async () => {
    const rootFile = join(tmp("emulator-root"), "root.pem");
    const { s, audit, bridgePort } = await startAll({ AIRLOCK_BACKEND: "nitro", AIRLOCK_ATTESTATION_SOURCE: "emulator", AIRLOCK_EMULATOR_ROOT_FILE: rootFile });
    const started = JSON.parse(await s.line("stderr", event("server.started"))) as { backend: string; attestationSource?: string };
    expect(started).toMatchObject({ backend: "nitro", attestationSource: "emulator" });
    expect((await fetch(`http://127.0.0.1:${bridgePort}/health`, { signal: AbortSignal.timeout(5_000) })).status).toBe(200);
    const nonce = randomBytes(32);
    const attestation = await fetch(`http://127.0.0.1:${bridgePort}/v1/attestation?nonce=${nonce.toString("hex")}`, { signal: AbortSignal.timeout(10_000) });
    expect(attestation.status).toBe(200);
    const { document } = (await attestation.json()) as { document: string };
    const verified = verifyAttestationDocument(Buffer.from(document, "base64"), {
      now: new Date(),
      expectedNonce: nonce,
      rootFingerprintSha256: new X509Certificate(readFileSync(rootFile)).fingerprint256,
      allowDebugPcrs: true,
    });
    const receiptKey = receiptKeyFromSpki(verified.publicKey!);

    expect(await signThrough(bridgePort)).toHaveLength(4);
    s.child.kill("SIGTERM");
    expect(await exitOf(s)).toEqual({ code: 0, signal: null });
    await within(audit.ended, 10_000, "audit connection end");
    const { receipt } = signedRecord(readFileSync(audit.file, "utf8"));
    // What the host stores, it cannot forge: the record's receipt is the attested key's signature.
    expect(receipt.receiptKeyId).toBe(receiptKey.receiptKeyId);
    const { sig, ...unsigned } = receipt;
    expect(cryptoVerify(null, receiptSigningBytes(unsigned), receiptKey.publicKey, Buffer.from(sig, "base64url"))).toBe(true);
    const forged = { ...unsigned, signedHash: `0x${randomBytes(31).toString("hex")}` };
    expect(cryptoVerify(null, receiptSigningBytes(forged), receiptKey.publicKey, Buffer.from(sig, "base64url"))).toBe(false);
  });

  // Restarts with AWS KMS in the enclave's process tree: the sidecar in the nitro backend with
  // sealed provisioning and the NSM emulator, its KMS settings in enclave.env, and KMS reachable
  // only through the KMS forwarder: the endpoint it signs for is a loopback port where nothing
  // listens (as kms.<region>.amazonaws.com is out of an enclave's reach), and the forwarder (a
  // loopback stand-in, or the real socat with VSOCK swapped for TCP) relays to the fake KMS in
  // place of the parent's vsock-proxy. The host's kms-unseal reaches the sidecar through the bridge.
  describe.skipIf(!nitroReady)("the KMS forwarder: kms-unseal through the bridge, KMS through the forwarder", () => {
    const admin = generateKeyPairSync("ed25519");
    const adminPublicKey = admin.publicKey.export({ type: "spki", format: "der" }).toString("base64");
    // Throwaway credentials, for the fake only.
    const creds = { accessKeyId: "AKIAENCLAVEKMS000001", secretAccessKey: `enclave/${randomBytes(24).toString("base64")}`, sessionToken: `FwoG${randomBytes(48).toString("base64")}` };
    const awsEnv = { AWS_ACCESS_KEY_ID: creds.accessKeyId, AWS_SECRET_ACCESS_KEY: creds.secretAccessKey, AWS_SESSION_TOKEN: creds.sessionToken };
    const secrets = [client.secret, key.privateKeyHex, creds.secretAccessKey, creds.sessionToken];
    const outputs: RunResult[] = [];
    const files = { admin: "", keys: "", blob: "" };
    let fake: FakeKms;

    const cli = async (args: string[]) => {
      const run = await runCli(args, awsEnv);
      outputs.push(run);
      return run;
    };
    const decrypts = () => fake.calls.filter((c) => c.operation === "Decrypt").length;

    beforeAll(async () => {
      const dir = tmp("kms");
      files.admin = join(dir, "admin.pem");
      writeFileSync(files.admin, admin.privateKey.export({ type: "pkcs8", format: "pem" }) as string, { mode: 0o600 });
      files.keys = join(dir, "keys.json");
      writeFileSync(files.keys, JSON.stringify({ keys: [{ keyId: key.keyId, privateKey: key.privateKeyHex }], clients: [{ clientId: client.id, hmacSecret: client.secret }] }), { mode: 0o600 });
      files.blob = join(dir, "blob.json");
      fake = await startFakeKms({ ...creds, policy: { imageSha384: PCR0 }, rootFingerprintSha256: [] });
      // The operator's side, once: the keys sealed with KMS and signed with the admin key.
      const sealed = await cli(["kms-seal", "--keys-file", files.keys, "--admin-key-file", files.admin, "--kms-key-id", fake.keyArn, "--region", "us-east-1", "--endpoint", fake.url, "--out", files.blob, "--json"]);
      expect(sealed.stderr).toBe("");
      expect(sealed.code).toBe(0);
    });
    afterAll(async () => {
      await fake?.close();
    });

    /**
     * The supervisor's environment and enclave.env for a KMS enclave. `forwarder`: the loopback
     * stand-in (default), a command of the test's, or "socat": no seam, the supervisor's own
     * argv, run by the VSOCK-as-TCP socat wrapper first in PATH.
     */
    async function kmsEnclaveEnv(forwarder: "stand-in" | "socat" | readonly string[] = "stand-in", proxyPort = fake.port) {
      const connectPort = await freePort();
      const nowhere = await freePort();
      const dir = configDir([
        `AIRLOCK_ADMIN_PUBLIC_KEY=${adminPublicKey}`,
        `AIRLOCK_PROVISIONED_KEY_IDS=${key.keyId}`,
        `KEYRING_DEFAULT_KEY_ID=${key.keyId}`,
        `KEYRING_DEFAULT_AUTH_CLIENT_ID=${client.id}`,
        `KEYRING_AUTH_CLIENTS_JSON=${JSON.stringify([{ clientId: client.id }])}`,
        "KEYRING_LEAK_SCANNER_ENABLED=true",
        `AIRLOCK_KMS_KEY_ID=${fake.keyArn}`,
        "AIRLOCK_KMS_REGION=us-east-1",
        `AIRLOCK_KMS_ENDPOINT=http://127.0.0.1:${nowhere}`,
        `AIRLOCK_KMS_CONNECT_PORT=${connectPort}`,
        // For the real socat: the "vsock" port of the "parent's vsock-proxy" is the fake's TCP port.
        ...(forwarder === "socat" ? [`AIRLOCK_KMS_VSOCK_PORT=${proxyPort}`] : []),
      ]);
      const standIn = [process.execPath, FORWARDER, "--to", String(fake.port), "--listen-port", String(connectPort)];
      const extra: Record<string, string | undefined> = {
        AIRLOCK_ENCLAVE_CONFIG_DIR: dir,
        AIRLOCK_BACKEND: "nitro",
        AIRLOCK_ATTESTATION_SOURCE: "emulator",
        AIRLOCK_EMULATOR_PCRS_JSON: JSON.stringify({ 0: PCR0 }),
        // Sealed provisioning: no secret in the environment, the declarations in enclave.env.
        KEYRING_AUTH_CLIENTS_JSON: undefined,
        KEYRING_SIGNING_KEYS_JSON: undefined,
        KEYRING_DEFAULT_KEY_ID: undefined,
        KEYRING_DEFAULT_AUTH_CLIENT_ID: undefined,
        AIRLOCK_KMS_FORWARDER_CMD: forwarder === "socat" ? undefined : JSON.stringify(forwarder === "stand-in" ? standIn : forwarder),
        ...(forwarder === "socat" ? { PATH: `${wrapperBin}:${process.env.PATH ?? ""}` } : {}),
      };
      return { extra, connectPort };
    }

    /** Starts a KMS enclave; trusts its emulator root in the fake KMS and writes kms-unseal's trust file. */
    async function startKmsEnclave(forwarder?: "stand-in" | "socat", proxyPort?: number) {
      const { extra, connectPort } = await kmsEnclaveEnv(forwarder, proxyPort);
      const started = await startAll(extra, { kmsConnectPort: connectPort });
      const kmsPid = await childPid(started.s, "kms-forwarder");
      childPids.add(kmsPid);
      await untilListening(connectPort);
      const { rootFingerprintSha256 } = JSON.parse(await started.s.line("stderr", event("attestation.emulator"))) as { rootFingerprintSha256: string };
      fake.trustRoot(rootFingerprintSha256);
      const trust = join(tmp("trust"), "trust.json");
      writeFileSync(trust, JSON.stringify({ allowedPcrs: { "0": [PCR0] }, rootFingerprintSha256 }));
      return { ...started, kmsPid, connectPort, trust };
    }

    /** kms-unseal through the bridge, then a signature with the unsealed key. */
    async function unsealAndSign(bridgePort: number, trust: string): Promise<void> {
      // Before: the declared client is answered KEYS_NOT_PROVISIONED.
      await expect(signThrough(bridgePort)).rejects.toMatchObject({ status: 503, serverCode: "KEYS_NOT_PROVISIONED" });
      const before = decrypts();
      const run = await cli(["kms-unseal", "--url", `http://127.0.0.1:${bridgePort}`, "--blob", files.blob, "--trust-file", trust, "--json"]);
      expect(run.stderr).toBe("");
      expect(run.code).toBe(0);
      expect(JSON.parse(run.stdout)).toMatchObject({
        ok: true,
        verified: true,
        pcr0: PCR0,
        kmsKeyId: fake.keyArn,
        keys: [{ keyId: key.keyId, sessionPublicKey: feltHex(starkKeyOf(key.privateKey)) }],
        clients: [client.id],
      });
      expect(decrypts()).toBe(before + 1);
      expect(fake.calls.at(-1)).toMatchObject({ operation: "Decrypt", outcome: "ok" });
      const airlock = airlockAt(bridgePort);
      try {
        const signed = await airlock.signSessionTransaction(session("transfer"));
        expect(BigInt(signed.sessionPublicKey)).toBe(starkKeyOf(key.privateKey));
      } finally {
        await airlock.close();
      }
    }

    it("unseals its keys through the forwarder when kms-unseal comes through the bridge, then signs with them; SIGTERM stops all four children, exit 0", async () => {
      const { s, audit, bridgePid, auditPid, sidecarPid, kmsPid, bridgePort, connectPort, trust } = await startKmsEnclave();
      expect(JSON.parse(await s.line("stderr", event("enclave.config"))).variables).toEqual(
        expect.arrayContaining(["AIRLOCK_KMS_KEY_ID", "AIRLOCK_KMS_REGION", "AIRLOCK_KMS_ENDPOINT", "AIRLOCK_KMS_CONNECT_PORT"]),
      );
      expect(JSON.parse(await s.line("stderr", event("enclave.started")))).toMatchObject({ kmsConnectPort: connectPort, kmsVsockPort: DEFAULT_KMS_VSOCK_PORT });
      await unsealAndSign(bridgePort, trust);

      s.child.kill("SIGTERM");
      expect(await exitOf(s)).toEqual({ code: 0, signal: null });
      for (const pid of [bridgePid, auditPid, sidecarPid, kmsPid]) expect(isAlive(pid)).toBe(false);
      expect(await accepts(connectPort)).toBe(false);
      await within(audit.ended, 10_000, "audit connection end");
      const text = readFileSync(audit.file, "utf8");
      signedRecord(text);
      expect(auditRecords(text).map((r) => r.event)).toContain("admin.kms_unseal.success");
      for (const out of [s.stdout() + s.stderr() + text, ...outputs.map((o) => o.stdout + o.stderr)]) expect(findSecret(out, secrets)).toBeUndefined();
    });

    it("exits non-zero as soon as the KMS forwarder dies, and takes the bridge, the sidecar and the audit channel down with it", async () => {
      const { s, bridgePid, auditPid, sidecarPid, kmsPid, bridgePort } = await startKmsEnclave();
      process.kill(kmsPid, "SIGKILL");
      const { code } = await exitOf(s);
      expect(code).toBe(137);
      for (const pid of [bridgePid, auditPid, sidecarPid]) expect(isAlive(pid)).toBe(false);
      expect(await accepts(bridgePort)).toBe(false);
      expect(JSON.parse(await s.line("stderr", event("enclave.child_exited")))).toMatchObject({ level: "error", child: "kms-forwarder", exitCode: 137 });
    });

    it("exits non-zero when the KMS forwarder cannot start, without leaving a sidecar behind", async () => {
      const { extra } = await kmsEnclaveEnv([join(tmp("nobin"), "socat"), "x", "y"]);
      const { env, port } = await keyringEnv(extra);
      const s = startSupervisor(env);
      supervisors.push(s);
      const { code } = await exitOf(s);
      expect(code).toBe(1);
      expect(JSON.parse(await s.line("stderr", event("enclave.child_error")))).toMatchObject({ child: "kms-forwarder", error: "ENOENT" });
      const sidecar = /"event":"enclave.child_started","child":"sidecar","pid":(\d+)/.exec(s.stderr());
      if (sidecar) expect(isAlive(Number(sidecar[1]))).toBe(false);
      expect(await accepts(port)).toBe(false);
    });

    it.skipIf(!hasSocat)("the supervisor's own forwarder argv, run by the real socat (VSOCK swapped for TCP), carries the unseal to KMS", async () => {
      const { s, bridgePort, trust, kmsPid } = await startKmsEnclave("socat");
      expect(JSON.parse(await s.line("stderr", (l) => event("enclave.child_started")(l) && l.includes('"child":"kms-forwarder"')))).toMatchObject({ pid: kmsPid, command: "socat" });
      await unsealAndSign(bridgePort, trust);
      s.child.kill("SIGTERM");
      expect(await exitOf(s)).toEqual({ code: 0, signal: null });
      expect(isAlive(kmsPid)).toBe(false);
    });

    it.skipIf(!hasSocat)("with the parent's vsock-proxy down, kms-unseal answers KMS_UNAVAILABLE (retry later) and the enclave keeps running, without keys", async () => {
      const { s, bridgePort, trust, kmsPid, sidecarPid } = await startKmsEnclave("socat", await freePort());
      const before = fake.calls.length;
      const run = await cli(["kms-unseal", "--url", `http://127.0.0.1:${bridgePort}`, "--blob", files.blob, "--trust-file", trust, "--json"]);
      expect(run.code).toBe(5);
      expect(JSON.parse(run.stdout)).toMatchObject({ ok: false, code: "KMS_UNAVAILABLE" });
      expect(fake.calls.length).toBe(before);
      // One failed relay ends socat's child for that connection, not the forwarder.
      expect(isAlive(kmsPid) && isAlive(sidecarPid)).toBe(true);
      expect(s.stderr()).not.toContain('"event":"enclave.child_exited"');
      await expect(signThrough(bridgePort)).rejects.toMatchObject({ serverCode: "KEYS_NOT_PROVISIONED" });
      s.child.kill("SIGTERM");
      expect(await exitOf(s)).toEqual({ code: 0, signal: null });
    });
  });
});
