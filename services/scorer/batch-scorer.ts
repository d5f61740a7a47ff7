/**
 * Drives the scoring pipeline from batches of transport records (Kafka partitions or the embedded bus):
 *
 *   parse every record (bad → DLQ with the reason) → load state of entities this replica lacks from the
 *   state store (one MGET) → push events → await pipeline.drain() (incidents handed on) → [the consumer
 *   commits offsets] → afterCommit(): write dirty entity state back (one pipelined write).
 *
 * Entities whose partition moved to another replica are marked stale: their state is reloaded from the
 * store if their partition comes back, and never written from here meanwhile (the new owner's state wins).
 *
 * What moves with a partition is the state in the store, which holds closed windows only: the records of
 * windows still open are kept uncommitted (committableOffset), so a new owner reads them again and builds
 * those windows whole. Of what it reads again it skips the events its entities' snapshots have already
 * folded in, and a replica that keeps a partition across a rebalance skips the records it already has.
 * Everything runs through one queue, so the idle-stream timer never closes windows mid-batch.
 */
import type { Logger } from 'pino';
import type { MeshguardConfig } from '../../config/schema.js';
import type { MeshEvent } from '../../pipelines/core/event.js';
import type { ParseResult } from '../../pipelines/core/event.js';
import { detectFormat, parseLine, type ParseOptions } from '../../pipelines/parse/index.js';
import type { Metrics } from '../../pipelines/core/metrics.js';
import type { EventOrigin, ScoringPipeline } from '../../pipelines/core/pipeline.js';
import type { StateStore } from '../../pipelines/core/state-store.js';
import type { InRecord, OutRecord, RecordProducer } from '../../pipelines/sources/bus/types.js';
import type { RecordHandler, TopicPartition } from '../../pipelines/sources/source.js';
import { SharedEntities } from './shared-entities.js';
import { deadLetterJson, reasonClass } from '../../pipelines/core/dead-letter.js';
import { parseAdapterSample } from '../../pipelines/metrics/kafka-adapter/kafka-adapter.js';
import type { MetricSample } from '../../pipelines/metrics/sample.js';
import { OpenRecords } from './open-records.js';

export { entityKey, knownKey, FIRST_EVENT_KEY } from './shared-entities.js';

export interface BatchScorerDeps {
  cfg: MeshguardConfig;
  pipeline: ScoringPipeline;
  state: StateStore;
  /** Where rejected records go (the DLQ topic). */
  producer: RecordProducer;
  metrics: Metrics;
  logger: Logger;
  parseOptions: ParseOptions;
  /** Metric label for records read here: 'kafka'; undefined on the embedded bus (ingest counted them). */
  countAs?: 'kafka';
  /** Receives valid mesh-metrics samples (the metric series detectors). */
  onMetricSample?: (sample: MetricSample) => void;
  wallNowMs?: () => number;
}

export class BatchScorer implements RecordHandler {
  /** Events pushed into the pipeline by this process (at-least-once: redeliveries count again). */
  scored = 0;
  rejected = 0;
  metricSamples = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly partitionOf = new Map<string, string>();
  private owned: Set<string> | undefined;
  /** Kafka: per partition, the records not yet wholly in closed windows (the commit stops at the first). */
  private readonly openRecords = new Map<string, OpenRecords>();
  /** Kafka: per partition, the next offset this replica has not handed over since it got the partition. */
  private readonly handedThrough = new Map<string, number>();
  private lastEventWallMs = 0;
  private watermarkAtLastEvent = 0;
  private readonly log: Logger;
  private readonly shared: SharedEntities;

  constructor(private readonly deps: BatchScorerDeps) {
    this.log = deps.logger.child({ component: 'scorer' });
    this.shared = new SharedEntities(deps.pipeline, deps.state, this.log);
  }

  handle(records: InRecord[]): Promise<void> {
    return this.serial(() => this.handleNow(records));
  }

  afterCommit(): Promise<void> {
    return this.serial(() => this.shared.write());
  }

