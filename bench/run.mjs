// `npm run bench`: starts the Airlock sidecar as a separate process with every check on (HMAC,
// replay, rate limit, policy with a spending limit, leak scanner, audit log), drives it with
// autocannon using fresh signed 1-call requests, for memory stores and for Redis stores, at
// 10 connections and at 1; then the same for exchange orders (Binance USD-M futures, HMAC, in
// both store modes; Hyperliquid, EIP-712, memory stores); then micro-benchmarks the pieces of
// a request in process, and the Nitro backend's checks (attestation documents, receipts).
//
// Environment:
//   BENCH_SECONDS=10          measured seconds per run (c=10 and c=1, each store)
//   BENCH_WARMUP_SECONDS=2    warm-up at c=10 before measuring (not reported)
//   BENCH_MICRO_MS=1000       measured milliseconds per micro-benchmark row
//   BENCH_ONLY=a,b,...        run only these parts (names below; "session", "exchange" and "nitro" name groups;
//                             the nitro ones run the sidecar on the Nitro backend with the NSM emulator)
//   BENCH_CPU_PROF=DIR        run each sidecar under `node --cpu-prof --cpu-prof-dir=DIR`
//   BENCH_JSON=FILE           also write every figure as JSON
//
// Exits non-zero when any request was not answered 200 (a benchmark of errors means nothing),
// when the audit log does not hold one verified record per request, or when a step fails.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { verifyAuditFile } from "../packages/signer/dist/audit/audit-chain.js";
import { atExit, installCleanup, killAllChildren } from "./children.mjs";
import { startCpuMeter } from "./cpu-usage.mjs";
import { runExchangeMicro } from "./exchange-micro.mjs";
import { runNitroMicro } from "./nitro-micro.mjs";
import { binanceSmokeCheck, hyperliquidSmokeCheck } from "./exchange-smoke.mjs";
import { EXCHANGE_PATH, exchangePolicyYaml, exchangeSidecarEnv, freshExchangeSecrets, HYPERLIQUID_ASSETS, orderBody } from "./exchange-workload.mjs";
import { formatLoad, formatMicro } from "./format.mjs";
import { freePort } from "./free-port.mjs";
import { runLoad, runWasClean } from "./load.mjs";
import { runMicro } from "./micro.mjs";
import { findRedisServer, startRedis, startSidecar } from "./processes.mjs";
import { smokeCheck } from "./smoke.mjs";
import { freshSecrets, policyYaml, SIGN_PATH, sidecarEnv } from "./workload.mjs";

/** The parts BENCH_ONLY can name, in the order they run, and the groups that stand for several. */
const PARTS = ["memory", "redis", "exchange-hmac", "exchange-hmac-redis", "exchange-eip712", "nitro-session", "nitro-exchange-hmac", "micro", "exchange-micro", "nitro-micro"];
const GROUPS = {
  session: ["memory", "redis", "micro"],
  exchange: ["exchange-hmac", "exchange-hmac-redis", "exchange-eip712", "exchange-micro"],
  nitro: ["nitro-session", "nitro-exchange-hmac", "nitro-micro"],
};

const SECONDS = positive("BENCH_SECONDS", 10);
const WARMUP = positive("BENCH_WARMUP_SECONDS", 2);
const ONLY = (() => {
  try {
    return selectedParts(process.env.BENCH_ONLY);
  } catch (err) {
    console.error(err.message);
    process.exit(2);
  }
})();
const CPU_PROF = process.env.BENCH_CPU_PROF;
/** Other processes using more than this share of one core during a run make its figures suspect. */
const OTHERS_WARN_PCT = 15;
/** Runs during which other processes were busy (reported at the end). */
const busyRuns = [];
const cpuText = (pct) => (pct === undefined ? "?" : `${pct.toFixed(0)}%`);

