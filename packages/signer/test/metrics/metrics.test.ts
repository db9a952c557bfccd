import { describe, expect, it } from "vitest";
import { SIGN_DURATION_BUCKETS, createSignerMetrics } from "../../src/metrics/metrics.js";
import { MetricsRegistry } from "../../src/metrics/registry.js";
import { METRICS_CONTENT_TYPE, escapeLabelValue, formatNumber } from "../../src/metrics/exposition.js";

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}
interface Family {
  help: string;
  type: string;
  samples: Sample[];
}

/**
 * A strict reader of the text format, written from the spec: HELP and TYPE come first for each
 * metric, every line ends in "\n", label values are unescaped, values are Go floats.
 */
function parseExposition(text: string): Map<string, Family> {
  expect(text.endsWith("\n")).toBe(true);
  const families = new Map<string, Family>();
  let current: string | undefined;
  for (const line of text.slice(0, -1).split("\n")) {
    const help = /^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
    if (help) {
      expect(families.has(help[1]!), `HELP twice for ${help[1]}`).toBe(false);
      families.set(help[1]!, { help: unescapeHelp(help[2]!), type: "", samples: [] });
      current = help[1];
      continue;
    }
    const type = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (type) {
      expect(type[1], "TYPE follows its HELP").toBe(current);
      families.get(type[1]!)!.type = type[2]!;
      continue;
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    expect(sample, `sample line ${JSON.stringify(line)}`).not.toBeNull();
    const [, name, labelPart, raw] = sample!;
    const family = families.get(current ?? "");
    expect(family, `sample ${name} before any HELP`).toBeDefined();
    const base = family!.type === "histogram" ? name!.replace(/_(bucket|sum|count)$/, "") : name;
    expect(base, `sample ${name} belongs to ${current}`).toBe(current);
    family!.samples.push({ name: name!, labels: parseLabels(labelPart ?? ""), value: parseValue(raw!) });
  }
  return families;
}

function unescapeHelp(s: string): string {
  return s.replace(/\\(\\|n)/g, (_m, c: string) => (c === "n" ? "\n" : "\\"));
}

function parseLabels(s: string): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 0;
  while (i < s.length) {
    const eq = s.indexOf("=", i);
    const name = s.slice(i, eq);
    expect(name).toMatch(/^[a-zA-Z_][a-zA-Z0-9_]*$/);
    expect(s[eq + 1]).toBe('"');
    let j = eq + 2;
    let value = "";
    for (; s[j] !== '"'; j++) {
      expect(j < s.length, "unterminated label value").toBe(true);
      if (s[j] === "\\") {
        const next = s[++j];
        expect(["\\", '"', "n"]).toContain(next);
        value += next === "n" ? "\n" : next;
      } else {
        expect(s[j]).not.toBe("\n");
        value += s[j];
      }
    }
    expect(out[name]).toBeUndefined();
    out[name] = value;
    i = j + 1;
    if (i < s.length) {
      expect(s[i]).toBe(",");
      i += 1;
    }
  }
  return out;
}

function parseValue(raw: string): number {
  if (raw === "+Inf") return Number.POSITIVE_INFINITY;
  if (raw === "-Inf") return Number.NEGATIVE_INFINITY;
  if (raw === "NaN") return Number.NaN;
  expect(raw).toMatch(/^-?\d+(\.\d+)?(e[+-]\d+)?$/);
  return Number(raw);
}

const SERIES = [
  ["airlock_requests_total", "counter"],
  ["airlock_sign_duration_seconds", "histogram"],
  ["airlock_policy_denials_total", "counter"],
  ["airlock_replay_rejections_total", "counter"],
  ["airlock_store_errors_total", "counter"],
  ["airlock_auth_failures_total", "counter"],
  ["airlock_build_info", "gauge"],
] as const;

const newMetrics = (maxSeries?: number) => createSignerMetrics({ version: "0.1.0", poseidon: "wasm", ...(maxSeries ? { maxSeries } : {}) });
const value = (f: Family | undefined, name: string, labels: Record<string, string>) =>
  f?.samples.find((s) => s.name === name && JSON.stringify(s.labels) === JSON.stringify(labels))?.value;

