import { LABEL_NAME, METRIC_NAME, escapeHelp, formatNumber, labelText } from "./exposition.js";

/**
 * A small Prometheus registry: counters, gauges and histograms with up to two labels, rendered
 * in the text format. Written for the request path: a series is found through nested Maps keyed
 * by the raw label values (no string is built per update) and its escaped label text is made
 * once, when the series is created. Each metric holds at most `maxSeries` label combinations;
 * later ones all land in one series whose labels are all "other", so a caller that labels by
 * something unbounded cannot grow memory or the scrape without bound.
 */

/** Label value of the series that collects combinations past the cap. */
export const OVERFLOW_LABEL_VALUE = "other";

export interface RegistryOptions {
  /** Label combinations per metric before the "other" series takes over (default 64). */
  readonly maxSeries?: number;
  /** Longer label values go to the "other" series too (default 128). */
  readonly maxLabelValueChars?: number;
}

export interface CounterSeries {
  /** Adds n (default 1); negative, NaN and infinite amounts are ignored (a counter only grows). */
  inc(n?: number): void;
  readonly value: number;
}

export interface GaugeSeries {
  set(value: number): void;
  readonly value: number;
}

export interface HistogramSeries {
  /** Records one observation; NaN, infinite and negative values are ignored. */
  observe(value: number): void;
  readonly count: number;
  readonly sum: number;
}

export interface Series {
  /** Escaped `name="value",...` (empty for an unlabeled metric). */
  readonly labels: string;
}

export class CounterCell implements CounterSeries, Series {
  value = 0;
  constructor(readonly labels: string) {}
  inc(n = 1): void {
    if (n >= 0 && n !== Number.POSITIVE_INFINITY) this.value += n;
  }
}

export class GaugeCell implements GaugeSeries, Series {
  value = 0;
  constructor(readonly labels: string) {}
  set(value: number): void {
    this.value = value;
  }
}

export class HistogramCell implements HistogramSeries, Series {
  /** Per-bucket counts, not cumulative (render adds them up); the +Inf bucket is `count`. */
  readonly buckets: Float64Array;
  count = 0;
  sum = 0;
  constructor(
    readonly labels: string,
    private readonly bounds: readonly number[],
  ) {
    this.buckets = new Float64Array(bounds.length);
  }
  observe(value: number): void {
    if (!(value >= 0) || value === Number.POSITIVE_INFINITY) return;
    const bounds = this.bounds;
    for (let i = 0; i < bounds.length; i++) {
      if (value <= (bounds[i] as number)) {
        this.buckets[i] = (this.buckets[i] as number) + 1;
        break;
      }
    }
    this.count += 1;
    this.sum += value;
  }
}

type Nested<C> = Map<string, C | Map<string, C>>;

/** The series of one metric, found by label values. */
export class SeriesIndex<C extends Series> {
  private readonly root: Nested<C> = new Map();
  private single: C | undefined;
  private other: C | undefined;
  private created = 0;
  /** In creation order, for rendering. */
  readonly all: C[] = [];

  constructor(
    private readonly labelNames: readonly string[],
    private readonly maxSeries: number,
    private readonly maxValueChars: number,
    private readonly make: (labels: string) => C,
  ) {}

  get0(): C {
    if (this.single === undefined) this.single = this.add([]);
    return this.single;
  }

  get1(a: string): C {
    return (this.root.get(a) as C | undefined) ?? this.create([a]);
  }

  get2(a: string, b: string): C {
    const inner = this.root.get(a) as Map<string, C> | undefined;
    return inner?.get(b) ?? this.create([a, b]);
  }

  /** Slow path: a combination not seen before. */
  private create(values: string[]): C {
    const ok = values.every((v) => typeof v === "string" && v.length <= this.maxValueChars);
    if (!ok || this.created >= this.maxSeries) return this.overflow();
    this.created += 1;
    return this.insert(values, this.add(values));
  }

  private overflow(): C {
    if (this.other === undefined) {
      const values = this.labelNames.map(() => OVERFLOW_LABEL_VALUE);
      const existing = values.length === 1 ? (this.root.get(values[0]!) as C | undefined) : (this.root.get(values[0]!) as Map<string, C> | undefined)?.get(values[1]!);
      this.other = existing ?? this.insert(values, this.add(values));
    }
    return this.other;
  }

  private add(values: readonly string[]): C {
    const cell = this.make(labelText(this.labelNames, values));
    this.all.push(cell);
    return cell;
  }

  private insert(values: readonly string[], cell: C): C {
    const [a, b] = values as [string, string?];
    if (b === undefined) {
      this.root.set(a, cell);
    } else {
      let inner = this.root.get(a) as Map<string, C> | undefined;
      if (inner === undefined) this.root.set(a, (inner = new Map()));
      inner.set(b, cell);
    }
    return cell;
  }
}

