// NSM emulator for development and tests: attestation documents structurally identical to what
// the Nitro Secure Module returns (nitro.md §1 and §5) — untagged COSE_Sign1, ES384 with a
// 96-byte r||s signature, payload keys in AWS order, 16 PCRs of 48 bytes, nulls for absent
// fields, cabundle [root, regional, zonal, instance] — but signed by an in-memory emulator PKI
// that no AWS-pinned verifier accepts. Refuses to run in production mode.
import { createHash, randomBytes, sign, type KeyObject } from "node:crypto";
import { encodeCbor, encodeSignature1, type CborMap, type CborValue } from "@airlock/core/attestation";
import {
  AttestationSourceError,
  checkAttestationRequest,
  type AttestationRequest,
  type AttestationSource,
  type CheckedAttestationRequest,
} from "./attestation-source.js";
import { PKI_LIFETIME_MS, createEmulatorRoot, issueBelow, type PkiCertificate } from "./test-pki.js";

/** Options of {@link createNsmEmulator}. */
export interface NsmEmulatorOptions {
  /** Production mode: the emulator refuses to start (EMULATOR_IN_PRODUCTION). */
  production: boolean;
  /** Clock in milliseconds since the epoch; defaults to Date.now. */
  now?: () => number;
  /** PCR overrides by index (0..15), 48 bytes each. */
  pcrs?: ReadonlyMap<number, Uint8Array>;
  /** The module id reported in documents and named in the leaf certificate. */
  moduleId?: string;
}

/** An emulated NSM plus the trust anchor a verifier must pin to accept its documents. */
export interface NsmEmulator extends AttestationSource {
  readonly kind: "emulator";
  /** DER of the emulator root (a fresh copy on each read). */
  readonly rootCertificateDer: Uint8Array;
  readonly rootCertificatePem: string;
  /** SHA-256 of the root DER, uppercase hex without separators (verifier `rootFingerprintSha256`). */
  readonly rootFingerprintSha256: string;
  /** The same as `attest`, synchronously: for device-level fakes in tests. */
  attestSync(req: AttestationRequest): Uint8Array;
}

/** COSE protected header {1: -35} (alg ES384), as the NSM encodes it. */
export const ES384_PROTECTED_HEADER = Uint8Array.of(0xa1, 0x01, 0x38, 0x22);
/** Number of PCRs a real NSM reports. */
export const EMULATOR_PCR_COUNT = 16;
/** The leaf is re-issued when it has less than this left (AWS leaves live 3 h and sign many documents). */
export const LEAF_RENEW_BEFORE_MS = 10 * 60_000;

const PCR_BYTES = 48;
const MODULE_ID = /^[A-Za-z0-9-]{1,48}$/;

const configError = (msg: string): never => {
  throw new AttestationSourceError("EMULATOR_CONFIG_INVALID", `NSM emulator: ${msg}`);
};

/** PCR0..2 default to SHA-384 of a fixed label (not zero: a zero PCR0..2 means a debug enclave). */
function defaultPcrs(): Uint8Array[] {
  return Array.from({ length: EMULATOR_PCR_COUNT }, (_, i) =>
    i <= 2 ? new Uint8Array(createHash("sha384").update(`airlock-nsm-emulator PCR${i}`).digest()) : new Uint8Array(PCR_BYTES),
  );
}

function checkedPcrs(overrides: unknown): Uint8Array[] {
  const pcrs = defaultPcrs();
  if (overrides === undefined) return pcrs;
  if (!(overrides instanceof Map)) return configError("pcrs must be a Map of index → 48-byte Uint8Array");
  for (const [i, v] of overrides as Map<unknown, unknown>) {
    if (typeof i !== "number" || !Number.isInteger(i) || i < 0 || i >= EMULATOR_PCR_COUNT) configError(`PCR index must be an integer 0..${EMULATOR_PCR_COUNT - 1}`);
    if (!(v instanceof Uint8Array) || v.length !== PCR_BYTES) configError(`PCR${String(i)} must be ${PCR_BYTES} bytes (SHA-384)`);
    pcrs[i as number] = (v as Uint8Array).slice();
  }
  return pcrs;
}

/** The emulated PKI: a fixed root and a chain below it that is re-issued as time moves on. */
class EmulatedChain {
  readonly root: PkiCertificate;
  private cas: PkiCertificate[] = []; // [regional, zonal, instance]
  private leaf: PkiCertificate | undefined;
  private static readonly LEVELS = ["regional", "zonal", "instance"] as const;

  constructor(
    nowMs: number,
    private readonly moduleId: string,
  ) {
    // Backdated a day so that a clock stepping back a little does not strand the pinned root.
    this.root = createEmulatorRoot(nowMs - 24 * 3_600_000);
  }

