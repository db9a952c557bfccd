// The enclave image's ENTRYPOINT: a small supervisor, run by the enclave's init as its only
// child (when it exits, the enclave stops). It brings up the loopback interface (an enclave
// boots with `lo` down), reads the measured configuration (/etc/airlock/enclave.env, see
// enclave-config.mjs), then starts its children: the inbound vsock bridge (socat: vsock port
// -> 127.0.0.1:PORT), with AIRLOCK_KMS_CONNECT_PORT the KMS forwarder (socat:
// 127.0.0.1:AIRLOCK_KMS_CONNECT_PORT -> vsock port AIRLOCK_KMS_VSOCK_PORT of the parent
// instance, where AWS's vsock-proxy relays to KMS), the outbound audit channel (socat: its
// stdin -> vsock port AIRLOCK_AUDIT_VSOCK_PORT of the parent instance, CID 3) and the sidecar
// (`cli.js serve`, listening on 127.0.0.1 only), whose stdout, where it writes its
// hash-chained audit records, is the audit channel's stdin: one socket pair between the two,
// which the supervisor does not hold, so the records never pass through it and a dead channel
// is an EPIPE in the sidecar (which then refuses every decision: AUDIT_UNAVAILABLE). The
// operational logs stay on stderr.
//
// All must live: as soon as one exits, the others are stopped and the supervisor exits
// non-zero, so the enclave never runs half-alive (a sidecar nobody can reach, a bridge to
// nothing, a KMS nobody can reach, or decisions whose records go nowhere). SIGTERM/SIGINT are
// forwarded to the bridge, the KMS forwarder and the sidecar; the audit channel is left to end
// by itself when the sidecar's output ends, so the last records still leave. The exit code is
// then the sidecar's (or the channel's, when it failed). No shell anywhere: every command is an
// argv array.
//
// Configuration (environment; in an enclave it is the image's ENV, measured into the PCRs:
// the host cannot change it):
//   PORT                       sidecar port on 127.0.0.1 (default 8545; 1..65535, not 0)
//   HOST                       unset or 127.0.0.1 (nothing else is reachable inside an enclave)
//   AIRLOCK_VSOCK_PORT         inbound vsock port the bridge listens on (default 5000)
//   AIRLOCK_AUDIT_VSOCK_PORT   vsock port on the parent instance the audit log goes to (default 5001)
//   AIRLOCK_VSOCK_BRIDGE_CMD   JSON argv replacing the socat bridge (tests); refused in production
//   AIRLOCK_AUDIT_CHANNEL_CMD  JSON argv replacing the socat audit channel (tests); refused in production
//   AIRLOCK_KMS_FORWARDER_CMD  JSON argv replacing the socat KMS forwarder (tests); refused in production
//   AIRLOCK_LOOPBACK_UP_CMD    JSON argv run when lo is down (default /sbin/ip link set dev lo up);
//                              refused in production
//   AIRLOCK_ENCLAVE_CONFIG_DIR absolute path replacing /etc/airlock (tests); refused in production
// KEYRING_AUDIT_LOG_FILE is refused: under the supervisor the audit log is the sidecar's stdout.
// The variables of enclave.env are added to the sidecar's environment; one that the
// environment already sets is refused (two sources for one setting). The KMS forwarder's two
// settings come from either (in an enclave: enclave.env):
//   AIRLOCK_KMS_CONNECT_PORT   loopback port the sidecar's KMS client dials (also the sidecar's
//                              setting); unset: no forwarder
//   AIRLOCK_KMS_VSOCK_PORT     vsock port of the parent's vsock-proxy (default 8000)
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync, realpathSync } from "node:fs";
import { constants as osConstants } from "node:os";
import { isAbsolute } from "node:path";
import { fileURLToPath } from "node:url";
import { ENCLAVE_CONFIG_DIR, EnclaveConfigError, readEnclaveConfig } from "./enclave-config.mjs";

