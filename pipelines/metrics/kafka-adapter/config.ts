import { noConfig } from '../parser.js';

/** The adapter parser reads no options. */
export const KafkaAdapterConfig = noConfig('prometheus-kafka-adapter JSON sample parser (no options).');
