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
 * at-least-once across the hop. The acknowledgement is not waited for before the next chunk: handOff()
 * returns once the chunk is sent, with a promise of its acknowledgement, and the consumer keeps a few in
 * flight and resolves offsets in order as they arrive (a round trip per chunk otherwise idles the scorer).
 */
import type { ParseOptions } from '../../parse/index.js';
import type { Metrics } from '../../core/metrics.js';
import type { MeshEvent } from '../../core/event.js';
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

/** A handler whose hand-offs become durable later: several may be in flight (see consumer.ts). */
export interface PipelinedHandler extends RecordHandler {
  /**
   * Hand records over; resolves when the next chunk may be handed over, with `durable`, which resolves
   * once these records' offsets may be committed and rejects when they must be delivered again.
   */
  handOff(records: InRecord[]): Promise<{ durable: Promise<void> }>;
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

/**
 * Forwarded records whose repartitioned copy has not come back yet, by text: the events the hop parsed
 * them into. A record this replica forwarded often comes back to it (always with one scorer), and is then
 * not parsed a second time. Bounded (the oldest go first): a record that lands on another replica, or
 * one evicted, is parsed there as usual.
 */
const MAX_CARRIED = 50_000;

interface Carried {
  events: MeshEvent[];
  format: string;
}

export class RepartitionHandler implements PipelinedHandler {
  private upstreamCount: number | undefined;
  private readonly carried = new Map<string, Carried[]>();
  private carriedCount = 0;

  constructor(
    private readonly scorer: RecordHandler,
    private readonly producer: RepartitionProducer,
    private readonly opts: RepartitionOptions,
  ) {}

  async handle(records: InRecord[]): Promise<void> {
    const { durable } = await this.handOff(records);
    await durable;
  }

  async handOff(records: InRecord[]): Promise<{ durable: Promise<void> }> {
    const direct: InRecord[] = [];
    const toForward: KafkaInRecord[] = [];
    for (const record of records as KafkaInRecord[]) {
      if (record.topic === this.opts.repartitionTopic) {
        const [upstream, count] = (record.headers?.[UPSTREAM_HEADER] ?? '').split('/');
        if (!upstream || !(Number(count) > 0 && Number(count) <= 100_000)) direct.push(record);
        else {
          const parsed = this.takeCarried(record.value);
          direct.push({
            ...record,
            input: `upstream/${upstream}`,
            inputs: upstreamInputs(Number(count)),
            ...(parsed && { events: parsed.events, parsedFormat: parsed.format }),
          });
        }
      } else if (record.topic !== this.opts.accessLogsTopic || record.headers?.[KEYED_HEADER] !== undefined)
        direct.push(record);
      else toForward.push(record);
    }
    let durable: Promise<void> = Promise.resolve();
    if (toForward.length > 0) {
      // What no parser accepts goes on to the scorer (which dead-letters it) once the rest is acknowledged,
      // so a failed send redelivers the chunk without having dead-lettered part of it already.
      const unparsed: InRecord[] = [];
      const { sent } = await this.forward(toForward, unparsed);
      durable = sent.then(() => (unparsed.length > 0 ? this.scorer.handle(unparsed) : undefined));
      // Observed by the caller once handOff returns; until then a failed send must not go unhandled.
      durable.catch(() => undefined);
    }
    if (direct.length > 0) await this.scorer.handle(direct);
    return { durable };
  }

  /**
   * Re-key by source entity and start the send; `sent` settles with its acknowledgement.
   * One validation pass per upstream partition (a consumer hand-off holds one).
   */
  private async forward(records: KafkaInRecord[], unparsed: InRecord[]): Promise<{ sent: Promise<void> }> {
    this.upstreamCount ??= await this.opts.accessLogPartitions();
    const byPartition = new Map<number, KafkaInRecord[]>();
    for (const r of records) {
      const group = byPartition.get(r.partition);
      if (group) group.push(r);
      else byPartition.set(r.partition, [r]);
    }
    const out: Array<OutRecord & { headers: Record<string, string> }> = [];
    for (const [partition, group] of byPartition) {
      const headers = { [UPSTREAM_HEADER]: `${partition}/${this.upstreamCount}` };
      const { accepted, rejected } = await validateLogRecords(
        group.map((r) => r.value),
        this.opts.parseOptions,
      );
      for (const r of rejected) unparsed.push({ ...group[r.index]!, value: r.record });
      for (const a of accepted) {
        out.push({ key: a.key, value: a.value, headers });
        if (a.events !== undefined) this.carry(a.value, { events: a.events, format: a.format });
      }
    }
    if (out.length === 0) return { sent: Promise.resolve() };
    const sent = this.producer
      .sendKeyed(this.opts.repartitionTopic, out)
      .then(() => void this.opts.metrics?.repartitioned.inc(out.length));
    return { sent };
  }

  private carry(value: string, parsed: Carried): void {
    const list = this.carried.get(value);
    if (list) list.push(parsed);
    else this.carried.set(value, [parsed]);
    if (++this.carriedCount <= MAX_CARRIED) return;
    // Map order is insertion order: the first key is the oldest.
    const [oldest, entries] = this.carried.entries().next().value as [string, Carried[]];
    entries.shift();
    if (entries.length === 0) this.carried.delete(oldest);
    this.carriedCount--;
  }

  /** The events this replica parsed `value` into when it forwarded it (once per forwarded copy). */
  private takeCarried(value: string): Carried | undefined {
    const list = this.carried.get(value);
    if (!list) return undefined;
    const parsed = list.shift();
    if (list.length === 0) this.carried.delete(value);
    this.carriedCount--;
    return parsed;
  }

  afterCommit(): Promise<void> {
    return this.scorer.afterCommit();
  }

  onAssignment(assigned: TopicPartition[]): Promise<void> {
    return this.scorer.onAssignment(assigned);
  }
}
