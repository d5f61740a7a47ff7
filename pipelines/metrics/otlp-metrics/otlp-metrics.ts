/**
 * OTLP/JSON metrics (ExportMetricsServiceRequest, as an OTLP/HTTP sender writes it), already decoded from
 * JSON by the caller: sums and gauges as they are, histograms as `<name>_count` and `<name>_sum`. Labels
 * are the resource attributes overlaid by the data point's, with characters Prometheus does not allow in a
 * label name replaced by `_`, plus `__name__`. The body is untrusted JSON: a null or wrongly typed node
 * anywhere is a rejection for that node, never an exception (which would fail the whole request and lose
 * the good points beside it).
 */
import type { MetricEmit, MetricParser } from '../parser.js';
import { sampleProblem, type MetricSample } from '../sample.js';

type OtlpValue = {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
};
type OtlpAttribute = { key?: string; value?: OtlpValue };
interface OtlpPoint {
  attributes?: OtlpAttribute[];
  timeUnixNano?: string | number;
  asDouble?: number;
  asInt?: string | number;
  count?: string | number;
  sum?: number;
}

function attrValue(v: OtlpValue | undefined): string {
  if (!v) return '';
  if (v.stringValue !== undefined) return String(v.stringValue);
  if (v.intValue !== undefined) return String(v.intValue);
  if (v.doubleValue !== undefined) return String(v.doubleValue);
  if (v.boolValue !== undefined) return String(v.boolValue);
  return '';
}

function attrs(list: OtlpAttribute[] | undefined, into: Record<string, string>): Record<string, string> {
  for (const a of list ?? [])
    if (typeof a === 'object' && a !== null && typeof a.key === 'string' && a.key)
      into[a.key.replace(/[^a-zA-Z0-9_]/g, '_')] = attrValue(
        typeof a.value === 'object' && a.value !== null ? a.value : undefined,
      );
  return into;
}

/** Arrays and objects from untrusted JSON: anything else (null, a string, a number) reads as empty. */
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** One result per data point sample (two per histogram point) and one rejection per unreadable node. */
export function parseOtlpMetrics(request: unknown, emit: MetricEmit): void {
  const problem = (reason: string): void => emit({ ok: false, reason });
  const sample = (s: MetricSample): void => {
    const reason = sampleProblem(s);
    emit(reason === undefined ? { ok: true, sample: s } : { ok: false, reason, sample: s });
  };
  const resourceMetrics = isObject(request) ? request.resourceMetrics : undefined;
  if (!Array.isArray(resourceMetrics)) {
    problem('body has no resourceMetrics (OTLP ExportMetricsServiceRequest expected)');
    return;
  }
  for (const rm of resourceMetrics) {
    if (!isObject(rm)) {
      problem('resourceMetrics: an entry is not an object');
      continue;
    }
    const resource = isObject(rm.resource) ? rm.resource : {};
    const resourceLabels = attrs(list(resource.attributes) as OtlpAttribute[], {});
    for (const sm of list(rm.scopeMetrics)) {
      if (!isObject(sm)) {
        problem('scopeMetrics: an entry is not an object');
        continue;
      }
      for (const m of list(sm.metrics)) {
        if (!isObject(m)) {
          problem('metrics: an entry is not an object');
          continue;
        }
        const name = typeof m.name === 'string' ? m.name : '';
        const histogram = isObject(m.histogram);
        const data = [m.sum, m.gauge, m.histogram].find(isObject);
        if (!data) {
          problem(`metric "${name || '(unnamed)'}": only sum, gauge and histogram are supported`);
          continue;
        }
        if (!Array.isArray(data.dataPoints)) {
          problem(`metric "${name || '(unnamed)'}": dataPoints is not a list`);
          continue;
        }
        for (const p of data.dataPoints as unknown[]) {
          if (!isObject(p)) {
            problem(`metric "${name || '(unnamed)'}": a data point is not an object`);
            continue;
          }
          const point = p as OtlpPoint;
          const labels = attrs(list(point.attributes) as OtlpAttribute[], { ...resourceLabels });
          const timeMs = Math.floor(Number(point.timeUnixNano ?? 0) / 1e6);
          if (histogram) {
            sample({
              name: `${name}_count`,
              labels: { ...labels, __name__: `${name}_count` },
              value: Number(point.count ?? NaN),
              timeMs,
            });
            sample({
              name: `${name}_sum`,
              labels: { ...labels, __name__: `${name}_sum` },
              value: Number(point.sum ?? NaN),
              timeMs,
            });
          } else {
            sample({
              name,
              labels: { ...labels, __name__: name },
              value: Number(point.asDouble ?? point.asInt ?? NaN),
              timeMs,
            });
          }
        }
      }
    }
  }
}

export const otlpMetricsParser: MetricParser<unknown> = { format: 'otlp-metrics', parse: parseOtlpMetrics };
