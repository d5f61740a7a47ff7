/**
 * The in-process bus used when no Kafka brokers are configured (embedded mode): the same producer
 * interface as Kafka, delivering to in-process subscribers in batches.
 *
 * Bounded: each subscription holds at most `maxPendingRecords` undelivered records; a send that would
 * exceed that is refused with TransportBusyError('full') (ingest answers 429) rather than buffering
 * without bound. Records for topics nobody subscribed to are dropped (counted in `dropped`).
 */
import type { Logger } from 'pino';
import { TransportBusyError, type InRecord, type OutRecord, type RecordProducer } from './types.js';

export type BatchHandler = (records: InRecord[]) => Promise<void>;

interface Subscription {
  topics: ReadonlySet<string>;
  queue: InRecord[];
  handler: BatchHandler;
  maxBatch: number;
  running: boolean;
  idle: Array<() => void>;
}

export interface EmbeddedBusOptions {
  maxPendingRecords: number;
  logger: Logger;
}

export class EmbeddedBus implements RecordProducer {
  private readonly subscriptions: Subscription[] = [];
  private readonly offsets = new Map<string, number>();
  private closed = false;
  dropped = 0;

  constructor(private readonly opts: EmbeddedBusOptions) {}

  ready(): boolean {
    return !this.closed;
  }

  /** Undelivered records of the fullest subscription. */
  pending(): number {
    return this.subscriptions.reduce((max, s) => Math.max(max, s.queue.length), 0);
  }

  async send(topic: string, messages: OutRecord[]): Promise<void> {
    if (this.closed) throw new TransportBusyError('the embedded bus is shut down', 5, 'unavailable');
    const targets = this.subscriptions.filter((s) => s.topics.has(topic));
    if (targets.length === 0) {
      this.dropped += messages.length;
      return;
    }
    for (const s of targets)
      if (s.queue.length + messages.length > this.opts.maxPendingRecords)
        throw new TransportBusyError(
          `the embedded bus holds ${s.queue.length} undelivered records`,
          1,
          'full',
        );
    const first = this.offsets.get(topic) ?? 0;
    this.offsets.set(topic, first + messages.length);
    targets.forEach((s, i) => {
      // Parsed events are handed to one subscriber only: a consumer may change the events it is given.
      const records: InRecord[] = messages.map((m, k) => ({
        topic,
        partition: 0,
        offset: String(first + k),
        key: m.key,
        value: m.value,
        events: i === 0 ? m.events : undefined,
      }));
      s.queue.push(...records);
      this.pump(s);
    });
  }

  /** Deliver records of these topics to the handler, one batch at a time, in order. */
  subscribe(topics: readonly string[], handler: BatchHandler, opts: { maxBatch?: number } = {}): void {
    this.subscriptions.push({
      topics: new Set(topics),
      queue: [],
      handler,
      maxBatch: opts.maxBatch ?? 5000,
      running: false,
      idle: [],
    });
  }

  /** Resolves when every subscription has handled everything sent so far. */
  async drain(): Promise<void> {
    await Promise.all(
      this.subscriptions.map((s) =>
        s.running || s.queue.length ? new Promise<void>((resolve) => s.idle.push(resolve)) : undefined,
      ),
    );
  }

  /** Refuse new records, deliver what is queued. Idempotent. */
  async shutdown(): Promise<void> {
    this.closed = true;
    await this.drain();
  }

  private pump(s: Subscription): void {
    if (s.running) return;
    s.running = true;
    // Deliver on a later tick so send() returns before the scorer runs (like a real transport).
    setImmediate(() => void this.loop(s));
  }

  private async loop(s: Subscription): Promise<void> {
    while (s.queue.length) {
      const batch = s.queue.splice(0, s.maxBatch);
      try {
        await s.handler(batch);
      } catch (error) {
        // A handler should never throw (bad records are set aside); if it does, the batch is lost, loudly.
        this.opts.logger.error(
          { error: (error as Error).message, records: batch.length },
          'Embedded bus handler failed; batch dropped',
        );
      }
    }
    s.running = false;
    for (const resolve of s.idle.splice(0)) resolve();
  }
}
