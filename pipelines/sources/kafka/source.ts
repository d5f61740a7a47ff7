/**
 * The Kafka source: the scorer's consumer group over the access-log and metrics topics, as a Source.
 * The client is made on start(), so a configured but unreachable cluster fails start-up, not creation.
 */
import type { Kafka } from 'kafkajs';
import type { ComponentSettings } from '../../core/component.js';
import { defaultParseOptions, type ParseOptions } from '../../parse/index.js';
import type { RecordProducer } from '../bus/types.js';
import type { RecordHandler, Source } from '../source.js';
import { createKafka } from './client.js';
import type { KafkaConfig } from './config.js';
import { KafkaBatchConsumer } from './consumer.js';
import { KafkaRecordProducer } from './producer.js';
import { RepartitionHandler } from './repartition.js';

/** What the source writes with (dead letters of undecodable batches, the repartition hop). */
export interface KafkaSourceOptions {
  /** Share the client with a producer of the same process; made from the config otherwise. */
  kafka?: Kafka;
  /** The process's producer; one is made (and owned) otherwise. */
  producer?: KafkaRecordProducer;
  /** How the repartition hop finds a record's source entity (the scorer's parse options). */
  parseOptions?: ParseOptions;
}

/** A topic's partition count, from the cluster's metadata; undefined while it does not exist. */
async function partitionCount(kafka: Kafka, topic: string): Promise<number | undefined> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
    return topics[0]?.partitions.length || undefined;
  } finally {
    await admin.disconnect();
  }
}

export class KafkaSource implements Source {
  private handler: RecordHandler | undefined;
  private consumer: KafkaBatchConsumer | undefined;
  private ownProducer: KafkaRecordProducer | undefined;

  constructor(
    private readonly config: KafkaConfig,
    private readonly settings: Pick<ComponentSettings, 'logger' | 'metrics'>,
    private readonly options: KafkaSourceOptions = {},
  ) {}

  attach(handler: RecordHandler): void {
    this.handler = handler;
  }

  /** Joins the group: call it last, once the process can serve its probes. */
  async start(): Promise<void> {
    if (!this.handler) throw new Error('KafkaSource: attach() a handler before start()');
    const { config, settings } = this;
    if (this.consumer === undefined) {
      const kafka = this.options.kafka ?? createKafka(config, settings.logger);
      let producer = this.options.producer;
      if (producer === undefined) {
        producer = this.ownProducer = new KafkaRecordProducer(kafka, config, settings);
        await producer.start();
      }
      const topics = [config.topics.access_logs, config.topics.metrics];
      let handler = this.handler;
      if (config.repartition) {
        topics.push(config.topics.repartition);
        handler = new RepartitionHandler(handler, producer, {
          accessLogsTopic: config.topics.access_logs,
          accessLogPartitions: async () => (await partitionCount(kafka, config.topics.access_logs)) ?? 1,
          repartitionTopic: config.topics.repartition,
          repartitionPartitions: () => partitionCount(kafka, config.topics.repartition),
          parseOptions: this.options.parseOptions ?? defaultParseOptions,
          metrics: settings.metrics,
          logger: settings.logger,
          upstream: {
            pause: () => this.consumer?.pauseTopic(config.topics.access_logs),
            resume: () => this.consumer?.resumeTopic(config.topics.access_logs),
          },
        });
      }
      this.consumer = new KafkaBatchConsumer(kafka, config, topics, handler, {
        ...settings,
        producer: producer as RecordProducer,
        commitEachBatch: config.repartition ? [config.topics.access_logs] : [],
      });
    }
    await this.consumer.start();
  }

  /** Records deleted before this group read them (retention, an offset reset): lost to detection. */
  get skipped(): number {
    return this.consumer?.skipped ?? 0;
  }

  healthy(): boolean {
    return this.consumer?.healthy() ?? false;
  }

  fetching(): boolean {
    return this.consumer?.fetching() ?? false;
  }

  /** Stop fetching, finish the batch, commit, leave the group. Idempotent. */
  async shutdown(): Promise<void> {
    await this.consumer?.shutdown();
    await this.ownProducer?.shutdown();
  }
}