/** The sidecar's CLI, next to this file in the repository and in the image (/app/packages/signer). */
export const SIDECAR_CLI = fileURLToPath(new URL("../dist/cli.js", import.meta.url));
export const DEFAULT_LOOPBACK_UP_CMD = Object.freeze(["/sbin/ip", "link", "set", "dev", "lo", "up"]);
export const DEFAULT_VSOCK_PORT = 5000;
export const DEFAULT_AUDIT_VSOCK_PORT = 5001;
/** The parent instance's CID, as seen from inside a Nitro Enclave. */
export const PARENT_CID = 3;
export const DEFAULT_PORT = 8545;
/**
 * The parent's vsock port for KMS: AWS's vsock-proxy listens there in its documented setup
 * (`vsock-proxy 8000 kms.<region>.amazonaws.com 443`, aws-nitro-enclaves-cli vsock_proxy/README.md).
 */
export const DEFAULT_KMS_VSOCK_PORT = 8000;
/** How long a child gets to stop after SIGTERM before SIGKILL. */
export const STOP_TIMEOUT_MS = 10_000;
const LOOPBACK_FLAGS_FILE = "/sys/class/net/lo/flags";
const IFF_UP = 0x1;
const SUPERVISOR_VARIABLES = [
  "AIRLOCK_VSOCK_PORT",
  "AIRLOCK_AUDIT_VSOCK_PORT",
  "AIRLOCK_VSOCK_BRIDGE_CMD",
  "AIRLOCK_AUDIT_CHANNEL_CMD",
  "AIRLOCK_KMS_FORWARDER_CMD",
  "AIRLOCK_KMS_VSOCK_PORT",
  "AIRLOCK_LOOPBACK_UP_CMD",
  "AIRLOCK_ENCLAVE_CONFIG_DIR",
];
const MAX_ARGS = 32;
const MAX_ARG_LENGTH = 4096;

/**
 * The audit channel's default command. STDIN is read and sent to the parent; what the parent
 * sends back goes to /dev/null. Not `socat -u`: in unidirectional mode socat never reads the
 * connection, so a receiver that went away is noticed only when a later write fails (and a
 * record written into the closed connection is lost without an error). Here the receiver's EOF
 * ends socat at once, and with it the enclave.
 * @param {number} port
 */
export function defaultAuditChannel(port) {
  return ["socat", "STDIN!!OPEN:/dev/null,wronly", `VSOCK-CONNECT:${PARENT_CID}:${port}`];
}

/**
 * The KMS forwarder's default command: TCP on the enclave's 127.0.0.1:<connectPort>, where the
 * sidecar's KMS client dials (AIRLOCK_KMS_CONNECT_PORT), to vsock port <vsockPort> of the parent
 * instance, where AWS's vsock-proxy relays to KMS. It only moves bytes: TLS runs end to end, the
 * sidecar checking KMS's certificate for its real name, so neither hop can read or alter it.
 * @param {number} connectPort @param {number} vsockPort
 */
export function defaultKmsForwarder(connectPort, vsockPort) {
  return ["socat", `TCP-LISTEN:${connectPort},bind=127.0.0.1,fork,reuseaddr`, `VSOCK-CONNECT:${PARENT_CID}:${vsockPort}`];
}

/** A startup problem; the message names the variable, never a value that could be secret. */
export class SupervisorConfigError extends Error {
  /** @param {string[]} problems */
  constructor(problems) {
    super(problems.join("; "));
    this.name = "SupervisorConfigError";
    this.code = "CONFIG";
    this.problems = problems;
  }
}

/**
 * Parses an integer variable strictly (digits only, no sign, no spaces).
 * @param {string | undefined} raw @param {number} fallback @param {number} min @param {number} max
 * @returns {number | undefined} undefined when invalid
 */
function integerVar(raw, fallback, min, max) {
  if (raw === undefined) return fallback;
  if (!/^[0-9]{1,10}$/.test(raw)) return undefined;
  const n = Number(raw);
  return n >= min && n <= max ? n : undefined;
}

/**
 * Parses a JSON argv: a non-empty array of at most 32 non-empty strings without NUL bytes.
 * @param {string} raw @returns {string[] | undefined} undefined when invalid
 */
export function parseArgv(raw) {
  let value;
  try {
    value = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_ARGS) return undefined;
  const ok = value.every((a) => typeof a === "string" && a.length > 0 && a.length <= MAX_ARG_LENGTH && !a.includes("\0"));
  return ok ? value : undefined;
}

