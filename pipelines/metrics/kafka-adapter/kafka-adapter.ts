/**
 * prometheus-kafka-adapter JSON samples (Telefonica/prometheus-kafka-adapter, SERIALIZATION_FORMAT=json),
 * the one metrics format on the metrics topic: ingest writes remote_write and OTLP samples this way too.
 *
 *   {"timestamp":"2024-05-01T10:00:00Z","value":"42","name":"istio_requests_total","labels":{"__name__":...}}
 */
import type { MetricEmit, MetricParser, MetricResult } from '../parser.js';
import { MAX_DATE_MS, type MetricSample } from '../sample.js';

/** One Kafka message → one sample, or the reason it is not one. */
export function parseAdapterSample(text: string): MetricResult {
  let o: unknown;
  try {
    o = JSON.parse(text);
  } catch (error) {
    return { ok: false, reason: `not JSON: ${(error as Error).message}` };
  }
  if (typeof o !== 'object' || o === null || Array.isArray(o))
    return { ok: false, reason: 'not a JSON object' };
  const r = o as { name?: unknown; value?: unknown; timestamp?: unknown; labels?: unknown };
  const labels =
    typeof r.labels === 'object' && r.labels !== null ? (r.labels as Record<string, string>) : {};
  const name = typeof r.name === 'string' && r.name ? r.name : labels.__name__;
  if (!name) return { ok: false, reason: 'sample has no name' };
  const value = typeof r.value === 'number' ? r.value : Number(r.value);
  if (r.value === undefined || r.value === '' || !Number.isFinite(value))
    return { ok: false, reason: `${name}: value is not a finite number` };
  const timeMs = typeof r.timestamp === 'number' ? r.timestamp : Date.parse(String(r.timestamp ?? ''));
  if (!Number.isFinite(timeMs) || timeMs <= 0)
    return { ok: false, reason: `${name}: missing or invalid timestamp` };
  return { ok: true, sample: { name, labels, value, timeMs } };
}

/**
 * A sample as the adapter writes it (what ingest produces). A time outside the Date range has no ISO form
 * (toISOString throws), so it is kept as the number: such a sample is only ever dead-lettered.
 */
export function adapterMessage(s: MetricSample): string {
  const validTime = s.timeMs > 0 && s.timeMs <= MAX_DATE_MS;
  return JSON.stringify({
    timestamp: validTime ? new Date(s.timeMs).toISOString() : String(s.timeMs),
    value: String(s.value),
    name: s.name,
    labels: s.labels,
  });
}

export const kafkaAdapterParser: MetricParser<string> = {
  format: 'prometheus-kafka-adapter',
  parse: (text: string, emit: MetricEmit) => emit(parseAdapterSample(text)),
};
