/**
 * The entity state this replica shares through the state store (Redis): loaded for entities it lacks (or
 * holds only stale state for, their partition having been elsewhere), written back when dirty. It also
 * remembers, per loaded entity, the end of the last window its snapshot folded in: events of those
 * windows, read again from another owner's commit, are learned already.
 */
import type { Logger } from 'pino';
import type { MeshEvent } from '../../pipelines/core/event.js';
import type { ScoringPipeline } from '../../pipelines/core/pipeline.js';
import type { StateStore } from '../../pipelines/core/state-store.js';
import { isBatchStateStore } from '../../pipelines/state/redis-state-store.js';

/** Entity snapshots outlive an idle workload by a week, then Redis forgets them. */
const ENTITY_TTL_MS = 7 * 24 * 3600 * 1000;

export const entityKey = (entity: string): string => `entity:${entity}`;
/** Since when an identity is known as a destination (pipeline-wide learning, shared by replicas). */
export const knownKey = (identity: string): string => `known:${identity}`;
/** Event time the stream started at: warm-up counts from it, not from a replica's restart. */
export const FIRST_EVENT_KEY = 'pipeline:first-event-ms';

export class SharedEntities {
  /** Entities whose partition moved away: never written from here; reloaded if they come back. */
  private readonly stale = new Set<string>();
  /** Entities loaded from the store: the end of the last window their snapshot had folded in. */
  private readonly learnedThrough = new Map<string, number>();
  private firstEventShared = false;

  constructor(
    private readonly pipeline: ScoringPipeline,
    private readonly state: StateStore,
    private readonly log: Logger,
  ) {}

  /** The entity's partition went to another replica. */
  moved(entity: string): void {
    this.stale.add(entity);
    this.learnedThrough.delete(entity);
  }

  /** The pipeline no longer holds the entity. */
  forget(entity: string): void {
    this.learnedThrough.delete(entity);
  }

  /** True when the event's window is in the entity's snapshot already (read again after a move). */
  learned(entity: string, timeMs: number, windowMs: number): boolean {
    const through = this.learnedThrough.get(entity);
    return through !== undefined && (Math.floor(timeMs / windowMs) + 1) * windowMs <= through;
  }

  /** One MGET for the batch's entities this replica has no (or only stale) state for. */
  async load(events: readonly MeshEvent[]): Promise<void> {
    const { pipeline, state } = this;
    const wanted = new Set<string>();
    for (const e of events)
      if (e.src && (!pipeline.hasEntity(e.src) || this.stale.has(e.src))) wanted.add(e.src);
    if (!this.firstEventShared) wanted.add(FIRST_EVENT_KEY);
    if (wanted.size === 0) return;
    const entities = [...wanted];
    const keys = [
      ...entities.map((e) => (e === FIRST_EVENT_KEY ? e : entityKey(e))),
      ...entities.map(knownKey),
    ];
    let snapshots: Array<string | undefined>;
    try {
      snapshots = isBatchStateStore(state)
        ? await state.getMany(keys)
        : await Promise.all(keys.map((k) => state.get(k)));
    } catch (error) {
      this.log.warn(
        { error: (error as Error).message },
        'Could not load entity state; these entities start fresh',
      );
      return;
    }
    let loaded = 0;
    entities.forEach((entity, i) => {
      const known = Number(snapshots[entities.length + i]);
      if (Number.isFinite(known)) pipeline.restoreKnownSince(entity, known);
      const snapshot = snapshots[i];
      if (entity === FIRST_EVENT_KEY) {
        if (Number.isFinite(Number(snapshot))) pipeline.restoreFirstEventMs(Number(snapshot));
        return;
      }
      this.stale.delete(entity);
      if (snapshot === undefined) return;
      const learned = pipeline.importEntity(entity, snapshot);
      if (learned !== undefined) this.learnedThrough.set(entity, learned);
      loaded++;
    });
    if (loaded) this.log.debug({ entities: loaded }, 'Loaded entity state from the state store');
  }

  async write(): Promise<void> {
    const { pipeline, state } = this;
    const dirty = pipeline.takeDirtyEntities().filter((e) => !this.stale.has(e));
    const entries: Array<{ key: string; value: string; ttlMs: number }> = [];
    for (const [identity, sinceMs] of pipeline.takeNewlyKnown())
      entries.push({ key: knownKey(identity), value: String(sinceMs), ttlMs: ENTITY_TTL_MS });
    if (!this.firstEventShared && Number.isFinite(pipeline.firstEventMs)) {
      this.firstEventShared = true;
      // The first replica to get here names the stream's start; later ones keep it.
      await state.setIfAbsent(FIRST_EVENT_KEY, String(pipeline.firstEventMs)).catch(() => undefined);
    }
    if (dirty.length === 0 && entries.length === 0) return;
    for (const entity of dirty) {
      const value = pipeline.exportEntity(entity);
      if (value !== undefined) entries.push({ key: entityKey(entity), value, ttlMs: ENTITY_TTL_MS });
    }
    try {
      if (isBatchStateStore(state)) await state.setMany(entries);
      else await Promise.all(entries.map((e) => state.set(e.key, e.value, e.ttlMs)));
    } catch (error) {
      this.log.warn(
        { error: (error as Error).message, entities: entries.length },
        'Could not write entity state',
      );
    }
  }
}
