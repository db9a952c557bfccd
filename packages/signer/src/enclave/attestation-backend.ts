// The Nitro backend's attestation source, chosen by configuration: the NSM device inside an
// enclave, or the emulator (development and tests; production configuration refuses it).
import { writeFileSync } from "node:fs";
import type { AttestationSource } from "../attestation/attestation-source.js";
import { openNsmDevice } from "../attestation/nsm-device.js";
import { createNsmEmulator } from "../attestation/nsm-emulator.js";
import type { SignerConfig } from "../config/config-types.js";
import type { OperationalLog } from "../server/observer-impl.js";

export interface AttestationBackend {
  readonly source: AttestationSource;
  /** The emulator's trust anchor (what a development client pins); absent for the NSM. */
  readonly emulatorRootFingerprintSha256?: string;
}

/** Undefined for the keyring backend; throws (the sidecar does not start) when the source cannot open. */
export function createAttestationSource(config: SignerConfig, log: OperationalLog): AttestationBackend | undefined {
  const settings = config.backend.attestation;
  if (config.backend.kind !== "nitro" || settings === undefined) return undefined;
  if (settings.source === "nsm") return { source: openNsmDevice({ devicePath: settings.nsmDevice }) };

  const pcrs = settings.emulatorPcrs === undefined ? undefined : new Map([...settings.emulatorPcrs].map(([i, hex]) => [i, new Uint8Array(Buffer.from(hex, "hex"))] as const));
  const emulator = createNsmEmulator({ production: config.production, ...(pcrs === undefined ? {} : { pcrs }) });
  if (settings.emulatorRootFile !== undefined) writeFileSync(settings.emulatorRootFile, emulator.rootCertificatePem, { mode: 0o644 });
  log("warn", "attestation.emulator", {
    rootFingerprintSha256: emulator.rootFingerprintSha256,
    note: "NSM emulator: documents are signed by a test PKI made at boot and prove nothing about the code; development only",
  });
  return { source: emulator, emulatorRootFingerprintSha256: emulator.rootFingerprintSha256 };
}
