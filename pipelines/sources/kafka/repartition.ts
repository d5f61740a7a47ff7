/**
 * The repartition hop, as Kafka Streams does it: access-log records that shippers wrote keyless (or keyed
 * by the pod that emitted them, often the destination) are re-keyed by the entity the detectors track
 * (the source identity, else its address) and written to an internal topic with the same partition
 * count, which the same consumer group reads. So one entity's records reach one scorer, whatever the
 * shipper did. Records ingest keyed already (the `meshguard.keyed` header) are scored where they are.
 *
 * Each forwarded record carries the upstream partition it came from (`meshguard.upstream`): inside one
 * repartition partition, the records of each upstream partition are in order, but two forwarders
 * interleave freely, so the scorer keeps one watermark per upstream partition (runtime/event-time.ts).
 *
 * Offsets of the forwarded records are resolved only after the repartition topic acknowledged them:
 * at-least-once across the hop.
 */
import type { ParseOptions } from '../../parse/index.js';
import type { Metrics } from '../../core/metrics.js';
import type { InRecord, OutRecord } from '../bus/types.js';
import { validateLogRecords } from '../http/log-records.js';
import type { RecordHandler, TopicPartition } from '../source.js';

/** Set by meshguard's own producer on access-log records keyed by their source entity. */
export const KEYED_HEADER = 'meshguard.keyed';
/** The access-log partition a repartitioned record was read from, and their number: `2/4`. */
export const UPSTREAM_HEADER = 'meshguard.upstream';

/** A record read from Kafka, with the headers the hop reads. */
export interface KafkaInRecord extends InRecord {
  headers?: Record<string, string>;
}

/** What the hop writes with: keyed sends to one topic, with headers. */
export interface RepartitionProducer {
  sendKeyed(topic: string, messages: Array<OutRecord & { headers: Record<string, string> }>): Promise<void>;
}

export interface RepartitionOptions {
  accessLogsTopic: string;
  /** The partition count of the access-log topic (the inputs of each repartition partition). */
  accessLogPartitions: () => Promise<number>;
  repartitionTopic: string;
  parseOptions: ParseOptions;
  metrics?: Metrics;
}

/** Input names of a repartition partition fed by `count` upstream partitions (cached per count). */
const inputNames = new Map<number, readonly string[]>();
function upstreamInputs(count: number): readonly string[] {
  let names = inputNames.get(count);
  if (names === undefined) {
    names = Array.from({ length: count }, (_, i) => `upstream/${i}`);
    inputNames.set(count, names);
  }
  return names;
}

export class RepartitionHandler implements RecordHandler {
  private upstreamCount: number | undefined;

  constructor(
    private readonly scorer: RecordHandler,
    private readonly producer: RepartitionProducer,
    private readonly opts: RepartitionOptions,
  ) {}

  async handle(records: InRecord[]): Promise<void> {
    const direct: InRecord[] = [];
    const toForward: KafkaInRecord[] = [];
    for (const record of records as KafkaInRecord[]) {
      if (record.topic === this.opts.repartitionTopic) {
        const [upstream, count] = (record.headers?.[UPSTREAM_HEADER] ?? '').split('/');
        if (!upstream || !(Number(count) > 0 && Number(count) <= 100_000)) direct.push(record);
        else direct.push({ ...record, input: `upstream/${upstream}`, inputs: upstreamInputs(Number(count)) });
      } else if (record.topic !== this.opts.accessLogsTopic || record.headers?.[KEYED_HEADER] !== undefined)
        direct.push(record);
      else toForward.push(record);
    }
    if (toForward.length > 0) await this.forward(toForward, direct);
    if (direct.length > 0) await this.scorer.handle(direct);
  }

  /** Re-key by source entity; what no parser accepts goes on to the scorer, which dead-letters it. */
  private async forward(records: KafkaInRecord[], direct: InRecord[]): Promise<void> {
    const out: Array<OutRecord & { headers: Record<string, string> }> = [];
    this.upstreamCount ??= await this.opts.accessLogPartitions();
    // validateLogRecords is async (it yields to the event loop every few hundred records): one call per
    // upstream partition, not per record.
    const byPartition = new Map<number, KafkaInRecord[]>();
    for (const record of records) {
      const group = byPartition.get(record.partition);
      if (group) group.push(record);
      else byPartition.set(record.partition, [record]);
    }
    for (const [partition, group] of byPartition) {
      const headers = { [UPSTREAM_HEADER]: `${partition}/${this.upstreamCount}` };
      const { accepted, rejected } = await validateLogRecords(
        group.map((r) => r.value),
        this.opts.parseOptions,
      );
      for (const a of accepted) out.push({ key: a.key, value: a.value, headers });
      for (const r of rejected) direct.push({ ...group[r.index]!, value: r.record });
    }
    if (out.length === 0) return;
    await this.producer.sendKeyed(this.opts.repartitionTopic, out);
    this.opts.metrics?.repartitioned.inc(out.length);
  }

  afterCommit(): Promise<void> {
    return this.scorer.afterCommit();
  }

  onAssignment(assigned: TopicPartition[]): Promise<void> {
    return this.scorer.onAssignment(assigned);
  }
}
