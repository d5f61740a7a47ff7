/** Mesh metric parsing (remote_write, prometheus-kafka-adapter JSON, OTLP/JSON) and per-series scoring. */
export { seriesKey, type MetricSample, type MetricParseResult } from './sample.js';
export { decodeRemoteWrite, encodeRemoteWrite, MAX_UNCOMPRESSED_BYTES } from './remote-write.js';
export { parseKafkaAdapterMessage } from './kafka-adapter.js';
export { parseOtlpMetrics, type OtlpMetricsResult } from './otlp-json.js';
export {
  CounterRates,
  ISTIO_COUNTERS,
  ISTIO_HISTOGRAMS,
  ISTIO_IDENTITY_LABELS,
  sampleKind,
  sourceEntity,
} from './istio.js';
export { MetricsConfig, defaultMetricsConfig } from './config.js';
export { MetricSeriesScorer, METRIC_DETECTOR, type MetricScorerStats } from './scorer.js';
