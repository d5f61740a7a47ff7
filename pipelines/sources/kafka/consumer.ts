/**
 * The scorer's Kafka consumer group: `eachBatch` with `eachBatchAutoResolve: false`, so an offset is
 * resolved and committed only after its records were handed over (parsed, scored, incidents handed on):
 * at-least-once, and no further than the handler says (records in open windows are read again by the
 * partition's next owner). After each commit the handler writes dirty state (Redis snapshots), so a
 * partition that moves to another replica finds its entities' baselines there.
 *
 * kafkajs finishes the running batch before it rejoins the group, so a rebalance never interrupts a
 * hand-off; GROUP_JOIN tells the handler which partitions this member owns now.
 */
import type { Admin, Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import type { Metrics } from '../../core/metrics.js';
import type { RecordProducer } from '../bus/types.js';
import type { RecordHandler, TopicPartition } from '../source.js';
import type { KafkaConfig } from './config.js';
import type { KafkaInRecord } from './repartition.js';
import { decodeFailureOf, deadLetterUndecodable, type FailedBatches } from './undecodable.js';
import { ConsumedRecord, headersOf } from './consumed-record.js';
import { OffsetCommits, listOf, type CommitPayload } from './offset-commits.js';

export type ConsumerHandler = RecordHandler; // the scorer's side (the source contract's handler)
export type { TopicPartition };

/**
 * No fetch answer for this long (they come every 500 ms even when nothing is new) means the consumer is
 * stuck: a rebalance kafkajs has not announced yet, a coordinator that does not answer, a long hand-off.
 */
const FETCH_STALLED_MS = 10_000;

export class KafkaBatchConsumer {
  private consumer: Consumer;
  private readonly lag = new Map<string, Map<number, number>>();
  private assigned: TopicPartition[] = [];
  private running = false;
  private stopped = false;
  private crashed = false;
  private restarts = 0;
  private restartTimer: NodeJS.Timeout | undefined;
  /** Next offset expected per `topic/partition` since this member got it (gap detection). */
  private readonly nextOffset = new Map<string, number>();
  /** Records never handed over because the stream jumped past them (retention, offset reset). */
  skipped = 0;
  /** Batches that could not be decompressed (dead-lettered, committed past). */
  undecodable = 0;
  /** Commits on an interval; the last offset committed here per partition (was it elsewhere meanwhile?). */
  private readonly commits: OffsetCommits;
  /** Committed offsets read at each join (gap detection, where a new group starts); batches wait for it. */
  private preparing: Promise<void> = Promise.resolve();
  private admin: Admin | undefined;
  /** True from a connection failure or crash until the next good batch or join (readiness). */
  private disconnected = false;
  /** Topics not fetched for now (the repartition hop's backpressure). */
  private readonly paused = new Set<string>();
  private readonly promptTopics: Set<string>;
  /** From kafkajs's REBALANCING until the next join: no partition is read meanwhile. */
  private rebalancing = false;
  /** Wall time of the last fetch answer (kafkajs's FETCH, at least every maxWaitTimeInMs while running). */
  private lastFetchMs = 0;

  constructor(
    private readonly kafka: Kafka,
    private readonly cfg: KafkaConfig,
    private readonly topics: string[],
    private readonly handler: ConsumerHandler,
    private readonly deps: {
      logger: Logger;
      metrics?: Metrics;
      producer?: RecordProducer;
      /** Topics committed after every batch (what the hop forwarded: a replica killed before the commit
       * has its records forwarded again, and the copies count twice). */
      commitEachBatch?: string[];
    },
  ) {
    this.commits = new OffsetCommits(handler, cfg.commit_interval_ms);
    this.promptTopics = new Set(deps.commitEachBatch);
    this.consumer = this.createConsumer();
  }

  private createConsumer(): Consumer {
    const { cfg, deps } = this;
    const consumer = this.kafka.consumer({
      groupId: cfg.group_id,
      sessionTimeout: cfg.session_timeout_ms,
      heartbeatInterval: cfg.heartbeat_interval_ms,
      rebalanceTimeout: Math.max(cfg.session_timeout_ms, 10_000),
      allowAutoTopicCreation: true,
      maxWaitTimeInMs: 500,
      retry: {
        retries: 5,
        initialRetryTime: 200,
        maxRetryTime: 5000,
        // kafkajs restarts a crashed consumer on its own after a delay; once we have shut down, that
        // restart would bring back a consumer nobody stops (with the cluster gone, its fetch loop spins).
        restartOnFailure: async () => !this.stopped,
      },
    });
    const { GROUP_JOIN, CRASH, CONNECT, DISCONNECT, STOP } = consumer.events;
    consumer.on(GROUP_JOIN, (event) => {
      this.rebalancing = false;
      const assignment = event.payload.memberAssignment as Record<string, number[]>;
      this.assigned = Object.entries(assignment).flatMap(([topic, partitions]) =>
        partitions.map((partition) => ({ topic, partition })),
      );
      // Another member may have moved these partitions on meanwhile: only gaps within one ownership count.
      this.nextOffset.clear();
      this.commits.keepOnly(this.assigned);
      // Lag of partitions that moved away is the new owner's to report.
      for (const [topic, partitions] of this.lag)
        for (const partition of partitions.keys())
          if (!assignment[topic]?.includes(partition)) partitions.delete(partition);
      this.publishLag();
      this.restarts = 0;
      this.disconnected = false;
      for (const topic of this.paused) consumer.pause([{ topic }]);
      this.preparing = this.prepareAssignment(this.assigned);
      deps.logger.info(
        {
          group: cfg.group_id,
          member: event.payload.memberId,
          partitions: this.assigned.map((a) => `${a.topic}/${a.partition}`),
        },
        'Joined the consumer group',
      );
      this.handler.onAssignment(this.assigned).catch((error: unknown) => {
        deps.logger.error(
          { error: (error as Error).message },
          'Handling the new partition assignment failed',
        );
      });
    });
    consumer.on(CONNECT, () => deps.metrics?.dependencyUp.set({ dependency: 'kafka' }, 1));
    consumer.on(DISCONNECT, () => {
      if (this.stopped) return;
      this.disconnected = true;
      deps.metrics?.dependencyUp.set({ dependency: 'kafka' }, 0);
    });
    consumer.on(consumer.events.REQUEST_TIMEOUT, () => (this.disconnected = true));
    consumer.on(STOP, () => (this.running = false));
    consumer.on(consumer.events.REBALANCING, () => (this.rebalancing = true));
    consumer.on(consumer.events.FETCH, () => (this.lastFetchMs = Date.now()));
    consumer.on(CRASH, (event) => {
      this.disconnected = true;
      deps.logger.error(
        { error: event.payload.error.message, restart: event.payload.restart },
        'Kafka consumer crashed',
      );
      // kafkajs restarts by itself only after retriable errors; after any other (an odd SyncGroup answer
      // in a rebalance, say) this replica would sit idle forever: start a fresh consumer, with backoff.
      if (!event.payload.restart && !this.stopped) this.restartLater();
    });
    return consumer;
  }

  private restartLater(): void {
    if (this.restartTimer || this.stopped) return;
    this.crashed = true;
    const delay = Math.min(30_000, 500 * 2 ** this.restarts++) + Math.floor(Math.random() * 250);
    this.deps.logger.warn({ delayMs: delay }, 'Starting a fresh Kafka consumer');
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (this.stopped) return;
      this.consumer = this.createConsumer();
      this.start().then(
        () => (this.crashed = false),
        (error: unknown) => {
          this.deps.logger.error({ error: (error as Error).message }, 'Could not restart the Kafka consumer');
          this.restartLater();
        },
      );
    }, delay);
  }

  /** Connect, subscribe, run. Throws when the cluster cannot be reached at all (start-up fails fast). */
  async start(): Promise<void> {
    const consumer = this.consumer;
    await consumer.connect();
    // A restart that finished connecting after shutdown must not start fetching.
    if (this.stopped) return void (await consumer.disconnect().catch(() => undefined));
    // Always from the beginning: kafkajs also resets an out-of-range offset to this default, and the
    // latest would skip everything in between. prepareAssignment() moves a new group to the end if asked.
    await consumer.subscribe({ topics: this.topics, fromBeginning: true });
    if (this.stopped) return void (await consumer.disconnect().catch(() => undefined));
    this.running = true;
    await consumer.run({
      eachBatchAutoResolve: false,
      // Committed by eachBatch after each hand-off, at the offset the handler names (see committableOffset):
      // kafkajs's own commits (at rebalances, on stop) would commit past records of open windows.
      autoCommit: false,
      // While one partition waits on the brokers, another is scored (one hand-off at a time, in order).
      partitionsConsumedConcurrently: 4,
      eachBatch: (payload) => this.eachBatch(payload),
    });
  }

  /** True while fetching, connected, and not crashed. */
  healthy(): boolean {
    return this.running && !this.crashed && !this.stopped && !this.disconnected;
  }

  /**
   * True while records could be arriving: healthy, in no rebalance, and a fetch answered lately. Else the
   * silence of a partition says nothing about its stream, and the scorer must not take it for idleness.
   */
  fetching(): boolean {
    return this.healthy() && !this.rebalancing && Date.now() - this.lastFetchMs < FETCH_STALLED_MS;
  }

  /**
   * At each join: the group's committed offset of each assigned partition becomes the next expected one
   * (a reset past it is counted even right after a restart); without one, `from_beginning` decides.
   */
  private async prepareAssignment(assigned: TopicPartition[]): Promise<void> {
    try {
      this.admin ??= this.kafka.admin();
      await this.admin.connect();
      const topics = [...new Set(assigned.map((a) => a.topic))];
      const movedMeanwhile = new Set<string>();
      for (const topic of topics) {
        const [committed] = await this.admin.fetchOffsets({ groupId: this.cfg.group_id, topics: [topic] });
        let ends: Map<number, string> | undefined;
        for (const { partition, offset } of committed?.partitions ?? []) {
          if (!assigned.some((a) => a.topic === topic && a.partition === partition)) continue;
          const key = `${topic}/${partition}`;
          const here = this.commits.committedOffset(key);
          if (here !== undefined && here !== Number(offset)) movedMeanwhile.add(key);
          this.commits.setCommitted(key, Number(offset));
          if (Number(offset) >= 0) this.nextOffset.set(key, Number(offset));
          else if (!this.cfg.from_beginning) {
            ends ??= new Map(
              (await this.admin.fetchTopicOffsets(topic)).map((o) => [o.partition, o.high] as const),
            );
            const end = ends.get(partition);
            if (end !== undefined) this.consumer.seek({ topic, partition, offset: end });
          }
        }
      }
      // Partitions another member committed on while this one was out of the group unaware (a crash, a
      // missed session): handed over as lost, then as assigned again, so their windows and state are rebuilt.
      if (movedMeanwhile.size > 0) {
        const others = assigned.filter((a) => !movedMeanwhile.has(`${a.topic}/${a.partition}`));
        this.deps.logger.info(
          { partitions: [...movedMeanwhile] },
          'Partitions were scored elsewhere meanwhile',
        );
        await this.handler.onAssignment(others);
        await this.handler.onAssignment(assigned);
      }
    } catch (error) {
      this.deps.logger.warn(
        { error: (error as Error).message },
        'Could not read the committed offsets of the new assignment',
      );
    }
  }

  assignment(): TopicPartition[] {
    return [...this.assigned];
  }

  /** Stop fetching `topic` and handing over what was fetched of it (resumeTopic goes on where it stopped). */
  pauseTopic(topic: string): void {
    this.paused.add(topic);
    this.consumer.pause([{ topic }]);
  }

  resumeTopic(topic: string): void {
    if (!this.paused.delete(topic)) return;
    this.consumer.resume([{ topic }]);
  }

  /** Stop fetching, let the running batch finish and commit, leave the group. Idempotent. */
  async shutdown(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    try {
      // What was handed over since the last commit; a batch running meanwhile commits its own (stopped).
      if (this.running) await this.commits.commit((payload) => this.consumer.commitOffsets(listOf(payload)));
      await this.consumer.stop();
      await this.consumer.disconnect();
      await this.admin?.disconnect();
      this.deps.logger.info({ offsetCommits: this.commits.commits }, 'Kafka consumer left the group');
    } catch (error) {
      this.deps.logger.warn(
        { error: (error as Error).message },
        'Kafka consumer did not leave the group cleanly',
      );
    }
  }

  /**
   * Hand the fetched batch over in chunks of `max_batch_events` (each resolved, then a heartbeat); commit
   * when the interval has passed, and at once when stopping, sought, paused or rebalancing (offset-commits.ts).
   */
  private async eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, commitOffsetsIfNecessary, isRunning, isStale } = payload;
    const commit = () => this.commits.commit((offsets: CommitPayload) => commitOffsetsIfNecessary(offsets));
    const heartbeat = async () => {
      try {
        await payload.heartbeat();
      } catch (error) {
        // A rebalance begins (or the member is gone): commit what was handed over while this generation may.
        await commit().catch(() => undefined);
        throw error;
      }
    };
    const chunkSize = this.cfg.max_batch_events;
    const { topic, partition } = batch;
    await this.preparing;
    this.disconnected = false;
    this.checkGap(topic, partition, batch.messages[0]?.offset);
    let handedOver = false;
    for (let start = 0; start < batch.messages.length; start += chunkSize) {
      // Stopping, rebalancing or paused: leave the rest; kafkajs fetches again from the last resolved offset.
      if (!isRunning() || isStale() || this.paused.has(topic)) break;
      const chunk = batch.messages.slice(start, start + chunkSize);
      const records: KafkaInRecord[] = [];
      const failed: FailedBatches = new Map();
      for (const m of chunk) {
        const failure = decodeFailureOf(m.value);
        if (failure !== undefined) {
          const { reason, sample, compressedBytes } = failure.failure;
          const entry = failed.get(failure.id) ?? { reason, sample, bytes: compressedBytes, offsets: [] };
          entry.offsets.push(m.offset);
          failed.set(failure.id, entry);
          continue;
        }
        records.push(new ConsumedRecord(topic, partition, m, headersOf(m)));
      }
      if (failed.size > 0)
        this.undecodable += await deadLetterUndecodable(topic, partition, failed, {
          ...this.deps,
          dlqTopic: this.cfg.topics.dlq,
        });
      if (records.length > 0) await this.handler.handle(records);
      const last = chunk[chunk.length - 1]!.offset;
      resolveOffset(last);
      handedOver = true;
      const next = Number(last) + 1;
      this.nextOffset.set(`${topic}/${partition}`, next);
      this.commits.handed(topic, partition, next);
      this.setLag(topic, partition, Math.max(0, Number(batch.highWatermark) - next));
      if (start + chunkSize < batch.messages.length) await heartbeat();
    }
    if (!handedOver) return;
    const now =
      this.stopped || !isRunning() || isStale() || this.paused.has(topic) || this.promptTopics.has(topic);
    if (now || this.commits.due()) await commit();
    await heartbeat();
  }

  /**
   * kafkajs answers OFFSET_OUT_OF_RANGE (records deleted by retention before this group read them) by
   * resetting to the earliest offset silently: an operator must hear about it (more retention or replicas).
   */
  private checkGap(topic: string, partition: number, firstOffset: string | undefined): void {
    if (firstOffset === undefined) return;
    const key = `${topic}/${partition}`;
    const expected = this.nextOffset.get(key);
    const first = Number(firstOffset);
    if (expected !== undefined && first > expected) {
      this.skipped += first - expected;
      this.deps.metrics?.kafkaRecordsSkipped.inc({ topic }, first - expected);
      this.deps.logger.error(
        {
          topic,
          partition,
          fromOffset: String(expected),
          toOffset: String(first - 1),
          records: first - expected,
        },
        'Records were skipped before they were scored (deleted by retention or an offset reset); they are lost to detection',
      );
    }
  }

  private setLag(topic: string, partition: number, lag: number): void {
    let partitions = this.lag.get(topic);
    if (!partitions) this.lag.set(topic, (partitions = new Map()));
    partitions.set(partition, lag);
    this.publishLag();
  }

  private publishLag(): void {
    for (const [topic, partitions] of this.lag) {
      let total = 0;
      for (const lag of partitions.values()) total += lag;
      this.deps.metrics?.consumerLag.set({ topic }, total);
    }
  }
}
