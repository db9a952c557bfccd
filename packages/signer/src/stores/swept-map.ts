/**
 * A size-capped Map for the memory stores whose stale entries are removed a few at a time: a
 * clock sweep over insertion order that resumes where it stopped. No single call ever pays for
 * a full scan (SISNA's memory stores scan everything every 64 operations), and entries with
 * different lifetimes are all reached, unlike a sweep that stops at the first live entry.
 */

export interface SweptMapOptions {
  /** Hard cap on entries; room is made by sweeping, never by evicting live entries. */
  readonly maxEntries: number;
  /** Run a sweep step every this many operations (default 64, as SISNA). */
  readonly sweepEvery?: number;
  /** Entries examined per regular sweep step (default 256). */
  readonly sweepBatch?: number;
  /** Entries examined when the map is full, before giving up (default 4096). */
  readonly fullSweepBatch?: number;
}

export class SweptMap<V> {
  private readonly map = new Map<string, V>();
  private cursor: Iterator<[string, V]> | undefined;
  private opsSinceSweep = 0;
  private readonly maxEntries: number;
  private readonly sweepEvery: number;
  private readonly sweepBatch: number;
  private readonly fullSweepBatch: number;

  constructor(
    private readonly isStale: (value: V, nowMs: number) => boolean,
    options: SweptMapOptions,
  ) {
    this.maxEntries = options.maxEntries;
    this.sweepEvery = options.sweepEvery ?? 64;
    this.sweepBatch = options.sweepBatch ?? 256;
    this.fullSweepBatch = options.fullSweepBatch ?? 4096;
  }

  get size(): number {
    return this.map.size;
  }

  get(key: string): V | undefined {
    return this.map.get(key);
  }

  set(key: string, value: V): void {
    this.map.set(key, value);
  }

  delete(key: string): void {
    this.map.delete(key);
  }

  clear(): void {
    this.map.clear();
    this.cursor = undefined;
  }

  /** Counts one operation and runs a bounded sweep step every `sweepEvery` operations. */
  tick(nowMs: number): void {
    this.opsSinceSweep += 1;
    if (this.opsSinceSweep < this.sweepEvery) return;
    this.opsSinceSweep = 0;
    this.sweep(nowMs, this.sweepBatch);
  }

  /**
   * True when `count` more entries fit. When they do not, it first sweeps a bounded batch, so a
   * full map of expired entries frees itself over a few calls instead of one long pause.
   */
  hasRoom(nowMs: number, count = 1): boolean {
    if (this.map.size + count <= this.maxEntries) return true;
    this.sweep(nowMs, this.fullSweepBatch);
    return this.map.size + count <= this.maxEntries;
  }

  /** Examines at most `budget` entries from where the last sweep stopped, deleting stale ones. */
  sweep(nowMs: number, budget: number): void {
    let restarted = false;
    for (let seen = 0; seen < budget; ) {
      this.cursor ??= this.map.entries();
      const next = this.cursor.next();
      if (next.done) {
        // End of a lap: start the next one (Map iterators also see entries added meanwhile),
        // at most once per call so an empty or fully examined map ends the step.
        this.cursor = undefined;
        if (restarted) return;
        restarted = true;
        continue;
      }
      seen++;
      const [key, value] = next.value;
      if (this.isStale(value, nowMs)) this.map.delete(key);
    }
  }
}
