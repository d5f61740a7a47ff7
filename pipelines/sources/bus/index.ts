/** The embedded in-process bus: the producer and the source of one process when no Kafka is configured. */
import type { Factory } from '../../core/component.js';
import { BusConfig } from './config.js';
import { EmbeddedBus } from './embedded-bus.js';
import { BusSource } from './source.js';

export { EmbeddedBus, type BatchHandler, type EmbeddedBusOptions } from './embedded-bus.js';
export { TransportBusyError, type InRecord, type OutRecord, type RecordProducer } from './types.js';
export { BusConfig } from './config.js';
export { BusSource } from './source.js';

export const factory: Factory<'source', typeof BusConfig, BusSource> = {
  kind: 'source',
  type: 'bus',
  configSchema: BusConfig,
  create(config, settings) {
    const bus = new EmbeddedBus({ maxPendingRecords: config.max_pending_events, logger: settings.logger });
    return new BusSource(bus, config);
  },
};