/** One metric: its name, HELP, TYPE and series. */
export class MetricFamily<C extends Series> {
  readonly index: SeriesIndex<C>;
  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: "counter" | "gauge" | "histogram",
    readonly labelNames: readonly string[],
    options: Required<RegistryOptions>,
    make: (labels: string) => C,
    private readonly renderSeries: (name: string, cell: C) => string,
  ) {
    if (!METRIC_NAME.test(name)) throw new TypeError(`invalid metric name ${JSON.stringify(name)}`);
    if (labelNames.length > 2) throw new TypeError("at most two labels per metric");
    for (const l of labelNames) {
      if (!LABEL_NAME.test(l) || l.startsWith("__") || (type === "histogram" && l === "le")) throw new TypeError(`invalid label name ${JSON.stringify(l)}`);
    }
    if (new Set(labelNames).size !== labelNames.length) throw new TypeError("duplicate label name");
    this.index = new SeriesIndex(labelNames, options.maxSeries, options.maxLabelValueChars, make);
  }

  render(): string {
    let out = `# HELP ${this.name} ${escapeHelp(this.help)}\n# TYPE ${this.name} ${this.type}\n`;
    for (const cell of this.index.all) out += this.renderSeries(this.name, cell);
    return out;
  }
}

const braces = (labels: string) => (labels === "" ? "" : `{${labels}}`);

export class MetricsRegistry {
  private readonly families: MetricFamily<Series>[] = [];
  private readonly names = new Set<string>();
  private readonly options: Required<RegistryOptions>;

  constructor(options: RegistryOptions = {}) {
    const maxSeries = options.maxSeries ?? 64;
    const maxLabelValueChars = options.maxLabelValueChars ?? 128;
    if (!Number.isSafeInteger(maxSeries) || maxSeries < 1) throw new RangeError("maxSeries must be a positive integer");
    if (!Number.isSafeInteger(maxLabelValueChars) || maxLabelValueChars < 1) throw new RangeError("maxLabelValueChars must be a positive integer");
    this.options = { maxSeries, maxLabelValueChars };
  }

  counter(name: string, help: string, labelNames: readonly string[] = []): MetricFamily<CounterCell> {
    return this.register(new MetricFamily(name, help, "counter", labelNames, this.options, (l) => new CounterCell(l), (n, c) => `${n}${braces(c.labels)} ${formatNumber(c.value)}\n`));
  }

  gauge(name: string, help: string, labelNames: readonly string[] = []): MetricFamily<GaugeCell> {
    return this.register(new MetricFamily(name, help, "gauge", labelNames, this.options, (l) => new GaugeCell(l), (n, c) => `${n}${braces(c.labels)} ${formatNumber(c.value)}\n`));
  }

  /** `bounds`: strictly increasing finite upper bounds; the +Inf bucket is implied. */
  histogram(name: string, help: string, labelNames: readonly string[], bounds: readonly number[]): MetricFamily<HistogramCell> {
    if (bounds.length === 0 || bounds.some((b, i) => !Number.isFinite(b) || (i > 0 && b <= (bounds[i - 1] as number)))) {
      throw new TypeError("histogram bounds must be finite and strictly increasing");
    }
    const frozen = Object.freeze([...bounds]);
    const le = frozen.map((b) => `le="${formatNumber(b)}"`);
    const render = (n: string, c: HistogramCell): string => {
      const sep = c.labels === "" ? "" : ",";
      let out = "";
      let cumulative = 0;
      for (let i = 0; i < frozen.length; i++) {
        cumulative += c.buckets[i] as number;
        out += `${n}_bucket{${c.labels}${sep}${le[i]}} ${formatNumber(cumulative)}\n`;
      }
      out += `${n}_bucket{${c.labels}${sep}le="+Inf"} ${formatNumber(c.count)}\n`;
      out += `${n}_sum${braces(c.labels)} ${formatNumber(c.sum)}\n`;
      out += `${n}_count${braces(c.labels)} ${formatNumber(c.count)}\n`;
      return out;
    };
    return this.register(new MetricFamily(name, help, "histogram", labelNames, this.options, (l) => new HistogramCell(l, frozen), render));
  }

  /** Every metric in registration order, each with its HELP and TYPE lines; ends with a newline. */
  render(): string {
    return this.families.map((f) => f.render()).join("");
  }

  private register<C extends Series>(family: MetricFamily<C>): MetricFamily<C> {
    if (this.names.has(family.name)) throw new TypeError(`metric ${family.name} registered twice`);
    this.names.add(family.name);
    this.families.push(family as unknown as MetricFamily<Series>);
    return family;
  }
}
