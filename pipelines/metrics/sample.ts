/** One metric sample, as every metric parser produces it and the series scorer reads it. */
export interface MetricSample {
  name: string;
  labels: Record<string, string>;
  /** Event time in epoch milliseconds. */
  timeMs: number;
  value: number;
  /**
   * How the value accumulates, when the source says so: `counter` (cumulative, may reset), `delta`
   * (the increase since the previous point, OTLP delta sums) or `gauge`. Absent = decide by name
   * (`*_total`, `*_count`, `*_sum`, `*_bucket` and Istio's counters are counters).
   */
  kind?: 'counter' | 'delta' | 'gauge';
}

/** Outcome of parsing one message: samples, or why it was rejected (never a throw). */
export type MetricParseResult = { ok: true; samples: MetricSample[] } | { ok: false; reason: string };

/** Stable series key: the name plus labels sorted by name (`__name__` excluded), Prometheus-style. */
export function seriesKey(name: string, labels: Record<string, string>): string {
  const keys = Object.keys(labels)
    .filter((k) => k !== '__name__')
    .sort();
  if (keys.length === 0) return name;
  return `${name}{${keys.map((k) => `${k}=${JSON.stringify(labels[k])}`).join(',')}}`;
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
