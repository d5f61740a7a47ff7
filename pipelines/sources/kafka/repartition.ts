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
import { randomUUID } from 'node:crypto';
import type { ParseOptions } from '../../parse/index.js';
import type { MeshEvent } from '../../core/event.js';
import type { Logger } from 'pino';
import type { Metrics } from '../../core/metrics.js';
import type { InRecord, OutRecord } from '../bus/types.js';
import { validateLogRecords } from '../http/log-records.js';
import type { RecordHandler, TopicPartition } from '../source.js';
import {
  CarriedPacks,
  PACKED_HEADER,
  PACK_ID_HEADER,
  packByPartition,
  packBytes,
  unpack,
  type PackInput,
} from './packs.js';
import { OFFSETS_HEADER, TIMES_HEADER, TakenFromUpstream, decodeDeltas, encodeDeltas } from './copies.js';

/** Set by meshguard's own producer on access-log records keyed by their source entity. */
export const KEYED_HEADER = 'meshguard.keyed';
/** The access-log partition a repartitioned record was read from, and their number: `2/4`. */
export const UPSTREAM_HEADER = 'meshguard.upstream';
/**
 * The newest event time the forwarder has read from the upstream partition: every record of it up to
 * that time was written before this message (to this partition or another). Sent to every partition of
 * the repartition topic after each forwarded batch (an empty message where no records went), as Flink
 * broadcasts watermarks downstream: a partition the upstream partition sends nothing to learns its
 * progress anyway, instead of waiting out the idleness timeout before its windows may close.
 */
export const WATERMARK_HEADER = 'meshguard.watermark';

/** A record read from Kafka, with the headers the hop reads. */
export interface KafkaInRecord extends InRecord {
  headers?: Record<string, string>;
  /** `value`'s bytes as read: a forwarded pack is built from them (packs.ts). */
  bytes?: Buffer;
  /** The record's Kafka timestamp: with its offset, it tells a copy from a new record (copies.ts). */
  timestampMs?: number;
}

/** A record the hop writes: a pack's value is its records' bytes (packBytes). */
export type HopRecord = Omit<OutRecord, 'value'> & {
  value: string | Buffer;
  headers: Record<string, string>;
  partition?: number;
};

/** What the hop writes with: keyed sends to one topic, with headers. */
export interface RepartitionProducer {
  sendKeyed(topic: string, messages: HopRecord[]): Promise<void>;
}

export interface RepartitionOptions {
  accessLogsTopic: string;
  /** The partition count of the access-log topic (the inputs of each repartition partition). */
  accessLogPartitions: () => Promise<number>;
  repartitionTopic: string;
  /** The partition count of the repartition topic; undefined while it does not exist yet. */
  repartitionPartitions: () => Promise<number | undefined>;
  parseOptions: ParseOptions;
  metrics?: Metrics;
  /** Where an upstream topic seen recreated is reported. */
  logger?: Logger;
  /** Stops and restarts fetching the access-log topic (backpressure, see FORWARD_AHEAD_EVENTS). */
  upstream?: { pause(): void; resume(): void };
  /** FORWARD_AHEAD_EVENTS unless set. */
  forwardAheadEvents?: number;
}

/**
 * How far forwarding may run ahead of scoring on this replica: events of its own packs not back from the
 * repartition topic yet. Beyond it the access-log topic is paused until half have come back, so the
 * parsed events it keeps stay few (none evicted, none parsed twice) and the hop's backlog stays small
 * (a broker's size-based retention could otherwise delete re-keyed records before they are read).
 */
