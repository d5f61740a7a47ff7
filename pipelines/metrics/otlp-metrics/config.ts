import { noConfig } from '../parser.js';

/** OTLP metrics reads no options: the body size limit is the HTTP endpoint's (`ingest.body_limit_bytes`). */
export const OtlpMetricsConfig = noConfig('OTLP/JSON metrics parser (no options).');
