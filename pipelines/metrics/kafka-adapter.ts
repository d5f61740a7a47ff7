/**
 * prometheus-kafka-adapter JSON messages (Telefonica/prometheus-kafka-adapter, SERIALIZATION_FORMAT=json):
 *
 *   {"timestamp":"2024-03-04T10:00:00Z","value":"42","name":"istio_requests_total",
 *    "labels":{"__name__":"istio_requests_total","source_workload":"frontend",...}}
 *
 * `value` is a string (Go's float formatting, so also "NaN", "+Inf"); `timestamp` is RFC 3339. Older
 * adapter versions wrote flat objects with `__timestamp__` / `__value__` / `__name__` next to the
 * labels; both are accepted. One Kafka message may also hold an array of such objects.
 */
import { isRecord, type MetricParseResult, type MetricSample } from './sample.js';

export function parseKafkaAdapterMessage(text: string): MetricParseResult {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  const items = Array.isArray(doc) ? doc : [doc];
  const samples: MetricSample[] = [];
  for (const [i, item] of items.entries()) {
    const one = parseOne(item);
    if (!one.ok) return { ok: false, reason: items.length > 1 ? `item ${i}: ${one.reason}` : one.reason };
    if (one.sample) samples.push(one.sample);
  }
  return { ok: true, samples };
}

function parseOne(item: unknown): { ok: true; sample?: MetricSample } | { ok: false; reason: string } {
  if (!isRecord(item)) return { ok: false, reason: 'expected a JSON object' };
  const flat = !('labels' in item) && ('__value__' in item || '__name__' in item);
  const labels: Record<string, string> = {};
  let name: unknown;
  let rawValue: unknown;
  let rawTime: unknown;
  if (flat) {
    for (const [k, v] of Object.entries(item)) {
      if (k === '__name__' || k === '__value__' || k === '__timestamp__') continue;
      labels[k] = String(v);
    }
    name = item.__name__;
    rawValue = item.__value__;
    rawTime = item.__timestamp__;
  } else {
    if (item.labels !== undefined && !isRecord(item.labels))
      return { ok: false, reason: '"labels" must be an object' };
    for (const [k, v] of Object.entries(item.labels ?? {})) if (k !== '__name__') labels[k] = String(v);
    name = item.name ?? (isRecord(item.labels) ? item.labels.__name__ : undefined);
    rawValue = item.value;
    rawTime = item.timestamp;
  }
  if (typeof name !== 'string' || name === '') return { ok: false, reason: 'missing metric "name"' };
  const value =
    typeof rawValue === 'number' ? rawValue : typeof rawValue === 'string' ? parseGoFloat(rawValue) : NaN;
  if (Number.isNaN(value) && !(typeof rawValue === 'string' && /^nan$/i.test(rawValue.trim())))
    return { ok: false, reason: `unparsable "value": ${JSON.stringify(rawValue)?.slice(0, 40)}` };
  const timeMs = parseTime(rawTime);
  if (timeMs === undefined)
    return { ok: false, reason: `unparsable "timestamp": ${JSON.stringify(rawTime)?.slice(0, 40)}` };
  // NaN is Prometheus' staleness marker and ±Inf carries no level: valid input, nothing to score.
  if (!Number.isFinite(value)) return { ok: true };
  return { ok: true, sample: { name, labels, timeMs, value } };
}

function parseGoFloat(s: string): number {
  const t = s.trim();
  if (/^[+]?inf$/i.test(t)) return Infinity;
  if (/^-inf$/i.test(t)) return -Infinity;
  if (t === '') return NaN;
  return Number(t);
}

function parseTime(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v))
    return Math.abs(v) < 1e11 ? Math.round(v * 1000) : Math.round(v);
  if (typeof v !== 'string' || v.trim() === '') return undefined;
  if (/^-?\d+(\.\d+)?$/.test(v.trim())) return parseTime(Number(v));
  // RFC 3339 needs a zone; Date.parse would read a zone-less time as local time.
  if (!/(Z|[+-]\d{2}:?\d{2})$/i.test(v.trim())) return undefined;
  const ms = Date.parse(v);
  return Number.isFinite(ms) ? ms : undefined;
}
