/**
 * OTLP/JSON metrics (ExportMetricsServiceRequest, as an OTLP/HTTP sender or the collector's Kafka exporter
 * with `encoding: otlp_json` writes it):
 *
 *   {"resourceMetrics":[{"resource":{"attributes":[{"key":"k8s.namespace.name","value":{"stringValue":"shop"}}]},
 *     "scopeMetrics":[{"metrics":[{"name":"istio_requests_total",
 *       "sum":{"aggregationTemporality":2,"isMonotonic":true,
 *              "dataPoints":[{"attributes":[...],"timeUnixNano":"1710000000000000000","asInt":"42"}]}}]}]}]}
 *
 * Gauges and sums become one sample per data point (cumulative monotonic sums are counters, delta sums
 * are increases); histograms and summaries become `<name>_count` and `<name>_sum`, like Prometheus
 * names them. Labels are the resource attributes overlaid by the data point's attributes. int64 values
 * arrive as strings (proto3 JSON). Field names are lowerCamelCase per the spec; snake_case is accepted
 * too. A broken data point is counted in `rejected` without losing its valid neighbours.
 */
import { isRecord, type MetricSample } from './sample.js';

export type OtlpMetricsResult =
  { ok: true; samples: MetricSample[]; rejected: number; reasons: string[] } | { ok: false; reason: string };

const MAX_REASONS = 10;

export function parseOtlpMetrics(input: string | unknown): OtlpMetricsResult {
  let doc: unknown = input;
  if (typeof input === 'string') {
    try {
      doc = JSON.parse(input);
    } catch {
      return { ok: false, reason: 'not JSON' };
    }
  }
  if (!isRecord(doc)) return { ok: false, reason: 'expected an ExportMetricsServiceRequest object' };
  const rms = field(doc, 'resourceMetrics', 'resource_metrics');
  if (!Array.isArray(rms)) return { ok: false, reason: 'missing "resourceMetrics" array' };
  const samples: MetricSample[] = [];
  const reasons: string[] = [];
  let rejected = 0;
  const reject = (why: string): void => {
    rejected++;
    if (reasons.length < MAX_REASONS) reasons.push(why);
  };

  for (const rm of rms) {
    if (!isRecord(rm)) {
      reject('resourceMetrics entry is not an object');
      continue;
    }
    const resource = field(rm, 'resource');
    const base = attributes(isRecord(resource) ? field(resource, 'attributes') : undefined);
    const sms = field(rm, 'scopeMetrics', 'scope_metrics', 'instrumentationLibraryMetrics');
    for (const sm of Array.isArray(sms) ? sms : []) {
      const metrics = isRecord(sm) ? field(sm, 'metrics') : undefined;
      for (const m of Array.isArray(metrics) ? metrics : []) {
        if (!isRecord(m) || typeof m.name !== 'string' || m.name === '') {
          reject('metric without a name');
          continue;
        }
        readMetric(m.name, m, base, samples, reject);
      }
    }
  }
  return { ok: true, samples, rejected, reasons };
}

