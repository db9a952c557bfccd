// `npm run bench`: starts the Airlock sidecar as a separate process with every check on (HMAC,
// replay, rate limit, policy with a spending limit, leak scanner, audit log), drives it with
// autocannon using fresh signed 1-call requests, for memory stores and for Redis stores, at
// 10 connections and at 1; then micro-benchmarks the pieces of a request in process.
//
// Environment:
//   BENCH_SECONDS=10          measured seconds per run (c=10 and c=1, each store)
//   BENCH_WARMUP_SECONDS=2    warm-up at c=10 before measuring (not reported)
//   BENCH_MICRO_MS=1000       measured milliseconds per micro-benchmark row
//   BENCH_ONLY=memory|redis|micro   run only that part (comma-separated list allowed)
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
import { formatLoad, formatMicro } from "./format.mjs";
import { freePort } from "./free-port.mjs";
import { runLoad, runWasClean } from "./load.mjs";
import { runMicro } from "./micro.mjs";
import { findRedisServer, startRedis, startSidecar } from "./processes.mjs";
import { smokeCheck } from "./smoke.mjs";
import { freshSecrets, policyYaml, sidecarEnv } from "./workload.mjs";

const SECONDS = positive("BENCH_SECONDS", 10);
const WARMUP = positive("BENCH_WARMUP_SECONDS", 2);
const ONLY = new Set((process.env.BENCH_ONLY ?? "memory,redis,micro").split(",").map((s) => s.trim()));
const CPU_PROF = process.env.BENCH_CPU_PROF;

function positive(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number`);
  return n;
}

function loud(lines) {
  const bar = "!".repeat(78);
  console.error(`\n${bar}\n${lines.map((l) => `!! ${l}`).join("\n")}\n${bar}\n`);
}

/** One store configuration: sidecar up, smoke-checked, warmed, measured at c=10 then c=1, audited. */
async function scenario(name, dir, redisUrl) {
  const secrets = freshSecrets();
  const policyFile = join(dir, "policy.yaml");
  writeFileSync(policyFile, policyYaml(), { mode: 0o600 });
  const auditFile = join(dir, `audit-${name}.jsonl`);
  const env = sidecarEnv({ port: await freePort(), secrets, policyFile, auditFile, redisUrl });
  const nodeArgs = CPU_PROF ? ["--cpu-prof", `--cpu-prof-dir=${CPU_PROF}`, `--cpu-prof-name=sidecar-${name}-${Date.now()}.cpuprofile`] : [];
  const sidecar = await startSidecar(env, { nodeArgs });
  const results = [];
  let sent = 1;
  // Requests still in flight when a run's clock stops are signed and audited, but autocannon
  // does not count their answers: at most one per connection per run.
  let inFlight = 0;
  try {
    await smokeCheck(sidecar.url, secrets);
    console.log(`[${name}] sidecar pid ${sidecar.pid} at ${sidecar.url}: smoke request signed and verified`);
    const warm = await runLoad({ url: sidecar.url, hmacSecret: secrets.hmacSecret, connections: 10, seconds: WARMUP });
    sent += warm.requests;
    inFlight += 10;
    if (!runWasClean(warm)) return { results, failed: describeFailure(name, "warm-up", warm) };
    for (const connections of [10, 1]) {
      const r = await runLoad({ url: sidecar.url, hmacSecret: secrets.hmacSecret, connections, seconds: SECONDS });
      sent += r.requests;
      inFlight += connections;
      results.push({ stores: name, r });
      console.log(`[${name}] c=${connections}: ${r.okPerSec.toFixed(0)} signed req/s, p50 ${r.latency.p50.toFixed(2)} ms, p99 ${r.latency.p99.toFixed(2)} ms, non-2xx ${r.non2xx}`);
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

async function main() {
  installCleanup();
  const dir = mkdtempSync(join(tmpdir(), "airlock-bench-"));
  atExit(() => rmSync(dir, { recursive: true, force: true }));
  const all = [];
  const failures = [];
  let micro;
  console.log(`Airlock benchmark: Node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model ?? "?"}), ${SECONDS} s per run after ${WARMUP} s warm-up`);
  const [load1] = loadavg();
  console.log(`load average before the run: ${loadavg().map((l) => l.toFixed(2)).join(", ")}`);
  if (load1 > 0.5) {
    loud([
      `1-minute load average is ${load1.toFixed(2)} before the benchmark starts: something else has been using the CPU.`,
      "If it still is, these figures understate the sidecar; rerun on a quiet machine for reference numbers.",
    ]);
  }
  try {
    if (ONLY.has("memory")) {
      const { results, failed } = await scenario("memory", dir, undefined);
      all.push(...results);
      if (failed) failures.push(failed);
    }
    if (ONLY.has("redis")) {
      const binary = findRedisServer();
      if (!binary) {
        loud(["redis-server is not installed: the Redis scenario is SKIPPED.", "Install it (e.g. apt-get install redis-server) to measure Redis stores."]);
      } else {
        const redis = await startRedis(binary);
        try {
          console.log(`[redis] redis-server pid ${redis.pid} at ${redis.url}`);
          const { results, failed } = await scenario("redis", dir, redis.url);
          all.push(...results);
          if (failed) failures.push(failed);
        } finally {
          await redis.stop();
        }
      }
    }
    if (ONLY.has("micro")) micro = await runMicro();
  } finally {
    killAllChildren(); // also removes the temp dir
  }

  if (all.length > 0) console.log(`\nSigned session transactions, POST /v1/sign/session-transaction, 1 call, every check on:\n${formatLoad(all)}`);
  if (micro) console.log(`\nMicro-benchmarks, one operation, in process (${process.env.BENCH_MICRO_MS ?? 1000} ms per row):\n${formatMicro(micro)}`);
  if (process.env.BENCH_JSON) writeFileSync(process.env.BENCH_JSON, `${JSON.stringify({ load: all, micro }, null, 2)}\n`);
  if (CPU_PROF) console.log(`\nCPU profiles of the sidecar(s) written to ${CPU_PROF}`);
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
