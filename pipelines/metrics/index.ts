/** Mesh metric parsing (remote_write, OTLP/JSON metrics, prometheus-kafka-adapter JSON) and per-series scoring. */
export { seriesKey, sampleProblem, type MetricSample } from './sample.js';
export type { MetricEmit, MetricFormat, MetricParser, MetricResult } from './parser.js';
export { WriteRequest, parseRemoteWrite, remoteWriteParser } from './remote-write/remote-write.js';
export { parseOtlpMetrics, otlpMetricsParser } from './otlp-metrics/otlp-metrics.js';
export { adapterMessage, parseAdapterSample, kafkaAdapterParser } from './kafka-adapter/kafka-adapter.js';
export {
  CounterRates,
  ISTIO_COUNTERS,
  ISTIO_HISTOGRAMS,
  metricEdge,
  sampleKind,
  sourceEntity,
} from './istio.js';
export type { MetricEdge } from './meshes.js';
export { MetricsConfig, defaultMetricsConfig } from './config.js';
export { MetricSeriesScorer, METRIC_DETECTOR, type MetricScorerStats } from './scorer.js';
