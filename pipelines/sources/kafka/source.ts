/**
 * The Kafka source: the scorer's consumer group over the access-log and metrics topics, as a Source.
 * The client is made on start(), so a configured but unreachable cluster fails start-up, not creation.
 */
import type { Kafka } from 'kafkajs';
import type { ComponentSettings } from '../../core/component.js';
import type { RecordHandler, Source } from '../source.js';
import { createKafka } from './client.js';
import type { KafkaConfig } from './config.js';
import { KafkaBatchConsumer } from './consumer.js';

export class KafkaSource implements Source {
  private handler: RecordHandler | undefined;
  private consumer: KafkaBatchConsumer | undefined;

  constructor(
    private readonly config: KafkaConfig,
    private readonly settings: Pick<ComponentSettings, 'logger' | 'metrics'>,
    /** Share the client with a producer of the same process; made from the config otherwise. */
    private readonly kafka?: Kafka,
  ) {}

  attach(handler: RecordHandler): void {
    this.handler = handler;
  }

  /** Joins the group: call it last, once the process can serve its probes. */
  async start(): Promise<void> {
    if (!this.handler) throw new Error('KafkaSource: attach() a handler before start()');
    const { config, settings } = this;
    this.consumer ??= new KafkaBatchConsumer(
      this.kafka ?? createKafka(config, settings.logger),
      config,
      [config.topics.access_logs, config.topics.metrics],
      this.handler,
      settings,
    );
    await this.consumer.start();
  }

  /** Records deleted before this group read them (retention, an offset reset): lost to detection. */
  get skipped(): number {
    return this.consumer?.skipped ?? 0;
  }

  healthy(): boolean {
    return this.consumer?.healthy() ?? false;
  }

  /** Stop fetching, finish the batch, commit, leave the group. Idempotent. */
  async shutdown(): Promise<void> {
    await this.consumer?.shutdown();
  }
}
