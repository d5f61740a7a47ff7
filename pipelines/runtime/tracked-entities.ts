/**
 * The baselines of the tracked source workloads (EntityState), with what replicas need to move them
 * through Redis: export / import of one entity's snapshot, and the set changed since the last snapshot.
 */
import type { Logger } from 'pino';
import { EntityState } from '../features/entity-state.js';

/** Eviction scans every entity: below this many, memory is not worth the scan. */
const MIN_ENTITIES_TO_EVICT = 1000;

export class TrackedEntities {
  private readonly states = new Map<string, EntityState>();
  private readonly dirty = new Set<string>();

  constructor(
    private readonly opts: {
      logger: Logger;
      /** Entities silent this long are forgotten. */
      idleMs: number;
      /** Keep the set of changed entities (off in a replay, which never snapshots). */
      trackDirty: boolean;
      /** Hard cap: past it the least recently seen entity is dropped. */
      maxEntities?: number;
      /** Called once per entity dropped at the cap. */
      onEvict?: () => void;
    },
  ) {}

  get size(): number {
    return this.states.size;
  }

  get(entity: string): EntityState | undefined {
    return this.states.get(entity);
  }

  /**
   * The entity's state, made with `firstSeenMs` and tracked from now on if new. The map is kept in order
   * of last use (re-inserted on each use), so at the cap the first entry is the least recently seen.
   */
  getOrAdd(entity: string, firstSeenMs: number): EntityState {
    let state = this.states.get(entity);
    if (state === undefined) {
      state = new EntityState(firstSeenMs);
      this.makeRoom();
    } else this.states.delete(entity);
    this.states.set(entity, state);
    return state;
  }

  /** Drop least recently seen entities until one more fits under the cap. */
  private makeRoom(): void {
    const max = this.opts.maxEntities ?? Infinity;
    while (this.states.size >= max) {
      const oldest = this.states.keys().next().value as string;
      this.states.delete(oldest);
      this.dirty.delete(oldest);
      this.opts.onEvict?.();
    }
  }

  /** A closed window was folded into the entity's state. */
  changed(entity: string): void {
    if (this.opts.trackDirty) this.dirty.add(entity);
  }

  has(entity: string): boolean {
    return this.states.has(entity);
  }

  export(entity: string): string | undefined {
    const s = this.states.get(entity);
    return s ? JSON.stringify(s) : undefined;
  }

  /** Returns the end of the last window the snapshot folded in; undefined when it is unreadable. */
  import(entity: string, snapshot: string): number | undefined {
    try {
      const state = EntityState.fromJSON(snapshot);
      if (!this.states.has(entity)) this.makeRoom();
      this.states.set(entity, state);
      return state.lastSeenMs;
    } catch (error) {
      this.opts.logger.warn(
        { entity, error: (error as Error).message },
        'Ignoring unreadable entity snapshot.',
      );
    }
  }

  takeDirty(): string[] {
    const out = [...this.dirty];
    this.dirty.clear();
    return out;
  }

  evictIdle(nowMs: number): void {
    if (this.states.size < MIN_ENTITIES_TO_EVICT) return;
    for (const [k, s] of this.states) if (nowMs - s.lastSeenMs > this.opts.idleMs) this.states.delete(k);
  }
}