function readMetric(
  name: string,
  m: Record<string, unknown>,
  base: Record<string, string>,
  out: MetricSample[],
  reject: (why: string) => void,
): void {
  const points = (data: unknown): unknown[] => {
    const dp = isRecord(data) ? field(data, 'dataPoints', 'data_points') : undefined;
    return Array.isArray(dp) ? dp : [];
  };
  const gauge = field(m, 'gauge');
  const sum = field(m, 'sum');
  const histogram =
    field(m, 'histogram') ?? field(m, 'summary') ?? field(m, 'exponentialHistogram', 'exponential_histogram');
  if (gauge !== undefined) {
    for (const p of points(gauge)) numberPoint(name, p, base, 'gauge', out, reject);
  } else if (sum !== undefined) {
    const s = isRecord(sum) ? sum : {};
    const delta = isDelta(field(s, 'aggregationTemporality', 'aggregation_temporality'));
    const monotonic = field(s, 'isMonotonic', 'is_monotonic') === true;
    const kind = delta ? 'delta' : monotonic ? 'counter' : 'gauge';
    for (const p of points(sum)) numberPoint(name, p, base, kind, out, reject);
  } else if (histogram !== undefined) {
    const delta =
      isRecord(histogram) && isDelta(field(histogram, 'aggregationTemporality', 'aggregation_temporality'));
    for (const p of points(histogram)) {
      if (!isRecord(p)) {
        reject(`${name}: data point is not an object`);
        continue;
      }
      const timeMs = nanosToMs(field(p, 'timeUnixNano', 'time_unix_nano'));
      const count = toNumber(p.count);
      if (timeMs === undefined || count === undefined) {
        reject(`${name}: histogram point without a valid time or count`);
        continue;
      }
      const labels = { ...base, ...attributes(p.attributes) };
      const kind = delta ? 'delta' : 'counter';
      out.push({ name: `${name}_count`, labels, timeMs, value: count, kind });
      const total = toNumber(p.sum);
      if (total !== undefined) out.push({ name: `${name}_sum`, labels, timeMs, value: total, kind });
    }
  } else {
    reject(`${name}: no gauge, sum, histogram or summary data`);
  }
}

function numberPoint(
  name: string,
  p: unknown,
  base: Record<string, string>,
  kind: MetricSample['kind'],
  out: MetricSample[],
  reject: (why: string) => void,
): void {
  if (!isRecord(p)) {
    reject(`${name}: data point is not an object`);
    return;
  }
  const timeMs = nanosToMs(field(p, 'timeUnixNano', 'time_unix_nano'));
  if (timeMs === undefined) {
    reject(`${name}: data point without a valid timeUnixNano`);
    return;
  }
  const raw = field(p, 'asDouble', 'as_double') ?? field(p, 'asInt', 'as_int');
  const value = toNumber(raw);
  if (value === undefined) {
    // NaN/Inf doubles are legal OTLP; they just carry nothing to score.
    if (typeof raw === 'string' && /^(nan|-?infinity)$/i.test(raw)) return;
    reject(`${name}: data point without a numeric asDouble/asInt`);
    return;
  }
  out.push({ name, labels: { ...base, ...attributes(p.attributes) }, timeMs, value, kind });
}

function field(o: Record<string, unknown>, ...names: string[]): unknown {
  for (const n of names) if (o[n] !== undefined) return o[n];
  return undefined;
}

function isDelta(t: unknown): boolean {
  return t === 1 || t === 'AGGREGATION_TEMPORALITY_DELTA';
}

function toNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string' && v.trim() !== '') {
    const n = Number(v);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

function nanosToMs(v: unknown): number | undefined {
  if (typeof v === 'string' && /^\d+$/.test(v)) {
    // Exact to the millisecond without going through a lossy 19-digit double.
    return v.length > 6 ? Number(v.slice(0, -6)) : 0;
  }
  if (typeof v === 'number' && Number.isFinite(v) && v >= 0) return Math.floor(v / 1e6);
  return undefined;
}

/** OTLP AnyValue attributes → flat string labels (arrays and maps as JSON). */
function attributes(list: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!Array.isArray(list)) return out;
  for (const kv of list) {
    if (!isRecord(kv) || typeof kv.key !== 'string') continue;
    const v = kv.value;
    if (!isRecord(v)) continue;
    const s =
      v.stringValue ??
      v.string_value ??
      v.intValue ??
      v.int_value ??
      v.doubleValue ??
      v.double_value ??
      v.boolValue ??
      v.bool_value;
    if (s !== undefined) out[kv.key] = String(s);
    else if (v.arrayValue !== undefined || v.kvlistValue !== undefined)
      out[kv.key] = JSON.stringify(v.arrayValue ?? v.kvlistValue);
  }
  return out;
}
