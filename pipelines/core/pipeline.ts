/**
 * What the scoring pipeline offers to the processes that drive it (replay, demo, the Kafka scorer).
 * Implemented by pipelines/runtime/pipeline.ts.
 */
import type { MeshEvent } from './event.js';
import type { Incident } from './incident.js';

/** Where a live event came from: its scored partition (task) and the input within it. */
export interface EventOrigin {
  task: string;
  input: string;
  /** Wall time it was read at (idleness). */
  wallMs: number;
  /** Every input the partition has, when known (the upstream partitions of a repartitioned record). */
  inputs?: readonly string[];
}

export interface ScoringPipeline {
  /**
   * Hand one event over (synchronous, allocation-light). Windows close as event time advances. Without
   * `from`, event time is the newest record (replay); with it (Kafka mode), each scored partition has
   * its own clock, the minimum of its inputs' watermarks.
   */
  push(event: MeshEvent, from?: EventOrigin): void;
  /** Close every window up to the given event time (idle streams still close their windows). */
  advanceTo(timeMs: number): void;
  /**
   * Kafka mode: input `from.input` of partition `from.task` has delivered everything up to `timeMs` (a
   * forwarder's watermark marker), so it stops holding that partition's clock back before that time.
   */
  noteProgress(timeMs: number, from: EventOrigin): void;
  /** Kafka mode: let idle inputs stop holding their partition back (wall time now). */
  advanceClocks(wallMs: number): void;
  /** Kafka mode: the group rebalanced; idle inputs of the partitions kept wait a full idleness again. */
  restartIdleness(wallMs: number): void;
  /** Kafka mode: a partition moved away; forget its open windows and clock. */
  dropTask(task: string): void;
  /** Kafka mode: event time before which every window of partition `task` has closed (-Infinity: none). */
  closedBeforeMs(task: string): number;
  /** Close all open windows (end of a replay file, shutdown). */
  finish(): void;
  /** Wait until every incident raised so far has been handed to the incident handler. */
  drain(): Promise<void>;

  /** Per-entity state, so it can move between replicas through Redis. */
  hasEntity(entity: string): boolean;
  exportEntity(entity: string): string | undefined;
  /** Returns the end of the last window the snapshot folded in (undefined: unreadable, ignored). */
  importEntity(entity: string, snapshot: string): number | undefined;
  /** Entities whose state changed since the last call (and clears the set). */
  takeDirtyEntities(): string[];

  /** Pipeline-wide learning state, shared through the state store (warm-up start, known identities). */
  readonly firstEventMs: number;
  restoreFirstEventMs(timeMs: number): void;
  /** Identities first seen as destinations since the last call, with since when. */
  takeNewlyKnown(): Array<[string, number]>;
  restoreKnownSince(identity: string, sinceMs: number): void;

  readonly stats: { events: number; incidents: number; entities: number; watermarkMs: number };
}

/** Receives each new incident (after cross-replica dedup). Returns the incident with its action decided. */
export type IncidentHandler = (incident: Incident) => Promise<Incident>;
