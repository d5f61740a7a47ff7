import type { MetricParser, MetricResult } from '../../../pipelines/metrics/index.js';

/** Every result a metric parser emits for one input, in order. */
export function collect<I>(parser: MetricParser<I>, input: I): MetricResult[] {
  const out: MetricResult[] = [];
  parser.parse(input, (r) => out.push(r));
  return out;
}
