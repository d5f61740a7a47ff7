/**
 * Mesh metrics into Kafka records: Prometheus remote_write and OTLP/JSON metrics are both produced as
 * prometheus-kafka-adapter JSON samples (pipelines/metrics/kafka-adapter), so the scorer reads one metrics
 * format whether samples came through ingest or the adapter itself. Keyed by the series' source (Istio's
 * source workload `<namespace>/<workload>`, Linkerd's caller or own workload, Consul's source service),
 * so each source's series stay on one partition with its other records.
 */
import { sourceEntity } from '../../pipelines/metrics/istio.js';
import { adapterMessage } from '../../pipelines/metrics/kafka-adapter/kafka-adapter.js';
import { otlpMetricsParser } from '../../pipelines/metrics/otlp-metrics/otlp-metrics.js';
import type { MetricParser } from '../../pipelines/metrics/parser.js';
import { remoteWriteParser } from '../../pipelines/metrics/remote-write/remote-write.js';
import type { Rejection, ValidatedRecords } from '../../pipelines/sources/http/log-records.js';

/** The partition key: the Istio source workload of the series, else the other meshes' source. */
function keyOf(labels: Record<string, string>): string | null {
  const workload = labels.source_workload ?? labels.source_app ?? '';
  if (workload && workload !== 'unknown')
    return `${labels.source_workload_namespace ?? labels.source_namespace ?? ''}/${workload}`;
  return sourceEntity(labels) ?? null;
}

/**
 * Parser results → records. Rejections without a sample (parts of the message that could not be read)
 * come first, numbered among themselves; rejected samples follow, numbered by their place among all samples.
 */
function toRecords<I>(parser: MetricParser<I>, input: I): ValidatedRecords {
  const { format } = parser;
  const accepted: ValidatedRecords['accepted'] = [];
  const unreadable: Rejection[] = [];
  const badSamples: Rejection[] = [];
  let sampleIndex = 0;
  parser.parse(input, (result) => {
    if (result.sample === undefined) {
      if (!result.ok)
        unreadable.push({ index: unreadable.length, reason: result.reason, format, record: '' });
      return;
    }
    const index = sampleIndex++;
    const record = adapterMessage(result.sample);
    if (result.ok) accepted.push({ key: keyOf(result.sample.labels), value: record, format });
    else badSamples.push({ index, reason: result.reason, format, record });
  });
  return { accepted, rejected: [...unreadable, ...badSamples] };
}

/** An uncompressed remote_write body (ingest undid the snappy content encoding). */
export function remoteWriteRecords(body: Uint8Array): ValidatedRecords {
  return toRecords(remoteWriteParser, body);
}

/** A decoded OTLP/JSON ExportMetricsServiceRequest. */
export function otlpMetricRecords(request: unknown): ValidatedRecords {
  return toRecords(otlpMetricsParser, request);
}