/**
 * Reads the supervisor's configuration from an environment; throws SupervisorConfigError with
 * every problem at once.
 * @param {Readonly<Record<string, string | undefined>>} env
 */
export function readSupervisorConfig(env) {
  const problems = [];
  const production = env.NODE_ENV === "production";
  const port = integerVar(env.PORT, DEFAULT_PORT, 1, 65535);
  if (port === undefined) problems.push("PORT must be a port number from 1 to 65535 (the bridge needs a fixed port: 0 is refused)");
  if (env.HOST !== undefined && env.HOST !== "127.0.0.1") {
    problems.push("HOST must be 127.0.0.1 (or unset) inside the enclave: the vsock bridge is the only way in");
  }
  // vsock ports are 32-bit; 0xFFFFFFFF is VMADDR_PORT_ANY.
  const vsockPort = integerVar(env.AIRLOCK_VSOCK_PORT, DEFAULT_VSOCK_PORT, 1, 0xfffffffe);
  if (vsockPort === undefined) problems.push("AIRLOCK_VSOCK_PORT must be a vsock port number from 1 to 4294967294");
  const auditVsockPort = integerVar(env.AIRLOCK_AUDIT_VSOCK_PORT, DEFAULT_AUDIT_VSOCK_PORT, 1, 0xfffffffe);
  if (auditVsockPort === undefined) problems.push("AIRLOCK_AUDIT_VSOCK_PORT must be a vsock port number from 1 to 4294967294");
  if (env.KEYRING_AUDIT_LOG_FILE !== undefined) {
    problems.push("KEYRING_AUDIT_LOG_FILE must be unset: the audit log is the sidecar's stdout, which the supervisor sends to the parent instance");
  }

  const refusedInProduction = (name) => {
    if (env[name] === undefined || !production) return false;
    problems.push(`${name} is refused with NODE_ENV=production: the enclave runs its built-in command and configuration`);
    return true;
  };
  const argvVar = (name, fallback) => {
    const raw = env[name];
    if (raw === undefined || refusedInProduction(name)) return fallback;
    const argv = parseArgv(raw);
    if (argv === undefined) problems.push(`${name} must be a JSON array of 1 to ${MAX_ARGS} non-empty strings`);
    return argv ?? fallback;
  };
  const defaultBridge = ["socat", `VSOCK-LISTEN:${vsockPort ?? DEFAULT_VSOCK_PORT},fork,reuseaddr`, `TCP:127.0.0.1:${port ?? DEFAULT_PORT}`];
  const bridge = argvVar("AIRLOCK_VSOCK_BRIDGE_CMD", defaultBridge);
  const audit = argvVar("AIRLOCK_AUDIT_CHANNEL_CMD", defaultAuditChannel(auditVsockPort ?? DEFAULT_AUDIT_VSOCK_PORT));
  const loopbackUp = argvVar("AIRLOCK_LOOPBACK_UP_CMD", [...DEFAULT_LOOPBACK_UP_CMD]);
  // Its default needs enclave.env's settings: readKmsForwarder builds it once they are known.
  const kmsForwarderCmd = argvVar("AIRLOCK_KMS_FORWARDER_CMD", undefined);

  // The measured configuration: /etc/airlock, which production requires. Elsewhere it is read
  // when present, or from AIRLOCK_ENCLAVE_CONFIG_DIR (then required).
  let configDir = ENCLAVE_CONFIG_DIR;
  let configRequired = production;
  const rawDir = env.AIRLOCK_ENCLAVE_CONFIG_DIR;
  if (rawDir !== undefined && !refusedInProduction("AIRLOCK_ENCLAVE_CONFIG_DIR")) {
    if (!isAbsolute(rawDir) || rawDir.length > MAX_ARG_LENGTH || rawDir.includes("\0")) problems.push("AIRLOCK_ENCLAVE_CONFIG_DIR must be an absolute path");
    else {
      configDir = rawDir;
      configRequired = true;
    }
  }
  if (problems.length > 0) throw new SupervisorConfigError(problems);
  return Object.freeze({
    port,
    vsockPort,
    auditVsockPort,
    bridge: Object.freeze(bridge),
    audit: Object.freeze(audit),
    loopbackUp: Object.freeze(loopbackUp),
    kmsForwarderCmd: kmsForwarderCmd === undefined ? undefined : Object.freeze(kmsForwarderCmd),
    configDir,
    configRequired,
  });
}

