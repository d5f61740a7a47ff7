/**
 * What a source is: a Component that hands batches of records on to one handler (the scorer) and
 * acknowledges them only after the handler resolved (at-least-once). Kafka, the embedded bus and the
 * simulator implement it; the HTTP ingest endpoints are the producing side of the same records.
 */
import type { Component } from '../core/component.js';
import type { InRecord } from './bus/types.js';

export interface TopicPartition {
  topic: string;
  partition: number;
}

/** Where a source hands its records. */
export interface RecordHandler {
  /** Hand records over. Bad records must be set aside, not thrown; a throw makes the source redeliver them. */
  handle(records: InRecord[]): Promise<void>;
  /** Called after the source acknowledged (committed) the handled records: write dirty state now. */
  afterCommit(): Promise<void>;
  /** The partitions this member owns after a (re)join of its consumer group (Kafka only). */
  onAssignment(assigned: TopicPartition[]): Promise<void>;
  /**
   * Kafka: the offset to commit for a partition handed over up to `next` (exclusive). Earlier than `next`
   * while some of those records count only in windows still open (held in memory, not in the state
   * store): then whoever owns the partition next reads them again and rebuilds those windows.
   */
  committableOffset?(topic: string, partition: number, next: string): string;
}

export interface Source extends Component {
  /** Names the handler; call once, before start(). */
  attach(handler: RecordHandler): void;
  /** False once the source can no longer deliver (readiness probes). */
  healthy(): boolean;
  /**
   * False while records could not be arriving even if there were some (a consumer group rebalancing,
   * brokers unreachable): silence then is no sign of idle streams. Absent: always reading.
   */
  fetching?(): boolean;
}
