import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

/**
 * Per-series scoring of mesh metrics (metrics/scorer.ts). Not a section of the root config: the scorer
 * runs on these defaults, and tests and callers may override them when they build a MetricSeriesScorer.
 */
export const MetricsConfig = Type.Object(
  {
    enabled: Type.Boolean({ default: true }),
    threshold: Type.Number({
      default: 0.9,
      minimum: 0,
      maximum: 1,
      description: 'Calibrated series score at or above which a finding is reported.',
    }),
    max_series: Type.Integer({
      default: 2000,
      minimum: 1,
      description:
        'Series scored at once; the least recently updated is evicted beyond this (about 130 KB each: 2000 series hold about 250 MB).',
    }),
    cooldown_secs: Type.Integer({
      default: 600,
      minimum: 0,
      description: 'After a finding, the same series reports again only after this much event time.',
    }),
    onset_score: Type.Number({
      default: 0.2,
      minimum: 0,
      maximum: 1,
      description: 'A finding dates its first event back to when the score first rose above this.',
    }),
    history_size: Type.Integer({
      default: 200,
      minimum: 16,
      description: 'Raw scores kept per detector per series for calibration.',
    }),
    warmup_samples: Type.Integer({
      default: 30,
      minimum: 0,
      description: 'Samples per series before it may report.',
    }),
    max_phases: Type.Integer({
      default: 288,
      minimum: 4,
      description: 'Daily phase bins per series (finer scrapes share bins).',
    }),
    ignore: Type.Array(Type.String(), {
      default: [],
      description: 'Metric names (after rate conversion, e.g. `istio_requests_total:rate`) never scored.',
    }),
  },
  { additionalProperties: false, default: {} },
);
export type MetricsConfig = Static<typeof MetricsConfig>;

export const defaultMetricsConfig: MetricsConfig = Value.Default(MetricsConfig, {}) as MetricsConfig;
