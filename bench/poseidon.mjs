// Poseidon benchmark: WebAssembly vs @scure/starknet (JS BigInt), plus the cost of moving
// BigInts in and out of wasm memory. Run after `npm run build -w @airlock/poseidon`:
//   node bench/poseidon.mjs            (BENCH_MS=2000 for longer runs)
// Prints numbers only; never asserts.
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { arch, cpus } from "node:os";
import {
  STARK_PRIME as P,
  jsPoseidon,
  poseidonBackend,
  poseidonFallbackReason,
  wasmPoseidon,
} from "../packages/poseidon/dist/index.js";

const RUN_MS = Number(process.env.BENCH_MS ?? 1000);
const felt = () => BigInt("0x" + randomBytes(32).toString("hex")) % P;
const pool = Array.from({ length: 64 }, felt); // rotate inputs so nothing is cached
let sink = 0n;

/** Mean µs per call of fn(i), over a bounded run after a warm-up of a fifth of that. */
function measure(fn) {
  const run = (ms) => {
    let n = 0;
    const start = performance.now();
    let now = start;
    for (let batch = 1; now - start < ms; batch = Math.min(batch * 2, 4096)) {
      for (let i = 0; i < batch; i++) fn(n++);
      now = performance.now();
    }
    return ((now - start) * 1000) / n;
  };
  run(RUN_MS / 5);
  return run(RUN_MS);
}

const cases = (impl) => [
  ["permute", (i) => (sink ^= impl.permute([pool[i & 63], pool[(i + 1) & 63], pool[(i + 2) & 63]])[0])],
  ["hash(x, y)", (i) => (sink ^= impl.hash(pool[i & 63], pool[(i + 1) & 63]))],
  ["hashMany(5)", (i) => (sink ^= impl.hashMany(pool.slice(i & 31, (i & 31) + 5)))],
  ["hashMany(12)", (i) => (sink ^= impl.hashMany(pool.slice(i & 31, (i & 31) + 12)))],
];

const rows = [];
const results = new Map();
for (const impl of [wasmPoseidon, jsPoseidon]) {
  if (!impl) continue;
  for (const [name, fn] of cases(impl)) {
    const us = measure(fn);
    results.set(`${impl.name} ${name}`, us);
    rows.push([name, impl.name, us]);
  }
}

// The wasm kernel alone: call the raw exports on data already in memory (zero constants run
// exactly the same instructions), to separate the arithmetic from validation + conversion.
const wasmFile = new URL("../packages/poseidon/build/poseidon.wasm", import.meta.url);
const core = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(wasmFile)), {}).exports;
core.memory.grow(1);
core.loadConstants(core.constantCount());
rows.push(["permute", "wasm core", measure(() => core.permute(3))]);
rows.push(["hashMany(5)", "wasm core", measure(() => core.hashMany(5, true, true))]);
rows.push(["hashMany(12)", "wasm core", measure(() => core.hashMany(12, true, true))]);

// The boundary technique used by the loader: 4 × u64 words through a BigUint64Array.
const words = new BigUint64Array(core.memory.buffer, core.io(), 4 * 64);
const put = (k, v) => {
  words[k] = v;
  words[k + 1] = v >> 64n;
  words[k + 2] = v >> 128n;
  words[k + 3] = v >> 192n;
};
const get = (k) => (words[k + 3] << 192n) | (words[k + 2] << 128n) | (words[k + 1] << 64n) | words[k];
rows.push(["BigInt -> wasm words", "conversion", measure((i) => put(4 * (i & 63), pool[i & 63]))]);
rows.push(["wasm words -> BigInt", "conversion", measure((i) => (sink ^= get(4 * (i & 63))))]);

const fmt = (n, d) => n.toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: d });
console.log(`Poseidon benchmark — Node ${process.version}, ${arch()}, ${cpus()[0]?.model ?? "?"}, ${RUN_MS} ms per row`);
console.log(`live backend: ${poseidonBackend}${poseidonFallbackReason ? ` (${poseidonFallbackReason})` : ""}\n`);
console.log(`${"operation".padEnd(22)}${"impl".padEnd(12)}${"µs/op".padStart(10)}${"ops/s".padStart(12)}${"wasm speed-up".padStart(15)}`);
for (const [name, impl, us] of rows) {
  const js = results.get(`js ${name}`);
  const speedup = impl === "wasm" && js ? `${fmt(js / us, 1)}x` : "";
  console.log(`${name.padEnd(22)}${impl.padEnd(12)}${fmt(us, us < 10 ? 3 : 1).padStart(10)}${fmt(1e6 / us, 0).padStart(12)}${speedup.padStart(15)}`);
}
if (sink === -1n) console.log(sink); // keep results alive
