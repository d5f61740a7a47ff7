import { metricParserFactory } from '../parser.js';
import { KafkaAdapterConfig } from './config.js';
import { kafkaAdapterParser } from './kafka-adapter.js';

export const factory = metricParserFactory('kafka_adapter', KafkaAdapterConfig, kafkaAdapterParser);
