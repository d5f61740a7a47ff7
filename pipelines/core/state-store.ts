/**
 * Where state that must outlive a process lives: detector snapshots per entity, incident dedup, the
 * quarantine ledger. Memory in embedded mode and tests; Redis in production (pipelines/state/redis).
 */
export interface StateStore {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string, ttlMs?: number): Promise<void>;
  /** Set only if absent (atomic across replicas); true when this caller won. */
  setIfAbsent(key: string, value: string, ttlMs?: number): Promise<boolean>;
  /** Set only if the key still holds `expected` (atomic across replicas); true when this caller won. */
  replaceIf(key: string, expected: string, value: string, ttlMs?: number): Promise<boolean>;
  delete(key: string): Promise<void>;
  /** Keys that start with the prefix. */
  keys(prefix: string): Promise<string[]>;
  /** False while the backing store is unreachable (scoring continues from memory). */
  healthy(): boolean;
  close(): Promise<void>;
}

export class MemoryStateStore implements StateStore {
  private readonly data = new Map<string, { value: string; expiresAt: number }>();
  constructor(private readonly now: () => number = Date.now) {}

  private live(key: string): string | undefined {
    const entry = this.data.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt !== 0 && entry.expiresAt <= this.now()) {
      this.data.delete(key);
      return undefined;
    }
    return entry.value;
  }
  async get(key: string): Promise<string | undefined> {
    return this.live(key);
  }
  async set(key: string, value: string, ttlMs?: number): Promise<void> {
    this.data.set(key, { value, expiresAt: ttlMs ? this.now() + ttlMs : 0 });
  }
  async setIfAbsent(key: string, value: string, ttlMs?: number): Promise<boolean> {
    if (this.live(key) !== undefined) return false;
    await this.set(key, value, ttlMs);
    return true;
  }
  async replaceIf(key: string, expected: string, value: string, ttlMs?: number): Promise<boolean> {
    if (this.live(key) !== expected) return false;
    await this.set(key, value, ttlMs);
    return true;
  }
  async delete(key: string): Promise<void> {
    this.data.delete(key);
  }
  async keys(prefix: string): Promise<string[]> {
    return [...this.data.keys()].filter((k) => k.startsWith(prefix) && this.live(k) !== undefined);
  }
  healthy(): boolean {
    return true;
  }
  async close(): Promise<void> {}
}
