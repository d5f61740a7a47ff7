/**
 * Mesh metrics into Kafka records: Prometheus remote_write (0.1.0, protobuf) and OTLP/JSON metrics are
 * both produced as prometheus-kafka-adapter JSON samples
 *   {"timestamp":"2024-05-01T10:00:00Z","value":"42","name":"istio_requests_total","labels":{"__name__":...}}
 * so the scorer reads one metrics format whether samples came through ingest or the adapter itself.
 * Keyed by the Istio source workload (`<namespace>/<workload>`), so a workload's series stay on one partition.
 */
import protobuf from 'protobufjs';
import type { Rejection, ValidatedRecords } from './log-records.js';

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
  const { timeseries } = WriteRequest.toObject(message, { longs: Number, defaults: false }) as { timeseries?: DecodedSeries[] };
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

type OtlpValue = { stringValue?: string; intValue?: string | number; doubleValue?: number; boolValue?: boolean };
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
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.intValue !== undefined) return String(v.intValue);
  if (v.doubleValue !== undefined) return String(v.doubleValue);
  if (v.boolValue !== undefined) return String(v.boolValue);
  return '';
}

function attrs(list: OtlpAttribute[] | undefined, into: Record<string, string>): Record<string, string> {
  for (const a of list ?? []) if (a.key) into[a.key.replace(/[^a-zA-Z0-9_]/g, '_')] = attrValue(a.value);
  return into;
}

/** OTLP/JSON ExportMetricsServiceRequest into samples: sums and gauges as is, histograms as _count and _sum. */
export function otlpMetricSamples(request: unknown): { samples: MetricSample[]; problems: string[] } {
  const samples: MetricSample[] = [];
  const problems: string[] = [];
  const resourceMetrics = (request as { resourceMetrics?: unknown })?.resourceMetrics;
  if (!Array.isArray(resourceMetrics)) return { samples, problems: ['body has no resourceMetrics (OTLP ExportMetricsServiceRequest expected)'] };
  for (const rm of resourceMetrics as Array<{ resource?: { attributes?: OtlpAttribute[] }; scopeMetrics?: unknown[] }>) {
    const resourceLabels = attrs(rm.resource?.attributes, {});
    for (const sm of (rm.scopeMetrics ?? []) as Array<{ metrics?: unknown[] }>) {
      for (const m of (sm.metrics ?? []) as Array<Record<string, { dataPoints?: OtlpPoint[] } | string | undefined>>) {
        const name = typeof m.name === 'string' ? m.name : '';
        const data = (m.sum ?? m.gauge ?? m.histogram) as { dataPoints?: OtlpPoint[] } | undefined;
        if (!data || typeof data !== 'object') {
          problems.push(`metric "${name || '(unnamed)'}": only sum, gauge and histogram are supported`);
          continue;
        }
        for (const p of data.dataPoints ?? []) {
          const labels = attrs(p.attributes, { ...resourceLabels });
          const timestampMs = Math.floor(Number(p.timeUnixNano ?? 0) / 1e6);
          if (m.histogram) {
            samples.push({ name: `${name}_count`, labels: { ...labels, __name__: `${name}_count` }, value: Number(p.count ?? NaN), timestampMs });
            samples.push({ name: `${name}_sum`, labels: { ...labels, __name__: `${name}_sum` }, value: Number(p.sum ?? NaN), timestampMs });
          } else {
            samples.push({ name, labels: { ...labels, __name__: name }, value: Number(p.asDouble ?? p.asInt ?? NaN), timestampMs });
          }
        }
      }
    }
  }
  return { samples, problems };
}

function sampleProblem(s: MetricSample): string | undefined {
  if (!s.name) return 'sample has no metric name (__name__ label)';
  if (!Number.isFinite(s.value)) return `${s.name}: value is not a finite number`;
  if (!(s.timestampMs > 0)) return `${s.name}: missing or invalid timestamp`;
  return undefined;
}

/** The partition key: the Istio source workload of the series. */
function keyOf(labels: Record<string, string>): string | null {
  const workload = labels.source_workload ?? labels.source_app ?? '';
  if (!workload || workload === 'unknown') return null;
  return `${labels.source_workload_namespace ?? labels.source_namespace ?? ''}/${workload}`;
}

export function toRecords(samples: MetricSample[], format: string, problems: string[] = []): ValidatedRecords {
  const accepted: ValidatedRecords['accepted'] = [];
  const rejected: Rejection[] = problems.map((reason, index) => ({ index, reason, format, record: '' }));
  samples.forEach((s, index) => {
    const record = JSON.stringify({
      timestamp: new Date(s.timestampMs > 0 ? s.timestampMs : 0).toISOString(),
      value: String(s.value),
      name: s.name,
      labels: s.labels,
    });
    const problem = sampleProblem(s);
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
    return toRecords([], 'remote-write', [`body is not a remote_write WriteRequest: ${(error as Error).message}`]);
  }
  return toRecords(samples, 'remote-write');
}

export function otlpMetricRecords(request: unknown): ValidatedRecords {
  const { samples, problems } = otlpMetricSamples(request);
  return toRecords(samples, 'otlp-metrics', problems);
}