export const FORWARD_AHEAD_EVENTS = 20_000;
/** Packs still out this long after the pause are late or lost: forwarding goes on (they are parsed if they come). */
const MAX_PAUSE_MS = 2000;

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
  private packPartitions: number | undefined;
  private readonly forwarder = randomUUID().slice(0, 8);
  private packSequence = 0;
  private readonly carried = new CarriedPacks();
  private readonly newestForwarded = new Map<number, number>();
  private readonly taken = new TakenFromUpstream();
  private pausedUntil: NodeJS.Timeout | undefined;
  private get forwardAhead(): number {
    return this.opts.forwardAheadEvents ?? FORWARD_AHEAD_EVENTS;
  }

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
        else this.unpackInto(record, `upstream/${upstream}`, upstreamInputs(Number(count)), direct);
      } else if (record.topic !== this.opts.accessLogsTopic || record.headers?.[KEYED_HEADER] !== undefined)
        direct.push(record);
      else toForward.push(record);
    }
    if (toForward.length > 0) await this.forward(toForward, direct);
    if (direct.length > 0) await this.scorer.handle(direct);
  }

  /**
   * The records of a repartitioned message. A pack this replica forwarded comes back as the events it
   * parsed it into, one record per run of one format (its text is not decoded); any other is split into its
   * records' texts, parsed by the scorer.
   */
  private unpackInto(
    record: KafkaInRecord,
    input: string,
    inputs: readonly string[],
    direct: InRecord[],
  ): void {
    const packed = record.headers?.[PACKED_HEADER];
    const carried = this.carried.take(record.headers?.[PACK_ID_HEADER]);
    if (carried !== undefined) this.resumeWhenCaughtUp();
    const { topic, partition, offset, key } = record;
    const watermark = Number(record.headers?.[WATERMARK_HEADER] ?? NaN);
    const progress = () => {
      if (Number.isFinite(watermark))
        direct.push({ topic, partition, offset, key, value: '', input, inputs, watermarkMs: watermark });
    };
    if (packed === '0') return progress();
    const count = Number(packed);
    const fresh = this.freshOf(record, input, count > 1 ? count : 1);
    if (carried !== undefined && carried.events.length === (count > 1 ? count : 1)) {
      let values: string[] | undefined;
      let run: InRecord | undefined;
      for (let i = 0; i < carried.events.length; i++) {
        if (fresh?.[i] === false) continue;
        const events = carried.events[i];
        const format = carried.formats[i];
        if (events === undefined) {
          // A record with a bad part: the scorer parses it and sets that part aside.
          values ??= unpack(record.value, packed);
          direct.push({ topic, partition, offset, key, value: values[i]!, input, inputs });
          run = undefined;
        } else {
          if (run === undefined || run.format !== format) {
            // No text: the scorer reads a record's value only when it has no events.
            run = { topic, partition, offset, key, value: '', input, inputs, events: [], format };
            direct.push(run);
          }
          for (const event of events) run.events!.push(event);
        }
      }
      return progress();
    }
    const values = unpack(record.value, packed);
    for (let i = 0; i < values.length; i++)
      if (fresh?.[i] !== false)
        direct.push({ topic, partition, offset, key, value: values[i]!, input, inputs });
    progress();
  }

  /** Per record of a pack, whether it is read for the first time (copies.ts); undefined: no origins sent. */
  private freshOf(record: KafkaInRecord, upstream: string, count: number): boolean[] | undefined {
    const offsets = decodeDeltas(record.headers?.[OFFSETS_HEADER], count);
    const times = decodeDeltas(record.headers?.[TIMES_HEADER], count);
    if (offsets === undefined || times === undefined) return undefined;
    const { fresh, copies, restarted } = this.taken.judge(record.partition, upstream, offsets, times);
    if (copies > 0) this.opts.metrics?.repartitionCopies.inc(copies);
    if (restarted > 0)
      this.opts.logger?.warn(
        { topic: this.opts.accessLogsTopic, upstream, partition: record.partition, offset: offsets[0] },
        'Upstream offsets went back to records newer than any read: the topic was recreated or truncated; its records are read as new',
      );
    return fresh;
  }

  /** Re-key by source entity; what no parser accepts goes on to the scorer, which dead-letters it. */
  private async forward(records: KafkaInRecord[], direct: InRecord[]): Promise<void> {
    const out: HopRecord[] = [];
    this.upstreamCount ??= await this.opts.accessLogPartitions();
    // Until the repartition topic exists (auto-created by the first send), records go one per message.
    this.packPartitions ??= await this.opts.repartitionPartitions().catch(() => undefined);
    // validateLogRecords is async (it yields to the event loop every few hundred records): one call per
    // upstream partition, not per record.
    let forwarded = 0;
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
      for (const r of rejected) direct.push({ ...group[r.index]!, value: r.record });
      forwarded += accepted.length;
      const inputs: PackInput[] = accepted;
      for (let i = 0; i < accepted.length; i++) {
        // Its bytes as read, unless the text is one record split from an OTLP request.
        const source = group[accepted[i]!.index ?? -1];
        if (source !== undefined && source.value === inputs[i]!.value) inputs[i]!.bytes = source.bytes;
        if (source?.timestampMs !== undefined)
          inputs[i]!.origin = { offset: Number(source.offset), timeMs: source.timestampMs };
      }
      if (this.packPartitions === undefined) {
        for (const a of accepted) out.push({ key: a.key, value: a.value, headers });
        continue;
      }
      const newest = this.noteForwarded(partition, accepted);
      const watermark: Record<string, string> = Number.isFinite(newest)
        ? { [WATERMARK_HEADER]: String(newest) }
        : {};
      const reached = new Set<number>();
      for (const pack of packByPartition(inputs, this.packPartitions)) {
        const id = `${this.forwarder}:${this.packSequence++}`;
        out.push({
          key: pack.values.length === 1 ? pack.key : null,
          value: packBytes(pack),
          partition: pack.partition,
          headers: {
            ...headers,
            ...watermark,
            [PACKED_HEADER]: String(pack.values.length),
            [PACK_ID_HEADER]: id,
            ...(pack.offsets.length > 0
              ? { [OFFSETS_HEADER]: encodeDeltas(pack.offsets), [TIMES_HEADER]: encodeDeltas(pack.times) }
              : {}),
          },
        });
        reached.add(pack.partition);
        if (this.owned(pack.partition))
          this.carried.put(id, { partition: pack.partition, events: pack.events, formats: pack.formats });
      }
      if (Number.isFinite(newest))
        for (let p = 0; p < this.packPartitions; p++)
          if (!reached.has(p))
            out.push({
              key: null,
              value: '',
              partition: p,
              headers: { ...headers, ...watermark, [PACKED_HEADER]: '0' },
            });
    }
    if (out.length === 0) return;
    await this.producer.sendKeyed(this.opts.repartitionTopic, out);
    this.opts.metrics?.repartitioned.inc(forwarded);
    if (this.carried.heldEvents >= this.forwardAhead) this.pauseUpstream();
  }

  /** The newest event time forwarded from upstream `partition` so far, with `accepted` counted. */
  private noteForwarded(
    partition: number,
    accepted: ReadonlyArray<{ events?: readonly MeshEvent[] }>,
  ): number {
    let newest = this.newestForwarded.get(partition) ?? -Infinity;
    for (const a of accepted) for (const e of a.events ?? []) if (e.timeMs > newest) newest = e.timeMs;
    this.newestForwarded.set(partition, newest);
    return newest;
  }

  private pauseUpstream(): void {
    const { upstream } = this.opts;
    if (upstream === undefined || this.pausedUntil !== undefined) return;
    upstream.pause();
    this.pausedUntil = setTimeout(() => {
      this.carried.dropOldestTo(this.forwardAhead / 2);
      this.resumeWhenCaughtUp();
    }, MAX_PAUSE_MS);
    this.pausedUntil.unref();
  }

  private resumeWhenCaughtUp(): void {
    if (this.pausedUntil === undefined || this.carried.heldEvents > this.forwardAhead / 2) return;
    clearTimeout(this.pausedUntil);
    this.pausedUntil = undefined;
    this.opts.upstream?.resume();
  }

  private ownedPartitions: Set<number> | undefined;

  /** Whether this replica reads `partition` of the repartition topic (then it keeps what it parsed). */
  private owned(partition: number): boolean {
    return this.ownedPartitions?.has(partition) ?? false;
  }

  afterCommit(): Promise<void> {
    return this.scorer.afterCommit();
  }

  committableOffset(topic: string, partition: number, next: string): string {
    return this.scorer.committableOffset?.(topic, partition, next) ?? next;
  }

  onAssignment(assigned: TopicPartition[]): Promise<void> {
    // Upstream partitions are read again from their commit: a watermark may only cover what was
    // forwarded since.
    this.newestForwarded.clear();
    this.ownedPartitions = new Set(
      assigned.filter((a) => a.topic === this.opts.repartitionTopic).map((a) => a.partition),
    );
    this.carried.keepOnly((partition) => this.owned(partition));
    this.taken.keepOnly((partition) => this.owned(partition));
    this.resumeWhenCaughtUp();
    return this.scorer.onAssignment(assigned);
  }
}