describe("createSignerMetrics", () => {
  it("exposes exactly the seven series with HELP and TYPE, build info 1 and replay rejections 0", () => {
    const parsed = parseExposition(newMetrics().render());
    expect([...parsed.entries()].map(([n, f]) => [n, f.type])).toEqual(SERIES.map(([n, t]) => [n, t]));
    for (const f of parsed.values()) expect(f.help.length).toBeGreaterThan(10);
    expect(parsed.get("airlock_build_info")!.samples).toEqual([{ name: "airlock_build_info", labels: { version: "0.1.0", poseidon: "wasm" }, value: 1 }]);
    expect(parsed.get("airlock_replay_rejections_total")!.samples).toEqual([{ name: "airlock_replay_rejections_total", labels: {}, value: 0 }]);
  });

  it("counts through the typed helpers", () => {
    const m = newMetrics();
    m.countRequest("sign", "allowed");
    m.countRequest("sign", "allowed");
    m.countRequest("sign", "denied");
    m.countRequest("evaluate", "allowed");
    m.countPolicyDenial("selector.denied");
    m.countReplayRejection();
    m.countReplayRejection();
    m.countStoreError("redis");
    m.countAuthFailure("invalid_signature");
    m.countAuthFailure("invalid_signature");
    m.countAuthFailure("unknown_client");
    const p = parseExposition(m.render());
    const req = p.get("airlock_requests_total");
    expect(value(req, "airlock_requests_total", { route: "sign", outcome: "allowed" })).toBe(2);
    expect(value(req, "airlock_requests_total", { route: "sign", outcome: "denied" })).toBe(1);
    expect(value(req, "airlock_requests_total", { route: "evaluate", outcome: "allowed" })).toBe(1);
    expect(req!.samples).toHaveLength(3);
    expect(value(p.get("airlock_policy_denials_total"), "airlock_policy_denials_total", { rule: "selector.denied" })).toBe(1);
    expect(value(p.get("airlock_replay_rejections_total"), "airlock_replay_rejections_total", {})).toBe(2);
    expect(value(p.get("airlock_store_errors_total"), "airlock_store_errors_total", { store: "redis" })).toBe(1);
    const auth = p.get("airlock_auth_failures_total");
    expect(value(auth, "airlock_auth_failures_total", { reason: "invalid_signature" })).toBe(2);
    expect(value(auth, "airlock_auth_failures_total", { reason: "unknown_client" })).toBe(1);
  });

  it("keys each label combination once: the same handle comes back every time", () => {
    const m = newMetrics();
    const h = m.requests("sign", "allowed");
    expect(m.requests("sign", "allowed")).toBe(h);
    expect(m.requests("sign", "denied")).not.toBe(h);
    expect(m.signDuration("sign")).toBe(m.signDuration("sign"));
    h.inc();
    h.inc(2);
    h.inc(-5);
    h.inc(Number.NaN);
    h.inc(Number.POSITIVE_INFINITY);
    expect(h.value).toBe(3);
    expect(m.contentType).toBe(METRICS_CONTENT_TYPE);
  });

  it("renders a cumulative histogram with +Inf, _sum and _count", () => {
    const m = newMetrics();
    for (const s of [0.0001, 0.0005, 0.0007, 0.003, 0.2, 2.5, 5, -1, Number.NaN, Number.POSITIVE_INFINITY]) m.observeSignDuration("sign", s);
    m.observeSignDuration("evaluate", 0.01);
    const f = parseExposition(m.render()).get("airlock_sign_duration_seconds")!;
    const buckets = f.samples.filter((s) => s.name === "airlock_sign_duration_seconds_bucket" && s.labels["route"] === "sign");
    expect(buckets.map((b) => b.labels["le"])).toEqual([...SIGN_DURATION_BUCKETS.map(String), "+Inf"]);
    expect(buckets.map((b) => b.value)).toEqual([2, 3, 3, 4, 4, 4, 4, 4, 5, 5, 5, 6, 7]);
    for (let i = 1; i < buckets.length; i++) expect(buckets[i]!.value).toBeGreaterThanOrEqual(buckets[i - 1]!.value);
    expect(value(f, "airlock_sign_duration_seconds_count", { route: "sign" })).toBe(7);
    expect(value(f, "airlock_sign_duration_seconds_sum", { route: "sign" })).toBeCloseTo(0.0001 + 0.0005 + 0.0007 + 0.003 + 0.2 + 2.5 + 5, 12);
    expect(value(f, "airlock_sign_duration_seconds_bucket", { route: "evaluate", le: "0.01" })).toBe(1);
    expect(value(f, "airlock_sign_duration_seconds_bucket", { route: "evaluate", le: "0.005" })).toBe(0);
    expect(value(f, "airlock_sign_duration_seconds_count", { route: "evaluate" })).toBe(1);
  });

  it("escapes label values so they parse back to the original", () => {
    const m = createSignerMetrics({ version: 'v"1\\2\n3', poseidon: "js" });
    const odd = 'a"b\\c\nd}{,=é';
    m.countRequest(odd, "x");
    const text = m.render();
    expect(text).toContain('route="a\\"b\\\\c\\nd}{,=é"');
    const p = parseExposition(text);
    expect(value(p.get("airlock_requests_total"), "airlock_requests_total", { route: odd, outcome: "x" })).toBe(1);
    expect(p.get("airlock_build_info")!.samples[0]!.labels).toEqual({ version: 'v"1\\2\n3', poseidon: "js" });
  });

  it("caps label combinations and counts the rest under 'other'", () => {
    const m = newMetrics(3);
    for (let i = 0; i < 10; i++) m.countAuthFailure(`reason-${i}`);
    m.countAuthFailure("reason-9");
    m.countAuthFailure("reason-0");
    m.countAuthFailure("x".repeat(129));
    for (let i = 0; i < 5; i++) m.countRequest(`route-${i}`, "allowed");
    for (let i = 0; i < 5; i++) m.observeSignDuration(`route-${i}`, 0.001);
    const p = parseExposition(m.render());
    const auth = p.get("airlock_auth_failures_total")!.samples;
    expect(auth.map((s) => [s.labels["reason"], s.value])).toEqual([
      ["reason-0", 2],
      ["reason-1", 1],
      ["reason-2", 1],
      ["other", 9],
    ]);
    const req = p.get("airlock_requests_total")!.samples;
    expect(req).toHaveLength(4);
    expect(value(p.get("airlock_requests_total"), "airlock_requests_total", { route: "other", outcome: "other" })).toBe(2);
    expect(value(p.get("airlock_sign_duration_seconds"), "airlock_sign_duration_seconds_count", { route: "other" })).toBe(2);
  });

  it("a real 'other' label value shares the overflow series instead of duplicating it", () => {
    const m = newMetrics(2);
    m.countStoreError("other");
    m.countStoreError("redis");
    m.countStoreError("file");
    const samples = parseExposition(m.render()).get("airlock_store_errors_total")!.samples;
    expect(samples.map((s) => [s.labels["store"], s.value])).toEqual([
      ["other", 2],
      ["redis", 1],
    ]);
  });
});

