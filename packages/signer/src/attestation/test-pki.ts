// Emulator PKI: X.509 v3 certificates shaped like the AWS Nitro chain (root → regional → zonal →
// instance CA → leaf), ECDSA P-384 / SHA-384, names that say "Airlock NSM emulator". The
// extension sets mirror the real AWS certificates (see nitro.md §1 and the conformance
// documents) except the CRL distribution points, which AWS verifiers never use.
import { X509Certificate, createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from "node:crypto";
import {
  bitString,
  boolean,
  explicitTag,
  implicitPrimitive,
  integer,
  namedBits,
  octetString,
  oid,
  printableString,
  sequence,
  setOf,
  utf8String,
  x509Time,
} from "./der-writer.js";

/** Position of a certificate in the chain, from the trust anchor down. */
export type PkiLevel = "root" | "regional" | "zonal" | "instance" | "leaf";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Validity of each level, as observed on real AWS chains (root: 30 years). */
export const PKI_LIFETIME_MS: Readonly<Record<PkiLevel, number>> = {
  root: 10_957 * DAY,
  regional: 20 * DAY,
  zonal: 6 * DAY,
  instance: DAY,
  leaf: 3 * HOUR,
};

const PARENT: Readonly<Record<Exclude<PkiLevel, "root">, PkiLevel>> = {
  regional: "root",
  zonal: "regional",
  instance: "zonal",
  leaf: "instance",
};

/** The organisation every emulator certificate names, so none can pass for an AWS one. */
export const EMULATOR_ORGANIZATION = "Airlock NSM emulator";

/** One issued certificate with its private key (kept in memory only). */
export interface PkiCertificate {
  readonly level: PkiLevel;
  readonly der: Uint8Array;
  readonly certificate: X509Certificate;
  readonly privateKey: KeyObject;
  /** DER of the subject Name, reused verbatim as the issuer Name of its children. */
  readonly subjectName: Uint8Array;
  /** RFC 5280 §4.2.1.2 method 1 key identifier (SHA-1 of the public key bits). */
  readonly keyId: Uint8Array;
  /** Milliseconds since the epoch (whole seconds). */
  readonly notBefore: number;
  readonly notAfter: number;
}

const OID = {
  ecdsaWithSha384: "1.2.840.10045.4.3.3",
  country: "2.5.4.6",
  state: "2.5.4.8",
  organization: "2.5.4.10",
  organizationalUnit: "2.5.4.11",
  commonName: "2.5.4.3",
  basicConstraints: "2.5.29.19",
  keyUsage: "2.5.29.15",
  subjectKeyIdentifier: "2.5.29.14",
  authorityKeyIdentifier: "2.5.29.35",
} as const;

/** KeyUsage bit numbers (RFC 5280 §4.2.1.3). */
const KU = { digitalSignature: 0, nonRepudiation: 1, keyCertSign: 5, cRLSign: 6 } as const;

const SIGNATURE_ALGORITHM = sequence(oid(OID.ecdsaWithSha384)); // parameters absent (RFC 5758 §3.2)

type Attr = [oidDotted: string, value: string];

function name(attrs: readonly Attr[]): Uint8Array {
  return sequence(
    ...attrs.map(([o, v]) => setOf(sequence(oid(o), o === OID.country ? printableString(v) : utf8String(v)))),
  );
}

function extension(oidDotted: string, critical: boolean, value: Uint8Array): Uint8Array {
  // DER omits a DEFAULT FALSE critical flag.
  return critical ? sequence(oid(oidDotted), boolean(true), octetString(value)) : sequence(oid(oidDotted), octetString(value));
}

const basicConstraints = (ca: boolean, pathLen?: number): Uint8Array =>
  extension(OID.basicConstraints, true, ca ? sequence(boolean(true), ...(pathLen === undefined ? [] : [integer(BigInt(pathLen))])) : sequence());
const keyUsage = (critical: boolean, bits: number[]): Uint8Array => extension(OID.keyUsage, critical, namedBits(bits));
const subjectKeyId = (id: Uint8Array): Uint8Array => extension(OID.subjectKeyIdentifier, false, octetString(id));
const authorityKeyId = (id: Uint8Array): Uint8Array => extension(OID.authorityKeyIdentifier, false, sequence(implicitPrimitive(0, id)));

function keyIdOf(publicKey: KeyObject): Uint8Array {
  const jwk = publicKey.export({ format: "jwk" });
  const point = Buffer.concat([Buffer.of(4), Buffer.from(String(jwk.x), "base64url"), Buffer.from(String(jwk.y), "base64url")]);
  return new Uint8Array(createHash("sha1").update(point).digest());
}

function serialNumber(): Uint8Array {
  const s = randomBytes(16);
  s[0] = ((s[0] as number) & 0x7f) | 0x01; // positive, 16 significant bytes, never zero
  return new Uint8Array(s);
}

const hexId = (bytes: number): string => randomBytes(bytes).toString("hex");
const base = (cn: string): Attr[] => [
  [OID.country, "US"],
  [OID.organization, EMULATOR_ORGANIZATION],
  [OID.organizationalUnit, "Airlock"],
  [OID.commonName, cn],
];

/** Subject names per level; the zonal CA keeps AWS's reversed attribute order. */
function subjectFor(level: PkiLevel, commonName: string | undefined): Attr[] {
  switch (level) {
    case "root":
      return base("emulator.nitro-enclaves");
    case "regional":
      return base(`${hexId(8)}.regional.emulator.nitro-enclaves`);
    case "zonal":
      return [...base(`${hexId(8)}.zonal.emulator.nitro-enclaves`)].reverse();
    case "instance":
      return [[OID.country, "US"], [OID.state, "Emulated"], [OID.organization, EMULATOR_ORGANIZATION], [OID.organizationalUnit, "Airlock"], [OID.commonName, `i-${hexId(8)}.emulator.nitro-enclaves`]];
    case "leaf":
      return [[OID.country, "US"], [OID.state, "Emulated"], [OID.organization, EMULATOR_ORGANIZATION], [OID.organizationalUnit, "Airlock"], [OID.commonName, `${commonName ?? hexId(8)}.emulator`]];
  }
}

function extensionsFor(level: PkiLevel, keyId: Uint8Array, issuerKeyId: Uint8Array | undefined): Uint8Array[] {
  const caUsage = [KU.digitalSignature, KU.keyCertSign, KU.cRLSign];
  switch (level) {
    case "root":
      return [basicConstraints(true), subjectKeyId(keyId), keyUsage(true, caUsage)];
    case "regional":
    case "zonal":
      return [basicConstraints(true, level === "regional" ? 2 : 1), authorityKeyId(issuerKeyId as Uint8Array), subjectKeyId(keyId), keyUsage(true, caUsage)];
    case "instance":
      return [basicConstraints(true, 0), keyUsage(true, [KU.keyCertSign])];
    case "leaf":
      return [basicConstraints(false), keyUsage(false, [KU.digitalSignature, KU.nonRepudiation])];
  }
}

function build(level: PkiLevel, issuer: PkiCertificate | undefined, notBefore: number, commonName?: string): PkiCertificate {
  if (!Number.isSafeInteger(notBefore) || notBefore % 1000 !== 0) throw new RangeError("notBefore must be whole seconds since the epoch");
  const { publicKey, privateKey } = generateKeyPairSync("ec", { namedCurve: "P-384" });
  const keyId = keyIdOf(publicKey);
  const subjectName = name(subjectFor(level, commonName));
  const notAfter = notBefore + PKI_LIFETIME_MS[level];
  const tbs = sequence(
    explicitTag(0, integer(2n)), // v3
    integer(serialNumber()),
    SIGNATURE_ALGORITHM,
    issuer === undefined ? subjectName : issuer.subjectName,
    sequence(x509Time(new Date(notBefore)), x509Time(new Date(notAfter))),
    subjectName,
    new Uint8Array(publicKey.export({ type: "spki", format: "der" })),
    explicitTag(3, sequence(...extensionsFor(level, keyId, issuer?.keyId))),
  );
  const signature = sign("sha384", tbs, { key: issuer === undefined ? privateKey : issuer.privateKey, dsaEncoding: "der" });
  const der = sequence(tbs, SIGNATURE_ALGORITHM, bitString(new Uint8Array(signature)));
  return { level, der, certificate: new X509Certificate(der), privateKey, subjectName, keyId, notBefore, notAfter };
}

const wholeSeconds = (ms: number): number => Math.floor(ms / 1000) * 1000;

/** A self-signed emulator root, valid from `notBeforeMs` (rounded down to a second) for 30 years. */
export function createEmulatorRoot(notBeforeMs: number): PkiCertificate {
  return build("root", undefined, wholeSeconds(notBeforeMs));
}

/**
 * Issues the next certificate below `issuer` (root → regional → zonal → instance → leaf), valid
 * from `notBeforeMs` (rounded down to a second) for its level's lifetime. `commonName` names the
 * leaf (the enclave module id).
 */
export function issueBelow(issuer: PkiCertificate, level: Exclude<PkiLevel, "root">, notBeforeMs: number, commonName?: string): PkiCertificate {
  if (PARENT[level] !== issuer.level) throw new RangeError(`a ${level} certificate is issued by the ${PARENT[level]} CA, not the ${issuer.level}`);
  return build(level, issuer, wholeSeconds(notBeforeMs), commonName);
}
