/**
 * What the scoring pipeline offers to the processes that drive it (replay, demo, the Kafka scorer).
 * Implemented by pipelines/runtime/pipeline.ts.
 */
import type { MeshEvent } from './event.js';
import type { Incident } from './incident.js';

export interface ScoringPipeline {
  /** Hand one event over (synchronous, allocation-light). Windows close as event time advances. */
  push(event: MeshEvent): void;
  /** Close every window up to the given event time (idle streams still close their windows). */
  advanceTo(timeMs: number): void;
  /** Close all open windows (end of a replay file, shutdown). */
  finish(): void;
  /** Wait until every incident raised so far has been handed to the incident handler. */
  drain(): Promise<void>;

  /** Per-entity state, so it can move between replicas through Redis. */
  hasEntity(entity: string): boolean;
  exportEntity(entity: string): string | undefined;
  importEntity(entity: string, snapshot: string): void;
  /** Entities whose state changed since the last call (and clears the set). */
  takeDirtyEntities(): string[];

  readonly stats: { events: number; incidents: number; entities: number; watermarkMs: number };
}

/** Receives each new incident (after cross-replica dedup). Returns the incident with its action decided. */
export type IncidentHandler = (incident: Incident) => Promise<Incident>;
