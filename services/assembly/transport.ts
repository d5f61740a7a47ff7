/**
 * The record transport of a live process, named by the config: Kafka when `kafka.brokers` is set
 * (producer for ingest, dead letters and incidents; the consumer group as the scorer's source), else the
 * embedded bus, which is both in one process.
 */
import type { Logger } from 'pino';
import type { MeshguardConfig } from '../../config/schema.js';
import type { Metrics } from '../../pipelines/core/metrics.js';
import { EmbeddedBus } from '../../pipelines/sources/bus/embedded-bus.js';
import { BusSource } from '../../pipelines/sources/bus/source.js';
import { createKafka } from '../../pipelines/sources/kafka/client.js';
import { KafkaRecordProducer } from '../../pipelines/sources/kafka/producer.js';
import { KafkaSource } from '../../pipelines/sources/kafka/source.js';
import { parseOptionsOf } from '../../pipelines/parse/index.js';

export type Transport =
  | { kind: 'kafka'; producer: KafkaRecordProducer; source: KafkaSource }
  | { kind: 'bus'; producer: EmbeddedBus; source: BusSource };

/** Kafka's producer is connected here (start-up fails fast when the cluster cannot be reached). */
export async function openTransport(
  cfg: Readonly<MeshguardConfig>,
  deps: { logger: Logger; metrics: Metrics },
): Promise<Transport> {
  const { logger, metrics } = deps;
  if (cfg.kafka.brokers.length > 0) {
    const kafka = createKafka(cfg.kafka, logger);
    const producer = new KafkaRecordProducer(kafka, cfg.kafka, deps);
    await producer.start();
    const source = new KafkaSource(cfg.kafka, deps, { kafka, producer, parseOptions: parseOptionsOf(cfg) });
    return { kind: 'kafka', producer, source };
  }
  const bus = new EmbeddedBus({ maxPendingRecords: cfg.ingest.max_pending_events, logger });
  const source = new BusSource(bus, {
    topics: [cfg.kafka.topics.access_logs, cfg.kafka.topics.metrics],
    max_pending_events: cfg.ingest.max_pending_events,
    max_batch_events: cfg.kafka.max_batch_events,
  });
  metrics.dependencyUp.set({ dependency: 'kafka' }, 0);
  return { kind: 'bus', producer: bus, source };
}
