// Which backend the sidecar runs as: "keyring" (a process or container beside the agent) or
// "nitro" (inside an AWS Nitro Enclave, proving its code by attestation). The NSM emulator is
// for development and tests only: its test PKI proves nothing, so production refuses it.
import type { BackendConfig } from "./config-types.js";
import type { EnvReader } from "./env-reader.js";
import { readJsonEnv } from "./json-env.js";
import { frozenMap } from "./immutable.js";
import type { Problems } from "./problems.js";

const NITRO_ONLY = ["AIRLOCK_ATTESTATION_SOURCE", "AIRLOCK_NSM_DEVICE", "AIRLOCK_EMULATOR_PCRS_JSON", "AIRLOCK_EMULATOR_ROOT_FILE"];

function readEmulatorPcrs(r: EnvReader, problems: Problems): ReadonlyMap<number, string> | undefined {
  const value = readJsonEnv(r, problems, "AIRLOCK_EMULATOR_PCRS_JSON");
  if (value === undefined) return undefined;
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    problems.add('AIRLOCK_EMULATOR_PCRS_JSON must be an object like {"0": "<96 hex>"}');
    return undefined;
  }
  const pcrs = new Map<number, string>();
  for (const [index, hex] of Object.entries(value)) {
    if (!/^(?:[0-9]|1[0-5])$/.test(index) || typeof hex !== "string" || !/^[0-9a-fA-F]{96}$/.test(hex)) {
      problems.add("AIRLOCK_EMULATOR_PCRS_JSON: keys are PCR indexes 0..15 and values 96 hex characters (48 bytes)");
      return undefined;
    }
    pcrs.set(Number(index), hex.toLowerCase());
  }
  return frozenMap(pcrs.entries());
}

export function readBackend(r: EnvReader, problems: Problems, production: boolean): BackendConfig {
  const kind = r.oneOf("AIRLOCK_BACKEND", ["keyring", "nitro"] as const, "keyring");
  // A receipt costs an Ed25519 signature per answer (docs/performance.md). It is what a Nitro
  // client verifies, so that backend always signs one; beside the agent nobody can verify the
  // key, so it is opt-in there (the audit record then carries it too).
  const receipts = r.oneOf("AIRLOCK_RECEIPTS", ["on", "off"] as const, kind === "nitro" ? "on" : "off");
  if (kind === "keyring") {
    for (const name of NITRO_ONLY) if (r.has(name)) problems.add(`${name} needs AIRLOCK_BACKEND=nitro`);
    return { kind, receipts: receipts === "on" };
  }
  if (receipts === "off") problems.add("AIRLOCK_RECEIPTS=off is refused with AIRLOCK_BACKEND=nitro: its clients verify a receipt on every answer");
  const source = r.oneOf("AIRLOCK_ATTESTATION_SOURCE", ["nsm", "emulator"] as const, "nsm");
  if (source === "emulator" && production) {
    problems.add("AIRLOCK_ATTESTATION_SOURCE=emulator is refused with NODE_ENV=production: the emulator's test PKI proves nothing");
  }
  if (source === "nsm" && (r.has("AIRLOCK_EMULATOR_PCRS_JSON") || r.has("AIRLOCK_EMULATOR_ROOT_FILE"))) {
    problems.add("AIRLOCK_EMULATOR_* variables need AIRLOCK_ATTESTATION_SOURCE=emulator");
  }
  const emulatorPcrs = source === "emulator" ? readEmulatorPcrs(r, problems) : undefined;
  const emulatorRootFile = source === "emulator" ? r.optional("AIRLOCK_EMULATOR_ROOT_FILE") : undefined;
  return {
    kind,
    receipts: true,
    attestation: {
      source,
      nsmDevice: r.string("AIRLOCK_NSM_DEVICE", "/dev/nsm"),
      ...(emulatorPcrs === undefined ? {} : { emulatorPcrs }),
      ...(emulatorRootFile === undefined ? {} : { emulatorRootFile }),
    },
  };
}
