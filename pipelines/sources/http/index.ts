/** The `http` source: log shippers and Prometheus POST records to meshguard's ingest endpoints. */
import type { Factory } from '../../core/component.js';
import { IngestConfig } from './config.js';
import { HttpSource } from './http-source.js';

export { bearerMatches } from './auth.js';
export { IngestConfig } from './config.js';
export { HttpError } from './http-error.js';
export { HttpSource, type IngestRequest } from './http-source.js';
export type { Rejection, ValidatedRecords } from './log-records.js';

export const factory: Factory<'source', typeof IngestConfig, HttpSource> = {
  kind: 'source',
  type: 'http',
  configSchema: IngestConfig,
  create: (config) => new HttpSource(config),
};
