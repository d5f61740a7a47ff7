/**
 * Small bounded caches for values derived from strings that repeat on nearly every line (cluster names,
 * SPIFFE ids, SNIs, namespace + service account). Two reasons to cache:
 * - the derivation (indexOf + slice, template concatenation) runs once per distinct value, not per line;
 * - every line then carries the *same* string object for its src / dst keys, so the hash V8 stores in a
 *   string is computed once, and the Map lookups downstream (window per source, edge per destination,
 *   entity state) no longer flatten a fresh concatenation and hash it on every event.
 * Bounded: when full the cache is cleared (a flood of distinct values costs a rebuild, never memory).
 */
export class Memo<V> {
  private readonly map = new Map<string, V>();
  constructor(private readonly max: number) {}

  get(key: string): V | undefined {
    return this.map.get(key);
  }

  set(key: string, value: V): V {
    if (this.map.size >= this.max) this.map.clear();
    this.map.set(key, value);
    return value;
  }

  clear(): void {
    this.map.clear();
  }

  get size(): number {
    return this.map.size;
  }
}

/** Entries per cache: far above the distinct values of a real mesh, small enough to never matter. */
export const MEMO_ENTRIES = 4096;
