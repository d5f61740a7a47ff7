import type { MeshEvent } from '../../core/event.js';

/**
 * The record-transport contracts shared by Kafka and the embedded bus, so ingest and scorer do not care
 * which one they run on.
 */

/** A record to produce. `key` keeps one source workload's records on one partition (in order). */
export interface OutRecord {
  key: string | null;
  value: string;
  /**
   * The events ingest parsed `value` into while validating it. Only the embedded bus carries them (in one
   * process, parsing every record twice would cost as much again); Kafka sends key and value alone.
   */
  events?: MeshEvent[];
}

export interface RecordProducer {
  /** Resolves once the transport holds the records (Kafka: acks from all in-sync replicas). */
  send(topic: string, messages: OutRecord[]): Promise<void>;
  /** Whether sends can succeed right now (readiness probes, ingest's 503). */
  ready(): boolean;
}

/** A consumed record. */
export interface InRecord {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: string;
  /**
   * Already-parsed events of `value`: ingest's on the embedded bus (see OutRecord), or those the
   * repartition hop parsed a record into before it came back to the same replica (Kafka).
   */
  events?: MeshEvent[];
  /** The format `events` were parsed from (counted as ingested where they are scored). */
  format?: string;
  /**
   * Which input of its partition the record came through, when a partition has several (a repartitioned
   * record: the access-log partition it was read from); the partition itself when absent.
   */
  input?: string;
  /** Every input of the record's partition, when known (see `input`). */
  inputs?: readonly string[];
  /**
   * A watermark marker, not a log record (no value): `input` has delivered every record of its own up to
   * this event time to the record's partition (the repartition hop writes these, see repartition.ts).
   */
  watermarkMs?: number;
}

/** Why a send was refused; ingest turns these into 429 / 503 with Retry-After. */
export class TransportBusyError extends Error {
  constructor(
    message: string,
    readonly retryAfterSecs: number,
    /** full = a bounded buffer is full (429); unavailable = the transport is down or slow (503). */
    readonly kind: 'full' | 'unavailable',
  ) {
    super(message);
    this.name = 'TransportBusyError';
  }
}
