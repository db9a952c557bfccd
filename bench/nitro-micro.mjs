// In-process micro-benchmarks of the Nitro backend's checks: attestation document verification
// (the whole AWS procedure: CBOR, payload checks, the certificate chain, ES384 — nothing is
// cached between calls, so every call is cold in that sense), on the real AWS documents of
// ../shared/conformance/nitro when present (clock pinned inside each window) and on emulator
// documents; the client's whole check of one signer (document + claims); and receipts: signing
// one in the sidecar, verifying one in the client (header decode + Ed25519 + field checks).
// Bounded loops as in micro.mjs. Run alone with `node bench/nitro-micro.mjs` after `npm run build`.
import { createHash, randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { encodeEnclaveClaims, verifyAttestationDocument } from "../packages/core/dist/attestation/index.js";
import { decodeReceiptHeader, encodeReceiptHeader, receiptKeyFromSpki, verifyReceipt } from "../packages/core/dist/receipts/index.js";
import { resolveNitroTrust, verifySignerDocument } from "../packages/core/dist/client/nitro-trust.js";
import { createNsmEmulator } from "../packages/signer/dist/attestation/nsm-emulator.js";
import { createEnclaveIdentity } from "../packages/signer/dist/enclave/enclave-identity.js";
import { measure } from "./micro.mjs";

const SHARED = new URL("../../shared/conformance/nitro/", import.meta.url);
let sink = 0;

/** Milliseconds of one call, the very first in this process for that input (JIT cold too). */
function firstCallMs(fn) {
  const t = performance.now();
  fn();
  return performance.now() - t;
}

/** Rows of [operation, µs per op]. */
export async function runNitroMicro() {
  const rows = [];
  const add = (name, fn) => rows.push([name, measure(fn)]);
  const first = [];

  // Real AWS documents, pinned inside their validity windows.
  if (existsSync(new URL("expected.json", SHARED))) {
    const expected = JSON.parse(readFileSync(new URL("expected.json", SHARED), "utf8"));
    const docs = expected;
    for (const [file, facts] of Object.entries(docs)) {
      const bytes = readFileSync(new URL(file, SHARED));
      const now = new Date(facts.timestamp_ms);
      if (!Number.isFinite(now.getTime())) continue;
      const opts = { now, allowDebugPcrs: true };
      first.push([`first verification in this process: ${file}`, firstCallMs(() => verifyAttestationDocument(bytes, opts)) * 1000]);
      add(`verify AWS document ${file} (whole chain)`, () => (sink ^= verifyAttestationDocument(bytes, opts).pcrs.size));
    }
  } else {
    console.error("nitro micro: ../shared/conformance/nitro not found; AWS document rows skipped");
  }

  // Emulator documents carrying Airlock's claims, and the client's whole check of a signer.
  const emulator = createNsmEmulator({ production: false });
  const identity = createEnclaveIdentity();
  const policyHash = createHash("sha256").update("bench policy").digest("hex");
  const nonce = randomBytes(32);
  const doc = await emulator.attest({ nonce, publicKey: identity.receiptPublicKeySpki, userData: encodeEnclaveClaims({ policyHash, provisioningPublicKey: identity.provisioningPublicKey }) });
  const docOpts = { now: new Date(), expectedNonce: nonce, rootFingerprintSha256: emulator.rootFingerprintSha256 };
  first.push(["first verification in this process: emulator document", firstCallMs(() => verifyAttestationDocument(doc, docOpts)) * 1000]);
  add("verify emulator document (whole chain)", () => (sink ^= verifyAttestationDocument(doc, docOpts).pcrs.size));
  const pcr0 = verifyAttestationDocument(doc, docOpts).pcrs.get(0);
  const trust = resolveNitroTrust({ allowedPcrs: { 0: [pcr0] }, rootFingerprintSha256: emulator.rootFingerprintSha256 });
  // verifySignerDocument is async (the registry may be asked); without a registry it settles at once.
  const signerChecks = [];
  add("client: check one signer (document + claims + receipt key)", () => signerChecks.push(verifySignerDocument(doc, nonce, trust)));
  await Promise.all(signerChecks.splice(0));

  // Receipts.
  const sha = (s) => createHash("sha256").update(s).digest("hex");
  const fields = (i) => ({
    requestId: `req-${i}`,
    route: "sign.session_transaction",
    clientId: "agent",
    keyId: "default",
    requestHash: sha(`request ${i & 63}`),
    policyHash,
    signedHash: "0x4f2b9c1d",
    responseHash: sha(`response ${i & 63}`),
    status: 200,
    issuedAt: 1_795_000_000_000 + i,
  });
  add("sidecar: sign a receipt (Ed25519) + header", (i) => (sink ^= encodeReceiptHeader(identity.signReceipt(fields(i))).length));
  const key = receiptKeyFromSpki(identity.receiptPublicKeySpki);
  const headers = Array.from({ length: 64 }, (_, i) => encodeReceiptHeader(identity.signReceipt(fields(i))));
  add("client: verify a receipt (decode header + Ed25519 + fields)", (i) => {
    const r = decodeReceiptHeader(headers[i & 63]);
    verifyReceipt(r, key, { requestHash: r.requestHash, responseHash: r.responseHash, status: 200, policyHash });
    sink ^= r.status;
  });
  if (sink === -1) console.log(sink);
  return { rows, first };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const { formatMicro } = await import("./format.mjs");
  const { rows, first } = await runNitroMicro();
  console.log(formatMicro(rows));
  console.log(`\nFirst (cold) calls, µs:\n${formatMicro(first)}`);
}
