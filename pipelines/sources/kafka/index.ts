/** The Kafka source (the scorer's consumer group) and the producer ingest and the scorer write with. */
import type { Factory } from '../../core/component.js';
import { KafkaConfig } from './config.js';
import { KafkaSource } from './source.js';

export { KafkaConfig } from './config.js';
export { createKafka } from './client.js';
export { KafkaRecordProducer } from './producer.js';
export { KafkaBatchConsumer, type ConsumerHandler, type TopicPartition } from './consumer.js';
export { KafkaSource } from './source.js';

export const factory: Factory<'source', typeof KafkaConfig, KafkaSource> = {
  kind: 'source',
  type: 'kafka',
  configSchema: KafkaConfig,
  create(config, settings) {
    return new KafkaSource(config, settings);
  },
};