/**
 * Reads the measured configuration the supervisor config points to: its variables, or none when
 * it is optional and absent. Throws EnclaveConfigError.
 * @param {{ configDir: string, configRequired: boolean }} config
 * @returns {{ readonly vars: Readonly<Record<string, string>>, readonly files: readonly string[] } | undefined}
 */
export function readMeasuredConfig(config) {
  if (!config.configRequired && !existsSync(config.configDir)) return undefined;
  return readEnclaveConfig(config.configDir);
}

/**
 * The KMS forwarder, from the settings of the environment and enclave.env merged: started when
 * AIRLOCK_KMS_CONNECT_PORT is set, none otherwise. The sidecar checks its own KMS settings at
 * boot; these are the ones the supervisor needs to start the forwarder. Throws
 * SupervisorConfigError with every problem at once.
 * @param {ReturnType<typeof readSupervisorConfig>} config
 * @param {Readonly<Record<string, string | undefined>>} settings
 * @returns {{ readonly argv: readonly string[], readonly connectPort: number, readonly vsockPort: number } | undefined}
 */
export function readKmsForwarder(config, settings) {
  const problems = [];
  if (settings.AIRLOCK_KMS_CONNECT_PORT === undefined) {
    for (const name of ["AIRLOCK_KMS_VSOCK_PORT", "AIRLOCK_KMS_FORWARDER_CMD"]) {
      if (settings[name] !== undefined) problems.push(`${name} needs AIRLOCK_KMS_CONNECT_PORT: the KMS forwarder is started only with it`);
    }
    // An enclave has no other way out: a KMS key without the forwarder is a KMS that never answers.
    if (settings.NODE_ENV === "production" && settings.AIRLOCK_KMS_KEY_ID !== undefined) {
      problems.push("AIRLOCK_KMS_KEY_ID needs AIRLOCK_KMS_CONNECT_PORT with NODE_ENV=production: inside the enclave KMS is reachable only through the KMS forwarder");
    }
    if (problems.length > 0) throw new SupervisorConfigError(problems);
    return undefined;
  }
  const connectPort = integerVar(settings.AIRLOCK_KMS_CONNECT_PORT, undefined, 1, 65535);
  if (connectPort === undefined) problems.push("AIRLOCK_KMS_CONNECT_PORT must be a port number from 1 to 65535");
  else if (connectPort === config.port) problems.push("AIRLOCK_KMS_CONNECT_PORT must differ from PORT: the sidecar listens there");
  const vsockPort = integerVar(settings.AIRLOCK_KMS_VSOCK_PORT, DEFAULT_KMS_VSOCK_PORT, 1, 0xfffffffe);
  if (vsockPort === undefined) problems.push("AIRLOCK_KMS_VSOCK_PORT must be a vsock port number from 1 to 4294967294");
  if (connectPort === undefined || vsockPort === undefined || problems.length > 0) throw new SupervisorConfigError(problems);
  const argv = config.kmsForwarderCmd ?? defaultKmsForwarder(connectPort, vsockPort);
  return Object.freeze({ argv: Object.freeze([...argv]), connectPort, vsockPort });
}

/**
 * The sidecar's environment: the supervisor's own, minus its private variables, plus the
 * measured configuration's, with HOST and PORT fixed. A variable set by both is refused.
 * @param {Readonly<Record<string, string | undefined>>} env
 * @param {Readonly<Record<string, string>>} measured
 * @param {number} port
 * @returns {Record<string, string>}
 */
export function sidecarEnvironment(env, measured, port) {
  const twice = Object.keys(measured).filter((name) => env[name] !== undefined);
  if (twice.length > 0) {
    throw new SupervisorConfigError(twice.map((name) => `${name} is set both in the environment and in enclave.env: set it in one place`));
  }
  const out = {};
  for (const [name, value] of Object.entries({ ...env, ...measured })) if (value !== undefined) out[name] = value;
  for (const name of SUPERVISOR_VARIABLES) delete out[name];
  out.HOST = "127.0.0.1";
  out.PORT = String(port);
  return out;
}

