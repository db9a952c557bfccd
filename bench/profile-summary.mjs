// Summarises a V8 .cpuprofile (from `node --cpu-prof`, e.g. BENCH_CPU_PROF=DIR npm run bench):
// self time by function and by file/package, and total (inclusive) time of the functions that
// make up a request. Usage: node bench/profile-summary.mjs FILE.cpuprofile [top=25] [focus]
// With `focus` (a function name, or name@file to pick one of several functions of that name, e.g.
// record@audit-log), also splits that function's time by the functions it calls.
import { readFileSync } from "node:fs";

const [file, topArg, focus] = process.argv.slice(2);
if (!file) {
  console.error("usage: node bench/profile-summary.mjs FILE.cpuprofile [top] [focusFunction]");
  process.exit(2);
}
const top = Number(topArg ?? 25);
const profile = JSON.parse(readFileSync(file, "utf8"));
const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

// Self time per node from the sample intervals.
const self = new Map();
for (let i = 0; i < profile.samples.length; i++) {
  const dt = profile.timeDeltas[i + 1] ?? 0;
  self.set(profile.samples[i], (self.get(profile.samples[i]) ?? 0) + dt);
}
const total = [...self.values()].reduce((a, b) => a + b, 0);

function where(n) {
  const url = n.callFrame.url || "";
  const m = url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/) ?? url.match(/packages\/([^/]+)\//);
  if (m) return m[1];
  if (url.startsWith("node:")) return url;
  return url ? url.split("/").slice(-2).join("/") : "(native/vm)";
}
const label = (n) => `${n.callFrame.functionName || "(anonymous)"} ${where(n)}:${n.callFrame.lineNumber + 1}`;

const bySelf = new Map();
const byPkg = new Map();
for (const [id, t] of self) {
  const n = nodes.get(id);
  bySelf.set(label(n), (bySelf.get(label(n)) ?? 0) + t);
  const w = n.callFrame.url ? where(n) : n.callFrame.functionName || "(native)";
  byPkg.set(w, (byPkg.get(w) ?? 0) + t);
}

// Inclusive time per function name: count each sample once per distinct function on its stack.
const inclusive = new Map();
for (const [id, t] of self) {
  const seen = new Set();
  for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
    const name = nodes.get(cur).callFrame.functionName;
    if (name && !seen.has(name)) {
      seen.add(name);
      inclusive.set(name, (inclusive.get(name) ?? 0) + t);
    }
  }
}

const pct = (t) => `${((100 * t) / total).toFixed(1).padStart(5)}%`;
const show = (title, map, n) => {
  console.log(`\n${title}`);
  for (const [k, t] of [...map].sort((a, b) => b[1] - a[1]).slice(0, n)) console.log(`  ${pct(t)}  ${k}`);
};
console.log(`${file}: ${(total / 1e6).toFixed(1)} s sampled`);
show("Self time by file/package", byPkg, 20);
show("Self time by function", bySelf, top);
const STEPS = [
  "(idle)", "(garbage collector)", "(program)",
  "handle", "readBody", "authenticate", "signatureMatches", "sha256Hex", "consume",
  "admitSessionRequest", "parseBody", "safeParse", "scanValue", "hit", "parseSessionRequest",
  "evaluateSessionPolicy", "outsideExecutionHashes", "poseidonHashMany", "spendStep", "reserve",
  "sign", "signLowS", "multiply", "decided", "record", "sendJson", "parserOnIncoming", "writeHead", "end",
  // exchange orders
  "signExchangeRequest", "admitExchangeRequest", "parseJsonBody", "evaluateExchangePolicy", "signWithVenue",
  "signL1Action", "actionHash", "signDigest", "orderCountersStep", "sendCommand",
];
console.log("\nInclusive time of request steps");
for (const name of STEPS) if (inclusive.has(name)) console.log(`  ${pct(inclusive.get(name))}  ${name}`);

if (focus) {
  const [focusName, focusFile = ""] = focus.split("@");
  // Time under `focus`, attributed to the frame directly below its outermost occurrence.
  const below = new Map();
  let under = 0;
  for (const [id, t] of self) {
    const stack = [];
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) stack.push(nodes.get(cur));
    const at = stack.findLastIndex((n) => n.callFrame.functionName === focusName && n.callFrame.url.includes(focusFile));
    if (at === -1) continue;
    under += t;
    const key = at === 0 ? "(self)" : label(stack[at - 1]);
    below.set(key, (below.get(key) ?? 0) + t);
  }
  console.log(`\n${focus}: ${pct(under)} of samples; split by callee`);
  for (const [k, t] of [...below].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`  ${pct(t)}  ${k}`);
}
