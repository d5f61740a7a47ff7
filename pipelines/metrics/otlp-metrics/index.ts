import { metricParserFactory } from '../parser.js';
import { OtlpMetricsConfig } from './config.js';
import { otlpMetricsParser } from './otlp-metrics.js';

export const factory = metricParserFactory('otlp_metrics', OtlpMetricsConfig, otlpMetricsParser);
