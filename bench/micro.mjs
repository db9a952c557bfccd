// In-process micro-benchmarks of what one signing request costs, piece by piece, plus
// starknet.js's SNIP-12 hashing of the same request as a reference. Bounded loops: each row
// warms up for a fifth of BENCH_MICRO_MS, then runs for BENCH_MICRO_MS (default 1000).
// Run alone with `node bench/micro.mjs` after `npm run build`.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { constants, outsideExecution, typedData } from "starknet";
import { canonicalString, SessionTransactionRequest, sha256Hex, signatureMatches } from "../packages/core/dist/index.js";
import { parseSessionRequest, precomputeSigningTables, sessionRequestHashes, signLowS } from "../packages/core/dist/starknet/index.js";
import { jsPoseidon, STARK_PRIME, wasmPoseidon } from "../packages/poseidon/dist/index.js";
import { createAuditLog } from "../packages/signer/dist/audit/audit-log.js";
import { loadConfig } from "../packages/signer/dist/config/env-config.js";
import { evaluateSessionPolicy } from "../packages/signer/dist/policy/index.js";
import { createLeakScanner } from "../packages/signer/dist/scan/leak-scanner.js";
import { MemorySpendStore } from "../packages/signer/dist/stores/memory-spend-store.js";
import { authHeaders, CLIENT_ID, freshSecrets, KEY_ID, policyYaml, sessionBody, SIGN_PATH, sidecarEnv } from "./workload.mjs";

const RUN_MS = Number(process.env.BENCH_MICRO_MS ?? 1000);
let sink = 0;

/** Mean µs per call of fn(i) over a bounded run, after a warm-up of a fifth of it. */
export function measure(fn) {
  const run = (ms) => {
    let n = 0;
    const start = performance.now();
    let now = start;
    for (let batch = 1; now - start < ms; batch = Math.min(batch * 2, 1024)) {
      for (let i = 0; i < batch; i++) fn(n++);
      now = performance.now();
    }
    return ((now - start) * 1000) / n;
  };
  run(RUN_MS / 5);
  return run(RUN_MS);
}

const POOL = 64;
const pool = (make) => Array.from({ length: POOL }, (_, i) => make(i));