/**
 * Whether sysfs's interface flags (e.g. "0x9") say the interface is up.
 * @param {string} text @returns {boolean | undefined} undefined when unreadable
 */
export function flagsSayUp(text) {
  const m = /^0x([0-9a-f]{1,8})\s*$/i.exec(text);
  return m ? (Number.parseInt(m[1], 16) & IFF_UP) !== 0 : undefined;
}

function loopbackIsUp() {
  try {
    return flagsSayUp(readFileSync(LOOPBACK_FLAGS_FILE, "utf8"));
  } catch {
    return undefined;
  }
}

/** One JSON line on stderr, in the sidecar's operational log format. */
function log(level, event, fields = {}) {
  process.stderr.write(`${JSON.stringify({ level, ts: new Date().toISOString(), event, ...fields })}\n`);
}

/** The exit code that reports how a child ended: its code, or 128 + signal number. */
function codeOf(code, signal) {
  if (typeof code === "number") return code;
  const n = signal ? osConstants.signals[signal] : undefined;
  return typeof n === "number" ? 128 + n : 1;
}

/**
 * Brings `lo` up when sysfs says it is down (a fresh enclave), so the sidecar can listen on
 * 127.0.0.1. Returns false when it could not.
 */
function ensureLoopback(argv, path) {
  if (loopbackIsUp() === true) return true;
  const [cmd, ...args] = argv;
  const r = spawnSync(cmd, args, { stdio: ["ignore", "inherit", "inherit"], env: { PATH: path ?? "" }, timeout: 10_000 });
  if (r.error || r.status !== 0) {
    log("error", "enclave.loopback_failed", { command: cmd, error: r.error ? r.error.code ?? "spawn failed" : `exit ${codeOf(r.status, r.signal)}` });
    return false;
  }
  // A kernel without sysfs cannot tell us; the sidecar's listen on 127.0.0.1 is the final check.
  return loopbackIsUp() !== false;
}

/**
 * Runs the supervisor; resolves with the process exit code.
 * @param {ReturnType<typeof readSupervisorConfig>} config
 * @param {Readonly<Record<string, string | undefined>>} env the supervisor's environment (PATH)
 * @param {Record<string, string>} sidecarEnv from sidecarEnvironment
 * @param {ReturnType<typeof readKmsForwarder>} kmsForwarder from readKmsForwarder (none: undefined)
 */
