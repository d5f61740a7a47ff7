/**
 * The Kafka side of RecordProducer: acks from all in-sync replicas (-1), idempotent where the cluster
 * allows it, batches handed to kafkajs in one send per call, and an honest ready() for /readyz.
 *
 * A send that takes longer than `producer_timeout_ms` fails with TransportBusyError('unavailable') so
 * ingest can answer 503 + Retry-After instead of holding connections open (kafkajs may still deliver
 * it later: at-least-once, the scorer tolerates duplicates through incident dedup).
 */
import kafkajs, { Partitioners, type Kafka, type Producer } from 'kafkajs';
import type { Logger } from 'pino';
import type { Metrics } from '../../core/metrics.js';
import { TransportBusyError, type OutRecord, type RecordProducer } from '../bus/types.js';
import type { KafkaConfig } from './config.js';
import { KEYED_HEADER, type HopRecord, type RepartitionProducer } from './repartition.js';

/**
 * kafkajs puts every message of one send for a partition into one record batch, and a broker refuses a
 * batch over its `message.max.bytes` (1 MiB by default) with MESSAGE_TOO_LARGE, for ever: a 10 MB ingest
 * body would be answered 503 on every retry. Sends are cut into chunks well below that.
 */
export const MAX_SEND_BYTES = 256 * 1024;

// kafkajs is CommonJS and Node's named-export detection misses CompressionTypes: take it off the module.
const { CompressionTypes } = kafkajs;
const COMPRESSION: Record<KafkaConfig['compression'], number> = {
  none: CompressionTypes.None,
  gzip: CompressionTypes.GZIP,
  snappy: CompressionTypes.Snappy,
  lz4: CompressionTypes.LZ4,
  zstd: CompressionTypes.ZSTD,
};

type KeyedRecord = Omit<HopRecord, 'headers'> & { headers?: Record<string, string> };
/** Ingest's records keyed by source entity: the scorers score them where they land (no repartition hop). */
const KEYED = { [KEYED_HEADER]: 'source' };

/** Consecutive slices of `messages` of at most `maxBytes` of keys and values each (at least one message). */
export function chunksOf<R extends { key: string | null; value: string | Buffer }>(
  messages: R[],
  maxBytes: number,
): R[][] {
  const chunks: R[][] = [];
  let current: R[] = [];
  let bytes = 0;
  for (const m of messages) {
    // Characters, not bytes: a close enough bound for mostly-ASCII logs, and cheap.
    const size = m.value.length + (m.key?.length ?? 0) + 64;
    if (current.length > 0 && bytes + size > maxBytes) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(m);
    bytes += size;
  }
  if (current.length) chunks.push(current);
  return chunks;
}

export class KafkaRecordProducer implements RecordProducer, RepartitionProducer {
  private readonly producer: Producer;
  private connected = false;
  /** Set by a failed send, cleared by the next good one: readiness tells the truth between connects. */
  private lastSendFailed = false;
  /** When the last send failed, and how many failed in a row (the half-open probe backs off with it). */
  private failedAtMs = 0;
  private failuresInARow = 0;
  private stopped = false;
  private reconnecting: Promise<void> | undefined;