/** Rows of [operation, µs per op]. */
export async function runMicro() {
  const rows = [];
  const add = (name, fn) => rows.push([name, measure(fn)]);
  const secrets = freshSecrets();
  const privateKey = BigInt(secrets.privateKey);
  const felts = pool(() => BigInt(`0x${Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("hex")}`) % STARK_PRIME);

  // Poseidon: one Hades permutation of a width-3 state.
  if (wasmPoseidon) add("Poseidon permutation (wasm)", (i) => (sink ^= Number(wasmPoseidon.permute([felts[i & 63], felts[(i + 1) & 63], felts[(i + 2) & 63]])[0] & 1n)));
  add("Poseidon permutation (js, @scure/starknet)", (i) => (sink ^= Number(jsPoseidon.permute([felts[i & 63], felts[(i + 1) & 63], felts[(i + 2) & 63]])[0] & 1n)));

  // Request bodies as the sidecar sees them: raw bytes, then parsed and validated.
  const bodies1 = pool(() => sessionBody({ calls: 1 }));
  const bodies3 = pool(() => sessionBody({ calls: 3 }));
  const req1 = bodies1.map((b) => SessionTransactionRequest.parse(JSON.parse(b)));
  const req3 = bodies3.map((b) => SessionTransactionRequest.parse(JSON.parse(b)));

  add("JSON.parse + zod schema (1 call)", (i) => (sink ^= SessionTransactionRequest.safeParse(JSON.parse(bodies1[i & 63])).success ? 1 : 0));
  add("session message hash, 1 call (sessionRequestHashes)", (i) => (sink ^= Number(sessionRequestHashes(req1[i & 63]).messageHash & 1n)));
  add("session message hash, 3 calls", (i) => (sink ^= Number(sessionRequestHashes(req3[i & 63]).messageHash & 1n)));

  // starknet.js reference: SNIP-12 getMessageHash of the same outside execution (typed data prebuilt).
  const typed = req1.map((r) =>
    outsideExecution.getTypedData(
      r.chainId,
      { caller: constants.OutsideExecutionCallerAny, execute_after: 0, execute_before: r.validUntil },
      r.nonce,
      r.calls.map((c) => ({ contractAddress: c.contractAddress, entrypoint: c.entrypoint, calldata: c.calldata })),
      "2",
    ),
  );
  const ours = sessionRequestHashes(req1[0]).messageHash;
  const theirs = BigInt(typedData.getMessageHash(typed[0], req1[0].accountAddress));
  if (ours !== theirs) throw new Error("micro: starknet.js and Airlock disagree on the message hash");
  add("starknet.js typedData.getMessageHash, 1 call (reference)", (i) => (sink ^= typedData.getMessageHash(typed[i & 63], req1[i & 63].accountAddress).length));

  // Stark ECDSA: first with noble-curves' default 8-bit generator table, then with the 10-bit
  // one the sidecar sets up at startup (precomputeSigningTables). Same signatures either way.
  const hashes = req1.map((r) => sessionRequestHashes(r).messageHash);
  const before = signLowS(hashes[0], privateKey);
  add("Stark ECDSA sign, low-s (signLowS), default 8-bit G table", (i) => (sink ^= Number(signLowS(hashes[i & 63], privateKey).r & 1n)));
  precomputeSigningTables();
  const after = signLowS(hashes[0], privateKey);
  if (before.r !== after.r || before.s !== after.s) throw new Error("micro: the signing table changed a signature");
  add("Stark ECDSA sign, low-s, 10-bit G table (as the sidecar)", (i) => (sink ^= Number(signLowS(hashes[i & 63], privateKey).r & 1n)));

  // HMAC authentication as the sidecar does it: body SHA-256, canonical string, constant-time MAC check.
  const signed = bodies1.map((body) => ({ body: Buffer.from(body), headers: authHeaders({ hmacSecret: secrets.hmacSecret, method: "POST", path: SIGN_PATH, body }) }));
  add("HMAC check (SHA-256 of body + HMAC-SHA256 + compare)", (i) => {
    const { body, headers } = signed[i & 63];
    const canonical = canonicalString({
      timestamp: headers["x-keyring-timestamp"],
      nonce: headers["x-keyring-nonce"],
      method: "POST",
      path: SIGN_PATH,
      bodySha256Hex: sha256Hex(body),
    });
    sink ^= signatureMatches(secrets.hmacSecret, canonical, headers["x-keyring-signature"]) ? 1 : 0;
  });

  // Policy engine and leak scanner on the benchmark's configuration.
  const env = sidecarEnv({ port: 0, secrets, policyFile: "/bench/policy.yaml", auditFile: "/dev/null" });
  const config = loadConfig(env, { readFile: () => policyYaml() });
  const authClient = config.auth.clients.get(CLIENT_ID);
  const knownKeyIds = new Set(config.signer.provider.keyIds());
  const parsed1 = req1.map((r) => parseSessionRequest(r));
  const nowSec = Math.floor(Date.now() / 1000);
  const decision = evaluateSessionPolicy({ clientId: CLIENT_ID, authClient, keyId: KEY_ID, knownKeyIds, request: req1[0], parsed: parsed1[0], nowSec }, config.policy);
  if (!decision.allowed || decision.charges.length !== 1) throw new Error("micro: the policy should allow the request with one spend charge");
  add("policy engine (evaluateSessionPolicy, 1 call)", (i) => {
    const d = evaluateSessionPolicy({ clientId: CLIENT_ID, authClient, keyId: KEY_ID, knownKeyIds, request: req1[i & 63], parsed: parsed1[i & 63], nowSec }, config.policy);
    sink ^= d.allowed ? 1 : 0;
  });
  const scanner = createLeakScanner({ secrets: config.signer.secretsForScanner });
  const decoded = bodies1.map((b) => JSON.parse(b));
  if (scanner.scanValue(decoded[0]).length !== 0) throw new Error("micro: the leak scanner flags the benchmark body");
  add("leak scanner, request body (1 call)", (i) => (sink ^= scanner.scanValue(decoded[i & 63]).length));

  // The memory spend store's reservation of one charge on a budget already holding 3,000
  // records (about what the load runs keep in the 2 s STRK window), then its release.
  const spend = new MemorySpendStore();
  const budget = { key: `${KEY_ID}:0x1:2000`, amount: 1_000_000_000_000n, max: 10n ** 30n, windowMs: 2_000 };
  const clock = Date.now();
  for (let i = 0; i < 3_000; i++) await spend.reserve([budget], clock, `fill-${i}`);
  {
    // Async API: measured with its own bounded loop (awaits included).
    const run = async (ms) => {
      let n = 0;
      const start = performance.now();
      while (performance.now() - start < ms) {
        await spend.reserve([budget], clock, `r-${n}`);
        await spend.release([budget], `r-${n}`);
        n++;
      }
      return ((performance.now() - start) * 1000) / n;
    };
    await run(RUN_MS / 5);
    rows.push(["memory spend store reserve + release (3,000 records in window)", await run(RUN_MS)]);
  }
  await spend.close();

  // One audit record, written synchronously to a file as the sidecar does.
  const dir = mkdtempSync(join(tmpdir(), "airlock-micro-"));
  try {
    const audit = createAuditLog({ file: join(dir, "audit.jsonl"), secrets: config.signer.secretsForScanner });
    const requestId = crypto.randomUUID();
    add("audit record (hash-chained line, sync write)", (i) =>
      audit.record({
        event: "sign.session_transaction.success",
        requestId,
        outcome: "allowed",
        clientId: CLIENT_ID,
        keyId: KEY_ID,
        messageHash: hashes[i & 63],
        traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
        spanId: "00f067aa0ba902b7",
      }),
    );
    await audit.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (sink === -1) console.log(sink);
  return rows;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const { formatMicro } = await import("./format.mjs");
  console.log(formatMicro(await runMicro()));
}
