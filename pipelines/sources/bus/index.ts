export { EmbeddedBus, type BatchHandler, type EmbeddedBusOptions } from './embedded-bus.js';
export { TransportBusyError, type InRecord, type OutRecord, type RecordProducer } from './types.js';