export function supervise(config, env = process.env, sidecarEnv = sidecarEnvironment(env, {}, config.port), kmsForwarder = undefined) {
  return new Promise((resolveExit) => {
    if (!ensureLoopback(config.loopbackUp, env.PATH)) {
      resolveExit(1);
      return;
    }
    // The bridge, the KMS forwarder and the audit channel only relay bytes: no environment beyond PATH.
    const relayEnv = { PATH: env.PATH ?? "" };
    /** @type {Map<string, {child: import("node:child_process").ChildProcess, done: boolean}>} */
    const children = new Map();
    let stopping = false;
    let requested = false;
    // The first unexpected exit decides the result; after a requested stop, the sidecar's code.
    let failureCode = 0;
    let sidecarCode = 0;
    let auditFailedCode = 0;
    let killTimer;

    const finishIfAllDone = () => {
      if (![...children.values()].every((c) => c.done)) return;
      clearTimeout(killTimer);
      process.off("SIGTERM", onSignal);
      process.off("SIGINT", onSignal);
      resolveExit(failureCode || sidecarCode || auditFailedCode);
    };
    /** Signals every child but the audit channel, which ends when the sidecar's output does. */
    const stopAll = (signal) => {
      for (const [name, c] of children) if (!c.done && name !== "audit") c.child.kill(signal);
      if (killTimer === undefined) {
        killTimer = setTimeout(() => {
          for (const c of children.values()) if (!c.done) c.child.kill("SIGKILL");
        }, STOP_TIMEOUT_MS);
        killTimer.unref?.();
      }
    };
    const onChildEnd = (name, code) => {
      const entry = children.get(name);
      if (!entry || entry.done) return;
      entry.done = true;
      if (requested) {
        if (name === "sidecar") sidecarCode = code;
        // The channel failed while the last records were leaving: they may not have arrived.
        // (Exit 0 is its normal end at the sidecar's EOF, which may be seen before the
        // sidecar's own exit.)
        if (name === "audit" && code !== 0) {
          auditFailedCode = code;
          log("error", "enclave.child_exited", { child: name, exitCode: code });
        }
      } else if (!stopping) {
        // Unexpected: the enclave must not keep running half-alive.
        stopping = true;
        failureCode = code === 0 ? 1 : code;
        log("error", "enclave.child_exited", { child: name, exitCode: code });
        stopAll("SIGTERM");
      }
      finishIfAllDone();
    };
    function onSignal(signal) {
      if (requested) {
        // A second signal: do not wait any longer.
        for (const c of children.values()) if (!c.done) c.child.kill("SIGKILL");
        return;
      }
      requested = true;
      log("info", "enclave.stopping", { signal });
      stopping = true;
      stopAll(signal);
    }
    process.on("SIGTERM", onSignal);
    process.on("SIGINT", onSignal);

    const start = (name, argv, stdio, childEnv) => {
      const [cmd, ...args] = argv;
      const child = spawn(cmd, args, { stdio, env: childEnv });
      children.set(name, { child, done: false });
      child.once("error", (err) => {
        log("error", "enclave.child_error", { child: name, error: err.code ?? "spawn failed" });
        onChildEnd(name, 1);
      });
      child.once("exit", (code, signal) => onChildEnd(name, codeOf(code, signal)));
      if (child.pid !== undefined) log("info", "enclave.child_started", { child: name, pid: child.pid, command: name === "sidecar" ? "serve" : cmd });
      return child;
    };
    const bridge = start("bridge", config.bridge, ["ignore", "inherit", "inherit"], relayEnv);
    // The KMS forwarder before the sidecar, so that a kms-unseal right after boot finds it.
    const kms = kmsForwarder === undefined ? undefined : start("kms-forwarder", kmsForwarder.argv, ["ignore", "inherit", "inherit"], relayEnv);
    // The audit channel before the sidecar, so the sidecar's first record has somewhere to go.
    const audit = start("audit", config.audit, ["pipe", "inherit", "inherit"], relayEnv);
    if (audit.pid === undefined || !audit.stdin) return; // its error event stops the bridge
    // The sidecar's stdout is the channel's stdin itself; the supervisor then drops its own
    // descriptor of it, so the records do not pass through it and, when the channel dies,
    // nothing else holds the socket open: the sidecar's next write fails (EPIPE).
    const sidecar = start("sidecar", [process.execPath, SIDECAR_CLI, "serve"], ["ignore", audit.stdin, "inherit"], sidecarEnv);
    audit.stdin.destroy();
    if (!stopping && bridge.pid !== undefined && sidecar.pid !== undefined && (kms === undefined || kms.pid !== undefined)) {
      const kmsPorts = kmsForwarder === undefined ? {} : { kmsConnectPort: kmsForwarder.connectPort, kmsVsockPort: kmsForwarder.vsockPort };
      log("info", "enclave.started", { port: config.port, vsockPort: config.vsockPort, auditVsockPort: config.auditVsockPort, ...kmsPorts });
    }
  });
}

async function main() {
  let config;
  let sidecarEnv;
  let kmsForwarder;
  try {
    config = readSupervisorConfig(process.env);
    const measured = readMeasuredConfig(config);
    const vars = measured?.vars ?? {};
    sidecarEnv = sidecarEnvironment(process.env, vars, config.port);
    kmsForwarder = readKmsForwarder(config, { ...process.env, ...vars });
    // Names only: the values are public (they are in the image) but need not be in a log.
    if (measured) log("info", "enclave.config", { variables: Object.keys(measured.vars), files: measured.files });
  } catch (err) {
    if (!(err instanceof SupervisorConfigError) && !(err instanceof EnclaveConfigError)) throw err;
    const prefix = err instanceof EnclaveConfigError ? "enclave-config" : "config";
    for (const p of err.problems) process.stderr.write(`airlock-enclave: ${prefix}: ${p}\n`);
    process.exit(1);
  }
  process.exit(await supervise(config, process.env, sidecarEnv, kmsForwarder));
}

/** Whether this module is the program (`node entrypoint.mjs`), not an import (tests). */
function isMain() {
  if (process.argv[1] === undefined) return false;
  try {
    return realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isMain()) await main();
