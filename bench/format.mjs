// Plain-text tables for the benchmark's output (also pasted into docs/performance.md).

const num = (n, digits) =>
  Number.isFinite(n) ? n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits }) : "n/a";

function table(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(" | ")} |`;
  const rule = `|${widths.map((w, i) => (i === 0 ? `${"-".repeat(w + 1)}-` : `${"-".repeat(w + 1)}:`)).join("|")}|`;
  return [line(header), rule, ...rows.map(line)].join("\n");
}

/** CPU shares of one core over a run: "sidecar% / generator%", then "/ redis%" when Redis ran. */
function cpuCell(cpu) {
  if (cpu === undefined) return "n/a";
  const pct = (v) => (Number.isFinite(v) ? `${num(v, 0)}%` : "n/a");
  return [cpu.sidecar, cpu.generator, ...(cpu.redis === undefined ? [] : [cpu.redis])].map(pct).join(" / ");
}

/** Load results: one row per (scenario, connections) run; `label` heads the scenario column. */
export function formatLoad(results, label = "stores") {
  return table(
    [label, "conns", "req/s mean (min-max)", "2xx/s", "requests", "p50 ms", "p90 ms", "p99 ms", "max ms", "non-2xx", "CPU sidecar / loadgen / redis"],
    results.map(({ stores, r }) => [
      stores,
      String(r.connections),
      `${num(r.reqPerSecMean, 0)} (${num(r.reqPerSecMin, 0)}-${num(r.reqPerSecMax, 0)})`,
      num(r.okPerSec, 0),
      String(r.requests),
      num(r.latency.p50, 2),
      num(r.latency.p90, 2),
      num(r.latency.p99, 2),
      num(r.latency.max, 1),
      String(r.non2xx + r.errors + r.timeouts),
      cpuCell(r.cpu),
    ]),
  );
}

/** Micro-benchmark rows [name, µs/op]. */
export function formatMicro(rows) {
  return table(
    ["operation", "µs/op", "ops/s"],
    rows.map(([name, us]) => [name, num(us, us < 10 ? 2 : 1), num(1e6 / us, 0)]),
  );
}
