/**
 * Mesh metrics into Kafka records: Prometheus remote_write (0.1.0, protobuf) and OTLP/JSON metrics are
 * both produced as prometheus-kafka-adapter JSON samples
 *   {"timestamp":"2024-05-01T10:00:00Z","value":"42","name":"istio_requests_total","labels":{"__name__":...}}
 * so the scorer reads one metrics format whether samples came through ingest or the adapter itself.
 * Keyed by the Istio source workload (`<namespace>/<workload>`), so a workload's series stay on one partition.
 */
import protobuf from 'protobufjs';
import type { Rejection, ValidatedRecords } from '../../pipelines/sources/http/log-records.js';

export interface MetricSample {
  name: string;
  labels: Record<string, string>;
  value: number;
  timestampMs: number;
}

// The remote_write 0.1.0 WriteRequest (prometheus/prompb/remote.proto, types.proto), fields we read.
const root = protobuf.Root.fromJSON({
  nested: {
    prometheus: {
      nested: {
        WriteRequest: { fields: { timeseries: { rule: 'repeated', type: 'TimeSeries', id: 1 } } },
        TimeSeries: {
          fields: {
            labels: { rule: 'repeated', type: 'Label', id: 1 },
            samples: { rule: 'repeated', type: 'Sample', id: 2 },
          },
        },
        Label: { fields: { name: { type: 'string', id: 1 }, value: { type: 'string', id: 2 } } },
        Sample: { fields: { value: { type: 'double', id: 1 }, timestamp: { type: 'int64', id: 2 } } },
      },
    },
  },
});
export const WriteRequest = root.lookupType('prometheus.WriteRequest');

interface DecodedSeries {
  labels?: Array<{ name?: string; value?: string }>;
  samples?: Array<{ value?: number; timestamp?: number | { toNumber(): number } }>;
}

/** Decode an uncompressed remote_write body into samples; throws when it is not a WriteRequest. */
export function decodeRemoteWrite(body: Uint8Array): MetricSample[] {
  const message = WriteRequest.decode(body);
  const { timeseries } = WriteRequest.toObject(message, { longs: Number, defaults: false }) as {
    timeseries?: DecodedSeries[];
  };
  const out: MetricSample[] = [];
  for (const series of timeseries ?? []) {
    const labels: Record<string, string> = {};
    for (const l of series.labels ?? []) if (l.name) labels[l.name] = l.value ?? '';
    for (const s of series.samples ?? [])
      out.push({
        name: labels.__name__ ?? '',
        labels,
        value: s.value ?? 0,
        timestampMs: typeof s.timestamp === 'object' ? s.timestamp.toNumber() : Number(s.timestamp ?? 0),
      });
  }
  return out;
}

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

/**
 * OTLP/JSON ExportMetricsServiceRequest into samples: sums and gauges as is, histograms as _count and _sum.
 * The body is untrusted JSON: a null or wrongly typed node anywhere is a problem reported for that node,
 * never an exception (which would fail the whole request with a 500 and lose the good points beside it).
 */