  constructor(
    kafka: Kafka,
    private readonly cfg: KafkaConfig,
    private readonly deps: { logger: Logger; metrics?: Metrics },
  ) {
    this.producer = kafka.producer({
      idempotent: cfg.idempotent,
      // Idempotence in kafkajs requires one in-flight request; ordering per key needs it anyway.
      maxInFlightRequests: cfg.idempotent ? 1 : 5,
      allowAutoTopicCreation: true,
      // The murmur2 partitioner (Java client compatible): a key lands where other producers put it.
      createPartitioner: Partitioners.DefaultPartitioner,
      // An idempotent producer keeps kafkajs' own retry budget (limiting it voids the no-duplicate promise);
      // producer_timeout_ms bounds how long a caller waits either way.
      ...(cfg.idempotent ? {} : { retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 1000 } }),
    });
    this.producer.on(this.producer.events.CONNECT, () => this.setConnected(true));
    this.producer.on(this.producer.events.DISCONNECT, () => this.setConnected(false));
  }

  private setConnected(up: boolean): void {
    this.connected = up;
    this.deps.metrics?.dependencyUp.set({ dependency: 'kafka' }, this.ready() ? 1 : 0);
  }

  /** Connect; an unreachable cluster at start-up is logged and retried in the background, not fatal. */
  async start(): Promise<void> {
    try {
      await this.producer.connect();
    } catch (error) {
      this.deps.logger.warn(
        { dependency: 'kafka', error: (error as Error).message },
        'Kafka is unreachable; retrying in the background',
      );
      this.reconnectLater();
    }
  }

  /**
   * False while not connected, and after a failed send until the next good one, except that once the
   * probe delay has passed it is true again so that one send can find out whether Kafka is back (a
   * half-open circuit breaker). Without that, ingest (which refuses while not ready) would never send
   * again and stay at 503 after Kafka recovered, until someone restarted it.
   */
  ready(): boolean {
    if (!this.connected || this.stopped) return false;
    return !this.lastSendFailed || Date.now() - this.failedAtMs >= this.probeDelayMs();
  }

  /** 1 s after the first failure, doubling per failure in a row, at most 10 s. */
  private probeDelayMs(): number {
    return Math.min(10_000, 1000 * 2 ** Math.max(0, this.failuresInARow - 1));
  }

  /** Records for `topic`; keyed access-log records are marked as keyed by source (see repartition.ts). */
  send(topic: string, messages: OutRecord[]): Promise<void> {
    if (topic !== this.cfg.topics.access_logs) return this.sendKeyed(topic, messages);
    return this.sendKeyed(
      topic,
      messages.map((m) => (m.key === null ? m : { key: m.key, value: m.value, headers: KEYED })),
    );
  }

  async sendKeyed(topic: string, messages: KeyedRecord[]): Promise<void> {
    if (messages.length === 0) return;
    if (this.stopped) throw new TransportBusyError('the Kafka producer is shut down', 5, 'unavailable');
    if (!this.connected) {
      this.reconnectLater();
      throw new TransportBusyError('Kafka is not connected', 5, 'unavailable');
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new TransportBusyError(
              `Kafka did not acknowledge within ${this.cfg.producer_timeout_ms} ms`,
              2,
              'unavailable',
            ),
          ),
        this.cfg.producer_timeout_ms,
      );
    });
    try {
      const sendAll = async (): Promise<void> => {
        // Compressed batches hold 3x the records within the same broker limit (access logs shrink 4-15x):
        // a third of the acknowledged round trips, which bound the repartition hop's rate.
        const codec =
          topic === this.cfg.topics.repartition
            ? (this.cfg.repartition_compression ?? this.cfg.compression)
            : this.cfg.compression;
        const maxBytes = codec === 'none' ? MAX_SEND_BYTES : 3 * MAX_SEND_BYTES;
        for (const chunk of chunksOf(messages, maxBytes))
          await this.producer.send({
            topic,
            // Key and value only: parsed events ride the embedded bus, never the wire.
            messages: chunk.map(({ key, value, headers, partition }) => ({ key, value, headers, partition })),
            compression: COMPRESSION[codec],
            acks: -1,
            timeout: this.cfg.producer_timeout_ms,
          });
      };
      await Promise.race([sendAll(), timeout]);
      this.failuresInARow = 0;
      if (this.lastSendFailed) {
        this.lastSendFailed = false;
        this.deps.logger.info({ dependency: 'kafka' }, 'Kafka accepts records again');
        this.setConnected(this.connected);
      }
    } catch (error) {
      if (!this.lastSendFailed)
        this.deps.logger.warn(
          { dependency: 'kafka', error: (error as Error).message },
          'Kafka send failed; ingest answers 503 until a send succeeds',
        );
      this.lastSendFailed = true;
      this.failedAtMs = Date.now();
      this.failuresInARow++;
      this.setConnected(this.connected);
      if (error instanceof TransportBusyError) throw error;
      throw new TransportBusyError(`Kafka produce failed: ${(error as Error).message}`, 5, 'unavailable');
    } finally {
      clearTimeout(timer);
    }
  }

  async shutdown(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    try {
      await this.producer.disconnect();
    } catch (error) {
      this.deps.logger.warn(
        { dependency: 'kafka', error: (error as Error).message },
        'Kafka producer did not disconnect cleanly',
      );
    }
  }

  private reconnectLater(): void {
    if (this.reconnecting || this.stopped) return;
    this.reconnecting = (async () => {
      for (let attempt = 0; !this.stopped && !this.connected; attempt++) {
        await new Promise((r) =>
          setTimeout(r, Math.min(5000, 200 * 2 ** attempt) + Math.random() * 100).unref(),
        );
        try {
          await this.producer.connect();
        } catch {
          // Keep trying: Kafka coming back is the normal case.
        }
      }
      this.reconnecting = undefined;
    })();
  }
}
