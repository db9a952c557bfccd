/**
 * Read-only collections for the frozen configuration. Object.freeze does not stop Map.set or
 * Set.add, so these subclasses refuse every mutation after construction.
 */

class FrozenSet<T> extends Set<T> {
  constructor(values: Iterable<T>) {
    super();
    for (const v of values) super.add(v);
    Object.freeze(this);
  }
  override add(): this {
    throw new TypeError("configuration sets are read-only");
  }
  override delete(): boolean {
    throw new TypeError("configuration sets are read-only");
  }
  override clear(): void {
    throw new TypeError("configuration sets are read-only");
  }
}

class FrozenMap<K, V> extends Map<K, V> {
  constructor(entries: Iterable<readonly [K, V]>) {
    super();
    for (const [k, v] of entries) super.set(k, v);
    Object.freeze(this);
  }
  override set(): this {
    throw new TypeError("configuration maps are read-only");
  }
  override delete(): boolean {
    throw new TypeError("configuration maps are read-only");
  }
  override clear(): void {
    throw new TypeError("configuration maps are read-only");
  }
}

/** A Set that throws on add/delete/clear. */
export function frozenSet<T>(values: Iterable<T>): ReadonlySet<T> {
  return new FrozenSet(values);
}

/** A Map that throws on set/delete/clear. */
export function frozenMap<K, V>(entries: Iterable<readonly [K, V]>): ReadonlyMap<K, V> {
  return new FrozenMap(entries);
}

/**
 * Freezes plain objects and arrays recursively, and what Maps and Sets hold. Other class
 * instances (the signer provider) are frozen shallowly: their state is in private fields.
 */
export function deepFreeze<T>(value: T, seen: WeakSet<object> = new WeakSet()): T {
  if (value === null || typeof value !== "object" || seen.has(value)) return value;
  seen.add(value);
  if (value instanceof Map) {
    for (const [k, v] of value) {
      deepFreeze(k, seen);
      deepFreeze(v, seen);
    }
  } else if (value instanceof Set) {
    for (const v of value) deepFreeze(v, seen);
  } else {
    const proto = Object.getPrototypeOf(value) as unknown;
    if (Array.isArray(value) || proto === Object.prototype || proto === null) {
      for (const v of Object.values(value)) deepFreeze(v, seen);
    }
  }
  return Object.freeze(value);
}