  async onAssignment(assigned: TopicPartition[]): Promise<void> {
    await this.serial(async () => {
      const before = this.owned;
      this.owned = new Set(assigned.map((a) => `${a.topic}/${a.partition}`));
      for (const partition of before ?? [])
        if (!this.owned.has(partition)) this.deps.pipeline.dropTask(partition);
      this.deps.pipeline.restartIdleness((this.deps.wallNowMs ?? Date.now)());
      for (const partition of [...this.openRecords.keys(), ...this.handedThrough.keys()])
        if (!this.owned.has(partition)) {
          this.openRecords.delete(partition);
          this.handedThrough.delete(partition);
        }
      let moved = 0;
      for (const [entity, partition] of this.partitionOf) {
        if (this.owned.has(partition)) continue;
        this.shared.moved(entity);
        this.partitionOf.delete(entity);
        moved++;
      }
      if (moved)
        this.log.info(
          { entities: moved },
          'Entities moved to another replica; their state is reloaded if they come back',
        );
    });
  }

  /**
   * Close windows of idle streams: when no event arrived for a window's length of wall time, event time
   * moves on by the wall time that passed. Called from a timer in services/service.ts.
   */
  tick(sourceFetching = true): Promise<void> {
    return this.serial(async () => {
      const now = (this.deps.wallNowMs ?? Date.now)();
      if (this.deps.countAs === 'kafka') {
        // Per-partition clocks: an idle input stops holding its partition back after the idleness timeout,
        // counted only while the consumer reads (a stalled rebalance is no idleness: windows stay open).
        if (sourceFetching) this.deps.pipeline.advanceClocks(now);
        else this.deps.pipeline.restartIdleness(now);
        await this.deps.pipeline.drain();
        await this.shared.write();
        return;
      }
      const windowMs = this.deps.cfg.windowing.window_secs * 1000;
      if (this.lastEventWallMs === 0 || now - this.lastEventWallMs < windowMs) return;
      this.deps.pipeline.advanceTo(this.watermarkAtLastEvent + (now - this.lastEventWallMs));
      await this.deps.pipeline.drain();
      await this.shared.write();
    });
  }

  /**
   * The offset to commit: `next`, unless some records before it still count only in open windows of
   * this replica (they are in no snapshot yet); then the first of those, for the next owner to read again.
   */
  committableOffset(topic: string, partition: number, next: string): string {
    const key = `${topic}/${partition}`;
    const open = this.openRecords.get(key);
    const first = open?.firstOpen(this.deps.pipeline.closedBeforeMs(key));
    return first === undefined || first >= Number(next) ? next : String(first);
  }