  /** The leaf and cabundle to sign with at `nowMs`, re-issuing whatever no longer covers it. */
  at(nowMs: number): { leaf: PkiCertificate; cabundle: Uint8Array[] } {
    const leaf = this.leaf;
    if (leaf === undefined || nowMs < leaf.notBefore || leaf.notAfter - nowMs < LEAF_RENEW_BEFORE_MS) this.renew(nowMs);
    return { leaf: this.leaf as PkiCertificate, cabundle: [this.root.der, ...this.cas.map((c) => c.der)] };
  }

  private renew(nowMs: number): void {
    const t = Math.floor(nowMs / 1000) * 1000;
    // Walk up from the instance CA: a CA that covers what its new child needs stops the walk;
    // otherwise it is re-issued too, and then needs its own parent to cover its own lifetime.
    let need = t + PKI_LIFETIME_MS.leaf;
    let from: number = EmulatedChain.LEVELS.length;
    for (let i = EmulatedChain.LEVELS.length - 1; i >= 0; i--) {
      const ca = this.cas[i];
      if (ca !== undefined && ca.notBefore <= t && ca.notAfter >= need) break;
      from = i;
      need = t + PKI_LIFETIME_MS[EmulatedChain.LEVELS[i] as "regional"];
    }
    if (this.root.notBefore > t || this.root.notAfter < need) configError("the clock left the emulator root's validity; create a new emulator");
    for (let i: number = from; i < EmulatedChain.LEVELS.length; i++) {
      const issuer = i === 0 ? this.root : (this.cas[i - 1] as PkiCertificate);
      this.cas[i] = issueBelow(issuer, EmulatedChain.LEVELS[i] as "regional", t);
    }
    this.leaf = issueBelow(this.cas[EmulatedChain.LEVELS.length - 1] as PkiCertificate, "leaf", t, this.moduleId);
  }
}

/** COSE_Sign1 (untagged) over `payload` with ES384, signature as 96-byte r||s. */
export function signCoseSign1Es384(payload: Uint8Array, leafKey: KeyObject): Uint8Array {
  const tbs = encodeSignature1(ES384_PROTECTED_HEADER, payload);
  const signature = new Uint8Array(sign("sha384", tbs, { key: leafKey, dsaEncoding: "ieee-p1363" }));
  return encodeCbor([ES384_PROTECTED_HEADER, new Map(), payload, signature]);
}

/**
 * Creates an NSM emulator. Throws AttestationSourceError("EMULATOR_IN_PRODUCTION") when
 * `production` is true (or is not a boolean), and EMULATOR_CONFIG_INVALID for bad options.
 * Development and tests only: its documents verify solely against its own root fingerprint.
 */
export function createNsmEmulator(opts: NsmEmulatorOptions): NsmEmulator {
  if (opts.production !== false) {
    throw new AttestationSourceError(
      "EMULATOR_IN_PRODUCTION",
      "the NSM emulator is refused in production: run inside a Nitro Enclave with AIRLOCK_ATTESTATION_SOURCE=nsm",
    );
  }
  const clock = opts.now ?? Date.now;
  if (typeof clock !== "function") configError("now must be a function returning epoch milliseconds");
  const now = (): number => {
    const t: unknown = clock();
    if (typeof t !== "number" || !Number.isSafeInteger(t) || t <= 0) return configError("now() must return a positive integer of epoch milliseconds");
    return t;
  };
  const moduleId = opts.moduleId ?? `emulator-${randomBytes(8).toString("hex")}-enc${randomBytes(8).toString("hex")}`;
  if (typeof moduleId !== "string" || !MODULE_ID.test(moduleId)) configError("moduleId must be 1..48 characters of A-Z, a-z, 0-9 and '-'");
  const pcrs = checkedPcrs(opts.pcrs);
  const chain = new EmulatedChain(now(), moduleId);
  const rootDer = chain.root.der;

  const attestSync = (req: AttestationRequest): Uint8Array => {
    const r: CheckedAttestationRequest = checkAttestationRequest(req);
    const t = now();
    const { leaf, cabundle } = chain.at(t);
    const payload: CborMap = new Map<string, CborValue>([
      ["module_id", moduleId],
      ["digest", "SHA384"],
      ["timestamp", t],
      ["pcrs", new Map(pcrs.map((v, i) => [i, v]))],
      ["certificate", leaf.der],
      ["cabundle", cabundle],
      ["public_key", r.publicKey],
      ["user_data", r.userData],
      ["nonce", r.nonce],
    ]);
    return signCoseSign1Es384(encodeCbor(payload), leaf.privateKey);
  };

  return {
    kind: "emulator",
    get rootCertificateDer(): Uint8Array {
      return rootDer.slice();
    },
    rootCertificatePem: chain.root.certificate.toString(),
    rootFingerprintSha256: createHash("sha256").update(rootDer).digest("hex").toUpperCase(),
    attestSync,
    attest: async (req) => attestSync(req),
  };
}
