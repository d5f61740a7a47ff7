/** The scorer's one metrics format: a prometheus-kafka-adapter JSON sample (what ingest produces too). */
export interface MetricSampleRecord {
  name: string;
  labels: Record<string, string>;
  value: number;
  timeMs: number;
}

export type MetricSampleResult = { ok: true; sample: MetricSampleRecord } | { ok: false; reason: string };

export function parseMetricSample(text: string): MetricSampleResult {
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
