export { KafkaConfig } from './config.js';
export { createKafka } from './client.js';
export { KafkaRecordProducer } from './producer.js';
export { KafkaBatchConsumer, type ConsumerHandler, type TopicPartition } from './consumer.js';