  /** Write every dirty entity now (shutdown). */
  flush(): Promise<void> {
    return this.serial(() => this.shared.write());
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async handleNow(records: InRecord[]): Promise<void> {
    const { cfg, pipeline, metrics } = this.deps;
    const kafka = this.deps.countAs === 'kafka';
    const events: MeshEvent[] = [];
    const eventPartition: string[] = [];
    /** Kafka: the input of each event within its partition (a repartitioned record's upstream partition). */
    const eventInput: string[] = [];
    /** Kafka: the offset of each event's record. */
    const eventOffset: number[] = [];
    const inputsOf = new Map<string, readonly string[]>();
    /** Kafka: watermark markers, each with the number of events read before it. */
    const progress: Array<{ before: number; partition: string; input: string; timeMs: number }> = [];
    const dlq: OutRecord[] = [];
    const ingestedByFormat = new Map<string, number>();
    // Records of one hand-off come from one partition (Kafka) or a few (the bus): name each once.
    let partition = '';
    let input = '';
    let partitionTopic = '';
    let partitionNumber = -1;
    let format = 'unknown';
    let any = false;
    let ambiguous = false;
    const reasons: string[] = [];
    /** channel → [accepted, ambiguous, rejected] records of this hand-off. */
    const byChannel = new Map<string, [number, number, number]>();
    const channelOf = (): [number, number, number] => {
      // The partition the shipper wrote to (a repartitioned record's input), from the config's topics.
      const channel = kafka ? `kafka:${input}` : `bus:${partitionTopic}`;
      let counts = byChannel.get(channel);
      if (counts === undefined) byChannel.set(channel, (counts = [0, 0, 0]));
      return counts;
    };
    const emit = (result: ParseResult) => {
      if (result.ok) {
        any = true;
        if (result.event.clientFieldsAmbiguous) ambiguous = true;
        events.push(result.event);
        eventPartition.push(partition);
        eventInput.push(input);
        eventOffset.push(offset);
        ingestedByFormat.set(format, (ingestedByFormat.get(format) ?? 0) + 1);
      } else reasons.push(result.reason);
    };
    let handed = -1;
    let offset = -1;
    /** Kafka: the last offset of each partition in this hand-off. */
    const lastOffset = new Map<string, number>();
    let firstHanded: InRecord | undefined;
    for (const record of records) {
      if (record.topic !== partitionTopic || record.partition !== partitionNumber) {
        partitionTopic = record.topic;
        partitionNumber = record.partition;
        partition = `${record.topic}/${record.partition}`;
        handed = kafka ? (this.handedThrough.get(partition) ?? -1) : -1;
      }
      offset = Number(record.offset);
      // Read again after a rebalance that left the partition here (kafkajs restarts at the commit).
      if (offset < handed) continue;
      firstHanded ??= record;
      if (kafka) lastOffset.set(partition, offset);
      input = record.input ?? partition;
      if (record.inputs !== undefined) inputsOf.set(partition, record.inputs);
      if (record.watermarkMs !== undefined) {
        // A forwarder's watermark: applied after the events before it, before those after it.
        if (kafka) progress.push({ before: events.length, partition, input, timeMs: record.watermarkMs });
        continue;
      }
      if (record.topic === cfg.kafka.topics.metrics) {
        const result = parseAdapterSample(record.value);
        if (result.ok) {
          this.metricSamples++;
          ingestedByFormat.set(
            'prometheus-kafka-adapter',
            (ingestedByFormat.get('prometheus-kafka-adapter') ?? 0) + 1,
          );
          this.deps.onMetricSample?.(result.sample);
        } else dlq.push(this.reject(record, result.reason, 'prometheus-kafka-adapter'));
        // On the embedded bus these came through ingest, which counted them.
        if (kafka) channelOf()[result.ok ? 0 : 2]++;
        continue;
      }
      if (record.events !== undefined) {
        // Parsed by ingest in this process (embedded bus), or by this replica's repartition hop (Kafka):
        // no need to parse it again. Ingest counted its own; the hop's count where they are scored.
        if (this.deps.countAs) {
          const parsedAs = record.format ?? 'unknown';
          ingestedByFormat.set(parsedAs, (ingestedByFormat.get(parsedAs) ?? 0) + record.events.length);
        }
        for (const event of record.events) {
          events.push(event);
          eventPartition.push(partition);
          eventInput.push(input);
          eventOffset.push(offset);
        }
        continue;
      }
      format = 'unknown';
      any = false;
      ambiguous = false;
      reasons.length = 0;
      try {
        const detected = detectFormat(record.value);
        format = detected ?? 'unknown';
        parseLine(record.value, detected ?? 'auto', this.deps.parseOptions, emit);
      } catch (error) {
        reasons.push(`parser error: ${(error as Error).message}`);
      }
      // A multi-record OTLP message may be partly bad: then each bad part is set aside; else the record once.
      if (any) for (const reason of reasons) dlq.push(this.reject(record, reason, format));
      else dlq.push(this.reject(record, reasons[0] ?? 'no access-log record found', format));
      channelOf()[!any ? 2 : ambiguous ? 1 : 0]++;
    }
    for (const [channel, [accepted, odd, rejected]] of byChannel) {
      if (accepted) metrics.channelRecords.inc({ channel, outcome: 'accepted' }, accepted);
      if (odd) metrics.channelRecords.inc({ channel, outcome: 'ambiguous' }, odd);
      if (rejected) metrics.channelRecords.inc({ channel, outcome: 'rejected' }, rejected);
    }
    if (this.deps.countAs)
      for (const [format, n] of ingestedByFormat)
        metrics.eventsIngested.inc({ source: this.deps.countAs, format }, n);

    await this.shared.load(events);
    const wallMs = (this.deps.wallNowMs ?? Date.now)();
    let origin: EventOrigin = { task: '', input: '', wallMs };
    const windowMs = cfg.windowing.window_secs * 1000;
    let alreadyLearned = 0;
    let marker = 0;
    const applyProgress = (upTo: number) => {
      for (; marker < progress.length && progress[marker]!.before <= upTo; marker++) {
        const m = progress[marker]!;
        pipeline.noteProgress(m.timeMs, {
          task: m.partition,
          input: m.input,
          wallMs,
          inputs: inputsOf.get(m.partition),
        });
      }
    };
    for (let i = 0; i < events.length; i++) {
      if (marker < progress.length) applyProgress(i);
      const event = events[i]!;
      const before = event.src;
      if (kafka) {
        this.openRecordsOf(eventPartition[i]!).note(eventOffset[i]!, event.timeMs);
        // Read again from another owner's commit: its windows up to the snapshot are learned already.
        if (this.shared.learned(before, event.timeMs, windowMs)) {
          this.partitionOf.set(before, eventPartition[i]!);
          alreadyLearned++;
          continue;
        }
        if (origin.task !== eventPartition[i] || origin.input !== eventInput[i])
          origin = {
            task: eventPartition[i]!,
            input: eventInput[i]!,
            wallMs,
            inputs: inputsOf.get(eventPartition[i]!),
          };
        pipeline.push(event, origin);
      } else pipeline.push(event);
      if (!kafka) continue; // the embedded bus has one owner: nothing ever moves
      // The pipeline may resolve an address to a principal: both keys belong to this partition.
      this.partitionOf.set(before, eventPartition[i]!);
      if (event.src !== before) this.partitionOf.set(event.src, eventPartition[i]!);
    }
    applyProgress(Infinity);
    if (kafka) this.forgetUntracked();
    this.scored += events.length;
    if (kafka) pipeline.advanceClocks(wallMs);
    if (events.length) {
      this.lastEventWallMs = (this.deps.wallNowMs ?? Date.now)();
      this.watermarkAtLastEvent = pipeline.stats.watermarkMs;
      if (this.watermarkAtLastEvent > 0)
        metrics.pipelineLag.set(Math.max(0, (this.lastEventWallMs - this.watermarkAtLastEvent) / 1000));
    }
    await pipeline.drain();
    await this.deadLetter(dlq);
    for (const [p, last] of lastOffset) this.handedThrough.set(p, last + 1);
    if (alreadyLearned)
      this.log.debug({ events: alreadyLearned }, 'Events read again whose windows the state already holds');
    const first = firstHanded;
    if (first)
      this.log.debug(
        {
          topic: first.topic,
          partition: first.partition,
          fromOffset: first.offset,
          toOffset: records[records.length - 1]!.offset,
          events: events.length,
          rejected: dlq.length,
        },
        'Batch handed over',
      );
  }

  private openRecordsOf(partition: string): OpenRecords {
    let open = this.openRecords.get(partition);
    if (open === undefined) this.openRecords.set(partition, (open = new OpenRecords()));
    return open;
  }

  /**
   * Which partition an entity came from matters only while the pipeline holds its state: once the pipeline
   * dropped it (entity cap, idleness) there is nothing to mark stale. Pruned whenever the map has grown to
   * twice what the pipeline tracks, so a flood of one-shot identities cannot grow it past the entity cap.
   */
  private forgetUntracked(): void {
    const { pipeline } = this.deps;
    if (this.partitionOf.size <= 2 * pipeline.stats.entities + 1024) return;
    for (const entity of this.partitionOf.keys())
      if (!pipeline.hasEntity(entity)) {
        this.partitionOf.delete(entity);
        this.shared.forget(entity);
      }
  }

  private reject(record: InRecord, reason: string, format: string): OutRecord {
    this.rejected++;
    const source = this.deps.countAs ?? 'bus';
    this.deps.metrics.eventsRejected.inc({ source, format, reason: reasonClass(reason) });
    const { topic, partition, offset } = record;
    return {
      key: null,
      value: deadLetterJson(
        record.value,
        reason,
        { source, topic, partition, offset, format },
        new Date().toISOString(),
      ),
    };
  }

  private async deadLetter(records: OutRecord[]): Promise<void> {
    if (records.length === 0) return;
    try {
      await this.deps.producer.send(this.deps.cfg.kafka.topics.dlq, records);
      this.deps.metrics.deadLettered.inc({ destination: this.deps.countAs ?? 'bus' }, records.length);
    } catch (error) {
      // The DLQ is best effort: the rejection is already counted and logged; scoring must go on.
      this.log.warn(
        { error: (error as Error).message, records: records.length },
        'Could not write rejected records to the dead-letter topic',
      );
    }
  }
}