describe("MetricsRegistry", () => {
  it("escapes HELP text and renders unlabeled and labeled series", () => {
    const r = new MetricsRegistry();
    r.counter("c_total", "back\\slash\nnew line", []).index.get0().inc(1.5);
    r.gauge("g", "a gauge", ["k"]).index.get1("v").set(-2);
    r.histogram("h_seconds", "plain", [], [1, 2]).index.get0().observe(1.5);
    const text = r.render();
    expect(text).toBe(
      [
        "# HELP c_total back\\\\slash\\nnew line",
        "# TYPE c_total counter",
        "c_total 1.5",
        "# HELP g a gauge",
        "# TYPE g gauge",
        'g{k="v"} -2',
        "# HELP h_seconds plain",
        "# TYPE h_seconds histogram",
        'h_seconds_bucket{le="1"} 0',
        'h_seconds_bucket{le="2"} 1',
        'h_seconds_bucket{le="+Inf"} 1',
        "h_seconds_sum 1.5",
        "h_seconds_count 1",
        "",
      ].join("\n"),
    );
    expect(parseExposition(text).get("c_total")!.help).toBe("back\\slash\nnew line");
  });

  it("refuses invalid names, labels and bounds", () => {
    const r = new MetricsRegistry();
    expect(() => r.counter("bad-name", "h")).toThrow(TypeError);
    expect(() => r.counter("ok_total", "h", ["bad-label"])).toThrow(TypeError);
    expect(() => r.counter("ok_total", "h", ["__reserved"])).toThrow(TypeError);
    expect(() => r.counter("ok_total", "h", ["a", "a"])).toThrow(TypeError);
    expect(() => r.counter("ok_total", "h", ["a", "b", "c"])).toThrow(TypeError);
    expect(() => r.histogram("h", "h", ["le"], [1])).toThrow(TypeError);
    expect(() => r.histogram("h", "h", [], [2, 1])).toThrow(TypeError);
    expect(() => r.histogram("h", "h", [], [1, Number.POSITIVE_INFINITY])).toThrow(TypeError);
    r.counter("dup_total", "h");
    expect(() => r.counter("dup_total", "h")).toThrow(TypeError);
    expect(() => new MetricsRegistry({ maxSeries: 0 })).toThrow(RangeError);
  });

  it("formats numbers and escapes as the exposition format says", () => {
    expect([formatNumber(Number.POSITIVE_INFINITY), formatNumber(Number.NEGATIVE_INFINITY), formatNumber(Number.NaN), formatNumber(0.0005), formatNumber(1e21)]).toEqual([
      "+Inf",
      "-Inf",
      "NaN",
      "0.0005",
      "1e+21",
    ]);
    expect(escapeLabelValue('\\"\n')).toBe('\\\\\\"\\n');
  });
});