function positive(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number`);
  return n;
}

/** The parts to run; an unknown name is an error, so a typo never silently runs nothing. */
function selectedParts(raw) {
  if (raw === undefined || raw.trim() === "") return new Set(PARTS);
  const out = new Set();
  for (const name of raw.split(",").map((s) => s.trim()).filter(Boolean)) {
    if (Object.hasOwn(GROUPS, name)) GROUPS[name].forEach((p) => out.add(p));
    else if (PARTS.includes(name)) out.add(name);
    else throw new Error(`BENCH_ONLY: unknown part "${name}" (parts: ${PARTS.join(", ")}; groups: ${Object.keys(GROUPS).join(", ")})`);
  }
  return out;
}

function loud(lines) {
  const bar = "!".repeat(78);
  console.error(`\n${bar}\n${lines.map((l) => `!! ${l}`).join("\n")}\n${bar}\n`);
}

/** Session transactions: 1-call STRK transfers under a spending limit. */
function sessionWorkload() {
  return {
    policy: policyYaml(),
    env: (options) => sidecarEnv(options),
    secrets: [],
    smoke: (url, secrets) => smokeCheck(url, secrets),
    path: SIGN_PATH,
    makeBody: undefined,
    connections: [10, 1],
  };
}

/** Exchange limit orders on `venue` (binance_futures or hyperliquid), with fresh venue credentials. */
function exchangeWorkload(venue, connections) {
  const ex = freshExchangeSecrets();
  const check = venue === "binance_futures" ? binanceSmokeCheck : hyperliquidSmokeCheck;
  return {
    policy: exchangePolicyYaml(),
    env: (options) => exchangeSidecarEnv(options, ex),
    // Venue secrets the audit log must not hold (the API key is public by design).
    secrets: [ex.apiSecret, ex.hlPrivateKey.slice(2)],
    smoke: (url, secrets) => check(url, secrets.hmacSecret, ex, orderBody(venue), HYPERLIQUID_ASSETS),
    path: EXCHANGE_PATH,
    makeBody: () => orderBody(venue),
    connections,
  };
}

/**
 * The same workload on the Nitro backend with the NSM emulator: what changes on the request path
 * is the receipt (an Ed25519 signature, its header and its audit field) on every answer.
 */
function onNitro(workload) {
  return { ...workload, env: (options) => ({ ...workload.env(options), AIRLOCK_BACKEND: "nitro", AIRLOCK_ATTESTATION_SOURCE: "emulator" }) };
}

/** One scenario: sidecar up, smoke-checked, warmed, measured at each connection count, audited. */
async function scenario(name, dir, redis, workload) {
  const secrets = freshSecrets();
  const policyFile = join(dir, `policy-${name}.yaml`);
  writeFileSync(policyFile, workload.policy, { mode: 0o600 });
  const auditFile = join(dir, `audit-${name}.jsonl`);
  const env = workload.env({ port: await freePort(), secrets, policyFile, auditFile, redisUrl: redis?.url });
  const nodeArgs = CPU_PROF ? ["--cpu-prof", `--cpu-prof-dir=${CPU_PROF}`, `--cpu-prof-name=sidecar-${name.replace(/[^A-Za-z0-9_]+/g, "-")}-${Date.now()}.cpuprofile`] : [];
  const sidecar = await startSidecar(env, { nodeArgs });
  const load = async (connections, seconds) => {
    const meter = startCpuMeter(sidecar.pid, redis?.pid);
    const r = await runLoad({ url: sidecar.url, hmacSecret: secrets.hmacSecret, connections, seconds, path: workload.path, ...(workload.makeBody ? { makeBody: workload.makeBody } : {}) });
    return { ...r, cpu: meter() };
  };
  const results = [];
  let sent = 1;
  // Requests still in flight when a run's clock stops are signed and audited, but autocannon
  // does not count their answers: at most one per connection per run.
  let inFlight = 0;
  try {
    await workload.smoke(sidecar.url, secrets);
    console.log(`[${name}] sidecar pid ${sidecar.pid} at ${sidecar.url}: smoke request signed and verified`);
    const warm = await load(10, WARMUP);
    sent += warm.requests;
    inFlight += 10;
    if (!runWasClean(warm)) return { results, failed: describeFailure(name, "warm-up", warm) };
    for (const connections of workload.connections) {
      const r = await load(connections, SECONDS);
      sent += r.requests;
      inFlight += connections;
      results.push({ stores: name, r });
      console.log(
        `[${name}] c=${connections}: ${r.okPerSec.toFixed(0)} signed req/s, p50 ${r.latency.p50.toFixed(2)} ms, p99 ${r.latency.p99.toFixed(2)} ms, non-2xx ${r.non2xx}; CPU (of one core) sidecar ${cpuText(r.cpu.sidecar)}, load generator ${cpuText(r.cpu.generator)}${redis ? `, redis-server ${cpuText(r.cpu.redis)}` : ""}, other processes ${cpuText(r.cpu.others)}`,
      );
      if (r.cpu.others !== undefined && r.cpu.others > OTHERS_WARN_PCT) busyRuns.push(`${name} c=${connections}: other processes used ${r.cpu.others.toFixed(0)}% of a core`);
      if (!runWasClean(r)) return { results, failed: describeFailure(name, `c=${connections}`, r) };
    }
    const peak = peakRssMb(sidecar.pid);
    if (peak !== undefined) console.log(`[${name}] sidecar peak RSS ${peak} MB`);
  } finally {
    await sidecar.stop();
  }
  // Every request must have left one record in an intact chain.
  const chain = await verifyAuditFile(auditFile);
  if (!chain.ok) return { results, failed: `[${name}] audit chain broken: ${JSON.stringify(chain.brokenAt)}` };
  if (chain.records < sent || chain.records > sent + inFlight) {
    return { results, failed: `[${name}] audit log holds ${chain.records} records for ${sent} answered requests (+ up to ${inFlight} in flight)` };
  }
  const auditText = readFileSync(auditFile, "utf8").toLowerCase();
  if (workload.secrets.some((secret) => auditText.includes(secret.toLowerCase()))) return { results, failed: `[${name}] the audit log contains a venue secret` };
  console.log(`[${name}] audit log: ${chain.records} records for ${sent} answered requests (+${chain.records - sent} in flight at a run's end), chain verified`);
  return { results, failed: undefined };
}

/** Peak resident memory of a process in MB (Linux /proc), or undefined elsewhere. */
function peakRssMb(pid) {
  try {
    const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
    return kb === undefined ? undefined : Math.round(Number(kb) / 1024);
  } catch {
    return undefined;
  }
}

function describeFailure(name, phase, r) {
  return `[${name}] ${phase}: ${r.failures.count} non-200 answers ${JSON.stringify(r.failures.statuses)}, ${r.errors} socket errors, ${r.timeouts} timeouts; first: ${r.failures.sample ?? "none"}`;
}

/** Runs `fn({url, pid})` against a throwaway redis-server (a fresh one per scenario), or says loudly that it cannot. */
async function withRedis(name, fn) {
  const binary = findRedisServer();
  if (!binary) {
    loud([`redis-server is not installed: the ${name} scenario is SKIPPED.`, "Install it (e.g. apt-get install redis-server) to measure Redis stores."]);
    return;
  }
  const redis = await startRedis(binary);
  try {
    console.log(`[${name}] redis-server pid ${redis.pid} at ${redis.url}`);
    await fn(redis);
  } finally {
    await redis.stop();
  }
}

async function main() {
  installCleanup();
  const dir = mkdtempSync(join(tmpdir(), "airlock-bench-"));
  atExit(() => rmSync(dir, { recursive: true, force: true }));
  const session = [];
  const exchange = [];
  const failures = [];
  let micro;
  let exchangeMicro;
  let nitroMicro;
  console.log(`Airlock benchmark: Node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model ?? "?"}), ${SECONDS} s per run after ${WARMUP} s warm-up`);
  console.log(`parts: ${[...ONLY].join(", ")}`);
  const [load1] = loadavg();
  console.log(`load average before the run: ${loadavg().map((l) => l.toFixed(2)).join(", ")}`);
  if (load1 > 0.5) {
    loud([
      `1-minute load average is ${load1.toFixed(2)} before the benchmark starts: something else has been using the CPU.`,
      "If it still is, these figures understate the sidecar; rerun on a quiet machine for reference numbers.",
    ]);
  }
  const run = async (name, into, redis, workload) => {
    const { results, failed } = await scenario(name, dir, redis, workload);
    into.push(...results);
    if (failed) failures.push(failed);
  };
  try {
    if (ONLY.has("memory")) await run("memory", session, undefined, sessionWorkload());
    if (ONLY.has("redis")) await withRedis("redis", (redis) => run("redis", session, redis, sessionWorkload()));
    if (ONLY.has("exchange-hmac")) await run("binance_futures, memory", exchange, undefined, exchangeWorkload("binance_futures", [10, 1]));
    if (ONLY.has("exchange-hmac-redis")) await withRedis("exchange-hmac-redis", (redis) => run("binance_futures, redis", exchange, redis, exchangeWorkload("binance_futures", [10, 1])));
    if (ONLY.has("exchange-eip712")) await run("hyperliquid, memory", exchange, undefined, exchangeWorkload("hyperliquid", [10]));
    if (ONLY.has("nitro-session")) await run("nitro (emulator), memory", session, undefined, onNitro(sessionWorkload()));
    if (ONLY.has("nitro-exchange-hmac")) await run("nitro (emulator): binance_futures, memory", exchange, undefined, onNitro(exchangeWorkload("binance_futures", [10, 1])));
    if (ONLY.has("micro")) micro = await runMicro();
    if (ONLY.has("exchange-micro")) exchangeMicro = await runExchangeMicro();
    if (ONLY.has("nitro-micro")) nitroMicro = await runNitroMicro();
  } finally {
    killAllChildren(); // also removes the temp dir
  }

  if (session.length > 0) console.log(`\nSigned session transactions, POST /v1/sign/session-transaction, 1 call, every check on:\n${formatLoad(session)}`);
  if (exchange.length > 0) console.log(`\nSigned exchange orders, POST ${EXCHANGE_PATH}, limit order, every check on:\n${formatLoad(exchange, "venue, stores")}`);
  const microMs = process.env.BENCH_MICRO_MS ?? 1000;
  if (micro) console.log(`\nMicro-benchmarks, one operation, in process (${microMs} ms per row):\n${formatMicro(micro)}`);
  if (exchangeMicro) console.log(`\nExchange micro-benchmarks, one operation, in process (${microMs} ms per row):\n${formatMicro(exchangeMicro)}`);
  if (nitroMicro) {
    console.log(`\nNitro backend micro-benchmarks, in process (${microMs} ms per row):\n${formatMicro(nitroMicro.rows)}`);
    console.log(`\nFirst call of each verification in this process (cold, JIT included):\n${formatMicro(nitroMicro.first)}`);
  }
  if (process.env.BENCH_JSON) writeFileSync(process.env.BENCH_JSON, `${JSON.stringify({ load: session, exchange, micro, exchangeMicro, nitroMicro }, null, 2)}\n`);
  if (CPU_PROF) console.log(`\nCPU profiles of the sidecar(s) written to ${CPU_PROF}`);
  if (busyRuns.length > 0) {
    loud(["Other processes were busy during some runs: those figures understate the sidecar; rerun on a quiet machine.", ...busyRuns]);
  }
  if (failures.length > 0) {
    loud(["BENCHMARK INVALID: some requests were not signed.", ...failures]);
    process.exitCode = 1;
  }
}

main().catch((err) => {
  killAllChildren();
  loud(["benchmark failed:", ...String(err?.stack ?? err).split("\n")]);
  process.exitCode = 1;
});
