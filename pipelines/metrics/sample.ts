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

/** Stable series key: the name plus labels sorted by name (`__name__` excluded), Prometheus-style. */
export function seriesKey(name: string, labels: Record<string, string>): string {
  const keys = Object.keys(labels)
    .filter((k) => k !== '__name__')
    .sort();
  if (keys.length === 0) return name;
  return `${name}{${keys.map((k) => `${k}=${JSON.stringify(labels[k])}`).join(',')}}`;
}

/** The largest time a JavaScript Date can hold (ECMA-262): beyond it there is no ISO-8601 form. */
export const MAX_DATE_MS = 8.64e15;

/** Why a decoded sample cannot be scored (no name, no finite value, no valid time), or undefined. */
export function sampleProblem(s: MetricSample): string | undefined {
  if (!s.name) return 'sample has no metric name (__name__ label)';
  if (!Number.isFinite(s.value)) return `${s.name}: value is not a finite number`;
  if (!(s.timeMs > 0) || s.timeMs > MAX_DATE_MS) return `${s.name}: missing or invalid timestamp`;
  return undefined;
}