export function otlpMetricSamples(request: unknown): { samples: MetricSample[]; problems: string[] } {
  const samples: MetricSample[] = [];
  const problems: string[] = [];
  const resourceMetrics = isObject(request) ? request.resourceMetrics : undefined;
  if (!Array.isArray(resourceMetrics))
    return { samples, problems: ['body has no resourceMetrics (OTLP ExportMetricsServiceRequest expected)'] };
  for (const rm of resourceMetrics) {
    if (!isObject(rm)) {
      problems.push('resourceMetrics: an entry is not an object');
      continue;
    }
    const resource = isObject(rm.resource) ? rm.resource : {};
    const resourceLabels = attrs(list(resource.attributes) as OtlpAttribute[], {});
    for (const sm of list(rm.scopeMetrics)) {
      if (!isObject(sm)) {
        problems.push('scopeMetrics: an entry is not an object');
        continue;
      }
      for (const m of list(sm.metrics)) {
        if (!isObject(m)) {
          problems.push('metrics: an entry is not an object');
          continue;
        }
        const name = typeof m.name === 'string' ? m.name : '';
        const histogram = isObject(m.histogram);
        const data = [m.sum, m.gauge, m.histogram].find(isObject);
        if (!data) {
          problems.push(`metric "${name || '(unnamed)'}": only sum, gauge and histogram are supported`);
          continue;
        }
        if (!Array.isArray(data.dataPoints)) {
          problems.push(`metric "${name || '(unnamed)'}": dataPoints is not a list`);
          continue;
        }
        for (const p of data.dataPoints as unknown[]) {
          if (!isObject(p)) {
            problems.push(`metric "${name || '(unnamed)'}": a data point is not an object`);
            continue;
          }
          const point = p as OtlpPoint;
          const labels = attrs(list(point.attributes) as OtlpAttribute[], { ...resourceLabels });
          const timestampMs = Math.floor(Number(point.timeUnixNano ?? 0) / 1e6);
          if (histogram) {
            samples.push({
              name: `${name}_count`,
              labels: { ...labels, __name__: `${name}_count` },
              value: Number(point.count ?? NaN),
              timestampMs,
            });
            samples.push({
              name: `${name}_sum`,
              labels: { ...labels, __name__: `${name}_sum` },
              value: Number(point.sum ?? NaN),
              timestampMs,
            });
          } else {
            samples.push({
              name,
              labels: { ...labels, __name__: name },
              value: Number(point.asDouble ?? point.asInt ?? NaN),
              timestampMs,
            });
          }
        }
      }
    }
  }
  return { samples, problems };
}

/** The largest time a JavaScript Date can hold (ECMA-262): beyond it there is no ISO-8601 form. */
const MAX_DATE_MS = 8.64e15;

function sampleProblem(s: MetricSample): string | undefined {
  if (!s.name) return 'sample has no metric name (__name__ label)';
  if (!Number.isFinite(s.value)) return `${s.name}: value is not a finite number`;
  if (!(s.timestampMs > 0) || s.timestampMs > MAX_DATE_MS) return `${s.name}: missing or invalid timestamp`;
  return undefined;
}

/** The partition key: the Istio source workload of the series. */
function keyOf(labels: Record<string, string>): string | null {
  const workload = labels.source_workload ?? labels.source_app ?? '';
  if (!workload || workload === 'unknown') return null;
  return `${labels.source_workload_namespace ?? labels.source_namespace ?? ''}/${workload}`;
}

export function toRecords(
  samples: MetricSample[],
  format: string,
  problems: string[] = [],
): ValidatedRecords {
  const accepted: ValidatedRecords['accepted'] = [];
  const rejected: Rejection[] = problems.map((reason, index) => ({ index, reason, format, record: '' }));
  samples.forEach((s, index) => {
    const problem = sampleProblem(s);
    // A timestamp outside the Date range has no ISO form (toISOString throws): the DLQ keeps the number.
    const validTime = s.timestampMs > 0 && s.timestampMs <= MAX_DATE_MS;
    const record = JSON.stringify({
      timestamp: validTime ? new Date(s.timestampMs).toISOString() : String(s.timestampMs),
      value: String(s.value),
      name: s.name,
      labels: s.labels,
    });
    if (problem) rejected.push({ index, reason: problem, format, record });
    else accepted.push({ key: keyOf(s.labels), value: record, format });
  });
  return { accepted, rejected };
}

export function remoteWriteRecords(body: Uint8Array): ValidatedRecords {
  let samples: MetricSample[];
  try {
    samples = decodeRemoteWrite(body);
  } catch (error) {
    return toRecords([], 'remote-write', [
      `body is not a remote_write WriteRequest: ${(error as Error).message}`,
    ]);
  }
  return toRecords(samples, 'remote-write');
}

export function otlpMetricRecords(request: unknown): ValidatedRecords {
  const { samples, problems } = otlpMetricSamples(request);
  return toRecords(samples, 'otlp-metrics', problems);
}
